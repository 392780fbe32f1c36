import streamlit as st

st.title("Batches")
st.info("This page is being built.")
