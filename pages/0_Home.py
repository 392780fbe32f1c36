"""Home: the fine-tuning pipeline in plain words, with a link to each step.

Cheap on purpose: it names the active model but never loads it.
"""

from __future__ import annotations

import streamlit as st

from ftlib.model_names import model_said
from ui import nav
from ui.auth import require_password
from ui.common import active_model, active_split_name

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()

STEPS = [
    (
        "data",
        "📂",
        "Load a file (JSONL, JSON, CSV, TSV, Parquet). See its format, the rows that cannot be used and why, "
        "and save a train/test split.",
    ),
    (
        "tokens",
        "🔤",
        "See one example the way the model sees it: the chat template's text, every token, and which tokens "
        "are trained and which are masked.",
    ),
    (
        "batches",
        "🧱",
        "See how examples are padded or packed together into batches, and how much space is wasted.",
    ),
    (
        "train",
        "🏋️",
        "Pick a method (LoRA, QLoRA, full, DPO, KTO, a reward model or GRPO), press Start training and watch it "
        "learn. Runs survive a refresh.",
    ),
    (
        "compare",
        "🎲",
        "One prompt, many decoding settings, base model and fine-tuned model side by side, with the "
        "probabilities behind each token.",
    ),
    (
        "evaluate",
        "📊",
        "Base vs fine-tuned on the held-out test split: did fine-tuning change anything?",
    ),
]

CARD_WIDTH = 255  # pixels: three cards a row beside the sidebar at 1280 px, one at 800 px

# The lifecycle of a chat model, and where each method of the Train page sits in it.
LIFECYCLE = [
    (
        "1. Pre-training",
        "A model reads a huge amount of text and learns to continue it. The result is a **base model**: it knows a "
        "lot, but it does not answer questions, it just keeps writing. (Done before you arrive: the studio starts "
        "from a model that already exists.)",
    ),
    (
        "2. Supervised fine-tuning (SFT)",
        "The model is shown example conversations and learns to write answers like them: the usual first step, "
        "and the one that teaches a style or a task. Methods: **LoRA**, **QLoRA**, **full**. Data: conversations "
        "with answers.",
    ),
    (
        "3. A reward model",
        "A second model learns to *judge* answers: from pairs of a better and a worse answer it learns to give "
        "any answer a score. It writes nothing itself. Method: **reward**. Data: chosen/rejected pairs.",
    ),
    (
        "4. Preference tuning",
        "The model learns what people prefer without a reward model: **DPO** from pairs (raise the chosen answer's "
        "likelihood, against the starting model, more than the rejected one's), **KTO** from single answers marked "
        "good or bad (thumbs up or down).",
    ),
    (
        "5. Reinforcement learning",
        'The model writes several answers to each prompt, a reward scores them (a rule such as "starts with '
        'Ahoy!", or the reward model of step 3), and the better answers are made more likely. Method: **GRPO**. '
        "Data: prompts only; you see what the rewards score before you start.",
    ),
]

CONCEPTS = [
    (
        "Base vs instruct model",
        "A **base** model has only read a lot of text: it continues whatever you write. An **instruct** (chat) "
        "model was fine-tuned further on conversations, so it answers questions and follows instructions. "
        "Fine-tuning here usually starts from an instruct model and teaches it your style or task.",
    ),
    (
        "Tokenizer",
        "Models read numbers, not letters. The **tokenizer** cuts text into pieces (tokens: words, parts of "
        "words, punctuation) and gives each a number (its id). Lengths and limits are counted in tokens, "
        "not characters.",
    ),
    (
        "Chat template",
        "A conversation has turns (system, user, assistant). The **chat template** turns them into one string "
        "with markers such as `<|im_start|>user ... <|im_end|>`, exactly the way the model was trained. "
        "Training with the wrong template teaches the model the wrong markers.",
    ),
    (
        "Masking, labels and -100",
        "Each token has a **label**: the token the model should predict. Tokens we do not want to train on "
        '(the user\'s question, the system prompt, padding) get the label **-100**, which means "ignore": '
        "the model still reads them but is not graded on them. By default the studio trains only the "
        "assistant's answers, end-of-turn marker included, so the model learns to answer and to stop (TRL's "
        "SFTTrainer trains every token of a chat row unless `assistant_only_loss=True`).",
    ),
    (
        "Full fine-tuning, LoRA and QLoRA",
        "**Full fine-tuning** updates every weight: best quality, most memory. **LoRA** freezes the model and "
        "trains small extra matrices beside some layers (under 1% of the weights on large models, a few % on small "
        "ones such as the studio's default): far less memory, a small file to save. **QLoRA** is LoRA on a model "
        "stored in 4 bits, for large models on small GPUs.",
    ),
    (
        "DPO (preference tuning)",
        "Instead of one right answer, each example has a prompt, a **chosen** answer and a **rejected** one. "
        "**DPO** nudges the model to raise the chosen answer's likelihood more than the rejected one's, each "
        "measured against a frozen copy of the starting model, without training a separate reward model.",
    ),
    (
        "Rewards and GRPO (reinforcement learning)",
        "A **reward** is a score for an answer: a rule (does it match a pattern, is it near a length, does it "
        "repeat itself) or a trained **reward model**. **GRPO** asks the model for several answers to the same "
        "prompt, compares their rewards, and nudges the model towards the ones that scored above the group's "
        "average. A small **KL** penalty (beta) keeps it from drifting too far from where it started.",
    ),
    (
        "Sampling: greedy, temperature, top-k, top-p",
        "At each step the model gives a probability for every possible next token. **Greedy** always takes the "
        "most likely one (repeatable, can be dull). **Temperature** flattens (>1) or sharpens (<1) the "
        "probabilities before picking at random. **Top-k** keeps only the k most likely tokens; **top-p** "
        "keeps the smallest set whose probabilities reach at least p.",
    ),
]

st.title("🧪 Fine-tuning studio")
st.markdown(
    "Fine-tune a language model in the browser and **see every step**: what the data becomes, which tokens "
    "are trained, how batches are built, how training goes, and what changed afterwards."
)

model = active_model()
split = active_split_name()
with st.container(border=True):
    left, right = st.columns(2)
    shown = model_said(model)  # the embedded default by its name, as every page and the CLI say it
    left.markdown(f"**Active model**  \n`{shown}`")
    left.caption("Change it in the sidebar.")
    right.markdown(f"**Active dataset**  \n`{split}`" if split else "**Active dataset**  \nnone yet")
    right.caption("Saved splits live in the workspace and survive a refresh.")

st.subheader("The pipeline")
# Cards of a fixed width in a row that wraps: as many a row as the screen holds (st.columns(3) and st.columns(5) cut
# words mid-way at 800 px: "Pre-trainin g", "Open Batche").
cards = st.container(horizontal=True)
for number, (page, icon, text) in enumerate(STEPS, start=1):
    with cards.container(border=True, width=CARD_WIDTH):
        st.markdown(f"#### {icon} {number}. {nav.title(page)}")
        st.markdown(text)
        nav.link(page, label=f"Open {nav.title(page)}", icon="➡️")

st.subheader("The lifecycle of a chat model")
st.caption("Where each method of the Train page sits. Most projects do step 2; steps 3-5 align the model further.")
stages = st.container(horizontal=True)
for title, text in LIFECYCLE:
    with stages.container(border=True, width=CARD_WIDTH):
        st.markdown(f"**{title}**")
        st.markdown(text)

st.subheader("The ideas, in plain words")
left, right = st.columns(2)
for i, (title, text) in enumerate(CONCEPTS):
    with (left if i % 2 == 0 else right).expander(title, expanded=i < 2):
        st.markdown(text)
