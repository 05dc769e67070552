"""Who may see or touch enclosures, gates, shifts and the gate log: one function per object type.

Out of scope answers 404. Two kinds of access to a gate:
- managing it (MANAGE_GATES, community scope): `managed_gate_for`, `enclosure_for`, `shift_for`;
- working at it (on duty now, or a manager in scope): `gate_for`, `gates_on_duty`, `is_on_duty`.
The visitors app uses `gate_for` / `gates_on_duty` to show a gate's live visitor list.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from alleykeeper.accounts.roles import Capability
from alleykeeper.gates.models import Enclosure, Gate, GateQuerySet, RosterEntry, Shift, ShiftMember, ShiftQuerySet

# Staff arrive a little early and hand over a little late: duty access covers this margin.
DUTY_GRACE = timedelta(minutes=30)


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def enclosure_for(user, pk: int) -> Enclosure:
    require(user, Capability.MANAGE_GATES)
    return get_object_or_404(Enclosure.objects.visible_to(user).select_related("community"), pk=pk)


def managed_gate_for(user, pk: int) -> Gate:
    """A gate the user manages (MANAGE_GATES and in their communities): edit, rotate, roster, print."""
    require(user, Capability.MANAGE_GATES)
    return get_object_or_404(Gate.objects.visible_to(user).select_related("enclosure__community"), pk=pk)


def shift_for(user, pk: int) -> Shift:
    require(user, Capability.MANAGE_GATES)
    return get_object_or_404(Shift.objects.visible_to(user).select_related("gate__enclosure"), pk=pk)


def roster_entry_for(user, pk: int) -> RosterEntry:
    """A line of the weekly roster of a gate the user manages."""
    require(user, Capability.MANAGE_GATES)
    queryset = RosterEntry.objects.visible_to(user).select_related("gate__enclosure__community")
    return get_object_or_404(queryset.prefetch_related("crew"), pk=pk)


def shift_member_for(user, pk: int) -> ShiftMember:
    require(user, Capability.MANAGE_GATES)
    queryset = ShiftMember.objects.filter(shift__in=Shift.objects.visible_to(user))
    return get_object_or_404(queryset.select_related("shift__gate__enclosure", "user"), pk=pk)


def shifts_on_duty(user, at: datetime | None = None) -> ShiftQuerySet:
    """The user's shifts running at `at` (default now), with DUTY_GRACE before the start and after the end."""
    at = at or timezone.now()
    return Shift.objects.filter(
        members__user=user, starts_at__lte=at + DUTY_GRACE, ends_at__gt=at - DUTY_GRACE
    ).visible_to(user)


def gates_on_duty(user, at: datetime | None = None) -> GateQuerySet:
    """Gates where `user` is on a shift at `at` (default now). Managers are NOT included: this answers
    "where am I on duty", e.g. for the duty home page. Use `gate_for` to decide access to one gate."""
    if not user.is_authenticated:
        return Gate.objects.none()
    shift_ids = shifts_on_duty(user, at).values("id")
    return Gate.objects.visible_to(user).filter(shifts__in=shift_ids).distinct().select_related("enclosure")


def is_on_duty(user, gate: Gate, at: datetime | None = None) -> bool:
    return user.is_authenticated and shifts_on_duty(user, at).filter(gate=gate).exists()


def gate_for(user, pk: int, at: datetime | None = None) -> Gate:
    """A gate the user may work at now: on duty there at `at` (default now, see DUTY_GRACE), or a
    manager (MANAGE_GATES) of its community. Anything else is a 404, as if the gate did not exist.
    Used by the gate log and by the visitors app's live list."""
    if not user.is_authenticated:
        raise Http404
    gate = get_object_or_404(Gate.objects.visible_to(user).select_related("enclosure__community"), pk=pk)
    if user.can(Capability.MANAGE_GATES) or is_on_duty(user, gate, at):
        return gate
    raise Http404


def gate_by_token(token: str) -> Gate | None:
    """The gate a public QR code names, or None for an old (rotated) or forged token."""
    if not token or len(token) > 40:
        return None
    return Gate.objects.select_related("enclosure").filter(token=token).first()
