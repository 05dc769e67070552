"""Each role's home is its work today: counts of what that person must do now, each a link to the list of the
same records. Every count is a domain app's own query (observation.today, the QuerySets of screening,
pushlist, gates, visitors), narrowed by `visible_to(user)`; nothing is defined here. Each section runs a fixed
number of queries whatever the data size (grouped counts, never one query per row).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.roles import Capability, Role
from alleykeeper.accounts.scope import scope_of
from alleykeeper.center.access import can_view_dashboard
from alleykeeper.center.dashboard import Table, counted_ahead, side_by_side
from alleykeeper.gates.access import shifts_on_duty
from alleykeeper.gates.models import Gate, GateLogEntry, Shift, ShiftMember
from alleykeeper.observation import schedule
from alleykeeper.observation.models import ServiceRequest, late_request_q
from alleykeeper.observation.today import count_today
from alleykeeper.publicity.models import Material, PostingSheet
from alleykeeper.pushlist.access import matches_visible_to
from alleykeeper.pushlist.models import MatchStatus, PushedPerson, found_locally_not_listed
from alleykeeper.registry.models import Community, Grid
from alleykeeper.reports.figures import Area, Window
from alleykeeper.reports.models import DailyReport
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.screening.models import Campaign, CampaignHousehold, HouseholdStatus, KeyPerson, KeyPersonStatus
from alleykeeper.visitors.models import Registration

# A street officer or an admin may read many batches and campaigns; the home shows the latest few, the rest
# are one tap away on their own lists.
SHOWN_BATCHES = 3
HOME_GRIDS = 12


@dataclass
class Count_:
    """One count on the home page: what it counts, how many, and the list of those records."""

    label: str
    value: int
    url: str
    alert: bool = False  # needs action now: shown in the alert colour when not zero
    note: str = ""

    @property
    def urgent(self) -> bool:
        return self.alert and self.value > 0


@dataclass
class Section:
    title: str
    counts: list[Count_] = field(default_factory=list)
    more_url: str = ""
    more_label: str = ""
    empty: str = ""  # said when the section has no counts at all


@dataclass
class GateNow:
    shift: Shift
    leader: bool
    colleagues: list[str]
    tally: dict
    visitors_today: int


@dataclass
class Duty:
    now: list[GateNow]
    next_shift: Shift | None


# -- the grid worker's, the volunteer's and the admin's work ------------------------------------------------------


def follow_ups(user, now: datetime, *, everyone: bool = False) -> Section:
    """今日's counts (observation.today.count_today): the same records as the sections of the 今日 page."""
    counts = count_today(user, now, everyone=everyone)
    today = reverse("observation:today")
    return Section(
        "居家观察随访",
        [
            Count_("逾期未随访", counts["overdue"], f"{today}#overdue", alert=True),
            Count_("今天待随访", counts["due"], f"{today}#due"),
            Count_("发热待处理", counts["fevers"], f"{today}#fevers", alert=True),
            Count_("期满待解除", counts["ending"], f"{today}#ending"),
            Count_(
                "未完成配送",
                counts["requests"],
                f"{today}#requests",
                alert=counts["late_requests"] > 0,
                note=f"{counts['late_requests']} 单超时" if counts["late_requests"] else "",
            ),
        ],
    )


def screening_work(user, now: datetime) -> Section:
    """Households still to reach in each campaign running today: the work list's 待回访 and 未联系 tabs."""
    campaigns = Campaign.objects.visible_to(user).open_on(schedule.local_date(now))
    rows = (
        CampaignHousehold.objects.visible_to(user)
        .filter(campaign__in=campaigns)
        .order_by()
        .values("campaign_id", "campaign__name", "campaign__start_date")
        .annotate(
            revisit=Count("id", filter=Q(status=HouseholdStatus.REVISIT)),
            pending=Count("id", filter=Q(status=HouseholdStatus.PENDING)),
        )
        .order_by("-campaign__start_date", "-campaign_id")
    )
    section = Section("排查", empty="今天没有进行中的排查活动。")
    for row in rows:
        work = reverse("screening:work", args=[row["campaign_id"]])
        name = row["campaign__name"]
        section.counts.append(Count_("待回访", row["revisit"], f"{work}?show=revisit", note=name))
        section.counts.append(Count_("未联系", row["pending"], f"{work}?show=pending", note=name))
    return section


def push_list_work(user) -> Section:
    """Pushed people nobody has acted on yet (PushedPerson.to_reach), per batch, latest first."""
    rows = list(
        PushedPerson.objects.visible_to(user)
        .to_reach()
        .order_by()
        .values("batch_id", "batch__received_on", "batch__source")
        .annotate(n=Count("id"))
        .order_by("-batch__received_on", "-batch_id")[: SHOWN_BATCHES + 1]
    )
    section = Section("推送名单待落实", empty="推送名单上的人都已落实。")
    for row in rows[:SHOWN_BATCHES]:
        url = reverse("pushlist:batch", args=[row["batch_id"]]) + "?state=to_reach"
        note = f"{row['batch__received_on']:%-m月%-d日}{row['batch__source'] and ' ' + row['batch__source']}"
        section.counts.append(Count_("待落实", row["n"], url, alert=True, note=note))
    if len(rows) > SHOWN_BATCHES:
        section.more_url, section.more_label = reverse("pushlist:batches"), "更早的名单"
    return section


def deliveries(user, now: datetime) -> Section:
    """What is assigned to this person to take to a door (observation's 我的配送 → 待送)."""
    counts = ServiceRequest.objects.to_deliver_by(user).aggregate(
        total=Count("id"), late=Count("id", filter=late_request_q(now))
    )
    url = reverse("observation:deliveries")
    note = f"{counts['late']} 单超时" if counts["late"] else ""
    return Section("我的配送", [Count_("待送", counts["total"], url, alert=counts["late"] > 0, note=note)])


def posting_work(user, now: datetime) -> Section:
    """Buildings whose posting sheet of a material in use is not finished (publicity: 逐层张贴)."""
    open_sheets = (
        PostingSheet.objects.visible_to(user)
        .filter(material__in=Material.objects.visible_to(user).current_on(timezone.localdate(now)))
        .annotate(posted=Count("postings"))
        .filter(posted__lt=F("floors"))
        .count()
    )
    url = reverse("publicity:overview")
    return Section("宣传", [Count_("楼栋未贴完", open_sheets, url, note="逐层张贴")])


def alerts(user, now: datetime) -> Section:
    """The admin's alerts: fevers and overdue calls of every case in scope, key persons waiting for home
    observation, push-list discrepancies, gates with nobody on duty now."""
    counts = count_today(user, now, everyone=True)
    today = reverse("observation:today")
    key_persons = reverse("screening:key_persons")
    key_persons_in_scope = KeyPerson.objects.visible_to(user)
    waiting = {
        "new": key_persons_in_scope.filter(status=KeyPersonStatus.NEW).count(),
        "not_listed": found_locally_not_listed(key_persons_in_scope).count(),
    }
    review = matches_visible_to(user).filter(status=MatchStatus.PENDING).count()
    unstaffed = Gate.objects.visible_to(user).unstaffed_at(now).count()
    late = DisinfectionTask.objects.visible_to(user).overdue_recent(now).count()
    return Section(
        "提醒",
        [
            Count_("发热待处理", counts["fevers"], f"{today}#fevers", alert=True),
            Count_("逾期未随访", counts["overdue"], f"{today}#overdue", alert=True),
            Count_("重点人员待处置", waiting["new"], f"{key_persons}?status={KeyPersonStatus.NEW}", alert=True),
            Count_("推送比对待确认", review, reverse("pushlist:review"), alert=True),
            Count_(
                "本地发现、不在推送名单",
                waiting["not_listed"],
                f"{key_persons}?push=no",
                alert=True,
                note="需向上级报告",
            ),
            Count_("卡口现在无人值守", unstaffed, reverse("gates:enclosures") + "?unstaffed=1", alert=True),
            Count_("消杀任务逾期", late, reverse("sanitation:today") + "?overdue=1", alert=True),
        ],
    )


def disinfection(user, now: datetime) -> Section:
    """The cleaner's tasks today (theirs and the unassigned stairwells of their communities): left, overdue,
    done, each a link to the 今日消杀 page."""
    counts = DisinfectionTask.objects.for_cleaner(user).tally(now)  # as the 今日消杀 page counts them
    url = reverse("sanitation:today")
    return Section(
        "今日消杀",
        [
            Count_("待完成", counts["open"], f"{url}?show=open"),
            Count_("逾期", counts["overdue"], f"{url}?overdue=1", alert=True),
            Count_("已完成", counts["done"], f"{url}?show=done"),
        ],
        more_url=reverse("supplies:stock"),
        more_label="物资库存",
    )


# -- duty at a gate -------------------------------------------------------------------------------------------------


def duty(user, now: datetime) -> Duty:
    """The shifts this person is on now (gates.access.shifts_on_duty: with the grace before and after) and
    the next one; for each gate on duty, today's gate-log counts and visitor registrations. Five queries."""
    members = Prefetch("members", queryset=ShiftMember.objects.select_related("user").order_by("-is_leader", "id"))
    current = list(
        shifts_on_duty(user, now).select_related("gate__enclosure").prefetch_related(members).order_by("starts_at")
    )
    upcoming = (
        Shift.objects.filter(members__user=user, starts_at__gt=now)
        .exclude(pk__in=[s.pk for s in current])
        .visible_to(user)
        .select_related("gate__enclosure")
        .order_by("starts_at")
        .first()
    )
    gate_ids = [s.gate_id for s in current]
    day = schedule.local_date(now)
    tallies = GateLogEntry.objects.filter(gate_id__in=gate_ids).on_day(day).tally_by_gate() if gate_ids else {}
    visitors = (
        dict(
            Registration.objects.filter(gate_id__in=gate_ids)
            .registered_on(day)
            .order_by()
            .values_list("gate_id")
            .annotate(n=Count("id"))
        )
        if gate_ids
        else {}
    )
    empty_tally = {"entered": 0, "left": 0, "kept_outside": 0, "fever": 0}
    return Duty(
        now=[
            GateNow(
                shift=shift,
                leader=any(m.user_id == user.pk and m.is_leader for m in shift.members.all()),
                colleagues=[str(m.user) for m in shift.members.all() if m.user_id != user.pk],
                tally=tallies.get(shift.gate_id, empty_tally),
                visitors_today=visitors.get(shift.gate_id, 0),
            )
            for shift in current
        ],
        next_shift=upcoming,
    )


# -- the daily report -----------------------------------------------------------------------------------------------


def daily_report(user, now: datetime) -> Section:
    """Where the last due report day's reports stand (reports.Window.last_report_day: its cutoff has passed):
    for the admin, waiting to be signed or not yet generated; for the street, signed or not yet received."""
    day = Window.last_report_day(now)
    cutoff = timezone.localtime(Window.report_day(day).end)
    communities = Community.objects.visible_to(user).count()
    reports = DailyReport.objects.visible_to(user).filter(day=day)
    signer = user.can(Capability.SIGN_REPORTS)
    latest = list((reports.latest_versions() if signer else reports.latest_signed()).values_list("pk", "signed_at"))
    signed = [pk for pk, at in latest if at is not None]
    waiting = [pk for pk, at in latest if at is None]
    days = reverse("reports:daily")
    one = lambda pks: reverse("reports:report", args=[pks[0]]) if len(pks) == 1 else days  # noqa: E731
    title = f"日报 · {day.month}月{day.day}日（截至 {cutoff:%H:%M}）"
    missing = communities - len(latest)
    if signer:
        counts = [
            Count_("待签发", len(waiting), one(waiting), alert=True),
            Count_("尚未生成", missing, days, alert=True),
            Count_("已签发", len(signed), one(signed)),
        ]
    else:
        counts = [Count_("已签发", len(signed), one(signed)), Count_("尚未签发", missing, days)]
    return Section(title, counts)


# -- the areas side by side (the dashboard's table) ----------------------------------------------------------------


def _side_by_side(home: "Home", user, now: datetime) -> None:
    """A street officer's communities, or an admin's grids (their communities when they have several)."""
    scope = scope_of(user)
    if not can_view_dashboard(user) or not (scope.everything or scope.community_ids):
        return  # no community assigned yet: the page says whom to ask
    area = Area.for_user(user)
    home.table_of = "community" if len(area.community_ids) > 1 else "grid"
    counted = counted_ahead(area, now)  # as on the dashboard: the timer's count while fresh
    home.table = side_by_side(user, area, now, by=home.table_of, snapshot=counted)
    home.table_counted_at = counted.taken_at if counted else None


# -- the whole home -------------------------------------------------------------------------------------------------


@dataclass
class Home:
    role: str
    sections: list[Section] = field(default_factory=list)
    duty: Duty | None = None
    grids: list = field(default_factory=list)
    more_grids: bool = False
    can_search: bool = False
    table: Table | None = None  # the dashboard's areas side by side: communities (officer) or grids (admin)
    table_of: str = ""
    table_counted_at: datetime | None = None  # the table's figures counted ahead at this time (数据截至)


def build_home(user, now: datetime) -> Home:
    """What this person must do now, by role. A system administrator (superuser) gets the admin's home."""
    role = Role.ADMIN if user.is_superuser else user.role
    home = Home(role=role, can_search=user.can(Capability.VIEW_REGISTER))
    if role == Role.ADMIN:
        home.sections = [alerts(user, now), screening_work(user, now)]
        _side_by_side(home, user, now)
    elif role == Role.STREET_OFFICER:
        _side_by_side(home, user, now)
    if user.can(Capability.VIEW_REPORTS) and home.table is not None:
        home.sections.append(daily_report(user, now))
    elif role == Role.GRID_WORKER:
        home.sections = [
            follow_ups(user, now),
            screening_work(user, now),
            push_list_work(user),
            deliveries(user, now),
            posting_work(user, now),
        ]
    elif role == Role.VOLUNTEER:
        home.sections = [deliveries(user, now), posting_work(user, now)]
    elif role == Role.CLEANER:
        home.sections = [disinfection(user, now)]
    if user.can(Capability.GATE_DUTY) and role != Role.ADMIN:
        home.duty = duty(user, now)
        # Duty staff always see where they stand; others who are rostered only now and then, when they are.
        if role != Role.DUTY_STAFF and not home.duty.now and home.duty.next_shift is None:
            home.duty = None
    if role == Role.GRID_WORKER:
        grids = list(Grid.objects.visible_to(user).with_counts().select_related("community")[: HOME_GRIDS + 1])
        home.grids, home.more_grids = grids[:HOME_GRIDS], len(grids) > HOME_GRIDS
    return home
