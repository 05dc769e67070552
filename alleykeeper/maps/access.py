"""Who may see a layer of the map and who may draw which place: out of scope is a 404, a missing
capability a 403 (the page exists, but not for this role)."""

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.maps.kinds import KINDS, Kind
from alleykeeper.maps.layers import LAYERS, Layer
from alleykeeper.registry.access import require


def place_for(user, kind_key: str, pk: int) -> tuple[Kind, models.Model]:
    """A place the user may draw: the capability of its kind (403 without), in their scope (404 outside)."""
    kind = KINDS.get(kind_key)
    if kind is None:
        raise Http404
    require(user, kind.capability)
    return kind, get_object_or_404(kind.scoped(user), pk=pk)


def layer_for(user, key: str) -> Layer:
    """A layer of the map the user may see (VIEW_MAP and the layer's own capability)."""
    require(user, Capability.VIEW_MAP)
    layer = LAYERS.get(key)
    if layer is None:
        raise Http404
    if layer.capability:
        require(user, layer.capability)
    return layer
