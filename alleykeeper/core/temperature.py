"""What a body temperature can plausibly be: one rule for the gate log, the visitor list, the follow-up call and
the self-report. Outside it a reading is a typo or a broken thermometer: staff who took it are asked to measure
again (the gate, the call); a person's own report is kept and flagged for the worker to check (observation)."""

from decimal import Decimal

PLAUSIBLE_MIN = Decimal("34.0")
PLAUSIBLE_MAX = Decimal("43.0")


def plausible(value: Decimal) -> bool:
    return PLAUSIBLE_MIN <= value <= PLAUSIBLE_MAX


def implausible_message(value: Decimal) -> str:
    return f"体温 {value} ℃ 不在 {PLAUSIBLE_MIN}–{PLAUSIBLE_MAX} ℃ 的合理范围内，请复测后重新输入。"
