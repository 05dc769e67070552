"""The figures of the push list (推送比对), joined to reports.figures' catalogue with one line."""

from alleykeeper.pushlist.models import Outcome, PushedPerson, found_locally_not_listed
from alleykeeper.reports.measures import (
    FLOW,
    KEY_PERSON,
    PUSHED,
    SEE_PUSH_LIST,
    STOCK,
    Figure,
    Select,
)
from alleykeeper.screening.models import KeyPerson


def _outcome(outcome: str) -> Select:
    return lambda area, w: PushedPerson.objects.settled_between(w.start, w.end).filter(outcome=outcome)


PUSHLIST_FIGURES = [
    # 推送比对 push list
    Figure(
        "pushlist_received",
        "推送名单人数",
        FLOW,
        "推送比对",
        "人",
        PUSHED,
        lambda area, w: PushedPerson.objects.received_between(w.start, w.end),
        capabilities=SEE_PUSH_LIST,
        note="期间内导入的推送名单上的人员。",
    ),
    *[
        Figure(
            f"pushlist_{value}",
            f"核查结果：{label}",
            FLOW,
            "推送比对",
            "人",
            PUSHED,
            _outcome(value),
            capabilities=SEE_PUSH_LIST,
            note=f"期间内核查结果登记为“{label}”的推送人员。",
        )
        for value, label in Outcome.choices
    ],
    Figure(
        "local_not_on_push_list",
        "本地发现、不在推送名单",
        STOCK,
        "推送比对",
        "人",
        KEY_PERSON,
        lambda area, w: found_locally_not_listed(KeyPerson.objects.all(), w.end),
        capabilities=SEE_PUSH_LIST,
        note="截至时点登记的重点人员中，任何已导入的推送名单都没有的人（须向上报告）。",
    ),
]
