"""The demo's alerts (通知与提醒): the in-app inbox (always on) and the console SMS backend switched on, one
person under observation who agreed to SMS, and the scan's watermark at the demo's moment, so that a fever
entered in the demo shows in the inbox within the scan loop that `make run` starts beside the db_worker.
Called by activity.load_demo_activity, inside its transaction, after the observation cases exist."""

from alleykeeper.alerts.actions import ChannelSettings, save_channel
from alleykeeper.alerts.models import ChannelKind, ScanMark
from alleykeeper.alerts.resident import SmsSwitchError, switch_on
from alleykeeper.observation.models import OPEN_STATUSES, ObservationCase


def alerts(demo) -> str:
    options = {"provider": "console", "access_key_id": "", "sign_name": "开元社区", "templates": {}}
    save_channel(None, demo.community, ChannelKind.SMS, ChannelSettings(enabled=True, options=options))
    ScanMark.objects.update_or_create(name="events", defaults={"watermark": demo.now})
    agreed = ""
    cases = ObservationCase.objects.filter(community=demo.community, status__in=OPEN_STATUSES).exclude(phone_enc="")
    for case in cases.order_by("pk")[:5]:
        try:
            switch_on(case.assigned_worker, case, now=demo.now)
        except SmsSwitchError:
            continue
        agreed = f"，{case.name[0]}**已同意接收短信提醒"
        break
    return f"通知：站内消息与短信（控制台，不真正发送）已开启{agreed}"
