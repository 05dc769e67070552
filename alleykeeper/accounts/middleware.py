"""Session idle timeout: a signed-in session unused for SESSION_IDLE_MINUTES is signed out.

The last activity is kept in the session (stamped at login) and written again once it is a sixth of the
timeout old, so that a busy page does not write the session on every request: with 30 minutes, a session is
signed out between 25 and 30 minutes after its last request.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LAST_SEEN_KEY = "ak_last_seen"


def stamp(request: HttpRequest) -> None:
    """Note activity now (at login, and by the middleware)."""
    request.session[LAST_SEEN_KEY] = timezone.now().timestamp()


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(request, f"超过 {settings.SESSION_IDLE_MINUTES} 分钟没有操作，已自动退出，请重新登录。")
            elif last_seen is None or now - last_seen >= settings.SESSION_IDLE_MINUTES * 10:
                stamp(request)
        return self.get_response(request)
