"""Drawing the Compare grid: generated tokens tinted by probability with a hover card of the alternatives, and the
column headers that name a decoding preset with its values.

Pure functions returning HTML or Markdown strings (no Streamlit calls), so tests read exactly what the page shows.
Token text is always `html.escape`d. The hover card is CSS only (`:hover` shows it): the browser's own tooltip
(a `title`) shows plain text after a delay and cannot hold a table. Each token is a Tab stop too, which shows the
same card (`:focus-visible`); a screen reader reads the token's text in words as its name (`token_view.spoken`) and
the card's numbers as its description (`card_words`). A link before the grid skips all its tokens (`GRID_END`).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from ftlib import decode_rate
from ftlib.answer_notes import only_whitespace, repeats_itself, whitespace_said
from ftlib.decoding import short_number
from ftlib.errors import plural
from ftlib.next_token import percent
from ui.charts import readable_text
from ui.token_view import SKIP_CSS, spoken

CSS = (
    """
<style>
.ftgen{white-space:break-spaces;overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:13px;
       line-height:1.6;border:1px solid rgba(128,128,128,.25);border-radius:6px;padding:6px 8px;min-height:3em}
.ftgen .tok{border-radius:3px;color:#111;position:relative;cursor:default}
.ftgen .end{color:#666;font-style:italic;background:none}
.ftgen .tok[data-low]{border-bottom:2px dotted #8a1c1c}
.ftgen .card{display:none;position:absolute;left:0;top:1.6em;z-index:1000;min-width:13em;max-width:22em;
       background:#fff;color:#222;border:1px solid #d0d7de;border-radius:8px;padding:6px 8px;
       box-shadow:0 4px 14px rgba(0,0,0,.18);white-space:normal;font-size:12px;line-height:1.45}
.ftgen .tok:hover .card,.ftgen .tok:focus-visible .card{display:block}
.ftgen .tok:hover{outline:2px solid #555}
.ftgen .tok:focus-visible{outline:2px solid #0b57d0}
.ftgen .card .head{font-weight:600;margin-bottom:3px}
.ftgen .card .alt{display:flex;align-items:center;gap:6px;white-space:nowrap}
.ftgen .card .alt code{font-size:12px;background:#f3f4f6;border-radius:3px;padding:0 3px;min-width:5em;
       max-width:12em;overflow:hidden;text-overflow:ellipsis;white-space:pre}
.ftgen .card .bar{display:inline-block;height:7px;background:#58a6ff;border-radius:2px}
.ftgen .card .chosen code{background:#ddf4e4;font-weight:600}
.ftgen .card .note{color:#666;margin-top:3px}
.ftgen .card::after{display:block;color:#666;margin-top:3px;
       content:"model: its own odds for this token; greedy takes the top one (after the repetition penalty, where \
the setting has one). The list: its top choices."}
.ftgen[data-sampled] .card::after{content:"model: its own odds for this token. Under this setting: the odds it was \
drawn with, after the repetition penalty, temperature, top-k, top-p and min-p. The list: the model's own top choices."}
.ftgen .end[data-note]{display:block;margin-top:4px;color:#9a6700;font-style:normal;
       font-family:sans-serif;font-size:12px}
</style>
"""
    + SKIP_CSS
)  # the link past the grid's tokens (GRID_END)

# Where the link before a grid (`token_view.skip_link`) takes the focus: after its last cell, one grid to a page.
GRID_END = "ft-grid-end"


def shown(text: str) -> str:
    """Token text with its whitespace visible (· space, ↵ newline), escaped, for the card."""
    return html.escape(text).replace(" ", "·").replace("\n", "↵").replace("\t", "→") or "∅"


def card_html(token, sampled: bool = False) -> str:
    """The hover card of one generated token: the model's own probability of it and, in a sampled column
    (`sampled`), the probability it was drawn with under that column's setting; then the model's top alternatives
    with bars.

    >>> from ftlib.sampling import TokenInfo
    >>> t = TokenInfo(id=5, text="Ahoy", prob=0.915, sample_prob=0.96, alternatives=[("Ahoy", 0.915)], stop=False)
    >>> card_html(t, sampled=True).split('<div class="head">')[1].split("</div>")[0]
    'model 91.5% · under this setting 96.0%'
    """
    head = f"model {percent(token.prob)}"
    if sampled:
        head += f" · under this setting {percent(token.sample_prob)}"
    alts = []
    for text, prob in token.alternatives:
        # By the token's own text: half a character adds "" to the answer, and the alternatives name it by its bytes
        klass = ' class="alt chosen"' if text == (getattr(token, "piece", "") or token.text) else ' class="alt"'
        width = max(1, round(prob * 80))
        alts.append(
            f'<div{klass}><code>{shown(text)}</code><i class="bar" style="width:{width}px"></i>{percent(prob)}</div>'
        )
    listed = "".join(alts) or '<div class="note">no alternatives recorded</div>'
    # What the numbers mean is said once, by the CSS (`.card::after`), not in each of a cell's ~100 cards: a grid's
    # HTML is resent to every open session on each poll while it fills.
    return f'<span class="card"><div class="head">{head}</div>{listed}</span>'


def card_words(token, sampled: bool = False) -> str:
    """The card's numbers in words, for a screen reader (the token's `aria-description`).

    >>> from ftlib.sampling import TokenInfo
    >>> t = TokenInfo(id=5, text="Ahoy", prob=0.915, sample_prob=0.96, alternatives=[("Ahoy", 0.915), (" Hi", 0.05)])
    >>> card_words(t, sampled=True)
    'model 91.5% · under this setting 96.0%; its top choices: Ahoy 91.5%, space Hi 5.0%'
    """
    said = f"model {percent(token.prob)}"
    if sampled:
        said += f" · under this setting {percent(token.sample_prob)}"
    choices = ", ".join(f"{spoken(text)} {percent(prob)}" for text, prob in token.alternatives)
    return f"{said}; its top choices: {choices}" if choices else f"{said}; no alternatives recorded"


# Under a finished answer that loops (`ftlib.answer_notes.repeats_itself`): a model sure of every word of a loop
# colours it all green, which reads as a broken model or app without a word.
REPEATS = {
    False: "↻ repeats itself — common for greedy decoding of small models; try a sampled column or a repetition "
    "penalty",
    True: "↻ repeats itself — common for small models; a higher temperature, a repetition penalty or another seed may "
    "break the loop",
}


def answer_html(text: str) -> str:
    r"""A generated token's text for its cell, escaped: a line break drawn as ↵ before it breaks the line, as the
    Tokens page draws it, so a newline token has a tinted mark to hover (alone, it tinted nothing: a cell of 40
    newlines was a tall empty box).

    >>> answer_html("\n\n"), answer_html(" <b>")
    ('↵\n↵\n', ' &lt;b&gt;')
    """
    return html.escape(text).replace("\n", "↵\n")


# Under this probability a generated token is underlined besides its red tint (`token_html`): less than even odds.
LOW_PROB = 0.5


def token_html(tokens, finish: str = "", model: str = "", sampled: bool = False) -> str:
    """Generated tokens (ftlib.sampling.TokenInfo) tinted by the model's probability (red unlikely, green likely;
    under LOW_PROB also underlined, `data-low`: a cue that is not a colour), each with a hover card, line breaks drawn
    as ↵ (`answer_html`); an end marker for a stop, the length limit or the model's context (`finish` "context").
    `model` names the cell's model in a `data-model` attribute (what a browser test reads); `sampled` says the column
    samples (not greedy), so the card shows the probability each token was drawn with beside the model's. A finished
    answer (`finish` given) that repeats itself gets a note under it (`REPEATS`, in a `data-note="repeats"` span);
    one that shows nothing says what it holds, as Evaluate says it (`whitespace_said`, `data-note="whitespace"`)."""
    parts = []
    for t in tokens:
        if t.stop:
            parts.append('<span class="end">⏎ end</span>')
            continue
        hue = int(120 * min(max(t.prob, 0.0), 1.0))
        card = card_html(t, sampled)
        # Red and green are the pair a colour-blind reader (about 1 man in 12) confuses: an unlikely token is
        # also underlined (dotted), the cue the caption names.
        low = " data-low" if t.prob < LOW_PROB else ""
        # A Tab stop named by its text in words ("space Hi", "newline": `spoken`), described by its card's numbers:
        # the card was for a mouse's hover only (WCAG 2.1.1).
        named = html.escape(spoken(t.text), quote=True)
        words = html.escape(card_words(t, sampled), quote=True)
        parts.append(
            f'<span class="tok"{low} style="background:hsl({hue},75%,80%)" tabindex="0" aria-label="{named}" '
            f'aria-description="{words}">{answer_html(t.text)}{card}</span>'
        )
    text = "".join(t.text for t in tokens if not t.stop)
    if finish in ("length", "context"):  # cut at max new tokens, or where the prompt and answer filled the context
        # The last token may hold the first bytes of a character only: decoded, they read U+FFFD, said here
        cut = ", inside a character: its first bytes shown as �" if text.endswith("\ufffd") else ""
        limit = "max new tokens" if finish == "length" else "the model's context is full"
        parts.append(f'<span class="end">… ({limit}{cut})</span>')
    if finish and only_whitespace(text):
        parts.append(f'<span class="end" data-note="whitespace">{html.escape(whitespace_said(text))}</span>')
    elif finish and repeats_itself(text):
        parts.append(f'<span class="end" data-note="repeats">{html.escape(REPEATS[sampled])}</span>')
    data = f' data-model="{html.escape(model, quote=True)}"' if model else ""
    data += " data-sampled" if sampled else ""  # the cards' note (CSS) says what a sampled column's odds are
    return f'<div class="ftgen"{data}>{"".join(parts) or "&nbsp;"}</div>'


def duration(seconds: float) -> str:
    """A duration as a person says it; under 10 s to a tenth (a grid written in 0.4 s read "in 0 s").

    >>> duration(0.4), duration(9.96), duration(42.4), duration(237), duration(3600)
    ('0.4 s', '10 s', '42 s', '3 min 57 s', '60 min 0 s')
    """
    if round(seconds, 1) < 10:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


def so_far_and_left(elapsed_s: float, fraction: float) -> str:
    """How long a job has run and, from the share of its work done, about how long it has left; "" for its first
    seconds (the share says little yet).

    >>> so_far_and_left(80, 0.25), so_far_and_left(3, 0.5), so_far_and_left(30, 0.0)
    ('1 min 20 s so far, about 4 min 0 s left', '', '30 s so far')
    """
    if elapsed_s < 5:
        return ""
    said = f"{duration(elapsed_s)} so far"
    if 0.02 <= fraction < 1:
        said += f", about {duration(elapsed_s * (1 - fraction) / fraction)} left"
    return said


# From this many max new tokens a CPU grid is called long, before this session has measured how fast it writes.
LONG_ON_CPU = 256


def long_grid_note(
    answers: int, max_new_tokens: int, tokens_per_s: float | None, prefill_tokens: int = 0
) -> str | None:
    """Beside the max-new-tokens slider on a CPU: about how long a grid of `answers` may take, from its work
    (ftlib.decode_rate.grid_work: the answers' tokens and the prompt's `prefill_tokens`, as `first_grid_note` counts
    it, so the estimate reads alike before and after a first grid) and the tokens per second the session's last grid
    measured (None: not measured yet; then only that a high limit is long).

    >>> long_grid_note(8, 512, 17.3, prefill_tokens=92)[:80]
    '⏱ Up to 4,096 tokens (8 answers × 512, and the prompt): about 3 min 57 s on this'
    >>> long_grid_note(8, 96, 17.3) is None, long_grid_note(8, 96, None) is None
    (True, True)
    """
    most = answers * max_new_tokens
    if tokens_per_s:
        seconds = decode_rate.grid_work(answers, max_new_tokens, prefill_tokens) / tokens_per_s
        if seconds < 60:
            return None
        return (
            f"⏱ Up to {most:,} tokens ({answers} answers × {max_new_tokens}, and the prompt): about "
            f"{duration(seconds)} on this CPU at your last grid's pace."
        )
    if max_new_tokens < LONG_ON_CPU:
        return None
    return (
        f"⏱ Up to {max_new_tokens} new tokens for each of {answers} answers is long on a CPU: often several "
        "minutes. The grid says how far it is while it runs."
    )


def rough_duration(seconds: float) -> str:
    """A duration said roughly, for an estimate that is no better: tens of seconds, or minutes to the half.

    >>> rough_duration(3), rough_duration(37), rough_duration(88), rough_duration(179), rough_duration(1000)
    ('a few seconds', '40 s', '1.5 min', '3 min', '17 min')
    """
    if seconds < 10:
        return "a few seconds"
    if seconds < 60:
        return f"{round(seconds, -1):.0f} s"
    minutes = round(seconds / 30) / 2 if seconds < 600 else round(seconds / 60)
    return f"{minutes:g} min"


def first_grid_note(
    answers: int, max_new_tokens: int, prefill_tokens: int, server_rate: float | None, default_rates=None
) -> str | None:
    """Beside the max-new-tokens slider on a CPU, until a grid of this session has measured its speed (one writing
    ftlib.decode_rate.MIN_TOKENS tokens or more; a shorter one measures nothing): roughly how long a grid of
    `answers` will take, from its work (ftlib.decode_rate.grid_work: the answers' tokens and the prompt's) and a
    rate: `server_rate`, the tokens/s an earlier grid measured on this server (any session's), else the
    `default_rates` range (quiet, busy) of ftlib.decode_rate.DEFAULT_TOKENS_PER_S, labelled as a guess. None when
    neither is known (another model than the default, on a server that has not measured it).

    >>> first_grid_note(8, 64, 92, 3.2)[:88]
    '⏱ Up to 512 tokens (8 answers × 64, and the prompt): roughly 2.5 min on this CPU, at the'
    >>> first_grid_note(8, 64, 92, None, (120.0, 14.0))[53:120]
    'roughly a few seconds on a quiet CPU, 40 s or more on a busy one (t'
    """
    most = answers * max_new_tokens
    work = decode_rate.grid_work(answers, max_new_tokens, prefill_tokens)
    said = f"⏱ Up to {most:,} tokens ({answers} answers × {max_new_tokens}, and the prompt): roughly "
    if server_rate:
        return (
            f"{said}{rough_duration(work / server_rate)} on this CPU, at the pace a grid measured on this server "
            "earlier."
        )
    if not default_rates:
        return long_grid_note(answers, max_new_tokens, None)
    quiet, busy = default_rates
    return (
        f"{said}{rough_duration(work / quiet)} on a quiet CPU, {rough_duration(work / busy)} or more on a busy one "
        f"(this model's benchmarks; a grid writing {decode_rate.MIN_TOKENS} tokens or more measures this server's "
        "speed)."
    )


# A pace is quoted for the time left once the answers have been written at it this long and this many steps (a token
# of each answer still running), after the first tokens: the prompts' reading before them (prefill, ~25 s of a busy
# CPU for a grid's first token) is no part of it, and one slow step of a busy CPU said "133 min left".
STEADY_S, STEADY_STEPS = 3.0, 3


def progress_line(p, waiting: bool = False) -> str:
    """How far a running grid is (an ftlib.modelset.GenerationProgress), for the bar above the grid, with at most
    how long is left (an answer that stops early only makes it shorter) at the pace its answers have been written
    since the first tokens came, once measured over `STEADY_S` and `STEADY_STEPS`. Before the first tokens, the
    prompts are being read (prefill): said so, with no time left (a pace over that wait made the first figure many
    times too long). `waiting`: the grid is back in line for the device (a training run's turn), its working time
    stopped: said so beside it (a frozen "20 s" looked stalled: helper 227's walk).

    >>> from ftlib.modelset import GenerationProgress
    >>> progress_line(GenerationProgress(0, 2304, 0, 9, 21.0)).split(" · ")
    ['Reading the prompts (prefill) before the first of at most 2,304 tokens', '21 s', 'the time left is said once \
the answers are being written']
    >>> progress_line(GenerationProgress(18, 2304, 0, 9, 23.5, prefill_s=21.0, first_tokens=9))
    '18 of at most 2,304 tokens written · 0 of 9 answers finished · 24 s · time left: measuring the writing pace'
    >>> progress_line(GenerationProgress(99, 2304, 0, 9, 25.0, prefill_s=21.0, first_tokens=9))
    '99 of at most 2,304 tokens written · 0 of 9 answers finished · 25 s · at most about 1 min 38 s left'
    >>> progress_line(GenerationProgress(99, 2304, 0, 9, 25.0, prefill_s=21.0, first_tokens=9), waiting=True)[63:]
    '25 s of generating (paused while waiting) · at most about 1 min 38 s left'
    """
    took = f"{duration(p.elapsed_s)} of generating (paused while waiting)" if waiting else duration(p.elapsed_s)
    if not p.tokens:
        return (
            f"Reading the prompts (prefill) before the first of at most {p.max_tokens:,} tokens · "
            f"{took} · the time left is said once the answers are being written"
        )
    writing_s, written = p.elapsed_s - (p.prefill_s or 0.0), p.tokens - p.first_tokens
    left = " · time left: measuring the writing pace"
    if p.max_tokens <= p.tokens:
        left = ""
    elif writing_s >= STEADY_S and written >= max(1, STEADY_STEPS * (p.answers - p.finished)):
        left = f" · at most about {duration((p.max_tokens - p.tokens) * writing_s / written)} left"
    return (
        f"{p.tokens:,} of at most {p.max_tokens:,} tokens written · {p.finished} of {p.answers} answers finished · "
        f"{took}{left}"
    )


def finished_line(p, waited_s: float = 0.0, device: str = "CPU") -> str:
    """What a finished grid took (an ftlib.modelset.GenerationProgress), and so how fast this device writes; with
    `waited_s`, the seconds it spent in line for the `device` (`jobs.BackgroundJob.waited_in_all`: before it began and
    its turns lent to a training run since), said beside its working time once a second or more (a grid 4 min
    writing said "in 4 min 31 s" after 17 min: helper 227's walk).

    >>> from ftlib.modelset import GenerationProgress
    >>> finished_line(GenerationProgress(576, 576, 9, 9, 271.0))
    '9 answers, 576 tokens in 4 min 31 s (2.1 tokens/s).'
    >>> finished_line(GenerationProgress(576, 576, 9, 9, 271.0), waited_s=720.0)
    '9 answers, 576 tokens in 4 min 31 s of generating (2.1 tokens/s), and 12 min 0 s waiting for the CPU.'
    """
    speed = f" ({p.tokens_per_s:.1f} tokens/s)" if p.tokens_per_s else ""
    answers = f"{p.answers} answers" if p.finished == p.answers else f"Stopped: {p.finished} of {p.answers} answers"
    if waited_s < 1:
        return f"{answers}, {p.tokens:,} tokens in {duration(p.elapsed_s)}{speed}."
    return (
        f"{answers}, {p.tokens:,} tokens in {duration(p.elapsed_s)} of generating{speed}, and {duration(waited_s)} "
        f"waiting for the {device}."
    )


def setting_values(setting) -> str:
    """What a decoding setting (ftlib.decoding.DecodingSetting) does, in its values: under each column header.
    Min-p and the repetition penalty are named only when set.

    >>> from ftlib.decoding import DecodingSetting, GREEDY
    >>> setting_values(DecodingSetting(0.7, 0, 0.9, name="balanced")).replace("\\u00a0", " ")
    'temperature 0.7 · top-k off · top-p 0.9'
    >>> setting_values(GREEDY), setting_values(DecodingSetting(0, repetition_penalty=1.2)).replace("\\u00a0", " ")
    ('always the most likely token', 'the most likely token · repetition penalty 1.2')
    >>> setting_values(DecodingSetting(1.0, min_p=0.05)).replace("\\u00a0", " ")
    'temperature 1 · top-k off · top-p off · min-p 0.05'
    """
    # No-break spaces: a value never wraps away from its name. Each value as the setting's key writes it: a top-p of
    # 0.9999999 is not shown as 1 ("off"), nor two settings alike.
    n = short_number
    penalty = f" · repetition penalty\u00a0{n(setting.repetition_penalty)}" if setting.repetition_penalty != 1 else ""
    if setting.greedy:
        return f"the most likely token{penalty}" if penalty else "always the most likely token"
    top_k = str(setting.top_k) if setting.top_k else "off"
    top_p = n(setting.top_p) if setting.top_p < 1 else "off"
    min_p = f" · min-p\u00a0{n(setting.min_p)}" if setting.min_p else ""
    return f"temperature\u00a0{n(setting.temperature)} · top-k\u00a0{top_k} · top-p\u00a0{top_p}{min_p}{penalty}"


def greedy_filters_note(temperature: float, top_k: int, top_p: float, min_p: float = 0.0) -> str | None:
    """Beside the custom column's sliders: at temperature 0 (greedy) the column drops the filters set away from off
    (top-k 0, top-p 1, min-p 0), where `python -m ftlib sample` refuses them; None when nothing is dropped.

    >>> greedy_filters_note(0.0, 40, 0.9).split(" (`")[0]
    'Temperature 0 is greedy, always the most likely token: top-k 40 and top-p 0.9 are left out of this column'
    >>> greedy_filters_note(0.0, 0, 1.0, min_p=0.05).split(" (`")[0].split(": ")[1]
    'min-p 0.05 is left out of this column'
    >>> greedy_filters_note(0.0, 0, 1.0), greedy_filters_note(0.7, 40, 0.9)
    (None, None)
    """
    n = short_number
    dropped = [f"top-k {top_k}"] if top_k else []
    dropped += [f"top-p {n(top_p)}"] if top_p < 1 else []
    dropped += [f"min-p {n(min_p)}"] if min_p else []
    if temperature != 0 or not dropped:
        return None
    one = len(dropped) == 1
    named = dropped[0] if one else ", ".join(dropped[:-1]) + " and " + dropped[-1]
    return (
        f"Temperature 0 is greedy, always the most likely token: {named} {'is' if one else 'are'} left out of this "
        "column (`python -m ftlib sample` refuses such filters at temperature 0). Raise the temperature to compare "
        f"{'it' if one else 'them'}."
    )


def setting_header(setting) -> str:
    r"""Markdown for a column header: the preset's name in bold, its values on the line below. A name that holds the
    setting's key (Compare's custom column, "custom: temperature=0.7,top_k=40") is shown without it: the line below
    says those values, in words that wrap between them (the key, one word with no space, broke mid-word in a narrow
    column and repeated that line: helper 174's walk). A setting with no name is "custom".

    >>> from ftlib.decoding import GREEDY, DecodingSetting
    >>> setting_header(GREEDY)
    '**greedy**  \n:gray[always the most likely token]'
    >>> custom = DecodingSetting(0.7, 40, 0.9)
    >>> setting_header(DecodingSetting(0.7, 40, 0.9, name=f"custom: {custom.key}")).replace("\u00a0", " ")
    '**custom**  \n:gray[temperature 0.7 · top-k 40 · top-p 0.9]'
    """
    head, colon, tail = (setting.name or "").partition(": ")
    name = head if colon and tail == setting.key else setting.name or "custom"  # a preset's "greedy" is its key too
    return f"**{name}**  \n:gray[{setting_values(setting)}]"


def next_token_frame(view) -> pd.DataFrame:
    """The next-token view (ftlib.next_token.NextTokenView) as a table: each candidate's probability at each stage."""
    return pd.DataFrame(
        [
            {
                "token": repr(r.text),
                "model": r.prob,
                "after penalty and temperature": r.prob_temperature,
                "kept by top-k": r.kept_top_k,
                "kept by top-p": r.kept_top_p,
                "kept by min-p": r.kept_min_p,
                **({"in the prompt (penalized)": r.repeated} if view.setting.repetition_penalty != 1 else {}),
                "final": r.final_prob,
            }
            for r in view.rows
        ]
    )


PROBABILITY_COLUMNS = ("model", "after penalty and temperature", "final")


def next_token_table(frame: pd.DataFrame):
    """The next-token table as `st.dataframe` shows it: the probabilities written by `percent` (a near-uniform
    model's 0.0020% read "0.00%" in Streamlit's percent format), the numbers underneath kept for sorting."""
    return frame.style.format(percent, subset=list(PROBABILITY_COLUMNS))


def vocabulary_line(view) -> str:
    """How many tokens the next-token view chose among (ftlib.next_token.NextTokenView), and what each filter kept.
    The tokenizer's count, not the embedding's rows: a model with added tokens is often padded to a multiple of 64.

    >>> from types import SimpleNamespace as V
    >>> view = V(vocab_size=49158, output_size=49216, kept_after_top_k=49216, kept_after_top_p=900)
    >>> view.kept_after_min_p = 7
    >>> for part in vocabulary_line(view).split("; "): print(part)
    49,158 tokens in the vocabulary, and 58 rows of padding in the model's output that no token uses
    top-k keeps 49,216, then top-p keeps 900, then min-p keeps 7.
    """
    vocab = f"{view.vocab_size:,} tokens in the vocabulary"
    extra = view.output_size - view.vocab_size
    if extra > 0:
        vocab += f", and {plural(extra, 'row')} of padding in the model's output that no token uses"
    kept = f"{vocab}; top-k keeps {view.kept_after_top_k:,}, then top-p keeps {view.kept_after_top_p:,}"
    if view.kept_after_min_p != view.kept_after_top_p:
        kept += f", then min-p keeps {view.kept_after_min_p:,}"
    return kept + "."


def uncertainty_line(view) -> str:
    """The entropy of the model's own next-token distribution and of the one this setting draws from, in bits
    (ftlib.next_token.NextTokenView): the first ignores the sliders, the second follows them.

    >>> from types import SimpleNamespace as V
    >>> for part in uncertainty_line(V(entropy_bits=3.2531, sampled_entropy_bits=1.1)).split("; "): print(part)
    The model's own uncertainty (before temperature and the filters): 3.25 bits
    after this setting: 1.10 bits (0 = always the same token, 1 bit = a coin toss between two).
    """
    return (
        f"The model's own uncertainty (before temperature and the filters): {view.entropy_bits:.2f} bits; after this "
        f"setting: {view.sampled_entropy_bits:.2f} bits (0 = always the same token, 1 bit = a coin toss between two)."
    )


def _bar(frame: pd.DataFrame, column: str, name: str, color) -> go.Bar:
    # The hover writes each value as the table and the hover cards do (`percent`), not in the axis's ".0%" format.
    return go.Bar(
        name=name,
        x=frame["token"],
        y=frame[column],
        marker_color=color,
        customdata=[percent(p) for p in frame[column]],
        hovertemplate="%{x}: %{customdata}",
    )


def next_token_figure(frame: pd.DataFrame) -> go.Figure:
    """Grouped bars per candidate token: the model's odds, after the penalty and temperature, and final (red and
    cross-hatched when a filter removed it: the hatching tells it from green without colour)."""
    kept = ["#2ea043" if k else "#f85149" for k in frame["kept by min-p"]]
    final = _bar(frame, "final", "final (renormalized; hatched = removed by a filter)", kept)
    final.marker.pattern = {"shape": ["" if k else "x" for k in frame["kept by min-p"]], "solidity": 0.4}
    fig = go.Figure(
        [
            _bar(frame, "model", "model (T = 1)", "#9aa5b1"),
            _bar(frame, "after penalty and temperature", "after penalty and temperature", "#58a6ff"),
            final,
        ]
    )
    fig.update_layout(
        barmode="group",
        height=360,
        margin={"t": 30, "b": 10},
        yaxis_tickformat=".0%",
        legend={"orientation": "h", "y": 1.12},
    )
    return readable_text(fig)


def thinking_caption(
    writes: tuple[str, str], default: bool | None, others: list[str], trained: tuple[bool, str] | None = None
) -> str:
    """Under Compare's and Evaluate's "Thinking" toggle: what the chat template writes where the answer starts with
    its switch (`enable_thinking`) on and off (`writes`: `model_prompts.thinking_writes`), its own default, the
    `others` (template labels) that have no switch and read the prompt as before, and where the toggle starts when a
    run says it (`trained`: (its state, the run's label), `run_thinking.thinking_start`: Evaluate's toggle).

    >>> thinking_caption(("", "<think>\\n\\n</think>\\n\\n"), True, [])[:72]
    'Off: the chat template writes `<think>\\\\n\\\\n</think>\\\\n\\\\n` where the answer'
    >>> thinking_caption(("", "<think>\\n\\n</think>\\n\\n"), True, [], (False, "r7")).split(". ")[-1]
    'Starts off: as run r7 trained (its training replies follow the empty reasoning block).'
    """

    def code(text: str) -> str:
        return "`" + text.replace("\n", "\\n") + "`"

    on, off = writes
    said = (
        f"Off: the chat template writes {code(off)} where the answer starts (its reasoning left empty), so the model "
        "answers without thinking first. "
        if off
        else "Off: the chat template's `enable_thinking` is false. "
    )
    said += f"On: it writes {code(on)} there" if on else "On: the model may write its reasoning first"
    said += {True: " (the template's own default).", False: "; the template's own default is off."}.get(default, ".")
    if others:
        said += f" {' and '.join(others)} {'has' if len(others) == 1 else 'have'} no such switch: read as before."
    if trained is not None:  # a run trained on rows without reasoning was taught after the off prompt, not the default
        state, run = trained
        # on: their own reasoning, none, or a tool call the empty block is written only after (Qwen3's)
        follows = "the prompt with no empty reasoning block" if state else "the empty reasoning block"
        said += f" Starts {'on' if state else 'off'}: as run {run} trained (its training replies follow {follows})."
    return said


# Compare's Thinking choice: each model asked as it trained (a run its trained state, the base its template's
# default), or every model with the switch asked on, or off.
THINKING_MODES = ("trained", "on", "off")


def thinking_asked(mode: str, starts: dict[str, tuple[bool, bool | None, bool]]) -> dict[str, bool | None]:
    """The `enable_thinking` each model of a Compare grid is asked with under `mode` (THINKING_MODES), by name: its own
    start for "trained" (`starts`: `run_thinking.run_start`'s (switch, start, whether the run said it); the base's:
    the first run's where that run's rows say one, True third, else its template's default), True or False for all
    under "on" or "off"; None for a model whose template has no switch (it reads none), or whose start neither its
    rows nor its template say. `model_prompts.render_prompts` takes it.

    >>> starts = {"base": (True, True, False), "r1": (True, False, True), "r2": (False, None, False)}
    >>> thinking_asked("trained", starts), thinking_asked("off", starts)
    ({'base': True, 'r1': False, 'r2': None}, {'base': False, 'r1': False, 'r2': None})
    """
    forced = {"on": True, "off": False}.get(mode)
    return {name: (start[1] if forced is None else forced) if start[0] else None for name, start in starts.items()}


def thinking_each_said(
    mode: str, starts: dict[str, tuple[bool, bool | None, bool]], asked: dict[str, bool | None], labels: dict[str, str]
) -> str:
    """Under Compare's Thinking choice: what each model with the switch is asked with (`asked`: `thinking_asked`) and
    why (`starts`: as `thinking_asked` takes them; `labels`: each model's name as the page says it), grouped by
    setting; forced on or off, one sentence for all; "" where no model has the switch.

    >>> starts = {"base": (True, True, False), "r1": (True, False, True), "r2": (True, True, True)}
    >>> said = thinking_each_said("trained", starts, thinking_asked("trained", starts), {"base": "the base model"})
    >>> print(said.replace("; ", ";\\n").replace(". ", ".\\n"))
    Asked with thinking on: the base model (the template's default);
    run r2 (as it trained: its training replies follow the prompt with no empty reasoning block).
    Asked with thinking off: run r1 (as it trained: its training replies follow the empty reasoning block).
    """
    switched = [name for name in asked if starts.get(name, (False,))[0]]
    if not switched:
        return ""
    if mode != "trained":
        return f"Asked with thinking {mode}, whatever each model trained with."

    def why(name: str) -> str:
        _, state, said = starts[name]
        if name == "base":  # `said`: asked as the first run, so base and tuned answer one prompt
            return "as the first run, so base and first run answer one prompt" if said else "the template's default"
        if not said:  # no training row says (a file with no kept rows, rows without a reply)
            return "its template's default: its training rows do not say"
        follows = "the prompt with no empty reasoning block" if state else "the empty reasoning block"
        return f"as it trained: its training replies follow {follows}"

    groups: dict[str, list[str]] = {}
    for name in switched:
        # None: neither its rows nor its template's default say (a template whose prompt is neither on's nor off's)
        setting = {True: "with thinking on", False: "with thinking off"}.get(asked[name], "as its template has it")
        groups.setdefault(setting, []).append(f"{labels.get(name) or f'run {name}'} ({why(name)})")
    return " ".join(f"Asked {setting}: {'; '.join(each)}." for setting, each in groups.items())


__all__ = [
    "CSS",
    "PROBABILITY_COLUMNS",
    "REPEATS",
    "LONG_ON_CPU",
    "STEADY_S",
    "STEADY_STEPS",
    "LOW_PROB",
    "answer_html",
    "card_html",
    "card_words",
    "duration",
    "finished_line",
    "greedy_filters_note",
    "long_grid_note",
    "next_token_figure",
    "next_token_frame",
    "next_token_table",
    "progress_line",
    "setting_header",
    "setting_values",
    "shown",
    "THINKING_MODES",
    "thinking_asked",
    "thinking_caption",
    "thinking_each_said",
    "token_html",
    "vocabulary_line",
]
