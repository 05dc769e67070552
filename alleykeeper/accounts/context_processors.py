"""Whether the signed-in user still has to verify this session with a code (the banner, the 403 page)."""

from django.http import HttpRequest

from alleykeeper.accounts import second_factor


def second_factor_pending(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    return {"second_factor_pending": bool(user is not None and second_factor.pending(user))}
