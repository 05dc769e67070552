"""What a message says: one template per kind, masked when the row is made.

Privacy in every message (issue 16, GUIDE section 4): a name is shown as its first character and stars
(王**), never an ID number, never a full phone; a message to a resident has no diagnosis word in it and
no name at all; anything more is behind a link that needs a login (or, for a resident, their own
self-report link). tests/checks.py holds the check every template is tested with.
"""

from django.conf import settings

from alleykeeper.alerts.models import Kind

# Staff messages: {name} is always masked before it gets here (mask_name).
TEMPLATES: dict[str, tuple[str, str]] = {
    Kind.FEVER: ("发热提醒", "{grid} {name} 体温 {temperature}℃，请在 {retest_minutes} 分钟内复测。"),
    Kind.RETEST_FEVER: ("复测仍发热", "{grid} {name} 复测体温 {temperature}℃，仍高于 {threshold}℃，请尽快处置上报。"),
    Kind.OVERDUE: ("随访逾期", "{grid} {name} 的 {due} 随访已逾期，请尽快联系。"),
    Kind.MISSED_TWICE: ("连续两次未随访", "{grid} {name} 连续两个时段未完成随访（最近一次 {due}），请督促处理。"),
    Kind.KEY_AREA_VISITOR: ("重点地区来访", "{gate} 登记来访 {name}（途经/来自 {areas}），请核实并跟进。"),
    Kind.PUSHLIST_BATCH: ("推送名单待排查", "推送名单（{received}）已导入：{scope} 还有 {count} 人待排查。"),
    Kind.REPORT_UNSIGNED: ("日报未签发", "{day} 的日报已过截止时间 {cutoff}，尚未签发。"),
    Kind.LOW_STOCK: ("物资库存不足", "{item} 库存 {on_hand}{unit}，已不高于提醒线 {threshold}{unit}，请及时补充。"),
    Kind.REOPENING_WAITING: ("复工申请待审核", "{enterprise} 提交了复工申请，请审核。"),
    Kind.DIGEST: ("提醒汇总", "另有 {count} 条提醒（{counts}），请登录查看。"),
    Kind.TEST: ("测试消息", "这是一条来自小巷管家的测试消息，收到即表示{channel}设置正确。"),
}
# Resident SMS: no name, no diagnosis word (no 发热, 观察, 隔离, 确诊, 疑似, 密接, 病), only the link.
RESIDENT_TEMPLATES: dict[str, str] = {
    Kind.RESIDENT_REMINDER: "您好，请在 {slot} 前通过您的专属链接报告今天的体温：{link} 回复STOP退订",
    Kind.RESIDENT_END: "您好，您的健康随访已于 {day} 结束，感谢您的配合。回复STOP退订",
}
DIAGNOSIS_WORDS = ("发热", "观察", "隔离", "确诊", "疑似", "密接", "密切接触", "病", "核酸", "阳性", "体温异常")


def mask_name(name: str) -> str:
    """王翠琳 → 王**, 吴晶 → 吴*: the family name only."""
    name = (name or "").strip()
    if not name:
        return "**"
    return name[0] + "*" * max(len(name) - 1, 1)


def staff_text(kind: str, **values: object) -> tuple[str, str]:
    title, body = TEMPLATES[kind]
    return title, body.format(**values)


def resident_text(kind: str, **values: object) -> str:
    return RESIDENT_TEMPLATES[kind].format(**values)


def absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def for_group(title: str, body: str, link: str) -> str:
    """A robot's message: the masked text and a link that needs a login for anything more."""
    more = f"\n详情（需登录）：{absolute(link)}" if link else ""
    return f"【{title}】{body}{more}"
