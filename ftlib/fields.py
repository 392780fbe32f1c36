"""Declarative dataclass fields, in the TRL/PEFT manner: each field carries its help, label, group and limits.

    @dataclass
    class MyConfig:
        rate: float = setting(0.1, help="How fast.", label="Rate", group="main", above=0.0, below=1.0)

        def __post_init__(self):
            coerce_fields(self, MyError)      # "1e-3" -> 0.001, 3 -> 3.0; a wrong type names the field
            check_limits(self, MyError)       # "`rate` must be above 0 and below 1 (got 2.0)."

    specs_of(MyConfig)["rate"].help           # what forms and command-line flags are generated from

Types come from the annotations: a `Literal[...]` gives the choices, `X | None` an optional value, `list[str]` a
list. Stdlib only; this module knows no particular config (ftlib/config.py holds the run's).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


def setting(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    label: str,
    group: str,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    below: float | None = None,
    step: float | None = None,
    fmt: str | None = None,
    advanced: bool = False,
    when: dict[str, tuple] | None = None,
    hint: str = "",
    max_chars: int | None = None,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A config field with its metadata.

    `minimum`/`maximum` are inclusive limits, `above`/`below` exclusive ones; `when` maps other fields to the values
    under which this one matters ({"tuning": ("lora", "qlora")}); `hint` completes a refusal ("e.g. 0.1");
    `max_chars`: the most characters a text setting takes, where its own check refuses more (the form's box stops
    there).
    """
    meta = {
        "help": help,
        "label": label,
        "group": group,
        "minimum": minimum,
        "maximum": maximum,
        "above": above,
        "below": below,
        "step": step,
        "fmt": fmt,
        "advanced": advanced,
        "when": when or {},
        "hint": hint,
        "max_chars": max_chars,
    }
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class FieldSpec:
    """One setting as the form and the CLI see it."""

    name: str
    kind: type  # bool, int, float, str or list
    default: Any
    choices: tuple | None
    optional: bool  # None is allowed (it means "the default for the method")
    help: str
    label: str
    group: str
    minimum: float | None
    maximum: float | None
    above: float | None
    below: float | None
    step: float | None
    fmt: str | None
    advanced: bool
    when: dict
    hint: str
    item: type | None = None  # a list's element type (str, or dict for a list of mappings such as GRPO's rewards)
    max_chars: int | None = None  # a text's most characters (the run's name: config_checks.MAX_RUN_NAME)

    def within_limits(self, value) -> bool:
        """Whether a number is inside this setting's limits (at least / above / at most / below); True for None and
        for a setting that is not a number."""
        if value is None or self.kind not in (int, float):
            return True
        return (
            (self.minimum is None or value >= self.minimum)
            and (self.above is None or value > self.above)
            and (self.maximum is None or value <= self.maximum)
            and (self.below is None or value < self.below)
        )

    def limits_said(self) -> str:
        """This setting's limits in words: "at least 16 and at most 131072" ("" for none)."""
        rules = [(self.minimum, "at least"), (self.above, "above"), (self.maximum, "at most"), (self.below, "below")]
        return " and ".join(f"{words} {_number(limit)}" for limit, words in rules if limit is not None)

    def applies(self, values: dict) -> bool:
        """Whether this setting matters given the other values (e.g. LoRA rank only for adapters)."""
        return all(values.get(name) in allowed for name, allowed in self.when.items())


def _number(limit: float) -> str:
    """A limit as a user would type it back: whole ones whole (`:g` said a seed is "at most 2.14748e+09")."""
    return str(int(limit)) if float(limit).is_integer() else f"{limit:g}"


def _spec(f: dataclasses.Field, hint: Any) -> FieldSpec:
    args = typing.get_args(hint)
    optional = type(None) in args
    if typing.get_origin(hint) is Literal:
        kind, choices = str, args
    elif optional:
        kind, choices = next(a for a in args if a is not type(None)), None
    else:
        kind, choices = (list if typing.get_origin(hint) is list else hint), None
    item = (args[0] if args else str) if kind is list else None
    default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return FieldSpec(
        name=f.name, kind=kind, default=default, choices=choices, optional=optional, item=item, **f.metadata
    )


@functools.cache
def specs_of(cls: type) -> dict[str, FieldSpec]:
    """Every field of a dataclass declared with `setting`, in declaration order, with its type and metadata."""
    hints = typing.get_type_hints(cls, include_extras=False)
    return {f.name: _spec(f, hints[f.name]) for f in dataclasses.fields(cls)}


def coerce_fields(obj, error: type[Exception]) -> None:
    """Set each field of `obj` to its value in the declared type; `error` names the field and what it expects."""
    for f in dataclasses.fields(obj):
        setattr(obj, f.name, _coerce(obj, f, error))


def check_limits(obj, error: type[Exception]) -> None:
    """Raise `error` naming the first numeric field of `obj` outside its declared limits, with the rule."""
    for f in dataclasses.fields(obj):
        _check_limits(obj, f, error)


def _coerce(config, f: dataclasses.Field, error: type[Exception]) -> Any:
    """The field's value in its declared type (YAML/JSON/CLI give ints for floats, strings for numbers)."""
    spec = specs_of(type(config))[f.name]
    value = getattr(config, f.name)
    if value is None and spec.optional:
        return None
    try:
        if spec.choices is not None:
            value = str(value).strip()
            if value not in spec.choices:
                raise ValueError
        elif spec.kind is bool:
            if isinstance(value, str) and value.strip().lower() in (
                "true",
                "false",
                "yes",
                "no",
                "1",
                "0",
                "on",
                "off",
            ):
                value = value.strip().lower() in ("true", "yes", "1", "on")
            if not isinstance(value, bool):
                raise ValueError
        elif spec.kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            value = int(value)
        elif spec.kind is float:
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        elif spec.kind is str:
            # A YAML mapping or list where text belongs (`name: {a: 1}`) would otherwise be its Python repr: a run
            # named "_a_1", a dataset "['a', 'b']" said not to exist. A number stays its text (`name: 2024`).
            if isinstance(value, (dict, list)):
                raise ValueError
            value = "" if value is None else str(value)
    except (TypeError, ValueError):
        raise error(f"`{f.name}` {_expected(spec)} (got {value!r}).") from None
    return value


def _expected(spec: FieldSpec) -> str:
    if spec.choices is not None:
        return f"must be one of {', '.join(spec.choices)}"
    what = {bool: "true or false", int: "a whole number", float: "a number", str: "text", list: "a list"}[spec.kind]
    return f"must be {what}" + (f"; {spec.hint}" if spec.hint else "")


def _check_limits(config, f: dataclasses.Field, error: type[Exception]) -> None:
    spec = specs_of(type(config))[f.name]
    value = getattr(config, f.name)
    if spec.within_limits(value):
        return
    raise error(
        f"`{f.name}` must be {spec.limits_said()}" + (f"; {spec.hint}" if spec.hint else "") + f" (got {value!r})."
    )


__all__ = ["FieldSpec", "check_limits", "coerce_fields", "setting", "specs_of"]


def settings_from_dict(
    cls: type, data: dict, renamed: dict[str, str], error: type[Exception], warning: type[Warning]
) -> Any:
    """`cls(**data)`, with the old names of `renamed` read as their new ones (a `warning` naming each) and an unknown
    key refused with `error` naming the closest known setting."""
    data = dict(data)
    for old, new in renamed.items():
        if old in data:
            value = data.pop(old)
            if new not in data:
                data[new] = value
            warnings.warn(f"The setting `{old}` is now called `{new}`; it was read as `{new}`.", warning, stacklevel=3)
    refuse_unknown(data, {f.name for f in dataclasses.fields(cls)}, error)
    return cls(**data)


def did_you_mean(keys, known) -> str:
    """The hint " Did you mean `regex`?" for the first of `keys` not in `known` close to one of them, else "".

    >>> did_you_mean(["regx", "weight"], ["regex", "contains", "weight"])
    ' Did you mean `regex`?'
    >>> did_you_mean(["score"], ["regex", "contains"])
    ''
    """
    for key in keys:
        if key not in known and (close := difflib.get_close_matches(str(key), sorted(known), n=1)):
            return f" Did you mean `{close[0]}`?"
    return ""


# A run setting under the name transformers' TrainingArguments, PEFT's LoraConfig or TRL's configs give it, which
# someone coming from them types in a config: too far from ours for `did_you_mean` (`num_train_epochs` got the list of
# every setting). Named in the refusal, not read: a config of those libraries holds others the studio does not take.
LIBRARY_NAMES = {
    "num_train_epochs": ("epochs", "transformers' TrainingArguments"),
    "per_device_train_batch_size": ("batch_size", "transformers' TrainingArguments"),
    "gradient_accumulation_steps": ("grad_accum", "transformers' TrainingArguments"),
    "eval_steps": ("eval_every", "transformers' TrainingArguments"),
    "save_steps": ("save_every", "transformers' TrainingArguments"),
    "lr": ("learning_rate", "many training scripts"),
    "r": ("lora_r", "PEFT's LoraConfig"),
    "target_modules": ("lora_targets", "PEFT's LoraConfig"),
    "model_name_or_path": ("model", "TRL's ModelConfig"),
    "dataset_name": ("dataset", "TRL's scripts"),
    "num_generations": ("grpo_group_size", "TRL's GRPOConfig"),
    "max_completion_length": ("grpo_max_new_tokens", "TRL's GRPOConfig"),
    "bnb_4bit_quant_type": ("quant_type", "transformers' BitsAndBytesConfig"),
    "bnb_4bit_use_double_quant": ("double_quant", "transformers' BitsAndBytesConfig"),
}


def refuse_unknown(keys, known: set[str], error: type[Exception], where: str = "") -> None:
    """`error` for the first of `keys` not in `known`, naming the closest known setting (or ours of a library's name,
    `LIBRARY_NAMES`); `where` (" in run.yaml") says where it was written."""
    for key in keys:
        if key not in known:
            ours, library = LIBRARY_NAMES.get(key, (None, ""))
            hint = f" Did you mean `{ours}`? (`{key}` is its name in {library})" if ours in known else ""
            hint = hint or did_you_mean([key], known) or f" Known settings: {', '.join(sorted(known))}."
            raise error(f"Unknown setting `{key}`{where}.{hint}")


def _yaml_mapping(text: str) -> bool:
    """Whether `text` reads as a YAML mapping (PyYAML installed): settings written as YAML in a .json file."""
    try:
        import yaml

        return isinstance(yaml.safe_load(text), dict)
    except Exception:  # no PyYAML, or not YAML either: no hint
        return False


def settings_file_data(path: str | Path, error: type[Exception]) -> dict:
    """The mapping of settings in a YAML (needs PyYAML) or JSON file; `error` when it is missing, unreadable or not a
    mapping."""
    path = Path(path)
    if path.is_dir():  # was "does not exist", of a folder that does
        raise error(f"'{path}' is a folder, not a config file: give the .yaml, .yml or .json file of settings in it.")
    if not path.is_file():
        raise error(f"The config file '{path}' does not exist.")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise error(
            f"'{path}' is not a config file the studio reads: name it .yaml, .yml or .json (it ends in "
            f"'{suffix or 'no suffix'}'), as its text is written."
        )
    text = config_text(path, error)
    if suffix == ".json":
        try:
            data = json.loads(text, object_pairs_hook=functools.partial(unique_keys, path, error))
        except json.JSONDecodeError as exc:
            looks = _yaml_mapping(text)  # settings written as YAML in a .json file
            hint = f" It reads as YAML: name it {path.stem}.yaml." if looks else ""
            raise error(
                f"Could not read '{path}' as JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).{hint}"
            ) from None
    else:
        import yaml

        try:
            data = yaml.load(text, Loader=unique_key_loader(path, error)) or {}  # a SafeLoader
        except yaml.YAMLError as exc:  # one line, with where: its own message spans several, naming no file
            raise error(f"Could not read '{path}' as YAML: {yaml_problem(exc)}.") from None
    if not isinstance(data, dict):
        raise error(f"'{path}' must hold a mapping of settings (key: value), not a {type(data).__name__}.")
    return data


def config_text(path: Path, error: type[Exception]) -> str:
    """A config file's text, read as UTF-8 (an editor's BOM dropped: Notepad's JSON was refused as "Unexpected UTF-8
    BOM"); `error` naming the fix for one saved as UTF-16, compressed or not text (a traceback before)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16's byte-order marks (UTF-32 LE's begins with one too)
            said = "saved as UTF-16: save it again as UTF-8 (`iconv -f UTF-16 -t UTF-8`)"
        elif data[:2] == b"\x1f\x8b":
            said = f"compressed (gzip), and a config file is plain text: `gunzip -c {path.name} > run{path.suffix}`"
        else:
            said = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start + 1}): save it again as UTF-8"
        raise error(f"'{path}' is {said}.") from None


def yaml_problem(exc: Exception) -> str:
    """A PyYAML error in one line, with where: "expected ',' or ']', but got '<stream end>' (line 2, column 1)"
    (its own message spans several lines and names no file)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"{getattr(exc, 'problem', None) or str(exc).splitlines()[0]}{where}"


def unique_keys(path: Path, error: type[Exception], pairs: list[tuple]) -> dict:
    """A JSON object from its (key, value) pairs; `error` when a key is given twice (json keeps the last silently:
    `max_steps` written twice trained the second with no word)."""
    keys = [key for key, _ in pairs]
    if twice := next((key for i, key in enumerate(keys) if key in keys[:i]), None):
        raise error(f"'{path}' sets `{twice}` twice: keep one of them.")
    return dict(pairs)


def unique_key_loader(path: Path, error: type[Exception]):
    """PyYAML's SafeLoader refusing a mapping that gives a key twice (it keeps the last silently), naming the lines."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        lines: dict = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in lines:
                raise error(f"'{path}' sets `{key}` twice (lines {lines[key]} and {line}): keep one of them.")
            lines[key] = line
        return loader.construct_mapping(node, deep=deep)

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return UniqueKeyLoader
