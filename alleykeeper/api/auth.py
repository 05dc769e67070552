"""Who calls the API: a bearer token of an account, read or write."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from alleykeeper.api.actions import token_for_secret
from alleykeeper.api.models import ApiToken


class TokenScopeError(Exception):
    """A read-only token asked to write."""


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ak_…`. The token's owner becomes `request.user`: every access function, scope
    and mask of the pages then applies to the API unchanged."""

    openapi_description = "接口令牌：在「接口令牌」页面创建（只显示一次），按 `Authorization: Bearer <令牌>` 发送。"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for_secret(token)
        if found is None:
            return None
        request.user = found.owner
        request.api_token = found
        return found


def require_write(request: HttpRequest) -> None:
    if not request.auth.can_write:
        raise TokenScopeError
