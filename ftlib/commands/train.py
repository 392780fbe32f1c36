"""`python -m ftlib train [CONFIG.(yaml|json)] [--SETTING VALUE ...]`: queue one run, follow it to the end.

    python -m ftlib train run.yaml                        # prints the run's progress until it ends
    python -m ftlib train --method lora --dataset chat_style --max-steps 20
    python -m ftlib train run.yaml --learning-rate 2e-3 --set epochs=1
    python -m ftlib train run.yaml --detach               # queue it and print the run id
    python -m ftlib train --method grpo --dataset pirate_prompts --rewards '[{"check": "chat_style"}]'

Every setting of `ftlib.config.RunConfig` is a flag (`--help` lists them with their help, choices and limits):
the flags are generated from the config's fields, so they cannot drift from the Train page. Flags override the
file; `--set KEY=VALUE` (YAML value syntax) is the same for any setting. Before the run is queued, everything
that can be known about it is checked (the dataset loads, its rows fit the method, the template renders them):
a refusal is one `error:` line naming the rows, exit 2, and no run is created.

The run goes through the same queue as the browser's runs (one active run per device) and lives in its own run
directory; Ctrl-C asks it to stop gracefully (it saves a checkpoint; `runs resume ID` continues it).
Exit code: 0 finished, 1 failed, 2 refused before launch, 3 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ftlib.config import ConfigError, RunConfig, field_specs
from ftlib.errors import UserError


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="run one training run to completion (SFT full/LoRA/QLoRA, DPO, a reward model, KTO or GRPO)",
        description="Queue one training run and follow it. Settings come from CONFIG and the flags below.",
    )
    p.add_argument("config", nargs="?", default=None, help="a run config file (.yaml, .yml or .json)")
    groups = {}
    for spec in field_specs().values():
        group = groups.setdefault(spec.group, p.add_argument_group(f"{spec.group} settings"))
        flag = "--" + spec.name.replace("_", "-")
        default = "a proven value for the method" if spec.default is None else spec.default
        default = ",".join(default) if isinstance(default, list) else default
        text = spec.help + (f" Choices: {', '.join(spec.choices)}." if spec.choices else "")
        text += f" Default: {default}." if default != "" else ""  # an empty default (no dataset, no rewards): none
        text = text.replace("%", "%%")  # argparse formats help with %: "~20% slower" printed its own internals
        if spec.kind is bool:
            group.add_argument(
                flag, dest=f"set_{spec.name}", action=argparse.BooleanOptionalAction, default=None, help=text
            )
        else:
            group.add_argument(flag, dest=f"set_{spec.name}", default=None, metavar=spec.name.upper(), help=text)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting (YAML value syntax), e.g. --set epochs=1",
    )
    p.add_argument("--detach", action="store_true", help="queue the run and return at once")
    p.add_argument("--json", action="store_true", help="print the final run summary as JSON")
    p.set_defaults(handler=_train)


def _overrides(pairs: list[str]) -> dict:
    import yaml

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--set needs KEY=VALUE (got '{pair}').")
        key, value = pair.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def load_config(path: str | None, overrides: list[str], flags: dict | None = None) -> RunConfig:
    """The run config: the file (if any), then `--set` overrides, then the generated flags."""
    base = RunConfig.from_file(path).to_dict() if path else {}
    base.update(_overrides(overrides))
    for name, value in (flags or {}).items():
        if value is None:
            continue
        spec = field_specs()[name]
        # A list of names is comma-separated on the command line; a list of mappings (GRPO's rewards) is JSON/YAML.
        names = spec.kind is list and spec.item is not dict
        base[name] = [v.strip() for v in value.split(",") if v.strip()] if names else value
    if not base.get("dataset"):
        raise ConfigError(
            "No dataset: give a config file naming one, or --dataset (a saved split, a shipped sample "
            "such as chat_style, or a data file)."
        )
    return RunConfig.from_dict(base)


def follow(run_id: str, out=sys.stdout, poll: float = 1.0):
    """Print the run's new log lines until it ends; Ctrl-C asks for a graceful stop. Returns its RunSummary."""
    from ftlib import runs

    run = runs.find(run_id)
    offset, stopping, last_state = 0, False, None
    while True:
        try:
            info = runs.wait(run_id, timeout=0)
            # The log is read after the state: what the run wrote before it ended is all there, and printed before
            # the state line, so "finished" comes after the last step's lines.
            if run.log_file.is_file():
                with open(run.log_file, encoding="utf-8", errors="replace") as handle:
                    handle.seek(offset)
                    chunk = handle.read()
                    offset = handle.tell()
                for line in chunk.splitlines():
                    if line.startswith("[") or "Error" in line or "Traceback" in line:
                        print(line, file=out, flush=True)  # our progress lines and errors, not library noise
            if info.state != last_state:
                print(f"[{run_id}] {info.state}: {info.message}", file=out, flush=True)
                last_state = info.state
            if info.state in runs.DONE:
                return info
            time.sleep(poll)
        except KeyboardInterrupt:
            if stopping:
                raise
            stopping = True
            print(f"[{run_id}] stopping (saving a checkpoint); Ctrl-C again to leave it running", file=out, flush=True)
            try:
                runs.stop(run_id)
            except runs.RunError:
                pass


def memory_estimate(config: RunConfig, report) -> int | None:
    """The memory estimate the Train page shows for these settings (bytes per process), which the run keeps so that
    `runs show` puts its measured peak beside it; None, with a warning, where the model's shape cannot be read."""
    from ftlib.memory import estimate

    try:
        est = estimate(config, seq_len=report.longest or config.max_length, train_rows=report.train_rows)
    except Exception as exc:  # noqa: BLE001 (a courtesy: a run is never refused for want of an estimate)
        print(f"warning: no memory estimate for this run ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    return est.total


def _train(args) -> int:
    from ftlib import runs
    from ftlib.models import check_model
    from ftlib.run_preflight import preflight

    flags = {name: getattr(args, f"set_{name}") for name in field_specs()}
    config = load_config(args.config, args.set, flags)
    # A model folder without weights or with a broken config.json is refused here, as the sidebar refuses it: queued,
    # the run would only fail as it starts.
    check_model(config.model)
    report = preflight(config)
    if not report.ok:
        raise ConfigError(" ".join(report.errors))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    run_id = runs.submit(config, estimated_memory=memory_estimate(config, report))
    if args.detach:
        print(run_id)
        return 0
    print(f"run {run_id} in {runs.find(run_id).path}", flush=True)
    info = follow(run_id)
    if args.json:
        print(json.dumps({k: v for k, v in info.as_dict().items() if k != "log_tail"}))
    else:
        loss = info.train_loss
        print(
            f"[{run_id}] {info.state} after {info.duration_s:.0f}s, step {info.step}/{info.max_steps}"
            + (f", last loss {loss:.4f}" if loss is not None else "")
        )
        if info.state == "failed":
            print(f"error: {info.message}", file=sys.stderr)
            for line in info.log_tail or []:
                print(f"  | {line}", file=sys.stderr)
    return {"finished": 0, "failed": 1, "interrupted": 3}.get(info.state, 1)
