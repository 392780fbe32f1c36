"""The docs name what is there: every engine module has its row in docs/ARCHITECTURE.md's module table (a module added
without one was found only by reading the table), every module a row names exists, and every `python -m ftlib ...`
line of README's examples is a command line the CLI accepts (a renamed flag or command left an example that fails)."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def table_modules(text: str) -> set[str]:
    """The `NAME.py` files the first column of ARCHITECTURE's module table names."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([\w/]+\.py)`", row.split("|")[1])}


def unlisted(text: str) -> list[str]:
    """The modules under ftlib/ (not the package's own `__init__`/`__main__`, nor commands/: one row names the
    folder) that `text`'s module table does not name."""
    modules = {p.name for p in (ROOT / "ftlib").glob("*.py")} - {"__init__.py", "__main__.py"}
    return sorted(modules - table_modules(text))


def readme_command_lines(text: str) -> list[list[str]]:
    """Each `python -m ftlib ...` line of README's bash blocks, its comment left off, as the words after `ftlib`."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:3] == ["python", "-m", "ftlib"] and "|" not in words:
                lines.append(words[3:])
    return lines


def test_every_engine_module_has_its_row_in_the_architecture_table():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert unlisted(text) == []
    assert sorted(n for n in table_modules(text) if not (ROOT / "ftlib" / n).is_file()) == []


def test_the_architecture_names_every_ui_module():
    """ARCHITECTURE's paragraph on `ui/` named 25 of its 34 modules (`run_view.py`, `token_view.py`, `kept.py`, ...
    were "run, token, batch ... views" with no file, or not there): each ui/*.py but `__init__` is named there."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    paragraph = text.split("what several pages draw is in `ui/`", 1)[1].split("Page paths are spelled only", 1)[0]
    modules = {p.name for p in (ROOT / "ui").glob("*.py")} - {"__init__.py"}
    assert len(modules) > 20
    assert sorted(name for name in modules if f"`{name}`" not in paragraph) == []


def test_every_cli_example_in_the_readme_parses():
    from ftlib.cli import build_parser

    lines = readme_command_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(lines) > 10  # the Command line section's examples were found
    parser = build_parser()
    for args in lines:
        parser.parse_args(args)  # a UsageError names the command and what it refused


def test_the_readme_counts_the_bad_inputs_the_suite_tries():
    """README's Reliability said 72 inputs tried where tests/bad_inputs.py held 85 (cases added, the count not)."""
    from tests.bad_inputs import CASES

    said = re.search(r"\*\*Inputs tried: (\d+)\*\*", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert said and int(said.group(1)) == len(CASES)


def test_every_setting_of_the_readme_table_is_one_the_code_reads():
    """The other way round from tests/test_runs.py's check (every setting the code reads is in the table): a setting
    renamed or removed in the code would stay documented, and an operator would set it to no effect."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    table = {m for line in settings.splitlines() if line.startswith("| `") for m in re.findall(r"`(FTLIB_\w+)`", line)}
    code = [*(ROOT / "ftlib").rglob("*.py"), *(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").glob("*.py")]
    read = {
        m for p in [*code, *ROOT.glob("*.py")] for m in re.findall(r'"(FTLIB_\w+)"', p.read_text(encoding="utf-8"))
    }
    assert len(table) > 15 and table - read == set()


def test_every_file_the_docs_name_is_there():
    """A path README or ARCHITECTURE names (`tests/bad_inputs.py`, `bench/bench_pages.py`, `ui/job_owner.py`, ...) is a
    file of the repository: a renamed test or benchmark left the docs pointing at nothing."""
    named = set()
    for doc in ("README.md", "docs/ARCHITECTURE.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        named |= set(
            re.findall(r"`((?:ftlib|ui|pages|tests|bench|samples|docs)/[\w./-]+\.(?:py|jsonl|csv|sh|png))`", text)
        )
    assert len(named) > 20
    assert sorted(p for p in named if not (ROOT / p).is_file()) == []


def test_every_make_target_the_readme_names_is_in_the_makefile():
    """`make run`, `make test`, `make screenshots`, ...: each a target of the Makefile, so README's commands run (and
    ARCHITECTURE's and BENCHMARKS': `make gpu-carry`, `make bench-gpu`)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    docs = [(ROOT / doc).read_text(encoding="utf-8") for doc in ("README.md", "docs/ARCHITECTURE.md", "BENCHMARKS.md")]
    named = {target for text in docs for target in re.findall(r"`make ([\w-]+)", text)}
    assert {"run", "test", "gpu-carry"} <= named and named - targets == set()


def test_the_architecture_names_every_command_group():
    """ARCHITECTURE's cli.py row lists the command groups, one module each: a group added to the CLI is named there."""
    from ftlib.cli import GROUPS

    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `cli.py`"))
    listed = re.search(r"one module per group \(([a-z, ]+);", row)
    assert listed and sorted(listed.group(1).split(", ")) == sorted(GROUPS)


def test_the_architecture_names_every_command_module():
    """A module of ftlib/commands/ that is no group's own (`data pair`'s data_pair.py) is named in the cli.py row."""
    from ftlib.cli import GROUPS

    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `cli.py`"))
    modules = {p.stem for p in (ROOT / "ftlib" / "commands").glob("*.py")} - {"__init__"}
    assert sorted(m for m in modules - set(GROUPS) if f"`commands/{m}.py`" not in row) == []


def test_the_readme_counts_the_shipped_samples_rows():
    """README's Shipped samples count each file's rows ("171 conversations", "100 DPO pairs", "189 prompts"): a sample
    made again by samples/make_samples.py with other rows would leave those counts behind."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    said = dict(re.findall(r"`(\w+\.jsonl)` \((\d+) ", text))
    assert len(said) >= 3
    for name, count in said.items():
        lines = (ROOT / "samples" / name).read_text(encoding="utf-8").splitlines()
        assert sum(bool(line.strip()) for line in lines) == int(count), name


def test_the_architecture_names_every_browser_test_file():
    """ARCHITECTURE's Testing section named two real-browser test files where five carry the `browser` marker (the
    phase `make test` runs alone): each file so marked is named there."""
    testing = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8").split("\n## Testing\n", 1)[1]
    marker = re.compile(r"^pytestmark = .*pytest\.mark\.browser|^@pytest\.mark\.browser", flags=re.M)
    marked = {p.name for p in (ROOT / "tests").glob("test_*.py") if marker.search(p.read_text("utf-8"))}
    assert len(marked) >= 2
    assert sorted(name for name in marked if f"tests/{name}" not in testing) == []


def test_make_tests_browser_phase_collects_every_browser_test_file():
    """`make test`'s browser phase collects `tests/test_*browser*.py` only (not all 7,000 tests to deselect them): a
    file carrying the `browser` marker under another name would run in neither phase."""
    marker = re.compile(r"pytest\.mark\.browser")
    marked = {p.name for p in (ROOT / "tests").glob("test_*.py") if marker.search(p.read_text("utf-8"))}
    marked.discard("test_docs_truth.py")  # this file's own pattern
    assert len(marked) >= 5
    assert "$(wildcard tests/test_*browser*.py)" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert sorted(name for name in marked if not fnmatch.fnmatch(name, "test_*browser*.py")) == []


def test_the_readme_lists_the_keys_runs_export_json_prints():
    """README's `runs export ... --json` example listed {run, kind, path, size, zip, zip_size, notes} where the command
    prints `gguf_type` too (added with --gguf): the keys in its comment are those of the dict
    ftlib/commands/runs_export.py prints (the one holding "zip_size")."""
    import ast

    line = next(
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if "runs export RUN_ID" in line and "--json" in line
    )
    said = {re.sub(r"\s*\(.*?\)", "", key).strip() for key in line.split("{", 1)[1].split("}", 1)[0].split(",")}
    tree = ast.parse((ROOT / "ftlib" / "commands" / "runs_export.py").read_text(encoding="utf-8"))
    printed = next(
        {k.value for k in node.keys}
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "zip_size" for k in node.keys)
    )
    assert said == printed


def readme_setting_defaults() -> dict[str, str]:
    """README's Settings table: each variable's default as written (`FTLIB_LEASE_MIN_TURN_S`, `..._MAX_TURN_S` |
    `0.25, 10` gives each its own)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    said = {}
    for line in settings.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            names = re.findall(r"`(FTLIB_\w+)`", cells[0])
            values = cells[1].split(", ") if len(names) > 1 and "," in cells[1] else [cells[1]] * len(names)
            said.update(zip(names, values, strict=True))
    return said


def test_the_readme_settings_table_gives_the_defaults_the_code_has(monkeypatch, tmp_path):
    """The table's default column was checked by no test (only its names were): each default is what the code does
    with the variable unset, a switch `on`/`off` as its reader answers, a number as the code's constant, a path as
    the folder the code picks."""
    import os

    from ftlib import cpu_decode, fastpath, hub_allowed, lease, models, workspace

    said = readme_setting_defaults()
    for name in said:
        monkeypatch.delenv(name, raising=False)
    switches = {
        "FTLIB_ALLOW_HUB": hub_allowed,
        "FTLIB_TRUST_REMOTE_CODE": models.trust_remote_code,
        "FTLIB_FAST_PATH": fastpath.enabled,
        "FTLIB_PADDING_FREE": fastpath.padding_free_allowed,
        "FTLIB_SHARE_PREFIXES": fastpath._share_prefixes,
        "FTLIB_ONEDNN_DECODE": cpu_decode.enabled,
        "FTLIB_LEASE": lease.enabled,
    }
    for name, reads in switches.items():
        assert said[name] in ("on", "off") and reads() == (said[name] == "on"), name
    serve = (ROOT / "serve.py").read_text(encoding="utf-8")
    warm = re.search(r'environ\.get\("FTLIB_WARM_UP", "(\w*)"\)', serve)
    assert said["FTLIB_WARM_UP"] == "on" and warm and warm.group(1) not in ("", "0", "false", "no", "off")
    sources = [
        (ROOT / "ftlib" / f).read_text(encoding="utf-8") for f in ("fastpath.py", "precision.py", "cpu_memory.py")
    ]
    bf16 = {d for text in sources for d in re.findall(r'environ\.get\("FTLIB_CPU_BF16", "(\w*)"\)', text)}
    assert said["FTLIB_CPU_BF16"] == "auto" and bf16 == {"auto"}
    assert int(said["FTLIB_MICRO_TOKENS"]) == fastpath.CPU_TOKEN_BUDGET
    assert (float(said["FTLIB_LEASE_MIN_TURN_S"]), float(said["FTLIB_LEASE_MAX_TURN_S"])) == lease.turn_bounds()
    assert models.ftlib_home() == Path(os.path.expanduser(said["FTLIB_HOME"].strip("`")))
    monkeypatch.setenv("FTLIB_HOME", str(tmp_path / "home"))
    assert workspace.workspace_dir() == Path(
        said["FTLIB_WORKSPACE"].strip("`").replace("$FTLIB_HOME", str(tmp_path / "home"))
    )
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "ws"))
    assert lease.lock_dir() == Path(
        said["FTLIB_LOCK_DIR"].strip("`").replace("$FTLIB_WORKSPACE", str(tmp_path / "ws"))
    )
    # sharing.thread_budget: torch's own count unless a quota or affinity allows fewer CPUs (sharing.py says so)
    described = {"FTLIB_THREADS": "torch's default: one per physical core"}
    unset = {"FTLIB_PASSWORD", "FTLIB_DATA_DIRS", "FTLIB_MODEL_DIRS", "FTLIB_REWARD_FUNCTIONS"}
    assert all(said[name] == "unset" for name in unset) and all(said[k] == v for k, v in described.items())
    checked = {*switches, "FTLIB_WARM_UP", "FTLIB_CPU_BF16", "FTLIB_MICRO_TOKENS", "FTLIB_LEASE_MIN_TURN_S"}
    checked |= {"FTLIB_LEASE_MAX_TURN_S", "FTLIB_HOME", "FTLIB_WORKSPACE", "FTLIB_LOCK_DIR", *described, *unset}
    assert sorted(set(said) - checked) == []  # a variable added to the table gets its default checked here


def bench_commands() -> list[tuple[str, str, list[str]]]:
    """(doc, script, the words after it) for each backticked span of README, ARCHITECTURE or BENCHMARKS that runs a
    benchmark script: `python -m bench.NAME ...`, `bench.NAME --flag ...`, `bash bench/NAME.sh ...`."""
    found = []
    for doc in ("README.md", "docs/ARCHITECTURE.md", "BENCHMARKS.md"):
        for span in re.findall(r"`([^`]+)`", (ROOT / doc).read_text(encoding="utf-8")):
            run = re.search(r"(?<![\w/.])(?:bench\.(\w+)|bench/(\w+\.(?:py|sh)))(?![\w.(])(.*)", span, flags=re.S)
            if run:
                found.append((doc, f"{run.group(1)}.py" if run.group(1) else run.group(2), run.group(3).split()))
    return found


# `--sides` values the docs show with figures measured before the script renamed its sides; the doc says so beside it.
RETIRED_SIDES = {"trl": "2045113"}


def test_every_benchmark_command_the_docs_show_has_its_flags_and_sides():
    """BENCHMARKS' commands were checked by nothing: each script they run is in bench/, each `--flag` they pass is one
    its parser declares (gpu_device.sh passes its arguments to bench/gpu.py), and each `--sides` value is a side of
    the script's `SIDES`; a side retired since (`trl`, TRL with its defaults, issue 6's table) is named with the
    commit that retired it."""
    import importlib

    commands = bench_commands()
    assert len(commands) > 40
    benchmarks = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    for doc, script, words in commands:
        path = ROOT / "bench" / script
        assert path.is_file(), f"{doc}: bench/{script}"
        source = path.read_text(encoding="utf-8")
        if script == "gpu_device.sh":
            source += (ROOT / "bench" / "gpu.py").read_text(encoding="utf-8")
        for at, word in enumerate(words):
            flag = word.strip('[",)]`')  # [--threads 1|2]: an optional flag
            if not flag.startswith("--"):
                continue
            assert f'"{flag}"' in source, f"{doc}: bench/{script} {flag}"
            value = words[at + 1].strip('[",)]`') if at + 1 < len(words) else ""
            if flag == "--sides" and re.fullmatch(r"[a-z0-9,-]+", value):  # not a placeholder: S, `...`, <TRL sides>
                module = importlib.import_module("bench." + ("gpu" if script == "gpu_device.sh" else path.stem))
                for side in value.split(","):
                    if side in RETIRED_SIDES:
                        assert f"before {RETIRED_SIDES[side]}" in benchmarks, side
                    else:
                        assert side in module.SIDES, f"{doc}: bench/{script} --sides {side}"


def test_the_readme_two_commands_are_what_the_makefile_and_ci_run():
    """README's two commands: `make run` sets up .venv, converts the embedded model once and serves the app on port
    8501 (`make run PORT=9000` another); `make test` sets up .venv and chromium, runs the linter, then the suite in two
    phases; CI's `.ci/run` is `make test` and nothing else."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    port = re.search(r"^PORT \?= (\d+)$", makefile, flags=re.M)
    assert port and f"http://localhost:{port.group(1)}" in block and "`make run PORT=9000`" in readme
    run = re.search(r"^run: (.*)\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert run and run.group(1).split() == ["setup"]
    assert run.group(2).split("\n")[:2] == [
        "\t$(BIN)/python -m ftlib models prepare default",
        "\t$(BIN)/streamlit run serve.py --server.port $(PORT)",
    ]
    assert re.search(r"^setup: \$\(STAMP\)$", makefile, flags=re.M) and f"{'$(PY)'} -m venv $(VENV)" in makefile
    test = re.search(r"^test: (.*)$", makefile, flags=re.M)
    assert test and test.group(1).split() == ["setup-test", "lint"]
    assert re.search(r"^setup-test: setup\n(?:\t.*\n)*\t.*apt-get install -y -qq chromium", makefile, flags=re.M)
    assert re.search(r"^lint: setup\n\t\$\(BIN\)/ruff check \.\n\t\$\(BIN\)/ruff format --check \.$", makefile, re.M)
    assert '-m "not browser" $(XDIST)' in makefile and "-m browser" in makefile and "TEST_WORKERS ?= 2" in makefile
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert ci[-1] == "make test" and all(line.startswith(("#", "set ", "cd ")) for line in ci[:-1])


def test_every_engine_name_the_docs_give_is_defined():
    """A dotted name README or ARCHITECTURE gives (`ftlib.shared_base`, `ui.common.cached_model_set`,
    `run_preflight.run_cut_check`, `lease.Hold.acquire`) is a module of ftlib/ or ui/ and a name it defines (a class's
    own where it names one): a function renamed or moved left the docs naming nothing, which only reading found."""
    import ast

    def defined(path: Path) -> tuple[set[str], dict[str, set[str]]]:
        """The names a module binds anywhere (functions, classes, assignments, imports), and each class's own."""
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names, members = set(), {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
            if isinstance(node, ast.ClassDef):
                own = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
                fields = [n.target for n in node.body if isinstance(n, ast.AnnAssign)]
                fields += [t for n in node.body if isinstance(n, ast.Assign) for t in n.targets]
                members[node.name] = {n.name for n in own} | {t.id for t in fields if isinstance(t, ast.Name)}
        return names, members

    modules = {
        "ftlib": {p.stem for p in (ROOT / "ftlib").glob("*.py")},
        "ui": {p.stem for p in (ROOT / "ui").glob("*.py")},
    }
    missing, checked = [], 0
    for doc in ("README.md", "docs/ARCHITECTURE.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        # Its code spans, and ARCHITECTURE's data-flow diagram (data.load_file, runs.submit, ...), a fenced block.
        for span in re.findall(r"`([^`\n]+)`", text) + re.findall(r"^```\n(.*?)^```", text, flags=re.S | re.M):
            for ref in re.findall(r"(?<![\w./-])((?:ftlib|ui|[a-z_]+)(?:\.\w+)+)", span):
                parts = ref.split(".")
                package = (
                    parts.pop(0) if parts[0] in modules else next((p for p in modules if parts[0] in modules[p]), None)
                )
                if package is None or parts[0] == "commands" or parts[-1] in ("py", "json", "jsonl", "yaml", "toml"):
                    continue
                path = ROOT / package / f"{parts[0]}.py"
                if not path.is_file():
                    missing.append(f"{doc}: {ref}")
                    continue
                names, members = defined(path)
                checked += len(parts) > 1
                if len(parts) > 1 and not parts[1].isupper() and parts[1] not in names:
                    missing.append(f"{doc}: {ref}")
                elif len(parts) > 2 and parts[1] in members and parts[2] not in members[parts[1]]:
                    missing.append(f"{doc}: {ref}")
    assert checked > 50 and missing == []


def test_every_page_label_the_docs_italicise_is_one_the_pages_show():
    """README and ARCHITECTURE name the app's controls in italics (*Start training*, *Files on this server*,
    *More settings → GPUs (processes per machine)*): each is a label the code writes (a renamed button left the docs
    naming a control no page has)."""
    code = "\n".join(p.read_text(encoding="utf-8") for d in ("ftlib", "ui", "pages") for p in (ROOT / d).rglob("*.py"))
    code += (ROOT / "app.py").read_text(encoding="utf-8")
    labels = set()
    for doc in ("README.md", "docs/ARCHITECTURE.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        for italic in re.findall(r"(?<![*\w])\*([A-Z][^*\n]{1,60}?)\*(?![*\w])", text):
            labels |= set(italic.split(" → "))
    assert len(labels) > 10
    assert sorted(label for label in labels if not any(q + label in code for q in ('"', "'", "**"))) == []


def test_every_python_file_the_docs_name_by_its_name_is_there():
    """ARCHITECTURE names most modules by file name alone (`run_view.py` in the paragraph on ui/, `data_pair.py`,
    `commands/evaluate_checks.py`): the paths test above reads only paths that start at a top folder, and the ui/
    test only that each module is named, so a module removed or renamed stayed named. Each is a file of the repository
    (README's `/path/file.py` is a placeholder)."""
    folders = ("ftlib", "ui", "pages", "tests", "bench", "samples")
    files = [
        p.relative_to(ROOT).as_posix()
        for p in [*ROOT.glob("*.py"), *(q for d in folders for q in (ROOT / d).rglob("*.py"))]
    ]
    named = set()
    for doc in ("README.md", "docs/ARCHITECTURE.md"):
        for span in re.findall(r"`([^`\n]+)`", (ROOT / doc).read_text(encoding="utf-8")):
            named |= set(re.findall(r"(?<![\w./-])(\w[\w/]*\.py)\b", span))
    assert len(named) > 200
    assert sorted(n for n in named if not any(f == n or f.endswith("/" + n) for f in files)) == []


def test_every_flag_of_a_command_the_readme_names_in_its_text_is_that_commands():
    """The bash blocks' lines are parsed whole (above); README's text names commands too, `runs export ID --merged
    --out DIR`, `evaluate --thinking on|off`, `data remove --leftovers`, often without a value to parse (helper 197
    pasted each): every `--flag` of such a span is an option of the command it names, so a renamed flag is caught."""
    import argparse

    from ftlib.cli import build_parser

    def actions(parser) -> dict:
        found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return found[0].choices if found else {}

    groups = actions(build_parser())
    checked, wrong = 0, []
    for span in re.findall(r"`(?:python -m ftlib )?([a-z]+ [^`\n]*)`", (ROOT / "README.md").read_text("utf-8")):
        words = span.split()
        if words[0] not in groups:
            continue
        parser, subs = groups[words[0]], actions(groups[words[0]])
        if subs and words[1] in subs:
            parser = subs[words[1]]
        elif subs and not words[1].startswith("-"):
            wrong.append(span)  # an action the group does not have
            continue
        known = {option for action in parser._actions for option in action.option_strings}
        wrong += [f"{span}: {w}" for w in words if w.startswith("--") and w.split("=")[0] not in known]
        checked += 1
    assert checked > 30 and wrong == []


def test_the_readme_counts_the_held_out_prompts_the_chat_style_demo_answers():
    """README's "opens with 'Ahoy!' on all 36 held-out prompts": as many as samples/chat_style_heldout.jsonl holds."""
    said = re.search(r"on all (\d+)\s+held-out prompts", (ROOT / "README.md").read_text(encoding="utf-8"))
    rows = (ROOT / "samples" / "chat_style_heldout.jsonl").read_text(encoding="utf-8").splitlines()
    assert said and int(said.group(1)) == sum(bool(line.strip()) for line in rows)


_WITHOUT_LIBRARIES = """
import runpy, sys
bare = sys.argv[1] == "bare"
heavy = {"torch", "transformers", "peft", "trl", "accelerate", "datasets", "safetensors", "tokenizers"}
class Missing:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top != "ftlib" and top not in sys.stdlib_module_names and (bare or top in heavy):
            raise ModuleNotFoundError(f"No module named {top!r}", name=top)
sys.meta_path.insert(0, Missing())
sys.argv = ["ftlib", *sys.argv[2:]]
try:
    runpy.run_module("ftlib", run_name="__main__")
except ModuleNotFoundError as missing:
    print("MISSING", missing.name)
"""


def test_the_readme_names_the_modules_a_python_without_the_libraries_stops_at(tmp_path):
    """README's Command line said a system python without the studio's libraries 'stops at a ModuleNotFoundError,
    jinja2's or torch's' (helper 264, following the README): a bare python stops at jinja2's, and one that has jinja2
    (many do) at transformers' once a command reads a tokenizer, never torch's. Each case is run with the imports
    outside the standard library made missing (all of them; then torch's stack only)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "FTLIB_HOME": str(tmp_path), "FTLIB_WORKSPACE": str(tmp_path / "ws")}
    sample = str(ROOT / "samples" / "chat_style_sft.jsonl")
    found = set()
    for args in (["bare", "--help"], ["heavy", "tokens", sample, "--row", "0"]):
        command = [sys.executable, "-c", _WITHOUT_LIBRARIES, *args]
        out = subprocess.run(command, capture_output=True, text=True, env=env)
        found |= {line.split()[1] for line in out.stdout.splitlines() if line.startswith("MISSING ")}
    assert found == {"jinja2", "transformers"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = readme.split("stops at a `ModuleNotFoundError`", 1)[1].split(")", 1)[0]
    assert {name for name in ("jinja2", "transformers", "torch") if re.search(rf"\b{name}'", said)} == found
