"""One batched decoding loop with per-row settings and models (the settings and logits processing: ftlib.decoding).

The loop (`generate_stream`) runs many rows at once: each row has its own prompt, its own decoding setting
(greedy, temperature, top-k, top-p, min-p, repetition penalty) and its own model (the base or a named LoRA adapter,
mixed in one batch through PEFT's `adapter_names`). The batch is left-padded, the prompt goes through the
model once with a KV cache, then every step feeds one token per row. N settings x M models therefore
cost about one batched generation instead of N x M `generate` calls.

What is guaranteed (and tested):
- A greedy row equals `model.generate(do_sample=False)` on the same prompt token for token, in float32 (a CPU's
  dtype). In bf16 (a GPU's) a row batched beside prompts of other lengths can differ from it alone, as `generate`'s
  own left-padded batches do: bf16's rounding changes with the padding and the matmul shapes (a cold review:
  "assist" alone, "help" batched, on SmolLM2 in bf16 for ftlib and for batched `generate` alike). Rows of one
  prompt (the Compare grid's settings) are not padded and still match.
- A sampled row draws from its own `torch.Generator`, seeded from (seed, the row's setting); it does not
  share random numbers with the other rows, so the same seed, setting, model and prompt give the same
  sample run after run, whichever other rows share the batch. Rows of base and tuned with the same
  setting get the same random stream (a fairer comparison). Batch composition can still change the
  logits in the last floating-point bits (different padding and matmul shapes), which in rare near-ties
  can flip a token; on a given machine a given batch is bit-for-bit reproducible.
- A one-row sampled run equals `torch.manual_seed(row_seed(seed, setting)); model.generate(do_sample=True)`.

    python -m ftlib sample --prompt "Hi" --setting greedy --setting temperature=0.8,top_p=0.9 --json

Which models a comparison runs (a base with adapters, full fine-tunes beside it), and decoding over them
(`generate_with_set`, the background `GenerationJob`), is `ftlib.modelset`. Not known here: chat-template internals
(templates.py), how runs are written (training.py/runs.py), and anything about Streamlit.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

# The settings and logits processing live in ftlib.decoding; they are part of this module's API as they always were.
from ftlib.decoding import (  # noqa: F401
    DEFAULT_NEW_TOKENS,
    GREEDY,
    PRESETS,
    DecodingSetting,
    SamplingError,
    parse_setting,
    penalize_repeats,
    process_logits,
    row_seed,
    settings_on_device,
)

# A token's text and an answer's growing text live in ftlib.token_pieces; imported here as they always were.
from ftlib.token_pieces import Detokenizer as _Detokenizer
from ftlib.token_pieces import token_text

MAX_NEW_TOKENS = 4096
BASE = "__base__"  # PEFT's name for "no adapter" in a mixed-adapter batch
# Why a row ended: a stop id (end of turn, eos), `max_new_tokens`, or the model's context (`context_window`: the
# prompt and the answer filled its positions). OpenAI names only the first two ("length" for any token limit); a row
# the context cut is told apart, since raising max_new_tokens cannot let it finish.
FINISH_REASONS = ("stop", "length", "context")
_END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "</s>")


# ---------------------------------------------------------------- prompts and tokens


def render_prompt(
    tokenizer,
    prompt: str | list[dict],
    system: str | None = None,
    template="tokenizer",
    tools: list | None = None,
    fix: tuple[str, str] | None = None,
    thinking: bool | None = None,
) -> tuple[str, list[int]]:
    """Render a prompt with a chat template (the model's own by default), generation prompt added, and tokenize.

    A string becomes one user turn. `tools`: a row's tool schemas, given to the template as training gives them
    (`ftlib.tokens.encode_row`), so a tool-calling row is asked with the tools it was tuned with. `thinking`: the
    template's `enable_thinking` (Qwen3's: False writes an empty think block after the generation prompt, so the
    model answers without reasoning first); None passes nothing, the template's default. Tokenized without
    special tokens: the template already wrote them. A template's refusal is explained as Tokens and Train explain
    it (`prompt_checks.explain_refusal`; `fix`: its words for where the system message comes from, default a row's).
    """
    from ftlib.templates import ChatTemplate, TemplateError, get_template
    from ftlib.text_rows import template_head

    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else [dict(m) for m in prompt]
    if system and not any(m.get("role") == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": system})
    if not messages or messages[-1].get("role") == "assistant":
        raise SamplingError("A prompt must end with a user (or system) turn, not an assistant turn.")
    if not isinstance(template, ChatTemplate):
        template = get_template(template, tokenizer=tokenizer)
    try:
        text = render_text(tokenizer, messages, template, add_generation_prompt=True, tools=tools, thinking=thinking)
    except TemplateError as exc:  # a template that takes no system turn (Gemma's) says so, with the fix
        from ftlib.prompt_checks import ROWS_FIX, explain_refusal

        raise explain_refusal(exc, template, messages, tools, tokenizer, fix or ROWS_FIX) from None
    # The text template's BOS as its id before the prompt's, as training tokenizes it (`text_rows.template_head`).
    head = template_head(text, template)
    ids = [tokenizer.bos_token_id] * (head > 0) + list(tokenizer(text[head:], add_special_tokens=False)["input_ids"])
    if not ids:
        raise SamplingError("The prompt is empty after rendering; type something to send to the model.")
    return text, list(ids)


def text_system_refusal(trained: dict[str, str], template: str | None, fix: str) -> SamplingError | None:
    """The refusal of a system message in a prompt read as raw text, where the `text` template would glue it onto
    the user's text: by the runs trained on format `text` (`trained`: each tuned model's name -> the template it
    reads prompts in, "text" for those: `modelset.trained_template`), or by every model under `template` "text".
    None where no model reads the prompt so (a `template` other than "text" overrides the runs' own). `fix`: where
    the system text goes instead, in the caller's words ("drop --system and put its text at the start of --prompt")."""
    texts = [name for name, read_in in trained.items() if read_in == "text"]
    if template == "text":
        who = "The Raw text template writes no system turn"
    elif template is None and texts:
        names = ", ".join(f"'{name}'" for name in texts)
        one = len(texts) == 1
        who = (
            f"{'Run' if one else 'Runs'} {names} {'was' if one else 'were'} trained on raw text (format text, no chat "
            f"template) and {'has' if one else 'have'} no system turn"
        )
    else:
        return None
    # A text run continues what it is given: "Be brief." + "Write a poem" would be read as one text to go on with.
    said = f"{who}, so a system message would be glued onto the prompt it continues as text."
    return SamplingError(f"{said} {fix[0].upper()}{fix[1:]}.")


def render_text(
    tokenizer,
    messages: list[dict],
    template="tokenizer",
    add_generation_prompt: bool = False,
    tools=None,
    thinking: bool | None = None,
) -> str:
    """A conversation as text through `ftlib.templates`; `template` is a name (`tokenizer` = the model's own) or a
    ChatTemplate (e.g. a run's custom one, `RunAdapter.chat_template`); `tools`: the row's tool schemas; `thinking`:
    `enable_thinking` as `apply_chat_template` gives it, None nothing (the template's default)."""
    from ftlib.templates import ChatTemplate, get_template, render

    if not isinstance(template, ChatTemplate):
        template = get_template(template, tokenizer=tokenizer)
    return render(template, messages, add_generation_prompt=add_generation_prompt, tools=tools, thinking=thinking)


def stop_token_ids(tokenizer, model=None, templates: Sequence = ()) -> set[int]:
    """Token ids that end a reply: eos, the generation config's eos list, known end-of-turn tokens, and the
    end-of-turn marker of each of `templates` (ChatTemplates: those the prompts are written in, whose marker training
    taught the model to end a reply with).

    A known end-of-turn token that is the tokenizer's unknown token is left out (SmolLM2 names `<|endoftext|>` so),
    but a template's own marker never is: a template that ends replies with `<|endoftext|>` trained that token as
    the end. A marker the tokenizer does not hold as one token of its own (`<|eot_id|>` to SmolLM2's: it splits
    it; a plain-text marker such as a newline) stops nothing.
    """
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    config = getattr(model, "generation_config", None)
    eos = getattr(config, "eos_token_id", None)
    ids.update(int(e) for e in ([eos] if isinstance(eos, int) else (eos or [])))
    vocab = tokenizer.get_vocab()
    ids.update(vocab[t] for t in _END_OF_TURN_TOKENS if t in vocab and t != tokenizer.unk_token)
    own = {*tokenizer.get_added_vocab(), *tokenizer.all_special_tokens}  # tokens of their own, never split
    ids.update(vocab[m] for m in (t.end_of_turn for t in templates) if m in own and m in vocab)
    return ids


def trained_stops(tokenizer, model, trained: Iterable[tuple[str, str] | None], template=None) -> set[int]:
    """`stop_token_ids` for prompts written in the chat templates `trained` names, each as (name, custom Jinja text
    or "") or None for the model's own: a comparison's tuned models' (the base is prompted in one of theirs, in its
    own when there is none); `template` (a name or a ChatTemplate) instead when it overrides them all."""
    from ftlib.templates import ChatTemplate, get_template

    if template is not None:
        chosen = [template if isinstance(template, ChatTemplate) else get_template(template, tokenizer)]
    else:
        keys = dict.fromkeys(t or ("tokenizer", "") for t in trained) or {("tokenizer", ""): None}
        chosen = [get_template(name, tokenizer, source or None) for name, source in keys]
    return stop_token_ids(tokenizer, model, chosen)


# ---------------------------------------------------------------- batched generation


@dataclass(frozen=True)
class GenRow:
    """One row of a batched generation: a prompt, a decoding setting and a model (None = base)."""

    input_ids: tuple[int, ...]
    setting: DecodingSetting = GREEDY
    adapter: str | None = None


def _digits(value: float) -> float:
    return float(f"{value:.6g}")


@dataclass
class TokenInfo:
    """One generated token: its id, its text, its probabilities (0..1) and the likeliest tokens at its step."""

    id: int
    text: str  # the characters this token adds to the reply ("" for a stop token or half a character)
    prob: float  # the model's own probability of this token (temperature 1, no filters)
    sample_prob: float  # its probability in the distribution it was drawn from (1.0 for greedy)
    alternatives: list[tuple[str, float]]  # the most likely tokens at this step, by model probability
    stop: bool = False
    piece: str = ""  # the token decoded alone (`token_text`), as `alternatives` name it: `<0xF0><0x9F>` for `text` ""
    end: str = ""  # on a row's last token, why it ended (`FINISH_REASONS`); "" on the tokens before it

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "prob": _digits(self.prob),  # 6 significant digits: a drawn token's 2e-9 is not printed as 0
            "logprob": round(math.log(self.prob), 4) if self.prob > 0 else None,
            "sample_prob": _digits(self.sample_prob),
            "stop": self.stop,
            "alternatives": [{"text": t, "prob": _digits(p)} for t, p in self.alternatives],
        }


@dataclass
class RowResult:
    """One row's generation: its tokens in order and why it ended (`finish_reason`)."""

    row: GenRow
    tokens: list[TokenInfo] = field(default_factory=list)
    finish_reason: str = ""  # one of FINISH_REASONS: "stop", "length" (max_new_tokens) or "context"

    @property
    def ids(self) -> list[int]:
        return [t.id for t in self.tokens]

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)


def model_device(model):
    """The torch.device of the model's first parameter (where inputs go); StopIteration for a model without any."""
    return next(model.parameters()).device


def _is_peft(model) -> bool:
    # Not by its attributes: a model PEFT wrapped has `peft_config` too, and no `adapter_names` (ftlib.shared_base).
    # Without peft imported no model is a PeftModel: a base-only generation does not import it. A peft another
    # session's thread is still importing (in sys.modules, no PeftModel yet) has made no model either.
    peft_model = getattr(sys.modules.get("peft"), "PeftModel", None)
    return peft_model is not None and isinstance(model, peft_model)


def adapter_names(model) -> list[str]:
    """Names of the LoRA adapters loaded into a PEFT model ([] for a plain model)."""
    return sorted(model.peft_config) if _is_peft(model) else []


def adapter_kwargs(model, adapters: Sequence[str | None]) -> dict:
    """Forward kwargs routing row i through adapter i (None = base); {} for a plain model with no adapters."""
    wanted = {a for a in adapters if a not in (None, BASE)}
    if not _is_peft(model):
        if wanted:
            raise SamplingError(f"Adapter(s) {sorted(wanted)} requested but the model has no adapters loaded.")
        return {}
    missing = wanted - set(model.peft_config)
    if missing:
        raise SamplingError(f"Unknown adapter(s) {sorted(missing)}; loaded: {adapter_names(model) or 'none'}.")
    # PEFT routes each row through its own adapter (or none for "__base__") inside one forward.
    return {"adapter_names": [a if a not in (None, BASE) else BASE for a in adapters]}


def _cache_argument(model) -> str:
    """The forward's name for the KV cache: `cache` in newer transformers, `past_key_values` before (the old
    name still works there but warns on every forward). Read from the signature, not passed blindly: a forward
    that takes **kwargs would swallow a name it does not know and decode without its cache."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(type(base).forward).parameters else "past_key_values"


def _kv_cache(out):
    """The KV cache a forward returned (`cache`, or `past_key_values` in older transformers)."""
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def _shared_prompts(rows: Sequence[GenRow]) -> tuple[list[int], list[int]]:
    """(the first row of each distinct (prompt, adapter), and for each row the position of its own in that list).

    >>> rows = [GenRow([1, 2], GREEDY), GenRow([1, 2], GREEDY, "tuned"), GenRow([1, 2], GREEDY), GenRow([3], GREEDY)]
    >>> _shared_prompts(rows)
    ([0, 1, 3], [0, 1, 0, 2])
    """
    firsts: list[int] = []
    inverse: list[int] = []
    seen: dict[tuple, int] = {}
    for i, r in enumerate(rows):
        key = (tuple(r.input_ids), r.adapter if r.adapter not in (None, BASE) else BASE)
        if key not in seen:
            seen[key] = len(firsts)
            firsts.append(i)
        inverse.append(seen[key])
    return firsts, inverse


def context_window(model) -> int | None:
    """The most tokens `model` reads at once, prompt and answer together: its config's `max_position_embeddings`
    (GPT-2's `n_positions` maps onto it; a PEFT model's is its base's); None when it names none. Past it a model
    writes from positions it never saw (`modelset.check_context` refuses a grid that would go there)."""
    limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    return limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else None


def _limit(room: int, max_new_tokens: int) -> str:
    """Why a row that wrote `room` tokens without a stop id ended: "length" where that is all it asked for, else
    "context" (its prompt left fewer than `max_new_tokens`; both at once reads "length": it got what it asked)."""
    return "length" if room == max_new_tokens else "context"


def check_max_new_tokens(value: int) -> int:
    """`value` when it is a whole number from 1 to MAX_NEW_TOKENS (4096); SamplingError otherwise (True too: a
    bool is an int to Python, and a setting read from JSON as `true` is no length).

    >>> check_max_new_tokens(64)
    64
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NEW_TOKENS:
        raise SamplingError(f"max_new_tokens must be a whole number from 1 to {MAX_NEW_TOKENS}, got {value!r}.")
    return value


def generate_stream(
    model,
    tokenizer,
    rows: Sequence[GenRow],
    max_new_tokens: int = DEFAULT_NEW_TOKENS,
    seed: int | Sequence[int] = 0,  # or one per row (GRPO: many samples of one prompt and setting)
    stop_ids: set[int] | None = None,
    top_alternatives: int = 5,
    lock=None,
    draws: str = "multinomial",
) -> Iterator[list[tuple[int, TokenInfo]]]:
    """Decode all rows together; after each step yield `[(row_index, TokenInfo), ...]` for rows still running.

    `lock` (a threading.Lock) is held around each forward: PEFT's `adapter_names` works by hooks on the
    shared modules, so two generations must not run a forward through the same wrapped model at once.
    `draws`: how sampled rows draw (ftlib.draws): "multinomial" as `generate` does, or "inverse_cdf" (the same
    distribution, faster, other tokens for a seed); ValueError for anything else. Close the generator to stop early.
    A row ends at a stop id, at `max_new_tokens`, or where its prompt and answer fill the model's context
    (`context_window`); its last TokenInfo's `end` says which (FINISH_REASONS). SamplingError for a prompt that
    already fills the context (no room for one token).
    """
    import torch

    from ftlib import cpu_decode
    from ftlib.draws import DRAWS, inverse_cdf_draws

    if draws not in DRAWS:
        raise ValueError(f"draws must be one of {', '.join(DRAWS)}, got {draws!r}")
    check_max_new_tokens(max_new_tokens)
    if not rows:
        return
    rows = [r if isinstance(r, GenRow) else GenRow(*r) for r in rows]
    for i, r in enumerate(rows):
        if not r.input_ids:
            raise SamplingError(f"Row {i} has an empty prompt.")
    context = context_window(model)
    # Each row's most new tokens: max_new_tokens, or fewer where its prompt and they would pass the context.
    room = [max_new_tokens if context is None else min(max_new_tokens, context - len(r.input_ids)) for r in rows]
    if min(room) < 1:
        i = room.index(min(room))
        raise SamplingError(
            f"Row {i}'s prompt is {len(rows[i].input_ids)} tokens: it fills the model's context of {context} tokens, "
            "leaving no room for an answer. Shorten the prompt."
        )
    extra = adapter_kwargs(model, [r.adapter for r in rows])
    lock = lock or contextlib.nullcontext()
    device = model_device(model)
    stops = torch.tensor(
        sorted(stop_ids if stop_ids is not None else stop_token_ids(tokenizer, model)), dtype=torch.long, device=device
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else int(stops[0]) if len(stops) else 0

    # Generation pads on the left so every row's next token sits in the last column.
    n, width = len(rows), max(len(r.input_ids) for r in rows)
    input_ids = torch.full((n, width), pad_id, dtype=torch.long, device=device)
    attention = torch.zeros((n, width), dtype=torch.long, device=device)
    for i, r in enumerate(rows):
        input_ids[i, width - len(r.input_ids) :] = torch.tensor(r.input_ids, dtype=torch.long)
        attention[i, width - len(r.input_ids) :] = 1
    # Positions count real tokens only, so a padded row sees the same positions as it would alone.
    positions = (attention.cumsum(-1) - 1).clamp(min=0)

    # Greedy rows take the argmax; only the sampled rows go through the filters.
    sampled = [i for i, r in enumerate(rows) if not r.setting.greedy]
    idx = torch.tensor(sampled, dtype=torch.long, device=device)
    temps = torch.tensor([rows[i].setting.temperature for i in sampled], device=device)
    # On the CPU: process_logits decides there which filters run (a GPU would be waited for at every token).
    ks = torch.tensor([rows[i].setting.top_k for i in sampled], dtype=torch.long)
    ps = torch.tensor([rows[i].setting.top_p for i in sampled], dtype=torch.float64)
    mins = torch.tensor([rows[i].setting.min_p for i in sampled])
    on_device = settings_on_device(ks, ps, mins, device) if sampled else None  # once: each copy waits for a GPU
    # A repetition penalty (greedy rows too) needs each row's tokens so far: a [n, V] mask, only when one is set.
    penalties = torch.tensor([r.setting.repetition_penalty for r in rows], device=device)
    penalized = bool((penalties != 1).any())
    generators = {}
    for i in sampled:
        generators[i] = torch.Generator(device=device)
        generators[i].manual_seed(row_seed(seed, rows[i].setting) if isinstance(seed, int) else int(seed[i]))
    detok = [_Detokenizer(tokenizer) for _ in rows]
    cache_name = _cache_argument(model)
    running = torch.ones(n, dtype=torch.bool, device=device)
    counts = [0] * n

    # Inside: the decoding steps' few-row products run through oneDNN on CPU (ftlib.cpu_decode; ~1.5-2.8x faster
    # than dense for the large weights); the prefill's many rows stay dense.
    with cpu_decode.onednn_linears(model):
        # Inference mode is entered around each step's work, never across a `yield`: grad mode belongs to the
        # thread, and a suspended (or closed) stream must not leave its caller's thread in inference mode.
        with torch.inference_mode():
            # Rows with the same prompt and adapter (a Compare grid's settings, GRPO's group) share one prefill: its KV
            # cache and last logits are computed once and copied to each of them.
            firsts, inverse = _shared_prompts(rows)
            with lock:
                out = model(
                    input_ids=input_ids[firsts],
                    attention_mask=attention[firsts],
                    position_ids=positions[firsts],
                    use_cache=True,
                    logits_to_keep=1,
                    **adapter_kwargs(model, [rows[i].adapter for i in firsts]),
                )
            past = _kv_cache(out)
            last = out.logits[:, -1]
            if len(firsts) < n:
                index = torch.tensor(inverse, dtype=torch.long, device=device)
                past.reorder_cache(index)  # the batch dimension of every layer's keys and values, as beam search does
                last = last[index]
            del out
            if penalized:  # the prompt's real tokens count as seen, as in `generate` on the row alone (no padding)
                vocab = last.shape[-1]  # padding goes to one extra column, dropped: a pad id may be a real token too
                seen = torch.zeros((n, vocab + 1), dtype=torch.bool, device=device)
                seen = seen.scatter_(1, input_ids.masked_fill(attention == 0, vocab), True)[:, :vocab]
        for _step in range(int(max_new_tokens)):
            with torch.inference_mode():
                logits = last.float()  # float32 like generate, whatever the model dtype
                probs = logits.softmax(-1)  # the model's own probabilities, reported for every token
                if penalized:
                    logits = penalize_repeats(logits, seen, penalties)
                next_ids = logits.argmax(-1)
                sample_probs = torch.ones(n, device=device)
                if sampled:
                    scores = process_logits(logits[idx], temps, ks, ps, mins, on_device)
                    sprobs = scores.softmax(-1)
                    # One generator per row: its draws do not depend on the other rows in the batch.
                    if draws == "inverse_cdf":
                        drawn = inverse_cdf_draws(sprobs, [generators[i] for i in sampled])
                        next_ids[idx], sample_probs[idx] = drawn, sprobs.gather(1, drawn[:, None])[:, 0]
                    else:
                        for j, i in enumerate(sampled):
                            tok = torch.multinomial(sprobs[j : j + 1], 1, generator=generators[i])[0, 0]
                            next_ids[i] = tok
                            sample_probs[i] = sprobs[j, tok]
                next_ids = torch.where(running, next_ids, torch.full_like(next_ids, pad_id))
                chosen_p = probs.gather(1, next_ids[:, None])[:, 0]
                alt_p, alt_i = torch.topk(probs, top_alternatives, dim=-1) if top_alternatives else (None, None)
                is_stop = torch.isin(next_ids, stops) if len(stops) else torch.zeros_like(running)

                # One device-to-host copy per step for everything the events need: each `.tolist()` waits for a GPU.
                # float64 holds the ids and the float32 probabilities exactly.
                parts = [torch.stack([c.double() for c in (next_ids, chosen_p, sample_probs, is_stop, running)], 1)]
                if alt_p is not None:
                    parts += [alt_p.double(), alt_i.double()]
                table = torch.cat(parts, dim=1).tolist()
                ids_l = [int(r[0]) for r in table]
                chosen_l, samp_l = [r[1] for r in table], [r[2] for r in table]
                stop_l, run_l = [bool(r[3]) for r in table], [bool(r[4]) for r in table]
                width = alt_p.shape[1] if alt_p is not None else 0
                alt_pl = [r[5 : 5 + width] for r in table]
                alt_il = [[int(x) for x in r[5 + width :]] for r in table]
                events, full = [], []  # full: rows that reach their room with this token
                for i in range(n):
                    if not run_l[i]:
                        continue
                    counts[i] += 1
                    stop = bool(stop_l[i])
                    text = detok[i].flush() if stop else detok[i].push(ids_l[i])
                    # Ends here: a stop id, else max_new_tokens, else the context (its room is less than asked).
                    end = "stop" if stop else "" if counts[i] < room[i] else _limit(room[i], max_new_tokens)
                    if end and not stop:
                        text += detok[i].flush()
                        full.append(i)
                    alts = [(token_text(tokenizer, a), p) for a, p in zip(alt_il[i], alt_pl[i], strict=True)]
                    events.append(
                        (
                            i,
                            TokenInfo(
                                id=ids_l[i],
                                text=text,
                                prob=chosen_l[i],
                                sample_prob=samp_l[i],
                                alternatives=alts,
                                stop=stop,
                                piece=token_text(tokenizer, ids_l[i]),
                                end=end,
                            ),
                        )
                    )
                if penalized:
                    seen[torch.arange(n, device=device), next_ids] |= running
                running &= ~is_stop
                if full:  # one copy to the device, only at a step where a row's room runs out
                    running[torch.tensor(full, dtype=torch.long, device=device)] = False
                still_running = any(run_l[i] and not stop_l[i] and counts[i] < room[i] for i in range(n))
            yield events
            if not still_running or _step + 1 >= max_new_tokens:
                break
            with torch.inference_mode():
                attention = torch.cat([attention, torch.ones((n, 1), dtype=attention.dtype, device=device)], dim=1)
                positions = positions[:, -1:] + 1
                if context is not None:  # an ended row's position (its output unread) stays inside the embeddings
                    positions = positions.clamp(max=context - 1)
                with lock:
                    out = model(
                        input_ids=next_ids[:, None],
                        attention_mask=attention,
                        position_ids=positions,
                        **{cache_name: past},
                        use_cache=True,
                        **extra,
                    )
                past, last = _kv_cache(out), out.logits[:, -1]
                del out


def generate(
    model,
    tokenizer,
    rows: Sequence[GenRow],
    max_new_tokens: int = DEFAULT_NEW_TOKENS,
    seed: int | Sequence[int] = 0,
    stop_ids: set[int] | None = None,
    top_alternatives: int = 5,
    lock=None,
    draws: str = "multinomial",
    on_step: Callable[[int], None] | None = None,
) -> list[RowResult]:
    """Run `generate_stream` to the end and collect each row's tokens and why it ended (`RowResult.finish_reason`:
    "stop", "length" at `max_new_tokens`, "context" where the prompt and answer filled the model's context).
    `on_step(tokens)`: after each decoding step, the tokens it wrote (one a row still running), for a progress."""
    results = [RowResult(row=r) for r in rows]
    stream = generate_stream(model, tokenizer, rows, max_new_tokens, seed, stop_ids, top_alternatives, lock, draws)
    for events in stream:
        for i, info in events:
            results[i].tokens.append(info)
            results[i].finish_reason = info.end or results[i].finish_reason
        if on_step is not None:
            on_step(len(events))
    return results


def grid_rows(
    input_ids: Sequence[int] | Mapping[str, Sequence[int]],
    settings: Sequence[DecodingSetting],
    models: Sequence[str | None],
) -> list[GenRow]:
    """The rows of a comparison grid, model-major: for each model (None = base), every setting.

    `input_ids`: one prompt for every model, or each model's own keyed by its name ("base" for the base; see
    `ftlib.modelset.render_prompts`: models tuned with different chat templates read different ids).
    """

    def ids_of(model: str | None) -> tuple[int, ...]:
        key = "base" if model in (None, "base", BASE) else model
        ids = input_ids.get(key) if isinstance(input_ids, Mapping) else input_ids
        if ids is None:
            raise SamplingError(f"No prompt for the model '{model}'.")
        return tuple(int(i) for i in ids)

    return [GenRow(ids_of(m), s, None if m in (None, "base", BASE) else m) for m in models for s in settings]
