"""An FTLIB_THREADS that is no thread count ("four", "0", "-2", "1.5") was ignored without a word: the CLI and the
server ran torch's default threads, or a quota's, and nobody knew the setting had done nothing ("²" even stopped every
command with a ValueError). It is still ignored, as libgomp ignores an invalid OMP_NUM_THREADS, and said once: one
`warning:` line from the CLI, one `ftlib: warning:` line in the server's log, naming the value and what sets the
threads instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftlib import sharing

ROOT = Path(__file__).resolve().parents[1]
TORCH_DEFAULT = "torch runs its default, one thread per physical core"
QUOTA = "the 2 CPUs this process may use (its container's CPU quota or its CPU affinity) set the threads"

# (id, environment, quota's budget, OMP_NUM_THREADS given to torch, what sets the threads instead; "" for no warning)
CASES = [
    ("word", {"FTLIB_THREADS": "four"}, None, None, TORCH_DEFAULT),
    ("zero-under-a-quota", {"FTLIB_THREADS": "0"}, 2, "2", QUOTA),
    ("negative", {"FTLIB_THREADS": "-2"}, None, None, TORCH_DEFAULT),
    (
        "fraction-beside-omp",
        {"FTLIB_THREADS": "1.5", "OMP_NUM_THREADS": "3"},
        2,
        "3",
        "your own OMP_NUM_THREADS=3 sets the threads",
    ),
    (
        "word-beside-mkl",
        {"FTLIB_THREADS": "four", "MKL_NUM_THREADS": "6"},
        2,
        None,
        "your own MKL_NUM_THREADS=6 sets the threads",
    ),
    ("superscript", {"FTLIB_THREADS": "²"}, None, None, TORCH_DEFAULT),  # isdigit() but no int(): a ValueError
    ("fullwidth", {"FTLIB_THREADS": "４"}, None, None, TORCH_DEFAULT),  # int() reads it; OpenMP would not
    ("a-count", {"FTLIB_THREADS": " 5 "}, 2, "5", ""),
    ("blank", {"FTLIB_THREADS": "  "}, 2, "2", ""),
]


@pytest.mark.parametrize("env, budget, threads, instead", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_thread_setting_that_is_no_count_is_ignored_and_said(env, budget, threads, instead):
    got = sharing.process_env(dict(env), budget=lambda: budget)
    assert got.get("OMP_NUM_THREADS") == threads
    said = sharing.threads_warning(got)
    if not instead:
        assert said == ""
        return
    assert said.startswith(f"FTLIB_THREADS={env['FTLIB_THREADS']!r} is not a number of threads"), said
    assert said.endswith(f"so it is ignored: {instead}."), said


def test_the_cli_says_it_once_and_the_command_goes_on(tmp_path, monkeypatch, capsys):
    from ftlib.cli import main

    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", sharing.DEFAULTED):  # process_env changes os.environ
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FTLIB_THREADS", "four")
    monkeypatch.setattr(sharing, "_said", set())
    monkeypatch.setattr(sharing.cpu_quota, "thread_budget", lambda: None)
    data = tmp_path / "chats.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n')
    assert main(["data", "inspect", str(data)]) == 0
    assert main(["data", "inspect", str(data)]) == 0  # a second command in the same process: not said again
    out = capsys.readouterr()
    said = [line for line in out.err.splitlines() if "FTLIB_THREADS" in line]
    assert said == [f"warning: FTLIB_THREADS='four' is not a number of threads (a whole number from 1 up, e.g. "
                    f"FTLIB_THREADS=4), so it is ignored: {TORCH_DEFAULT}."]  # fmt: skip
    assert "valid rows: 1" in out.out


@pytest.mark.parametrize("entry", ["serve", "app"])
def test_the_server_says_it_once_in_its_log(entry):
    """serve.py (what `make run` starts) and app.py (`streamlit run app.py`; run again on every page, said once):
    one line in the server's log. Outside a Streamlit server app.py runs in Streamlit's bare mode."""
    code = "import serve\nimport app\n" if entry == "serve" else "import app\n"  # app.py after serve.py: said once
    bare = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env = bare | {"FTLIB_THREADS": "-2", "FTLIB_WARM_UP": "0"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    said = [line for line in out.stderr.splitlines() if "FTLIB_THREADS" in line]
    assert len(said) == 1 and said[0].startswith("ftlib: warning: FTLIB_THREADS='-2' is not a number"), said
