"""The training methods in plain words: what each one is, the rows it needs, its proven learning rates, and the
shape of GRPO's rewards. Stdlib only; `ftlib.config` declares the settings and re-exports these.

    METHOD_HELP["grpo"]                 # one sentence for the Train page
    METHOD_ROWS["kto"]                  # ("unpaired", "preference"): the canonical row kinds (ftlib.rows) it trains on
    wrong_rows("grpo", "preference")    # "GRPO needs prompts ...; this split has pairs ...: use DPO, ..."
    check_rewards(rewards, ConfigError) # the first reward that cannot work, named, with how to write it

The lifecycle the studio teaches: pre-training (the base model) -> SFT (lora, qlora, full: imitate answers) -> a
reward model (score answers) -> preference tuning (dpo on pairs, kto on good/bad answers) -> reinforcement learning
(grpo: the model writes answers, rewards score them). Not known here: how any of it is trained (training.py,
alignment.py), how rewards are computed (rewards.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ftlib.fields import did_you_mean, setting, yaml_problem
from ftlib.reward_config import (
    COLUMN_KINDS,
    AliasRefused,
    ColonWithoutSpace,
    path_problem,
    read_yaml,
    repeat_problem,
    shown,
)

SFT_METHODS = ("lora", "qlora", "full")  # the method is the tuning
PREFERENCE_METHODS = ("dpo", "reward", "kto", "grpo")  # alignment after SFT: these take a separate `tuning`
BETA_METHODS = ("dpo", "kto", "grpo")  # the methods that hold the model near where it started with `beta`

# What each method is, in one plain sentence, and the canonical row kinds (ftlib.rows) it trains on.
METHOD_HELP = {
    "lora": "LoRA freezes the model and trains a small add-on (an adapter: under 1% of the weights on large models, "
    "a few % on small ones): fast, light on memory, a small file. The usual first choice.",
    "qlora": "QLoRA is LoRA on a copy of the model squeezed into 4 bits: the least memory for the weights, so bigger "
    "models fit on one GPU; a little slower and slightly less exact (on CPU much slower).",
    "full": "Full fine-tuning updates every weight: the most capacity, but the most memory (in fp32, 16 bytes a "
    "weight: the weights, their gradients and AdamW's two moments, four copies of the model, plus activations), "
    "and the result is a whole model copy.",
    "dpo": "DPO learns from pairs of a better (chosen) and a worse (rejected) answer to the same prompt: it widens "
    "the gap between the chosen and the rejected answers' likelihoods, each measured against the starting model "
    "(both can still become less likely), with no reward model.",
    "reward": "A reward model learns from the same chosen/rejected pairs to give any answer a score (higher = "
    "better); it writes nothing itself, but it can judge the answers GRPO writes.",
    "kto": "KTO learns from single answers marked good or bad (thumbs up or down, no pairs needed): good answers "
    "become more likely, bad ones less.",
    "grpo": "GRPO (reinforcement learning) lets the model write several answers to each prompt, scores them with "
    "your rewards, and makes the better-scored ones more likely.",
}
METHOD_NAMES = {"lora": "LoRA", "qlora": "QLoRA", "full": "Full fine-tuning", "dpo": "DPO", "reward": "A reward model"}
METHOD_NAMES.update(kto="KTO", grpo="GRPO")
METHOD_ROWS = {m: ("sft", "text") for m in SFT_METHODS} | {"dpo": ("preference",), "reward": ("preference",)}
METHOD_ROWS |= {
    "kto": ("unpaired", "preference"),  # a pair is two unpaired rows: the chosen one good, the rejected one bad
    "grpo": ("prompt_only", "sft"),  # a conversation's prompt is everything before its last assistant turn
}
# What a method needs, and what a split holds, in the words of a refusal ("GRPO needs ...; this split has ...").
NEEDS = {m: "conversations with answers to imitate (or plain text)" for m in SFT_METHODS}
NEEDS.update(
    dpo="pairs of a chosen and a rejected answer",
    reward="pairs of a chosen and a rejected answer",
    kto="answers labelled good or bad (or chosen/rejected pairs)",
    grpo="prompts (the model writes the answers itself)",
)
HAS = {
    "sft": "conversations with answers",
    "text": "plain text",
    "preference": "preference pairs (chosen/rejected)",
    "unpaired": "single answers labelled good or bad",
    "prompt_only": "prompts without answers",
}
_USE = {"lora": "an SFT method (lora, qlora or full)", "dpo": "DPO", "reward": "a reward model", "kto": "KTO"}
_USE["grpo"] = "GRPO"
_LOAD = {m: "conversations with answers" for m in SFT_METHODS}
_LOAD.update(dpo="a preference dataset", reward="a preference dataset", kto="answers labelled good or bad")
_LOAD["grpo"] = "a split of prompts"
# What a method needs in a few words (beside its name in the Train page's method choice); the fields it trains on
SHORT_NEEDS = {m: "conversations" for m in SFT_METHODS}
SHORT_NEEDS.update(dpo="preference pairs", reward="preference pairs", kto="good/bad answers", grpo="prompts")
FILE_FIELDS = {m: "`messages` (a conversation), or `prompt` and `completion`" for m in SFT_METHODS}
FILE_FIELDS.update(
    dpo="`prompt`, `chosen` and `rejected`",
    reward="`prompt`, `chosen` and `rejected`",
    kto="`prompt`, `completion` and a true/false `label` (or `prompt`, `chosen` and `rejected`)",
    grpo="a `prompt` and no answer (or whole conversations: the last answer is left out)",
)
# Said after the fix when an SFT method meets data that looks trainable but is not.
EXTRA_FIX = {
    "unpaired": "A bad answer is never trained as plain SFT: it would become a target.",
    "prompt_only": "Prompts without answers cannot be imitated: add the answers for SFT.",
}

# Proven starting points (SmolLM2-135M on the shipped samples, bench/demo_train.py and bench/demo_rl.py: SFT, DPO,
# the LoRA reward model, LoRA GRPO; KTO follows DPO; the full reward model and full GRPO are not measured yet; LoRA
# DPO and KTO's 1e-3 against 2e-4 and 5e-5 on held-out pairs: BENCHMARKS.md, "The DPO and KTO LoRA learning rate"):
# adapters tolerate a much higher learning rate than updating every weight, and DPO wants a gentler push than SFT.
DEFAULT_LR = {
    ("lora", "lora"): 2e-3,
    ("qlora", "qlora"): 2e-3,
    ("full", "full"): 5e-5,
    ("dpo", "lora"): 1e-3,
    ("dpo", "qlora"): 1e-3,
    ("dpo", "full"): 5e-6,
    ("reward", "lora"): 1e-3,
    ("reward", "qlora"): 1e-3,
    ("reward", "full"): 2e-5,
    ("kto", "lora"): 1e-3,
    ("kto", "qlora"): 1e-3,
    ("kto", "full"): 5e-6,
    ("grpo", "lora"): 5e-4,
    ("grpo", "qlora"): 5e-4,
    ("grpo", "full"): 1e-5,
}


def default_learning_rate(method: str, tuning: str) -> float:
    """The proven starting learning rate for a method and the way it updates weights."""
    return DEFAULT_LR[(method, method if method in SFT_METHODS else tuning)]


def methods_for(kind: str) -> list[str]:
    """The methods that train on canonical rows of `kind`, in METHOD_ROWS order."""
    return [m for m, kinds in METHOD_ROWS.items() if kind in kinds]


def wrong_rows(method: str, kind: str) -> str:
    """Why `method` cannot train rows of `kind`, and what to do instead.

    >>> wrong_rows("grpo", "preference")
    'GRPO needs prompts (the model writes the answers itself); this split has preference pairs (chosen/rejected): \
use DPO, a reward model or KTO on it, or load a split of prompts for GRPO.'
    """
    fits = list(dict.fromkeys(_USE["lora" if m in SFT_METHODS else m] for m in methods_for(kind)))
    use = ", ".join(fits[:-1]) + " or " + fits[-1] if len(fits) > 1 else (fits or ["no method of this version"])[0]
    text = (
        f"{METHOD_NAMES[method]} needs {NEEDS[method]}; this split has {HAS[kind]}: use {use} on it, or load "
        f"{_LOAD[method]} for {'a reward model' if method == 'reward' else METHOD_NAMES[method]}."
    )
    return text + (f" {EXTRA_FIX[kind]}" if kind in EXTRA_FIX and method in SFT_METHODS else "")


def how_to_get(method: str, kind: str, samples: dict[str, str]) -> str:
    """One plain sentence for a method chosen on a split it cannot train: what it needs, what the split has, and how
    to get fitting data. `kind`: the split's (most common) canonical row kind; `samples`: the shipped samples the
    Data page offers, name -> row kind (ftlib.demo_data); the first that fits is named, preferring the method's
    main kind (GRPO: prompts over conversations).

    >>> how_to_get("dpo", "sft", {"chat_style": "sft", "preference_pairs": "preference"})
    'DPO needs pairs of a chosen and a rejected answer, but this split has conversations with answers: on the Data \
page, pick the sample **preference_pairs** (or load a file whose rows have `prompt`, `chosen` and `rejected`) and \
save a split.'
    """
    wanted = METHOD_ROWS[method]
    fit = [(wanted.index(k), i, name) for i, (name, k) in enumerate(samples.items()) if k in wanted]
    file = f"a file whose rows have {FILE_FIELDS[method]}"
    get = f"pick the sample **{min(fit)[2]}** (or load {file})" if fit else f"load {file}"
    return (
        f"{METHOD_NAMES[method]} needs {NEEDS[method]}, but this split has {HAS[kind]}: on the Data page, {get} and "
        "save a split."
    )


def fitting_methods(kinds: list[str]) -> list[str]:
    """The methods that can train every canonical row kind (ftlib.rows) in `kinds`.

    >>> fitting_methods(["preference", "preference"]), fitting_methods(["sft", "preference"])
    (['dpo', 'reward', 'kto'], [])
    """
    return [m for m in METHOD_ROWS if set(kinds) <= set(METHOD_ROWS[m])]


def unfit_methods(kinds: list[str], samples: dict[str, str]) -> dict[str, str]:
    """The methods that cannot train rows of these kinds (one per row), each with `how_to_get`'s sentence for the
    split's most common kind it cannot train; `samples` as `how_to_get` takes them."""
    out = {}
    for method, trains in METHOD_ROWS.items():
        wrong = [k for k in kinds if k not in trains]
        if wrong:
            out[method] = how_to_get(method, max(set(wrong), key=wrong.count), samples)
    return out


# What a method cannot batch, in the words `train` says it: one rule for the config's check (packing), the trainer's
# row order (training.trainer_arguments: length grouping), the Batches page and `python -m ftlib batch`.
PACKING_METHODS = SFT_METHODS
# Methods whose trainer orders its rows itself, so Group by length does not apply to them.
OWN_ROW_ORDER = {
    "kto": "KTO's rows are not grouped by length here: TRL's KTOTrainer shuffles them each epoch with the seed, and "
    "its KL estimate pairs each answer with another row's prompt in the same batch (grouping would change which).",
    "grpo": "GRPO draws its prompts in an order of its own (TRL's RepeatSampler, shuffled with the seed), so grouping "
    "by length does not apply.",
}
# The methods the Train form offers Group by length to: those that do not order their own rows.
GROUPING_METHODS = tuple(m for m in METHOD_NAMES if m not in OWN_ROW_ORDER)


def packing_refusal(methods: list[str]) -> str | None:
    """Why `train` refuses packing for each of `methods`, or None when one of them packs.

    >>> packing_refusal(["kto"])
    '`packing` works for SFT only: kto compares whole answers. Turn packing off.'
    >>> packing_refusal(["dpo", "reward"]), packing_refusal(["lora", "grpo"])
    ('`packing` works for SFT only: dpo and reward compare whole answers. Turn packing off.', None)
    """
    if not methods or any(m in PACKING_METHODS for m in methods):
        return None
    names = ", ".join(methods[:-1]) + " and " + methods[-1] if len(methods) > 1 else methods[0]
    verb = "compares" if len(methods) == 1 else "compare"
    return f"`packing` works for SFT only: {names} {verb} whole answers. Turn packing off."


def batching_refusals(kinds: list[str]) -> dict[str, str]:
    """The batching strategies (ftlib.batch_costs.STRATEGIES) that no method training rows of these canonical kinds
    can use, and why: packing (`packing_refusal`), length grouping (`OWN_ROW_ORDER`). A strategy refused for the
    methods of one kind present is refused.

    >>> sorted(batching_refusals(["unpaired"])), sorted(batching_refusals(["preference"])), batching_refusals(["sft"])
    (['length_grouped', 'packing'], ['packing'], {})
    """
    out: dict[str, str] = {}
    for kind in dict.fromkeys(kinds):
        fits = methods_for(kind)
        if "packing" not in out and (why := packing_refusal(fits)):
            out["packing"] = why
        if "length_grouped" not in out and fits and all(m in OWN_ROW_ORDER for m in fits):
            out["length_grouped"] = " ".join(OWN_ROW_ORDER[m] for m in fits)
    return out


# ---------------------------------------------------------------------------------------------------------------
# GRPO's rewards: their shape is checked here; what they name (a run, a sample) before launch (ftlib.rewards)
# ---------------------------------------------------------------------------------------------------------------

# Reward kinds -> what their value must be. `ftlib.rewards` computes them.
REWARD_KINDS = {
    "regex": "a regular expression",
    "contains": "a piece of text",
    "contains_column": "the name of a column of the prompts' file (e.g. answer; reward_model.ground_truth: a field)",
    "final_answer": "the name of the prompts' file's column holding the reference answer (e.g. answer)",
    "length": "{target: N} (a number of words)",
    "not_repeating": "{} (no options)",
    "check": "the name of a shipped sample with a behaviour check (e.g. chat_style)",
    "model": "the id of a finished reward-model run",
    "function": "the name of a reward function the server's operator registered",
}
REWARD_EXAMPLE = '[{"regex": "^Ahoy", "weight": 1.0}, {"not_repeating": {}, "weight": 0.5}]'


# A line that opens Python code (a function, an import, a return, a lambda); never the start of a JSON or YAML list.
_CODE_LINE = re.compile(
    r"^\s*(?:def\s+\w+\s*\(|class\s+\w+.*:\s*$|import\s+\w|from\s+[\w.]+\s+import\b|return\b(?!\s*:)|"
    r"@\w|\w+\s*=\s*lambda\b|lambda\b)",
    re.MULTILINE,
)


def looks_like_code(text: str) -> bool:
    """Whether rewards typed as text are Python code rather than declarations (YAML would read
    `def f(prompt, completion): return 1` as a mapping and refuse it as an unknown reward).

    >>> looks_like_code("def reward(prompt, completion):\\n    return 1.0"), looks_like_code("- regex: ^def ")
    (True, False)
    >>> looks_like_code('[{"contains": "import os"}]'), looks_like_code("import re\\nscore = 1")
    (False, True)
    """
    return bool(_CODE_LINE.search(text))


def coerce_rewards(value, error: type[Exception]) -> list:
    """Rewards as a list: JSON or YAML text is parsed, one mapping is a list of one, None or "" is empty; Python code
    is refused as such (never run), with how an operator registers a function."""
    if value is None:
        return []
    if isinstance(value, str):
        if not value.strip():
            return []
        if looks_like_code(value):
            raise error(
                f"`rewards` takes declarations such as {REWARD_EXAMPLE}, not Python: code given here is never run. To "
                "reward with a Python function of your own, the operator registers it in the file "
                'FTLIB_REWARD_FUNCTIONS points to (README, "Rewards for GRPO"); then write {"function": "NAME"}.'
            )
        try:
            value = read_yaml(value)  # a superset of JSON: both spellings read
        except AliasRefused as exc:  # an alias repeats what it names: a few typed, billions read (a review)
            raise error(
                f"`rewards` uses {exc}, which is not read here: an alias repeats what it names, so a few lines can "
                f"stand for billions of characters. Write each reward out in full, e.g. {REWARD_EXAMPLE}."
            ) from None
        except ColonWithoutSpace as exc:  # valid YAML read wrongly: the fix alone, not "not valid JSON or YAML"
            raise error(f"`rewards`: {exc}.") from None
        except Exception as exc:  # yaml raises several error types; all mean "cannot parse"
            raise error(  # in one line: PyYAML's own message spans several
                f"`rewards` is not valid JSON or YAML ({yaml_problem(exc)}). Write a list such as {REWARD_EXAMPLE}."
            ) from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple):
        got = f"the text {shown(value)}" if isinstance(value, str) else f"a {type(value).__name__}: {shown(value)}"
        raise error(f"`rewards` must be a list such as {REWARD_EXAMPLE} (got {got}).")
    return [dict(item) if isinstance(item, dict) else item for item in value]


def reward_kind(spec: dict) -> str:
    """The kind of one (checked) reward: its key other than `weight`."""
    return next(k for k in spec if k != "weight")


# Columns of the tables of answers beside the rewards', and metric keys `reward_<name>` would take (`reward_std`, TRL's
# spread of the total; DPO's `reward_accuracy` and `reward_margin`, which the Train page shows as DPO's): no reward's.
_TAKEN_NAMES = {"prompt", "answer", "total", "advantage", "messages", "tools", "columns", "step", "std"}
_TAKEN_NAMES |= {"accuracy", "margin"}


def reward_names(specs: list[dict], by_kind: bool = False) -> list[str]:
    """Each reward's name in a run (its metrics are `reward_<name>`, its column in the tables of answers): a
    registered function's own name, when a plain word (TRL's metric keys split on "/"), else the reward's kind;
    numbered from the second of a name. `by_kind`: the names runs before 2026-12-04 logged, every function
    "function".

    >>> reward_names([{"regex": "^A"}, {"function": "correct"}, {"regex": "B$"}, {"function": "a/b"}])
    ['regex', 'correct', 'regex_2', 'function']
    >>> reward_names([{"function": "total"}, {"function": "regex"}, {"regex": "B$"}, {"function": "accuracy"}])
    ['function', 'regex', 'regex_2', 'function_2']
    >>> reward_names([{"function": "correct"}, {"function": "short"}], by_kind=True)
    ['function', 'function_2']
    """
    names, taken = [], set()
    for spec in specs:
        kind = reward_kind(spec)
        own = spec[kind] if kind == "function" and not by_kind else ""
        # "_std" closes the key of a reward's spread (`reward_<name>_std`): such a name would read as one.
        plain = isinstance(own, str) and re.fullmatch(r"\w[\w.-]*", own) and not own.endswith("_std")
        base = own if plain and own not in _TAKEN_NAMES else kind
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names.append(name)
    return names


def check_rewards(rewards: list, error: type[Exception]) -> None:
    """Raise `error` naming the first reward (1-based) that cannot work, with how to write it.

    Checks shapes, weights and regular expressions. Whether a named run, sample or function exists is checked
    before launch (`ftlib.rewards.build_rewards`).
    """
    if not rewards:
        raise error(
            "`rewards` is empty: GRPO learns only from what its rewards score. Add at least one, e.g. "
            f"{REWARD_EXAMPLE}."
        )
    for number, spec in enumerate(rewards, start=1):
        where = f"`rewards` item {number}"
        if not isinstance(spec, dict):
            raise error(f'{where} must be a mapping such as {{"regex": "^Ahoy"}} (got {shown(spec)}).')
        kinds = [k for k in spec if k != "weight"]
        if len(kinds) != 1 or kinds[0] not in REWARD_KINDS:
            raise error(
                f"{where} ({shown(spec)}) must name exactly one reward among {', '.join(REWARD_KINDS)}, plus an "
                f"optional weight, e.g. {REWARD_EXAMPLE}.{did_you_mean(kinds, [*REWARD_KINDS, 'weight'])}"
            )
        kind, value, weight = kinds[0], spec[kinds[0]], spec.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight != weight:
            raise error(f"{where}: `weight` must be a number such as 1.0 or 0.5 (got {shown(weight)}).")
        if kind == "regex":
            if not isinstance(value, str) or not value:
                raise error(f'{where}: `regex` needs a pattern as text, e.g. "^Ahoy".')
            try:
                re.compile(value)
                too_many = repeat_problem(value)  # `regex`, which scores it, writes out every counted repeat
            except (re.error, RecursionError) as exc:
                raise error(
                    f"{where}: {shown(value)} is not a valid regular expression ({exc}). Put a backslash before a "
                    'special character to match it as itself (\\? \\( \\.), or use {"contains": TEXT} for plain text.'
                ) from None
            if too_many:
                raise error(f"{where}: {too_many}")
        elif kind == "length":
            target = value.get("target") if isinstance(value, dict) else None
            if isinstance(target, bool) or not isinstance(target, int | float) or target <= 0:
                raise error(f'{where}: `length` needs a positive target, e.g. {{"length": {{"target": 50}}}}.')
            if other := [k for k in value if k != "target"]:
                raise error(
                    f"{where}: `length` takes only `target` (got {shown(other[0])} too): write "
                    '{"length": {"target": 50}}.'
                )
        elif kind == "not_repeating":
            if value not in (None, {}):
                raise error(f'{where}: `not_repeating` takes no options: write {{"not_repeating": {{}}}}.')
        elif not isinstance(value, str) or not value.strip():
            raise error(f"{where}: `{kind}` needs {REWARD_KINDS[kind]} as text (got {shown(value)}).")
        elif kind in COLUMN_KINDS and (too_long := path_problem(value, kind)):
            raise error(f"{where}: {too_long}")
    if all(spec.get("weight", 1.0) == 0 for spec in rewards):
        # A weight-0 reward beside others is shown but not trained on (a metric to watch); all of them at 0 score
        # every answer 0, so every group's advantages are 0 and no step changes the model.
        raise error(
            "Every reward in `rewards` has weight 0: each answer would score 0, so GRPO would learn nothing. Give at "
            "least one reward a weight above 0 (1.0 when left out)."
        )


@dataclass
class GRPOSettings:
    """GRPO's settings, part of every RunConfig (shown only for method grpo), each help naming TRL's GRPOConfig field.
    Declared beside the rewards' shapes; the form, the CLI flags and the checks treat them as any other setting."""

    rewards: list[dict] = setting(
        label="Rewards (a JSON or YAML list)",
        group="preference",
        when={"method": ("grpo",)},
        default_factory=list,
        hint=f"e.g. {REWARD_EXAMPLE}",
        help="What GRPO rewards: a list of {regex: PATTERN} (1 if the answer matches), {contains: TEXT}, "
        "{contains_column: COLUMN} (1 if the answer contains the prompt row's value of that column, e.g. answer, "
        "or a field's path, reward_model.ground_truth), {final_answer: COLUMN} (1 if the answer's final answer: "
        "<answer> tags, \\boxed{}, #### or its last number, equals the column's: GSM8K's after ####), "
        "{length: {target: N}} (words; closer is better), {not_repeating: {}} (fewer repeated sentences and word "
        "runs), {check: SAMPLE} (a shipped sample's check, e.g. chat_style), {model: RUN_ID} (a trained reward "
        "model), {function: NAME} (a Python function the server's operator registered in FTLIB_REWARD_FUNCTIONS), "
        "each with an optional weight (default 1). TRL: reward_funcs and reward_weights (the weights).",
    )
    grpo_group_size: int = setting(
        4,
        label="Answers per prompt",
        group="preference",
        minimum=2,
        maximum=64,
        when={"method": ("grpo",)},
        # Why at least 2, said wherever the limit refuses one (CLI, Train form); TRL refuses 1 after the model loads
        hint="each answer's advantage is its reward minus the mean of its group's rewards (GRPO, DeepSeekMath: arXiv "
        "2402.03300), so 1 answer per prompt gives every answer an advantage of 0 and nothing to learn; use 2 or "
        "more (4, the default, is a good start; 4-16 is typical)",
        help="How many answers GRPO writes to each prompt; each is rewarded relative to the others of its group "
        "(TRL: num_generations).",
    )
    grpo_max_new_tokens: int = setting(
        64,
        label="Max answer length (tokens)",
        group="preference",
        minimum=1,
        maximum=4096,
        when={"method": ("grpo",)},
        help="The longest answer GRPO writes while training; longer ones are cut there (TRL: max_completion_length).",
    )
    grpo_temperature: float = setting(
        1.0,
        label="Sampling temperature",
        group="preference",
        above=0.0,
        maximum=10.0,
        step=0.1,
        advanced=True,
        when={"method": ("grpo",)},
        hint="0.7-1.0 is typical",
        help="How varied GRPO's answers are (higher = more varied): it needs variety to find better answers (TRL: "
        "temperature).",
    )


@dataclass
class KTOSettings:
    """KTO's loss weights, part of every RunConfig (shown only for method kto): TRL's `KTOConfig` names and
    defaults. The KTO paper (Ethayarajh et al. 2024, Eq. 8) recommends 1 <= (desirable_weight * good rows) /
    (undesirable_weight * bad rows) <= 4/3; the run's preflight says when the data puts it outside."""

    desirable_weight: float = setting(
        1.0,
        label="Weight of good answers",
        group="preference",
        minimum=0.0,
        maximum=100.0,
        step=0.1,
        advanced=True,
        when={"method": ("kto",)},
        help="How much each answer labelled good counts in KTO's loss (TRL's desirable_weight). Raise it when good "
        "answers are few: the check before the run says by how much.",
    )
    undesirable_weight: float = setting(
        1.0,
        label="Weight of bad answers",
        group="preference",
        minimum=0.0,
        maximum=100.0,
        step=0.1,
        advanced=True,
        when={"method": ("kto",)},
        help="How much each answer labelled bad counts in KTO's loss (TRL's undesirable_weight). Raise it when bad "
        "answers are few: the check before the run says by how much.",
    )


def method_setting_problem(config) -> str | None:
    """What a method cannot take among a RunConfig's settings (packing, KTO's batch of one, a trained prompt,
    beta 0), in a refusal's words; None when it takes them all. GRPO's rewards are `check_rewards`'."""
    method = config.method
    if config.packing and (refused := packing_refusal([method])):  # the Batches page says it too
        return refused
    if method == "kto" and config.kto_loss_type == "kto" and config.batch_size < 2:
        return (
            "`batch_size` must be at least 2 for KTO: it estimates how far the model moved by pairing each answer "
            "with another row's prompt in the same batch (`kto_loss_type` apo_zero_unpaired needs no such estimate)."
        )
    if method in ("dpo", "kto") and config.mask_policy == "everything":
        # The answer starts at the first trained token (alignment.prompt_start): with the prompt trained too, KTO's
        # KL pairs are each row's own text; in DPO the shared prompt cancels out of the loss but not out of the
        # logged rewards, accuracies and log-probabilities, which would then count it (a reviewer's -304.8 for -39.3).
        if method == "dpo":
            why = "trains nothing more with the prompt: the same before both answers, it cancels out of the loss"
        elif config.kto_loss_type == "kto":
            why = "estimates the KL term from answers put after other rows' prompts"
        else:  # apo_zero_unpaired
            why = "its loss weighs the answer alone against the starting model"
        return (
            f"`mask_policy` everything does not work with {method.upper()}: it scores each answer apart from its "
            f"prompt ({why}), so the prompt must stay masked. Use all_assistant, last_assistant or completion_only."
        )
    if method == "kto" and config.desirable_weight == 0 and config.undesirable_weight == 0:
        return "`desirable_weight` and `undesirable_weight` are both 0: KTO's loss would be 0 and train nothing."
    if method in ("dpo", "kto") and config.beta <= 0:
        return f"`beta` must be above 0 for {method.upper()} (0 only turns GRPO's KL penalty off)."
    return None


__all__ = [
    "BETA_METHODS",
    "GRPOSettings",
    "KTOSettings",
    "DEFAULT_LR",
    "METHOD_HELP",
    "METHOD_NAMES",
    "METHOD_ROWS",
    "PREFERENCE_METHODS",
    "PACKING_METHODS",
    "GROUPING_METHODS",
    "OWN_ROW_ORDER",
    "batching_refusals",
    "packing_refusal",
    "REWARD_EXAMPLE",
    "looks_like_code",
    "REWARD_KINDS",
    "FILE_FIELDS",
    "SFT_METHODS",
    "SHORT_NEEDS",
    "check_rewards",
    "coerce_rewards",
    "default_learning_rate",
    "how_to_get",
    "method_setting_problem",
    "methods_for",
    "reward_kind",
    "reward_names",
    "wrong_rows",
]
