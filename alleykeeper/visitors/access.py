"""Who may see what of visitor registrations. Public: a gate by its unguessable token only.
Staff: the live list of a gate for those on duty there (gates.access) and the community's admins."""

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.gates import access as gate_access
from alleykeeper.gates.models import Gate, GateQuerySet
from alleykeeper.visitors.models import Registration

# new_gate_token() makes 24 URL-safe characters; anything else is refused before touching the database.
GATE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


def public_gate(token: str) -> Gate | None:
    """The gate a QR code names, or None for an old (rotated) or forged token."""
    if not GATE_TOKEN.fullmatch(token or ""):
        return None
    return Gate.objects.select_related("enclosure").filter(token=token).first()


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def watches_gate(user, gate: Gate) -> bool:
    """Admins of the gate's community (MANAGE_GATES) always; others while on duty at the gate (gates app)."""
    return user.can(Capability.MANAGE_GATES) or gate_access.is_on_duty(user, gate)


def watched_gates(user) -> GateQuerySet:
    """The gates whose live list the user may open now."""
    require(user, Capability.GATE_DUTY)
    if user.can(Capability.MANAGE_GATES):
        return Gate.objects.visible_to(user).select_related("enclosure")
    return gate_access.gates_on_duty(user)


def gate_for(user, pk: int) -> Gate:
    """A gate's live list and poster: gate duty, and on duty there now or an admin of its community."""
    require(user, Capability.GATE_DUTY)
    return gate_access.gate_for(user, pk)


def managed_gate_for(user, pk: int) -> Gate:
    """A gate whose registrations the user may export: its managers only (MANAGE_GATES), as for the gate log's
    export. Duty staff work from the live list during their shift; a file of days of people's movements is a
    bulk read for reporting, and it outlives the shift."""
    return gate_access.managed_gate_for(user, pk)


def registration_for(user, pk: int) -> Registration:
    require(user, Capability.GATE_DUTY)
    queryset = Registration.objects.visible_to(user).select_related("gate__enclosure__community", "origin")
    registration = get_object_or_404(queryset, pk=pk)
    if not watches_gate(user, registration.gate):
        raise Http404
    return registration
