"""GRPO's operator-registered reward functions: the registry, loading a function, calling it safely.

    registered_functions()                  # {"correct": "/srv/rewards.py:correct"} from FTLIB_REWARD_FUNCTIONS
    score = registered("correct")           # RewardError now when the file, module or function cannot be loaded
    score(prompts, completions, tools, columns)   # one finite number per answer, or a RewardError naming the value

An operator registers functions in a YAML/JSON file named by the environment variable FTLIB_REWARD_FUNCTIONS (unset =
off): `{name: "package.module:function"}` or `{name: "/path/file.py:function"}` (a relative path is read from the
registry file's folder). They are trusted code, imported into
the training process and called once per answer as `function(prompt=[turns...], completion="text", **taken)`, where
`taken` holds what the function accepts (a parameter so named, or any with `**kwargs`) of the answer's row: `tools`
(its tool schemas, None when it has none) and its columns (a file of prompts' other fields, rows.with_columns:
`answer=`, `solution=`...), as TRL passes a dataset's columns to its reward functions.

Nothing the operator's code does escapes as a traceback: a file, module or function that cannot be loaded (a typo
in the name, a syntax error, a missing module) is a RewardError before launch, naming the reward, its file and what
is wrong; a call that raises, or returns None, NaN, infinity or text, is a RewardError naming the function and the
value (the preview, the run and the evaluation stop with it: TRL would read None or NaN as "no reward" and train on
nothing). A function written for TRL's batch signature (`prompts`, `completions` lists) is refused by name.

Not known here: the built-in rewards and how a run's rewards are built and scored (rewards.py).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import math
import os
from pathlib import Path

from ftlib.errors import UserError
from ftlib.user_paths import user_path

REGISTRY_ENV = "FTLIB_REWARD_FUNCTIONS"


class RewardError(UserError):
    """A reward cannot be used: an unknown sample or function, a run that is not a finished reward model."""


# How a Python reward comes to exist: said wherever code or an unknown function name is refused.
REGISTER_HOW = (
    "Python code is never taken from the rewards themselves: the server's operator registers a function by naming "
    f'it in the file {REGISTRY_ENV} points to (README, "Rewards for GRPO"), and the rewards then name it as '
    '{"function": "NAME"}. Until then, use a built-in reward such as {"regex": "^Ahoy"}.'
)


def asked(prompt) -> str:
    """A prompt's last turn, short, to say which answer a message is about."""
    turns = prompt if isinstance(prompt, list) else [{"content": prompt}]
    last = str(turns[-1].get("content", "")) if turns and isinstance(turns[-1], dict) else ""
    return repr(last if len(last) <= 60 else last[:57] + "...")


def checked_score(value, who: str, prompt=None) -> float:
    """`value` as a float when it is one finite number; RewardError naming `who` (a reward) and the value otherwise
    (None, NaN, infinity, text, a list): GRPO's advantages need a number per answer, and TRL would read None as NaN
    and learn nothing from it.

    >>> checked_score(1, "x"), checked_score(True, "x")
    (1.0, 1.0)
    """
    number = None
    if not isinstance(value, str | bytes):
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
    if number is None or not math.isfinite(number):
        about = f" for an answer to {asked(prompt)}" if prompt is not None else ""
        raise RewardError(
            f"{who} returned {value!r}{about}: a reward must be one finite number per answer (return 0.0 for an "
            "answer that earns nothing)."
        )
    return number


def registered_functions() -> dict[str, str]:
    """The operator's reward functions: name -> "module:function" or "file.py:function" ({} when none)."""
    path = os.environ.get(REGISTRY_ENV, "").strip()
    if not path:
        return {}
    file = user_path(path)
    if not file.exists():  # a typo in the variable: said with the fix, not as "[Errno 2] No such file"
        raise RewardError(
            f"The reward-function registry {file} ({REGISTRY_ENV}) does not exist: set {REGISTRY_ENV} to the path "
            'of the YAML or JSON file that registers the functions (README, "Rewards for GRPO"), or unset it.'
        )
    try:
        text = file.read_text(encoding="utf-8")
        import yaml

        from ftlib.fields import unique_key_loader, unique_keys, yaml_problem

        # A name given twice is refused, naming it: YAML and JSON both keep the last one silently.
        if file.suffix.lower() in (".yaml", ".yml"):
            data = yaml.load(text, Loader=unique_key_loader(file, RewardError))  # a SafeLoader
        else:
            data = json.loads(text, object_pairs_hook=functools.partial(unique_keys, file, RewardError))
    except Exception as exc:  # unreadable or unparsable: the operator's file, said once, plainly, in one line
        said = yaml_problem(exc) if type(exc).__module__.startswith("yaml") else str(exc)
        raise RewardError(f"The reward-function registry {file} ({REGISTRY_ENV}) cannot be read: {said}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) and ":" in v for v in data.values()):
        raise RewardError(f"{file} ({REGISTRY_ENV}) must map names to 'module:function' or 'file.py:function'.")
    return {str(k): _beside(v, file.parent) for k, v in data.items()}


def _beside(target: str, folder: Path) -> str:
    """`target` with a relative "file.py" path read from `folder` (the registry's own): a run trains in its own
    folder, where a path relative to wherever the server started means nothing.

    >>> _beside("rewards.py:correct", Path("/srv/ml")), _beside("pkg.mod:f", Path("/srv/ml"))
    ('/srv/ml/rewards.py:correct', 'pkg.mod:f')
    """
    where, _, function = target.rpartition(":")
    if where.endswith(".py") and not user_path(where).is_absolute():
        return f"{folder / where}:{function}"
    return target


def _accepts(function) -> tuple[set[str] | None, bool]:
    """The keyword arguments a function takes by name, and whether it takes `**kwargs` (nothing known: (None, False)).
    A positional-only parameter (`def f(prompt, completion, /)`) is not one: called by name, it would raise.

    >>> sorted(_accepts(lambda prompt, completion, /, answer=None: 1.0)[0])
    ['answer']
    """
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin or C function without a readable signature
        return None, False
    by_name = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in parameters if p.kind in by_name}, any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )


def takes_tools(function) -> bool:
    """Whether a registered reward function accepts `tools=` (a parameter so named, or `**kwargs`). One written as
    `function(prompt, completion)` is called as it always was.

    >>> takes_tools(lambda prompt, completion: 1.0), takes_tools(lambda prompt, completion, tools=None: 1.0)
    (False, True)
    """
    names, takes_all = _accepts(function)
    return takes_all or "tools" in (names or ())


def _load_registered(name: str, target: str):
    """The function `target` ("module:function" or "file.py:function") names; RewardError saying what is wrong: no
    such file, module or function, a syntax error (with its line), an error while its module is imported."""
    where, _, attribute = target.rpartition(":")
    said = f"The registered reward function {name!r} ({target})"
    if where.endswith(".py") and not user_path(where).is_file():
        raise RewardError(f"{said} cannot be loaded: there is no file {where}.")
    try:
        if where.endswith(".py"):
            spec = importlib.util.spec_from_file_location(f"ftlib_reward_{name}", user_path(where))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)  # trusted: the operator wrote it into the server's config
        else:
            module = importlib.import_module(where)
    except SyntaxError as exc:
        raise RewardError(
            f"{said} cannot be loaded: {exc.filename or where} has a syntax error at line {exc.lineno}: {exc.msg}."
        ) from None
    except ModuleNotFoundError as exc:
        raise RewardError(
            f"{said} cannot be loaded: there is no module {exc.name or where!r} (not installed in the Python that "
            "runs the studio, or misspelt)."
        ) from None
    except Exception as exc:  # anything its module raises while it is imported
        raise RewardError(f"{said} cannot be loaded: importing it raised {type(exc).__name__}: {exc}") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        own = [k for k, v in vars(module).items() if callable(v) and getattr(v, "__module__", None) == module.__name__]
        defined = f" (it defines: {', '.join(own)})" if own else ""
        raise RewardError(f"{said} cannot be loaded: {where} has no function {attribute!r}{defined}.")
    return function


def _failure(who: str, exc: Exception, prompt) -> RewardError:
    """A call of the operator's function that raised: where in their code, or that it cannot be called so."""
    import traceback

    theirs = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    if not theirs:  # raised by the call itself: the function does not take these arguments
        return RewardError(
            f"{who} cannot be called as function(prompt=[turns], completion=text): {type(exc).__name__}: {exc}."
        )
    where = f"{Path(theirs[-1].filename).name} line {theirs[-1].lineno}"
    return RewardError(f"{who} raised {type(exc).__name__}: {exc} ({where}) on an answer to {asked(prompt)}.")


# What a registered function is given by these names whatever its row's columns are called.
_OWN = ("prompt", "completion", "tools")
# TRL's reward-function parameters for a whole batch (`def f(prompts, completions, **kwargs) -> list[float]`).
TRL_BATCH = frozenset({"prompts", "completions", "completion_ids"})


def registered(name: str):
    """The scorer of the registered function `name` (`Reward.score`'s shape): each answer scored by one call, given
    the tools and the columns of its row it takes; RewardError when it cannot be loaded, and when a call raises or
    returns anything but one finite number (naming the function and the value)."""
    functions = registered_functions()
    if name not in functions:
        where = f"registered: {', '.join(functions)}" if functions else f"none are registered: {REGISTRY_ENV} unset"
        raise RewardError(
            f"`function` names {name!r}, which is not a reward function the server's operator registered ({where}). "
            f"{REGISTER_HOW}"
        )
    function = _load_registered(name, functions[name])
    names, takes_all = _accepts(function)
    who = f"The reward function {name!r} ({functions[name]})"
    trl = sorted((names or set()) & TRL_BATCH)
    if trl:  # `completions` would otherwise be taken for a column every prompt lacks
        raise RewardError(
            f"{who} takes {', '.join(trl)}: TRL's batch signature (lists of prompts and completions in, a list of "
            "rewards out), which is not supported here. A studio reward function scores one answer per call: take "
            "`prompt` (the prompt's turns) and `completion` (the answer's text) and return one number, e.g. "
            'def f(prompt, completion, **kwargs): ... (README, "Rewards for GRPO").'
        )
    if names is not None and not takes_all and not {"prompt", "completion"} <= names:  # before launch, not at step 0
        takes = f"it takes ({', '.join(sorted(names))})" if names else "it takes no argument by name"
        raise RewardError(
            f"{who} cannot be called as function(prompt=[turns], completion=text): {takes}. A studio reward "
            "function scores one answer (TRL's take lists of prompts and completions): give it parameters named "
            "prompt and completion, taken by name (no `/` after them)."
        )

    def score(prompts, completions, tools=None, columns=None) -> list[float]:
        tools = list(tools) if tools is not None else [None] * len(completions)
        columns = list(columns) if columns is not None else [None] * len(completions)
        out = []
        for p, c, t, given in zip(prompts, completions, tools, columns, strict=True):
            # The row's columns under their own names (those it takes), as TRL passes a dataset's columns.
            kwargs = {k: v for k, v in (given or {}).items() if k not in _OWN and (takes_all or k in names)}
            if takes_all or "tools" in names:
                kwargs["tools"] = t
            try:
                value = function(prompt=p, completion=c, **kwargs)
            except Exception as exc:  # the operator's code: said as theirs, with where it raised
                raise _failure(who, exc, p) from None
            out.append(checked_score(value, who, p))
        return out

    score.columns_needed = _needed(function)  # each row must have these: checked before launch (rewards.check_columns)
    return score


def _needed(function) -> set[str]:
    """The parameters a function cannot be called without, other than the prompt, the answer and the tools: the
    columns each prompt row must carry.

    >>> sorted(_needed(lambda prompt, completion, answer, unit="kg", **kw: 1.0))
    ['answer']
    """
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return set()
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in parameters if p.kind in plain and p.default is p.empty and p.name not in _OWN}


__all__ = [
    "REGISTER_HOW",
    "REGISTRY_ENV",
    "TRL_BATCH",
    "RewardError",
    "asked",
    "checked_score",
    "registered",
    "registered_functions",
    "takes_tools",
]
