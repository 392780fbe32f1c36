"""Train: set up a run with explained knobs and a live memory estimate, queue it, watch it, stop/resume, export.

Runs are subprocesses managed by `ftlib.runs`; everything shown here is read from the run folders on disk, so
a browser refresh, a second tab or an app restart shows the same live run. The page polls (a fragment with
`run_every`) only while a run is queued or running, and reruns once when it ends.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ftlib import runs
from ftlib.memory import estimate, human, model_shape
from ftlib.templates import TEMPLATE_NAMES
from ftlib.tokens import POLICIES, POLICY_HELP, encode_row, is_preference
from ftlib.training import DEFAULT_LR, DPO_TUNING, METHODS, SCHEDULERS, ConfigError, RunConfig, field_help
from ui.charts import run_figures
from ui.common import (
    active_model,
    active_split_name,
    cached_split,
    cached_tokenizer,
    deferred_download,
    show_download_failure,
    user_errors,
)

POLL_SECONDS = 2.0
ACTIVE = ("queued", *runs.ACTIVE)
DEFAULTS = RunConfig()
METHOD_TEXT = {
    "lora": "**LoRA** freezes the model and trains a small add-on (an *adapter*, a few % of the weights). Fast, "
    "light on memory, and the result is a small file. The usual first choice.",
    "qlora": "**QLoRA** is LoRA on a copy of the model squeezed into 4 bits: the least memory, so bigger models fit "
    "on one GPU. A little slower and slightly less exact (on CPU it is much slower).",
    "full": "**Full fine-tuning** updates every weight: the most capacity, but it needs about four times the model's "
    "size in memory (weights, gradients, optimizer state) and the result is a whole model copy.",
    "dpo": "**DPO** learns from pairs of a better (*chosen*) and a worse (*rejected*) answer to the same prompt: it "
    "makes answers like the chosen ones more likely than the rejected ones, with no reward model. "
    "It needs a preference dataset and trains a LoRA adapter (or every weight).",
}
STATE_ICON = {"queued": "⏳", "running": "🏃", "stopping": "✋", "finished": "✅", "failed": "❌", "interrupted": "⏸️"}


def explain(name: str) -> None:
    st.caption(field_help(name))


@st.cache_data(max_entries=8, show_spinner="Measuring token lengths...")
def longest_row(model: str, split: str, template: str, policy: str, max_length: int) -> int:
    """Longest encoded training sequence of the split (what the biggest batch pads to)."""
    train, _, _ = cached_split(split)
    tokenizer = cached_tokenizer(model)
    longest = 0
    for row in train[:2000]:
        enc = encode_row(row, tokenizer, template, policy, max_length)
        parts = (enc.chosen, enc.rejected) if is_preference(row) else (enc,)
        longest = max(longest, *(len(p.input_ids) for p in parts))
    return longest or max_length


@st.cache_resource(show_spinner=False)
def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_shape(model: str):
    return model_shape(model)


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return str(dt.timedelta(seconds=int(seconds)))


# ---------------------------------------------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------------------------------------------


def settings_form(model: str, split: str, preference: bool) -> dict:
    """Widgets for every knob, each with a one-sentence explanation; returns the config values."""
    values: dict = {"model": model, "dataset": split}
    methods = ["dpo"] if preference else [m for m in METHODS if m != "dpo"]
    st.markdown("**Method**")
    if preference:
        st.caption("This dataset holds preference pairs, so the method is DPO.")
    method = st.radio(
        "Method",
        methods,
        horizontal=True,
        key=f"train_method_{'pref' if preference else 'sft'}",
        index=methods.index("dpo" if preference else DEFAULTS.method),
        label_visibility="collapsed",
        format_func={"full": "Full", "lora": "LoRA", "qlora": "QLoRA", "dpo": "DPO"}.get,
    )
    with st.expander("LoRA, QLoRA, full or DPO: which one?", expanded=False):
        for name in METHODS:
            st.markdown(METHOD_TEXT[name])
    st.info(METHOD_TEXT[method])
    values["method"] = method
    if method == "dpo":
        values["dpo_tuning"] = st.radio(
            "DPO trains",
            DPO_TUNING,
            horizontal=True,
            key="train_dpo_tuning",
            format_func={"lora": "a LoRA adapter", "qlora": "a LoRA adapter on 4 bits", "full": "every weight"}.get,
        )
        explain("dpo_tuning")
    tuning = values.get("dpo_tuning", method) if method == "dpo" else method
    lr_key = ("dpo", tuning) if method == "dpo" else method

    c1, c2, c3 = st.columns(3)
    with c1:
        values["learning_rate"] = st.number_input(
            "Learning rate",
            min_value=1e-7,
            max_value=0.5,
            value=float(DEFAULT_LR[lr_key]),
            format="%.1e",
            step=1e-5,
            key=f"train_lr_{method}_{tuning}",
        )
        explain("learning_rate")
        values["epochs"] = st.number_input("Epochs", 0.5, 100.0, float(DEFAULTS.epochs), step=0.5, key="train_epochs")
        explain("epochs")
    with c2:
        values["batch_size"] = int(st.number_input("Batch size", 1, 1024, DEFAULTS.batch_size, key="train_batch"))
        explain("batch_size")
        values["max_steps"] = int(st.number_input("Max steps (0 = use epochs)", 0, 1_000_000, 0, key="train_steps"))
        explain("max_steps")
    with c3:
        values["max_length"] = int(
            st.number_input("Max length (tokens)", 16, 131072, DEFAULTS.max_length, step=32, key="train_max_length")
        )
        explain("max_length")
        values["eval_every"] = int(
            st.number_input(
                "Evaluate every N steps (0 = each epoch)", 0, 100_000, DEFAULTS.eval_every, key="train_eval_every"
            )
        )
        explain("eval_every")

    c1, c2 = st.columns(2)
    with c1:
        templates = list(TEMPLATE_NAMES[:-1])  # a custom template is edited on the Tokens page
        chosen = st.session_state.get("tok_template", "tokenizer")
        values["template"] = st.selectbox(
            "Chat template",
            templates,
            key="train_template",
            index=templates.index(chosen) if chosen in templates else templates.index("tokenizer"),
        )
        explain("template")
    with c2:
        chosen = st.session_state.get("tok_policy", DEFAULTS.mask_policy)
        values["mask_policy"] = st.selectbox(
            "Mask policy",
            POLICIES,
            key="train_policy",
            index=POLICIES.index(chosen) if chosen in POLICIES else 0,
            format_func=lambda p: p.replace("_", " "),
        )
        st.caption(f"Trained: {POLICY_HELP[values['mask_policy']]}. The Tokens page shows exactly these labels.")

    with st.expander("More settings", expanded=False):
        if tuning in ("lora", "qlora"):
            st.markdown("**Adapter (LoRA)**")
            a1, a2, a3 = st.columns(3)
            values["lora_r"] = int(a1.number_input("Rank r", 1, 1024, DEFAULTS.lora_r, key="train_lora_r"))
            a1.caption(field_help("lora_r"))
            values["lora_alpha"] = int(a2.number_input("Alpha", 1, 4096, DEFAULTS.lora_alpha, key="train_lora_alpha"))
            a2.caption(field_help("lora_alpha"))
            values["lora_dropout"] = a3.number_input(
                "Dropout", 0.0, 0.9, DEFAULTS.lora_dropout, step=0.05, key="train_lora_dropout"
            )
            a3.caption(field_help("lora_dropout"))
            targets = st.text_input("Target layers", ", ".join(DEFAULTS.lora_targets), key="train_lora_targets")
            values["lora_targets"] = [t.strip() for t in targets.split(",") if t.strip()]
            explain("lora_targets")
        if tuning == "qlora":
            q1, q2 = st.columns(2)
            values["quant_type"] = q1.selectbox("4-bit format", ("nf4", "fp4"), key="train_quant")
            q1.caption(field_help("quant_type"))
            values["double_quant"] = q2.toggle("Double quantization", DEFAULTS.double_quant, key="train_dq")
            q2.caption(field_help("double_quant"))
        if method == "dpo":
            values["dpo_beta"] = st.number_input(
                "DPO beta", 0.001, 10.0, DEFAULTS.dpo_beta, step=0.05, key="train_beta"
            )
            explain("dpo_beta")
        st.markdown("**Schedule**")
        s1, s2, s3 = st.columns(3)
        values["scheduler"] = s1.selectbox("Learning-rate schedule", SCHEDULERS, key="train_scheduler")
        s1.caption(field_help("scheduler"))
        values["warmup_ratio"] = s2.number_input(
            "Warmup share", 0.0, 0.9, DEFAULTS.warmup_ratio, step=0.01, key="train_warmup"
        )
        s2.caption(field_help("warmup_ratio"))
        values["grad_accum"] = int(s3.number_input("Gradient accumulation", 1, 1024, 1, key="train_accum"))
        s3.caption(field_help("grad_accum"))
        s1, s2, s3 = st.columns(3)
        values["weight_decay"] = s1.number_input(
            "Weight decay", 0.0, 1.0, DEFAULTS.weight_decay, step=0.01, key="train_wd"
        )
        s1.caption(field_help("weight_decay"))
        values["max_grad_norm"] = s2.number_input(
            "Max gradient norm", 0.0, 100.0, DEFAULTS.max_grad_norm, step=0.1, key="train_clip"
        )
        s2.caption(field_help("max_grad_norm"))
        values["save_every"] = int(
            s3.number_input("Checkpoint every N steps", 0, 100_000, DEFAULTS.save_every, key="train_save_every")
        )
        s3.caption(field_help("save_every"))
        st.markdown("**Hardware and reproducibility**")
        h1, h2, h3 = st.columns(3)
        values["device"] = h1.selectbox(
            "Device", ("auto", "cpu", "cuda") if cuda_available() else ("auto", "cpu"), key="train_device"
        )
        h1.caption(field_help("device"))
        values["dtype"] = h2.selectbox("Weights dtype", ("auto", "float32", "bfloat16", "float16"), key="train_dtype")
        h2.caption(field_help("dtype"))
        values["seed"] = int(h3.number_input("Seed", 0, 2**31 - 1, DEFAULTS.seed, key="train_seed"))
        h3.caption(field_help("seed"))
        t1, t2 = st.columns(2)
        values["gradient_checkpointing"] = t1.toggle("Gradient checkpointing", False, key="train_gc")
        t1.caption(field_help("gradient_checkpointing"))
        if method != "dpo":
            values["packing"] = t2.toggle("Packing", False, key="train_packing")
            t2.caption(field_help("packing"))
        values["name"] = st.text_input("Run name (optional)", "", key="train_name")
        explain("name")
    return values


def memory_panel(config: RunConfig, split: str) -> None:
    """The estimate for the current settings; it updates whenever a knob changes."""
    with user_errors("Could not estimate memory"):
        seq = longest_row(config.model, split, config.template, config.mask_policy, config.max_length)
        est = estimate(config, seq_len=seq, shape=cached_shape(config.model))
    c1, c2 = st.columns([1, 2])
    with c1:
        st.metric(
            "Estimated peak memory",
            human(est.total),
            help="Weights + gradients + optimizer state + activations, for the longest batch of this dataset.",
        )
        where = "GPU memory" if est.device.startswith("cuda") else "free RAM"
        if est.fits is False:
            st.error(
                f"More than the {human(est.available)} of {where} on {est.device}. Lower the batch size or max "
                "length, turn on gradient checkpointing, or use LoRA/QLoRA."
            )
        elif est.fits:
            st.success(f"Fits: {human(est.available)} of {where} on {est.device}.")
        st.caption(
            f"{est.trainable / 1e6:.2f}M of {est.params / 1e6:.0f}M parameters trained; longest sequence {seq} tokens."
        )
    with c2:
        table = pd.DataFrame(
            [
                {"part": part, "memory": human(n), "share": n / max(est.total, 1), "what": what}
                for part, n, what in est.rows()
            ]
        )
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "share": st.column_config.ProgressColumn("share", min_value=0.0, max_value=1.0, format="percent")
            },
        )


# ---------------------------------------------------------------------------------------------------------------
# A run, live
# ---------------------------------------------------------------------------------------------------------------


def live_numbers(metrics: list[dict]) -> None:
    """The latest step's loss, throughput and model FLOPs utilization."""
    last = next((row for row in reversed(metrics) if row.get("kind") == "train"), None)
    if last is None:
        return
    c1, c2, c3 = st.columns(3)
    if last.get("loss") is not None:
        c1.metric("Loss", f"{last['loss']:.4f}")
    if last.get("tokens_per_s") is not None:
        c2.metric("Tokens/s", f"{last['tokens_per_s']:,.0f}", help="Non-padding tokens trained per second.")
    if last.get("mfu") is not None:
        c3.metric(
            "MFU",
            f"{last['mfu']:.1%}",
            help="Model FLOPs utilization: the FLOPs the model needs for these "
            "tokens over the matmul peak measured on this device, in this dtype, when the run started.",
        )


def show_run(run_id: str) -> None:
    """Status, progress, charts and controls of one run (called inside a polling fragment)."""
    try:
        runs.advance()  # notices a dead process and starts the next queued run
        info = runs.get(run_id)
    except runs.RunError as exc:
        st.warning(str(exc))
        return
    state = info["state"]
    st.markdown(f"#### {STATE_ICON.get(state, '')} `{run_id}` — {state}")
    st.caption(" · ".join(x for x in (info["method"], info["dataset"], info.get("phase") or "", info["message"]) if x))
    if state in ACTIVE or info["max_steps"]:
        eta = f" · about {fmt_seconds(info['eta_s'])} left" if info["eta_s"] is not None else ""
        st.progress(
            float(info["progress"]),
            text=f"step {info['step']} of {info['max_steps'] or '?'} · {fmt_seconds(info['duration_s'])} elapsed{eta}",
        )
    metrics = info["metrics"]
    live_numbers(metrics)
    b1, b2, _ = st.columns([1, 1, 4])
    if state in ("queued", "running"):
        if b1.button("Stop", key=f"stop_{run_id}", help="Saves a checkpoint after the current step; resume later."):
            with user_errors("Could not stop the run"):
                runs.stop(run_id)
            st.rerun(scope="fragment")
    if info["resumable"]:
        if b2.button("Resume", key=f"resume_{run_id}", help="Continues from the last checkpoint."):
            with user_errors("Could not resume the run"):
                runs.resume(run_id)
            st.rerun()
    if state == "failed":
        st.error(info["message"])
    if state in ("failed", "interrupted") and info.get("log_tail"):
        with st.expander("Last log lines"):
            st.code("\n".join(info["log_tail"]))
    if metrics:
        figures = run_figures(metrics, dpo=info["config"].get("method") == "dpo")
        for i in range(0, len(figures), 2):
            cols = st.columns(2)
            for col, fig in zip(cols, figures[i : i + 2], strict=False):
                col.plotly_chart(fig, width="stretch", key=f"chart_{run_id}_{i}_{fig.layout.title.text}")
    elif state in ACTIVE:
        st.caption("The first numbers appear after the first training step.")
    watching = st.session_state.setdefault("train_watching", set())
    if state in ACTIVE:
        watching.add(run_id)
    elif run_id in watching:
        watching.discard(run_id)
        st.rerun()  # once: stop polling and show the finished run's exports


def export_panel(run_id: str) -> None:
    info = runs.summary(runs.run_dir(run_id))
    if info["state"] != "finished":
        return
    st.markdown("#### Export")
    path = runs.run_dir(run_id)
    # (name, what to zip, caption): zipped (and, for `merged`, built) only when the button is clicked.
    if (path / "adapter" / "adapter_config.json").is_file():
        downloads = [
            (
                "adapter",
                lambda: runs.export_adapter(run_id),
                "Small: load it on top of the base model with `PeftModel.from_pretrained(base, folder)`.",
            ),
            (
                "merged",
                lambda: runs.export_merged(run_id),
                "The adapter merged into the base: a plain model for `AutoModelForCausalLM.from_pretrained`. "
                "Preparing it takes a moment.",
            ),
        ]
    elif (path / "model" / "config.json").is_file():
        downloads = [
            (
                "model",
                lambda: path / "model",
                "A full model folder (safetensors) for `AutoModelForCausalLM.from_pretrained`.",
            )
        ]
    else:
        downloads = []
    labels = {
        "adapter": "Download the adapter (PEFT, .zip)",
        "merged": "Download the merged model (.zip)",
        "model": "Download the model (.zip)",
    }
    for kind, _, _ in downloads:
        show_download_failure(f"dl_{kind}_{run_id}")  # e.g. a full disk while zipping, from the last click
    for column, (kind, folder, caption) in zip(st.columns(2), downloads, strict=False):
        key = f"dl_{kind}_{run_id}"
        column.download_button(
            labels[kind],
            key=key,
            mime="application/zip",
            file_name=f"{run_id}-{kind}.zip",
            data=deferred_download(key, lambda folder=folder: runs.zip_folder(folder())),
        )
        column.caption(caption)
    st.caption(f"On this machine: `{path}`")


def runs_table(rows: list[dict]) -> None:
    table = pd.DataFrame(
        [
            {
                "run": r["id"],
                "status": f"{STATE_ICON.get(r['state'], '')} {r['state']}",
                "method": r["method"],
                "dataset": r["dataset"],
                "steps": f"{r['step']}/{r['max_steps'] or '?'}",
                "duration": fmt_seconds(r["duration_s"]),
                "train loss": r["train_loss"],
                "eval loss": r["eval_loss"],
                "started": dt.datetime.fromtimestamp(r["started"]).strftime("%Y-%m-%d %H:%M") if r["started"] else "",
            }
            for r in rows
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "train loss": st.column_config.NumberColumn(format="%.4f"),
            "eval loss": st.column_config.NumberColumn(format="%.4f"),
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------------

st.title("Train")
st.caption(
    "Pick a method, check the memory it needs, press Start, and watch the run. Runs keep going if you close "
    "the tab; come back any time."
)

model = active_model()
split = active_split_name()
st.subheader("New run")
if not split:
    st.info("No dataset yet. Load one on the **Data** page and save a train/test split first.")
    try:
        st.page_link("pages/1_Data.py", label="Go to Data", icon="📂")
    except st.errors.StreamlitAPIException:
        pass  # the page runs on its own (tests, `streamlit run pages/4_Train.py`): no navigation to link into
else:
    with user_errors("Could not open the saved split"):
        train, test, _meta = cached_split(split)
    preference = bool(train) and is_preference(train[0])
    st.caption(
        f"Model **{model}** · dataset **{split}**: {len(train)} training rows, {len(test)} held out for "
        "evaluation. Change them in the sidebar and on the Data page."
    )
    values = settings_form(model, split, preference)
    config = None
    try:
        config = RunConfig.from_dict(values)
    except ConfigError as exc:
        st.error(str(exc))
    if config is not None:
        memory_panel(config, split)
        if st.button("Start training", type="primary", key="train_start"):
            with user_errors("Could not start the run"):
                run_id = runs.submit(config)
            st.session_state["train_selected"] = run_id
            st.session_state["train_view"] = run_id  # the runs list below shows the new run
            st.toast(f"Queued {run_id}")
            st.rerun()

st.divider()
st.subheader("Runs")
all_runs = runs.list_runs()
if not all_runs:
    st.caption("No runs yet.")
else:
    ids = [r["id"] for r in all_runs]
    active = [r["id"] for r in all_runs if r["state"] in ACTIVE]
    selected = st.session_state.get("train_selected")
    default = selected if selected in ids else (active[0] if active else ids[0])
    states = {r["id"]: r["state"] for r in all_runs}
    run_id = st.selectbox(
        "Run",
        ids,
        index=ids.index(default),
        key="train_view",
        format_func=lambda i: f"{STATE_ICON.get(states[i], '')} {i}",
    )
    st.session_state["train_selected"] = run_id

    # Poll only while something is queued or running; a finished page costs nothing.
    @st.fragment(run_every=POLL_SECONDS if active else None)
    def live() -> None:
        show_run(run_id)

    live()
    export_panel(run_id)
    runs_table(all_runs)
