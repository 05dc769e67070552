"""The outcome we propose for a pushed person (GUIDE.md section 3). A worker sets the real one."""

import re
from datetime import date, timedelta

from django.conf import settings

from alleykeeper.pushlist.models import MatchState, Outcome

_PASSING = re.compile(r"途经|过境|中转|经停|未停留|转机")


def propose_outcome(
    *,
    state: str,
    key_person: bool,
    arrival: date | None,
    received_on: date,
    doc_unusable: bool,
    has_phone: bool,
    note: str = "",
) -> tuple[str, str]:
    """(outcome or "", the reason in words). Empty means: nothing to propose, someone must call."""
    window = settings.KEY_AREA_LOOKBACK_DAYS
    past_window = arrival is not None and arrival < received_on - timedelta(days=window)
    if state == MatchState.MATCHED:
        if key_person:
            return Outcome.SCREENED, "排查中已登记为重点人员"
        if past_window:
            return Outcome.PAST_WINDOW, f"抵达日期 {arrival:%Y-%m-%d} 距收到名单已超过 {window} 天"
        return Outcome.MISSED, "台账中有此人，但排查没有登记为重点人员，请尽快核实"
    if state == MatchState.REVIEW:
        return "", "有疑似对应的居民，请先确认比对结果"
    if past_window:
        return Outcome.PAST_WINDOW, f"抵达日期 {arrival:%Y-%m-%d} 距收到名单已超过 {window} 天"
    if _PASSING.search(note):
        return Outcome.PASSED_THROUGH, "名单备注写明途经、中转"
    if doc_unusable and not has_phone:
        return Outcome.WRONG_INFO, "证件号码有误且没有可用的电话，无法核实"
    if doc_unusable:
        return "", "证件号码有误，台账中也没有同电话或同名的人，请电话核实"
    return "", "台账中没有找到此人，请电话核实是否在本地居住"
