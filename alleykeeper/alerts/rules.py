"""Who gets what: a community's rules (with defaults), turned into recipients for one event.

Recipients are always found from the event's own grid and community, so an alert never reaches someone
outside the scope of the household it names (a grid worker of another grid, another community's admin).
"""

from dataclasses import dataclass, field
from datetime import datetime

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.alerts.models import ChannelKind, Kind, Mute, Rule

INBOX_ONLY = [ChannelKind.INBOX]
URGENT = [ChannelKind.INBOX, ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.EMAIL]


@dataclass(frozen=True)
class RuleTerms:
    enabled: bool = True
    to_case_worker: bool = True
    to_admins: bool = False
    channels: tuple[str, ...] = tuple(INBOX_ONLY)
    user_ids: tuple[int, ...] = ()


# The defaults (GUIDE: a fever at once to the case's doctor and grid worker; an overdue follow-up to the grid
# worker, twice missed escalated to the admin; a key-area visitor to the grid worker of the household; a push
# list's count per grid; the unsigned report, low stock and waiting applications to the admins). "The case's
# doctor" is a person named in the fever rules (另外通知): the register has no doctor role.
DEFAULT_RULES: dict[str, RuleTerms] = {
    Kind.FEVER: RuleTerms(to_admins=True, channels=tuple(URGENT)),
    Kind.RETEST_FEVER: RuleTerms(to_admins=True, channels=tuple(URGENT)),
    Kind.OVERDUE: RuleTerms(),
    Kind.MISSED_TWICE: RuleTerms(to_case_worker=True, to_admins=True, channels=(ChannelKind.INBOX, ChannelKind.WECOM)),
    Kind.KEY_AREA_VISITOR: RuleTerms(),
    Kind.PUSHLIST_BATCH: RuleTerms(to_admins=True),
    Kind.REPORT_UNSIGNED: RuleTerms(
        to_case_worker=False, to_admins=True, channels=(ChannelKind.INBOX, ChannelKind.WECOM)
    ),
    Kind.LOW_STOCK: RuleTerms(to_case_worker=False, to_admins=True),
    Kind.REOPENING_WAITING: RuleTerms(to_case_worker=False, to_admins=True),
}


def rules_for(community_ids: set[int]) -> dict[tuple[int, str], RuleTerms]:
    """The stored rules of these communities (one query for the rules, one for their named people)."""
    found = {}
    for rule in Rule.objects.filter(community_id__in=community_ids).prefetch_related("users"):
        found[(rule.community_id, rule.kind)] = RuleTerms(
            enabled=rule.enabled,
            to_case_worker=rule.to_case_worker,
            to_admins=rule.to_admins,
            channels=tuple(rule.channels),
            user_ids=tuple(sorted(u.pk for u in rule.users.all())),
        )
    return found


def terms_of(stored: dict[tuple[int, str], RuleTerms], community_id: int, kind: str) -> RuleTerms:
    return stored.get((community_id, kind)) or DEFAULT_RULES.get(kind, RuleTerms())


@dataclass
class Audience:
    """The people of a community the scan may address, read once per scan: admins, grid workers per grid."""

    admins: dict[int, list[User]] = field(default_factory=dict)
    grid_workers: dict[int, list[User]] = field(default_factory=dict)
    by_id: dict[int, User] = field(default_factory=dict)
    muted: set[tuple[int, str]] = field(default_factory=set)

    @classmethod
    def load(cls, community_ids: set[int], extra_user_ids: set[int], now: datetime) -> "Audience":
        audience = cls()
        if not community_ids:
            return audience
        # Through the membership tables: one row per (person, community) and (person, grid).
        memberships = User.communities.through.objects.filter(
            community_id__in=community_ids, user__role=Role.ADMIN, user__is_active=True
        ).select_related("user")
        for row in memberships:
            audience.admins.setdefault(row.community_id, []).append(row.user)
            audience.by_id[row.user_id] = row.user
        grid_rows = User.grids.through.objects.filter(
            grid__community_id__in=community_ids, user__role=Role.GRID_WORKER, user__is_active=True
        ).select_related("user")
        for row in grid_rows:
            audience.grid_workers.setdefault(row.grid_id, []).append(row.user)
            audience.by_id[row.user_id] = row.user
        missing = extra_user_ids - set(audience.by_id)
        for user in User.objects.filter(is_active=True, pk__in=missing):
            audience.by_id[user.pk] = user
        mutes = Mute.objects.filter(until__gt=now, user__in=list(audience.by_id))
        audience.muted = set(mutes.values_list("user_id", "kind"))
        return audience
