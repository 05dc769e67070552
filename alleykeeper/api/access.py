"""Who may see or touch an API token: its owner only. Out of scope is a 404."""

from django.shortcuts import get_object_or_404

from alleykeeper.api.models import ApiToken


def token_for(user, pk: int) -> ApiToken:
    return get_object_or_404(ApiToken.objects.visible_to(user), pk=pk)
