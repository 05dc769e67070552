from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from alleykeeper.accounts import middleware as idle
from alleykeeper.accounts import second_factor, throttle
from alleykeeper.accounts.forms import CodeForm, ThrottledLoginForm, ThrottledPasswordChangeForm
from alleykeeper.accounts.scope import describe_scope
from alleykeeper.core.net import client_ip

WRONG_CODE = "验证码不对或已过期：请输入验证器上当前显示的 6 位数字（每 30 秒更新一次），并确认手机时间准确。"


class LoginView(auth_views.LoginView):
    """The password; then, for an account with an authenticator, the code (`login_code`) before signing in."""

    template_name = "accounts/login.html"
    form_class = ThrottledLoginForm
    redirect_authenticated_user = True

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["client_ip"] = client_ip(self.request)
        return kwargs

    def form_valid(self, form: ThrottledLoginForm) -> HttpResponse:
        user = form.get_user()
        if second_factor.confirmed_device(user) is None:
            response = super().form_valid(form)
            idle.stamp(self.request)
            return response
        session = self.request.session
        session[second_factor.PENDING_USER_KEY] = user.pk
        session[second_factor.PENDING_BACKEND_KEY] = user.backend
        session[second_factor.PENDING_SINCE_KEY] = timezone.now().timestamp()
        return redirect(f"{reverse('accounts:login_code')}?{urlencode({'next': self.get_success_url()})}")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if ok else fallback


def _pending_user(request: HttpRequest) -> AbstractBaseUser | None:
    session = request.session
    since = session.get(second_factor.PENDING_SINCE_KEY, 0)
    if timezone.now().timestamp() - since > second_factor.PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=session.get(second_factor.PENDING_USER_KEY), is_active=True).first()


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The login's second step: the code of the account's authenticator."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "请先输入用户名和密码（输入验证码的时间是 5 分钟）。")
        return redirect("accounts:login")
    device = second_factor.confirmed_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if throttle.is_locked(user.username, ip):
            form.add_error("code", "尝试次数过多，请稍后再试，或请社区管理员帮忙。")
        elif device is not None and device.verify_token(form.cleaned_data["code"]):
            backend = request.session[second_factor.PENDING_BACKEND_KEY]
            for key in (second_factor.PENDING_USER_KEY, second_factor.PENDING_BACKEND_KEY):
                request.session.pop(key, None)
            auth_login(request, user, backend=backend)
            otp_login(request, device)
            idle.stamp(request)
            return HttpResponseRedirect(_safe_next(request, reverse("center:home")))
        else:
            throttle.record_failure(user.username, ip)
            form.add_error("code", WRONG_CODE)
    return render(request, "accounts/login_code.html", {"form": form, "next": _safe_next(request, "")})


def _device_page(request: HttpRequest, device: TOTPDevice, form: CodeForm) -> HttpResponse:
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_inline(scale=5, title="两步验证二维码")
    context = {"form": form, "device": device, "qr": qr, "secret": " ".join(secret[i : i + 4] for i in range(0, 32, 4))}
    return render(request, "accounts/two_factor.html", context)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """我的账号: who this account is and what it covers, its password, its second factor, its API tokens."""
    user = request.user
    context = {
        "scope": describe_scope(user),
        "needs_second_factor": second_factor.needs_second_factor(user),
        "has_device": second_factor.confirmed_device(user) is not None,
    }
    return render(request, "accounts/account.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own (the old password, the new one twice, the validators of settings); the account's other
    sessions end, this one stays signed in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return super().get_form_kwargs() | {"client_ip": client_ip(self.request)}

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        idle.stamp(self.request)
        messages.success(self.request, "密码已修改：其他设备上的登录已退出，下次登录请用新密码。")
        return response


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (start, scan the QR code, confirm with its first code), or verify this session
    with the code of the one enrolled."""
    user = request.user
    confirmed = second_factor.confirmed_device(user)
    if request.method == "POST" and request.POST.get("start") and confirmed is None:
        second_factor.new_device(user)
        return redirect(request.get_full_path())
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, "两步验证已启用：以后登录时，输入密码后还要输入验证器上的验证码。")
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("center:home")))
        form.add_error("code", WRONG_CODE)
    verified = user.is_verified()
    if device is None or verified:
        return render(request, "accounts/two_factor.html", {"device": device, "verified": verified})
    if device.confirmed:
        return render(request, "accounts/two_factor.html", {"form": form, "device": device})
    return _device_page(request, device, form)
