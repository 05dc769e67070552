"""Every error of the API is JSON with a code and a message that says what to fix."""

from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from alleykeeper.api.auth import TokenScopeError
from alleykeeper.core.paging import BadCursor


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error: a code for programs, a message for people that says what to fix, and the fields at fault."""

    code: str
    message: str
    errors: list[ErrorItem] = []


# The errors any operation may answer, documented in the schema (schemathesis checks the answers against it).
ERRORS = {frozenset({400, 401, 403, 404, 422}): ErrorOut}


class FormInvalid(Exception):
    """A write's body failed the same Django form the page uses."""

    def __init__(self, form: Form) -> None:
        super().__init__("form invalid")
        self.form = form


class ActionRefused(Exception):
    """An action refused a valid-looking request (its message says why, in the pages' words)."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


def _error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **extra) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def _where(loc: list | tuple) -> str:
    # ninja's locations start with where the value came from (query, path, body) and the parameter's name.
    parts = [str(part) for part in loc if part not in ("query", "path", "body", "filters", "payload", "data")]
    return ".".join(parts) or "body"


def _choices(form: Form, name: str) -> str:
    """The values a choice field takes, so that a program's author sees what to send instead."""
    choices = getattr(form.fields.get(name), "choices", None)
    if not choices:
        return ""
    return "可选值：" + "、".join(f"{value}（{label}）" for value, label in choices if value) + "。"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = "缺少或无效的令牌：请按 Authorization: Bearer <令牌> 发送在「接口令牌」页面创建的令牌（已撤销的令牌不再可用）。"
        return _error(api, request, 401, "unauthenticated", message)

    @api.exception_handler(TokenScopeError)
    def read_only(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = "此令牌只读：登记类操作需要读写令牌，请在「接口令牌」页面新建一个读写令牌。"
        return _error(api, request, 403, "read_only_token", message)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = "您的角色没有这项权限：请联系社区管理员。"
        return _error(api, request, 403, "forbidden", message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = "没有这条记录，或它不在您负责的范围内：请检查编号。"
        return _error(api, request, 404, "not_found", message)

    @api.exception_handler(BadCursor)
    def bad_cursor(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = "cursor 无效：请原样使用上一页返回的 next_cursor，或去掉 cursor 从第一页读起。"
        return _error(api, request, 400, "bad_cursor", message)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _where(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors]
        fields = "、".join(sorted({e["field"] for e in errors})) or "请求"
        message = f"请求有误，请更正这些字段：{fields}。"
        return _error(api, request, 422, "invalid", message, errors=errors)

    @api.exception_handler(FormInvalid)
    def form_invalid(request: HttpRequest, exc: FormInvalid) -> HttpResponse:
        errors = [
            {"field": field if field != "__all__" else "body", "message": str(message) + _choices(exc.form, field)}
            for field, messages in exc.form.errors.items()
            for message in messages
        ]
        message = "；".join(e["message"] for e in errors) or "请求有误。"
        return _error(api, request, 422, "invalid", message, errors=errors)

    @api.exception_handler(ActionRefused)
    def refused(request: HttpRequest, exc: ActionRefused) -> HttpResponse:
        return _error(api, request, 422, "invalid", str(exc), errors=[{"field": exc.field, "message": str(exc)}])

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, "error", str(exc))
