"""Which loss each preference method trains with: TRL's `loss_type` of `DPOConfig`, `KTOConfig` and `GRPOConfig`,
offered as three settings (one per method, each shown only for its method) with what each choice is, in words and
by paper. TRL computes every one of them; `training.trainer_arguments` passes the run's choice on.

    LOSS_TYPE_LABELS["dpo_loss_type"]["ipo"]   # "ipo: IPO (Azar et al. 2023), ..." for the form's list, --help
    grpo_scales_rewards("dr_grpo")              # False: Dr. GRPO's advantages are not divided by the group's spread

Offered: the losses that behave the same on any machine, `robust` and `exo_pair` with the one setting they add
(`dpo_label_smoothing`, TRL's `label_smoothing`: the share of pairs thought mislabelled). Not offered: `aot` (sorts
margins across the batch),
`sft` (alone not a preference loss), `discopop` (at TRL's tau its first steps favour the rejected answer, and it
overflows to NaN on wide margins: a reviewer's run had reward accuracy 0.00 for four steps), GRPO's `bnpo` (averaged
per micro-batch, which the studio sizes per machine: on a GPU it equals dapo, on a CPU it does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ftlib.fields import setting

DPOLossType = Literal[
    "sigmoid",
    "ipo",
    "hinge",
    "sigmoid_norm",
    "robust",
    "exo_pair",
    "apo_zero",
    "apo_down",
    "sppo_hard",
    "nca_pair",
    "bco_pair",
]
# The DPO losses that read `dpo_label_smoothing` (TRL's sigmoid no longer does: its cDPO form became `robust`).
SMOOTHED_DPO_LOSSES = ("robust", "exo_pair")
KTOLossType = Literal["kto", "apo_zero_unpaired"]
GRPOLossType = Literal["dapo", "grpo", "dr_grpo"]

# Each choice in the Train form's words: the loss, its paper, and when to pick it.
LOSS_TYPE_LABELS = {
    "dpo_loss_type": {
        "sigmoid": "sigmoid: DPO (Rafailov et al. 2023), the usual choice",
        "ipo": "ipo: IPO (Azar et al. 2023), a squared loss that pulls each pair's per-token log-ratio gap towards "
        "1/(2 beta), no further: less overfitting when one answer always wins; wants a larger beta (0.5-1)",
        "hinge": "hinge: a SLiC-style hinge (Zhao et al. 2023) on the log-ratios against the starting model: stops "
        "pushing a pair once its gap passes 1/beta",
        "sigmoid_norm": "sigmoid_norm: DPO on per-token averages, so long answers weigh no more than short ones",
        "robust": "robust: robust DPO (Chowdhury et al. 2024), for pairs some of which are mislabelled: set Label "
        "smoothing to the share you think are flipped (0.1 is the paper's example); its loss goes below 0 and keeps "
        "falling as the pairs' gaps widen: judge it by reward accuracy, not by its loss",
        "exo_pair": "exo_pair: EXO on pairs (Ji et al. 2024), which moves the model towards the labels' odds "
        "rather than all the way: needs Label smoothing above 0 (the paper's 1e-3)",
        "apo_zero": "apo_zero: APO-zero (D'Oosterlinck et al. 2024), when chosen answers are better than the "
        "model's own",
        "apo_down": "apo_down: APO-down (D'Oosterlinck et al. 2024), when even chosen answers are worse than the "
        "model's own",
        "sppo_hard": "sppo_hard: SPPO with hard labels (Wu et al. 2024)",
        "nca_pair": "nca_pair: NCA (Chen et al. 2024), tends to keep chosen answers from becoming less likely",
        "bco_pair": "bco_pair: BCO on pairs (Jung et al. 2024), without the paper's running reward shift",
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
        "dr_grpo": "dr_grpo: Dr. GRPO (Liu et al. 2025): tokens summed and divided by a constant (answers x max "
        "answer length), and rewards not divided by their group's spread: no length or difficulty bias; "
        "smaller steps than dapo when answers are short",
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
    dpo_label_smoothing: float = setting(
        0.0,
        label="Label smoothing",
        group="preference",
        minimum=0.0,
        below=0.5,
        advanced=True,
        when={"method": ("dpo",), "dpo_loss_type": SMOOTHED_DPO_LOSSES},
        hint="e.g. 0.1 for robust, 0.001 for exo_pair",
        help="How likely a pair's label is wrong (TRL's label_smoothing), for the robust and exo_pair losses: "
        "robust corrects its loss for that share of flipped pairs (at 0 it is plain DPO); exo_pair needs it above "
        "0. Below 0.5: at 0.5 a label says nothing.",
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


def grpo_scales_rewards(loss_type: str) -> bool:
    """Whether GRPO divides each answer's advantage by its group's reward spread (TRL's `scale_rewards` "group"):
    not for Dr. GRPO (Liu et al. 2025), which drops that division along with the length normalisation. TRL's dr_grpo
    loss does only the latter, so training (`scale_rewards`) and the reward preview both read this."""
    return loss_type != "dr_grpo"


def loss_setting_problem(config) -> str | None:
    """Why a RunConfig's loss settings cannot train, in a refusal's words, or None: EXO's loss takes the logarithm of
    the label smoothing (Ji et al. 2024, Eq. 16), so at 0 TRL refuses it only once the run has loaded its model."""
    if config.method == "dpo" and config.dpo_loss_type == "exo_pair" and not config.dpo_label_smoothing:
        return (
            "`dpo_loss_type` exo_pair needs `dpo_label_smoothing` above 0 (the share of pairs thought mislabelled; "
            "the EXO paper uses 0.001): set it, or pick the sigmoid loss."
        )
    return None


def loss_type_warnings(config) -> list[str]:
    """What to know before a run about its loss (a RunConfig), in a warning's words: IPO with a small beta, and robust
    DPO with no label smoothing (which trains plain DPO).

    TRL's IPO loss is (gap - 1/(2 beta))^2 on the per-token log-ratio gap between the chosen and rejected answers
    (Azar et al. 2023, Eq. 17). Training starts at gap 0, so at beta 0.1 the loss starts at 25 and pulls towards a
    gap of 5 nats a token: a reviewer's run had every step's gradient cut by `max_grad_norm` (grad norm 9.5-18).

    >>> from types import SimpleNamespace as S
    >>> loss_type_warnings(S(method="dpo", dpo_loss_type="ipo", beta=0.1))[0][:62]
    '`dpo_loss_type` ipo with `beta` 0.1 pulls each pair towards a '
    >>> loss_type_warnings(S(method="dpo", dpo_loss_type="ipo", beta=0.5))
    []
    >>> loss_type_warnings(S(method="dpo", dpo_loss_type="robust", dpo_label_smoothing=0.0, beta=0.1))[0][:56]
    '`dpo_loss_type` robust with `dpo_label_smoothing` 0 trai'
    """
    if config.method == "dpo" and config.dpo_loss_type == "robust" and not config.dpo_label_smoothing:
        return [
            "`dpo_loss_type` robust with `dpo_label_smoothing` 0 trains plain DPO (sigmoid): set the label smoothing "
            "to the share of pairs you think are mislabelled, e.g. 0.1."
        ]
    if config.method != "dpo" or config.dpo_loss_type != "ipo" or config.beta >= 0.5:
        return []
    target = 1 / (2 * config.beta)
    return [
        f"`dpo_loss_type` ipo with `beta` {config.beta:g} pulls each pair towards a gap of {target:.3g} between the "
        f"chosen and rejected answers' log-ratios per token (1/(2 beta)), far from the 0 where training starts: the "
        f"loss starts near {target**2:.3g} and `max_grad_norm` cuts most steps. IPO's beta is the paper's tau; "
        "0.5-1 (a gap of 1-0.5) pulls more gently."
    ]


__all__ = [
    "DPOLossType",
    "GRPOLossType",
    "KTOLossType",
    "LOSS_TYPE_LABELS",
    "LossTypeSettings",
    "SMOOTHED_DPO_LOSSES",
    "grpo_scales_rewards",
    "loss_setting_problem",
    "loss_type_warnings",
]
