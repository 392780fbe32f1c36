import streamlit as st

st.title("Tokens")
st.info("This page is being built.")
