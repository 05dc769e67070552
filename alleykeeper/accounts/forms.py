from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from alleykeeper.accounts import throttle

T = TypeVar("T")


def _throttled(username: str, client_ip: str, check: Callable[[], T]) -> T:
    """A password check under the login throttle: refused before `check` runs (and so before any hashing)
    once the account or the client is locked; a failure counts, a success clears the account's count."""
    if throttle.is_locked(username, client_ip):
        message = ThrottledLoginForm.error_messages["locked"]
        raise forms.ValidationError(message, code="locked", params={"minutes": settings.LOGIN_THROTTLE_WINDOW // 60})
    try:
        result = check()
    except forms.ValidationError:
        throttle.record_failure(username, client_ip)
        raise
    throttle.record_success(username)
    return result


class ThrottledLoginForm(AuthenticationForm):
    """Refuses before `authenticate()` (and so before hashing) once an account or client is locked."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不对，请重新输入。注意区分大小写。",
        "locked": "尝试次数过多，请 %(minutes)d 分钟后再试，或请社区管理员帮忙重置密码。",
    }

    def __init__(self, request=None, *args, client_ip: str = "", **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.client_ip = client_ip
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"

    def clean(self) -> dict:
        return _throttled(self.cleaned_data.get("username") or "", self.client_ip, super().clean)


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's form, with the old password counted like a login (the same throttle): someone at a signed-in
    phone or a shared office computer cannot try old passwords without end and then lock its owner out."""

    def __init__(self, user, *args, client_ip: str = "", **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.client_ip = client_ip

    def clean_old_password(self) -> str:
        return _throttled(self.user.get_username(), self.client_ip, super().clean_old_password)


class CodeForm(forms.Form):
    """The 6-digit code of an authenticator app (spaces and full-width digits are accepted)."""

    code = forms.CharField(
        label="验证码",
        max_length=20,
        help_text="打开手机上的验证器（如 Microsoft Authenticator、Google 身份验证器），输入“小巷管家”下的 6 位数字。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).translate(_FULL_WIDTH_DIGITS)
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("验证码是 6 位数字，请照验证器上显示的输入。")
        return code


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
