"""The navigation: each role sees its own work, nothing else."""

from functools import partial

from django.http import HttpRequest
from django.urls import reverse

from alleykeeper.accounts.roles import Capability
from alleykeeper.alerts.models import Message
from alleykeeper.center.access import DASHBOARD_CAPABILITY

INBOX = "alerts:inbox"
UNREAD_SHOWN = 99  # counted up to here: "99+" beyond it, so the count costs the same for a full inbox

# (label, url name, capability needed or None for everyone signed in)
NAVIGATION = [
    ("首页", "center:home", None),
    ("消息", INBOX, None),
    ("看板", "center:dashboard", DASHBOARD_CAPABILITY),
    ("日报", "reports:daily", Capability.VIEW_REPORTS),
    ("台账", "registry:grids", Capability.VIEW_REGISTER),
    ("搜索", "registry:search", Capability.VIEW_REGISTER),
    ("导出", "registry:export", Capability.EXPORT_REGISTER),
    ("导入", "registry:import", Capability.IMPORT_REGISTER),
    ("来访", "visitors:gates", Capability.GATE_DUTY),
    ("值守", "gates:duty", Capability.GATE_DUTY),
    ("片区卡口", "gates:enclosures", Capability.MANAGE_GATES),
    ("地图", "maps:map", Capability.VIEW_MAP),
    ("推送比对", "pushlist:batches", Capability.RECONCILE_PUSH_LIST),
    ("排查", "screening:campaigns", Capability.SCREEN),
    ("重点人员", "screening:key_persons", Capability.VIEW_KEY_PERSONS),
    ("今日", "observation:today", Capability.FOLLOW_UP),
    ("配送", "observation:deliveries", Capability.DELIVER),
    ("复工", "reopening:overview", Capability.VIEW_REOPENING),
    ("宣传", "publicity:overview", Capability.VIEW_PUBLICITY),
    ("消杀", "sanitation:today", Capability.DISINFECT),
    ("物资", "supplies:stock", Capability.DISINFECT),
    ("审计", "audit:list", Capability.VIEW_AUDIT),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": False,
            "unread": partial(_unread, user) if name == INBOX else "",
        }
        for label, name, capability in NAVIGATION
        if capability is None or user.can(capability)
    ]
    # The entry whose address is the longest start of this page's: a household page (/register/household/5/)
    # lights 台账 (/register/), the search page lights 搜索 (/register/search/). "/" only matches itself.
    matches = [i for i in items if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items}


def _unread(user) -> str:
    """The inbox's unread messages for the menu's badge: "" for none, "99+" beyond UNREAD_SHOWN. Called by the
    template only where it draws the menu (an htmx fragment draws none and asks nothing)."""
    count = Message.objects.inbox_of(user).unread()[: UNREAD_SHOWN + 1].count()
    return "" if not count else f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)
