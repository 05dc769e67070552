"""Who may see or touch which alerts object: one function per object type. Out of scope is a 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.alerts.models import ChannelConfig, Message
from alleykeeper.observation import access as observation_access
from alleykeeper.observation.models import ObservationCase
from alleykeeper.registry.models import Community

# Setting up a community's channels and rules, reading its message log, resending: its admins.
MANAGE = Capability.MANAGE_STAFF


def communities_for(user) -> list[Community]:
    """The communities whose alerts an admin manages: every community of their scope, by name."""
    if not user.can(MANAGE):
        raise PermissionDenied
    cached = getattr(user, "_alerts_communities", None)  # read once a request, as scope_of is
    if cached is None:
        scope = scope_of(user)
        communities = Community.objects.order_by("name", "pk")
        if not scope.everything:
            communities = communities.filter(pk__in=scope.community_ids)
        cached = user._alerts_communities = list(communities)
    return cached


def community_for(user, wanted: str | None = None) -> Community:
    """The community asked for (`?community=<id>`, one of the admin's), else the first of them."""
    communities = communities_for(user)
    if wanted:
        community = next((c for c in communities if str(c.pk) == wanted), None)
    else:
        community = communities[0] if communities else None
    if community is None:
        raise Http404
    return community


def channel_for(user, kind: str, wanted: str | None = None) -> tuple[Community, ChannelConfig | None]:
    community = community_for(user, wanted)
    return community, ChannelConfig.objects.filter(community=community, kind=kind).first()


def message_for(user, pk: int) -> Message:
    """A message of one of the admin's communities (the log's rows, to resend)."""
    communities = communities_for(user)
    return get_object_or_404(Message.objects.filter(community__in=communities).select_related("recipient"), pk=pk)


def case_for(user, pk: int) -> ObservationCase:
    return observation_access.case_for(user, pk)
