"""Which loss each preference method trains with: TRL's `loss_type` of `DPOConfig`, `KTOConfig` and `GRPOConfig`,
offered as three settings (one per method, each shown only for its method) with what each choice is, in words and
by paper. TRL computes every one of them; `training.trainer_arguments` passes the run's choice on.

    LOSS_TYPE_LABELS["dpo_loss_type"]["ipo"]   # "IPO (Azar et al. 2023): ..." for the Train form's list

Offered: the losses that need no setting beyond beta (TRL's `robust` and `exo_pair` need label smoothing, which the
studio does not expose; `aot` sorts margins across the batch; `sft` alone is not a preference loss).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ftlib.fields import setting

DPOLossType = Literal[
    "sigmoid", "ipo", "hinge", "sigmoid_norm", "apo_zero", "apo_down", "sppo_hard", "nca_pair", "bco_pair", "discopop"
]
KTOLossType = Literal["kto", "apo_zero_unpaired"]
GRPOLossType = Literal["dapo", "grpo", "dr_grpo", "bnpo"]

# Each choice in the Train form's words: the loss, its paper, and when to pick it.
LOSS_TYPE_LABELS = {
    "dpo_loss_type": {
        "sigmoid": "sigmoid: DPO (Rafailov et al. 2023), the usual choice",
        "ipo": "ipo: IPO (Azar et al. 2023), a squared loss on per-token averages that stops at a margin of "
        "1/(2 beta): less overfitting when one answer always wins",
        "hinge": "hinge: SLiC (Zhao et al. 2023), stops pushing a pair once its margin passes 1/beta",
        "sigmoid_norm": "sigmoid_norm: DPO on per-token averages, so long answers weigh no more than short ones",
        "apo_zero": "apo_zero: APO-zero (D'Oosterlinck et al. 2024), when chosen answers are better than the "
        "model's own",
        "apo_down": "apo_down: APO-down (D'Oosterlinck et al. 2024), when even chosen answers are worse than the "
        "model's own",
        "sppo_hard": "sppo_hard: SPPO with hard labels (Wu et al. 2024)",
        "nca_pair": "nca_pair: NCA (Chen et al. 2024), keeps chosen answers from becoming less likely",
        "bco_pair": "bco_pair: BCO on pairs (Jung et al. 2024)",
        "discopop": "discopop: DiscoPOP (Lu et al. 2024), a blend of DPO's loss and an exponential one",
    },
    "kto_loss_type": {
        "kto": "kto: KTO (Ethayarajh et al. 2024), measured against an estimate of how far the model moved",
        "apo_zero_unpaired": "apo_zero_unpaired: APO-zero on single answers (D'Oosterlinck et al. 2024), with no "
        "estimate: works with batches of one",
    },
    "grpo_loss_type": {
        "dapo": "dapo: every answer token of the step counts the same (Yu et al. 2025), TRL's default",
        "grpo": "grpo: each answer's tokens averaged, then the answers (Shao et al. 2024): favours short right "
        "answers and long wrong ones",
        "dr_grpo": "dr_grpo: tokens summed and divided by the max answer length (Liu et al. 2025), no length bias",
        "bnpo": "bnpo: tokens averaged over each micro-batch's answer tokens",
    },
}


@dataclass
class LossTypeSettings:
    """The loss of DPO, KTO and GRPO, part of every RunConfig (each shown only for its method): TRL's `loss_type`,
    with TRL's default first."""

    dpo_loss_type: DPOLossType = setting(
        "sigmoid",
        label="DPO loss",
        group="preference",
        advanced=True,
        when={"method": ("dpo",)},
        help="Which preference loss DPO trains with (TRL's loss_type): sigmoid is DPO itself; the others change how "
        "hard each pair pushes and when it stops. Beta keeps its meaning of how far from the start the model may "
        "move (for ipo it is the paper's tau).",
    )
    kto_loss_type: KTOLossType = setting(
        "kto",
        label="KTO loss",
        group="preference",
        advanced=True,
        when={"method": ("kto",)},
        help="Which loss KTO trains with (TRL's loss_type): kto compares each answer with an estimate of how far "
        "the model moved, made from other rows of the batch (so batches of 2 or more); apo_zero_unpaired needs no "
        "estimate.",
    )
    grpo_loss_type: GRPOLossType = setting(
        "dapo",
        label="GRPO loss",
        group="preference",
        advanced=True,
        when={"method": ("grpo",)},
        help="How GRPO's per-token losses are averaged (TRL's loss_type), which decides whether long or short "
        "answers weigh more.",
    )


__all__ = ["DPOLossType", "GRPOLossType", "KTOLossType", "LOSS_TYPE_LABELS", "LossTypeSettings"]
