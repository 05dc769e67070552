from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from alleykeeper.accounts import throttle


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
        username = self.cleaned_data.get("username") or ""
        if throttle.is_locked(username, self.client_ip):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_THROTTLE_WINDOW // 60}
            )
        try:
            data = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, self.client_ip)
            raise
        throttle.record_success(username)
        return data


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
