"""KTO's KL estimate from a batch of one row, in a warning before a run: a held-out split of one row, or a last
training or evaluation batch of one, makes that row's KL term its own log-ratio. Its own module: the pre-flight check
(run_preflight) asks it once the rows are counted, where methods.py says what each method is and refuses the
settings it cannot take (`methods.method_setting_problem`, which refuses KTO's batch of one). Stdlib only.

    kto_kl_warnings(config, eval_rows=8, train_rows=17)  # batch_size 4: ["The 17 training rows leave a last ..."]
"""

from __future__ import annotations


def kto_kl_warnings(config, eval_rows: int, train_rows: int = 0) -> list[str]:
    """A warning when KTO's KL estimate of held-out rows comes from a batch of one row: the held-out split has a
    single row, or its rows leave a last evaluation batch of one (`batch_size` rows a batch, one process); and one
    when the `train_rows` leave each epoch a last training batch of one (that step's KL estimate is the row's own).

    KTO pairs row i's prompt with row i-1's answer of the same batch (`alignment.UnpairedCollator`, as TRL does); a
    row alone is paired with itself, so its KL estimate is its own log-ratio and its loss reads about 0.5 whatever
    the model learnt. Below 2 rows a batch the run is refused (`method_setting_problem`), so nothing is said here.

    >>> from types import SimpleNamespace as C
    >>> kto_kl_warnings(C(method="kto", kto_loss_type="kto", batch_size=4), 1)[0][:40]
    'The held-out split has a single row: KTO'
    >>> kto_kl_warnings(C(method="kto", kto_loss_type="kto", batch_size=4), 8)
    []
    """
    if config.method != "kto" or config.kto_loss_type != "kto" or config.batch_size < 2:
        return []
    how = (
        "KTO estimates how far the model moved (its KL term) by pairing each answer with another row's prompt in "
        "the same batch, and a row alone in its batch is paired with itself"
    )
    other = "or set `kto_loss_type` apo_zero_unpaired, which makes no such estimate."
    one_process = getattr(config, "nproc", 1) * getattr(config, "nnodes", 1) == 1
    found = []
    if train_rows > 1 and train_rows % config.batch_size == 1 and one_process:
        found.append(
            f"The {train_rows} training rows leave a last batch of one row each epoch (batch size "
            f"{config.batch_size}): {how}, so that step's KL term is the row's own log-ratio, not the model's drift. "
            f"Train on one row more or one fewer, change the batch size, {other}"
        )
    return found + _kto_held_out_warnings(config, eval_rows, how, other, one_process)


def _kto_held_out_warnings(config, eval_rows: int, how: str, other: str, one_process: bool) -> list[str]:
    """`kto_kl_warnings`' held-out part: a split of one row, or a last evaluation batch of one."""
    if eval_rows == 1:
        return [
            f"The held-out split has a single row: {how}, so the held-out loss will read about 0.5 at every "
            f"evaluation and mean nothing. Hold out more rows (a larger test size), {other}"
        ]
    if eval_rows and eval_rows % config.batch_size == 1 and one_process:
        return [
            f"The {eval_rows} held-out rows leave a last evaluation batch of one row (batch size "
            f"{config.batch_size}): {how}, so that row's loss will read about 0.5 whatever the model learnt and "
            f"pulls the held-out loss toward it. Hold out one row more or one fewer, change the batch size, {other}"
        ]
    return []


__all__ = ["kto_kl_warnings"]
