"""The layering rules, checked on the source: the engine never imports Streamlit, has no import cycles (imports
inside functions and type-only imports count), pages and ui/ import no ML library, and the run modules depend on
each other in one direction only (config and the run folder below training; the queue below the worker)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "peft", "trl", "datasets", "bitsandbytes", "accelerate")
# module -> ftlib modules it must never import (directly or through others): lower layers below higher ones.
BELOW = {
    "ftlib.errors": ("*",),
    "ftlib.file_lock": ("*",),
    "ftlib.rows": ("*",),
    "ftlib.fields": ("*",),
    "ftlib.config": ("*",),
    "ftlib.config_checks": ("*",),
    "ftlib.methods": ("*",),
    "ftlib.loss_types": ("*",),
    "ftlib.reward_config": ("*",),
    "ftlib.process_settings": ("*",),
    "ftlib.rundir": ("ftlib.runs", "ftlib.training", "ftlib.worker", "ftlib.metrics", "ftlib.export"),
    "ftlib.runs": ("ftlib.training", "ftlib.worker", "ftlib.metrics", "ftlib.export"),
    "ftlib.distributed": ("ftlib.runs", "ftlib.training", "ftlib.worker", "ftlib.metrics", "ftlib.export"),
    "ftlib.metrics": ("ftlib.runs", "ftlib.training", "ftlib.worker"),
    "ftlib.training": ("ftlib.runs", "ftlib.worker", "ftlib.export"),
    "ftlib.data": ("ftlib.tokens", "ftlib.templates", "ftlib.training", "ftlib.runs"),
    "ftlib.tokens": ("ftlib.checks", "ftlib.training", "ftlib.runs"),
    "ftlib.alignment": ("ftlib.training", "ftlib.runs", "ftlib.worker", "ftlib.export"),
    "ftlib.rewards": ("ftlib.training", "ftlib.runs", "ftlib.worker", "ftlib.alignment"),
    # Decoding knows rows and models, not which models a comparison loads or how pages run it in the background.
    "ftlib.sampling": ("ftlib.modelset", "ftlib.jobs", "ftlib.lease", "ftlib.runs", "ftlib.evaluate"),
    "ftlib.next_token": ("ftlib.modelset", "ftlib.jobs", "ftlib.lease"),
}
ALLOWED_BELOW = {
    "ftlib.errors": set(),
    "ftlib.file_lock": set(),
    "ftlib.fields": set(),
    "ftlib.rows": {"ftlib.errors"},
    "ftlib.config": {
        "ftlib.errors",
        "ftlib.fields",
        "ftlib.config_checks",
        "ftlib.methods",
        "ftlib.loss_types",
        "ftlib.reward_config",
        "ftlib.process_settings",
    },
    "ftlib.config_checks": {
        "ftlib.fields",
        "ftlib.methods",
        "ftlib.loss_types",
        "ftlib.reward_config",
        "ftlib.process_settings",
    },
    "ftlib.methods": {"ftlib.fields", "ftlib.reward_config"},
    "ftlib.loss_types": {"ftlib.fields"},
    "ftlib.reward_config": set(),
    "ftlib.process_settings": set(),
}


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code (functions and TYPE_CHECKING blocks included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "ftlib":
                found.update(f"ftlib.{alias.name}" for alias in node.names)
    return found


ENGINE = {module_name(p): p for p in sorted((ROOT / "ftlib").rglob("*.py"))}
GRAPH = {name: {m for m in imports(p) if m in ENGINE and m not in (name, "ftlib")} for name, p in ENGINE.items()}


def reachable(start: str) -> set[str]:
    seen, todo = set(), list(GRAPH[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(GRAPH[name])
    return seen


def test_the_engine_never_imports_streamlit():
    offenders = [name for name, path in ENGINE.items() if any(m.split(".")[0] == "streamlit" for m in imports(path))]
    assert offenders == []


def test_the_engine_has_no_import_cycles():
    cycles = sorted(name for name in ENGINE if name in reachable(name))
    assert cycles == [], f"modules that import themselves through others: {cycles}"


@pytest.mark.parametrize("name", sorted(BELOW))
def test_lower_layers_never_import_higher_ones(name):
    found = reachable(name)
    forbidden = BELOW[name]
    if forbidden == ("*",):
        assert found <= ALLOWED_BELOW[name], f"{name} imports {sorted(found - ALLOWED_BELOW[name])}"
    else:
        assert not found & set(forbidden), f"{name} reaches {sorted(found & set(forbidden))}"


def test_config_is_stdlib_only():
    import sys

    stdlib = set(sys.stdlib_module_names)
    allowed = {"ftlib.errors", "ftlib.fields", "ftlib.methods", "ftlib.loss_types", "ftlib.process_settings"}
    for module in ("ftlib.config", "ftlib.config_checks"):  # the checks across settings are the config's layer too
        outside = {m for m in imports(ENGINE[module]) if m.split(".")[0] not in stdlib and m != "yaml"}
        assert outside <= allowed | {"ftlib.config_checks", "__future__"}, (module, outside)


def test_pages_and_ui_import_no_ml_library():
    files = [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")), ROOT / "app.py"]
    offenders = {f.name: sorted(m for m in imports(f) if m.split(".")[0] in HEAVY) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_engine_module_is_over_600_lines():
    long = {name: n for name, p in ENGINE.items() if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}
