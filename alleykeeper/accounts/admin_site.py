"""The Django admin (staff accounts, roles: escalation) opens only to a session verified with a second factor,
and signs in through the site's own login (password, then code), never a login of its own."""

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from alleykeeper.accounts import second_factor


class VerifiedAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not second_factor.pending(request.user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        page = "accounts:two_factor" if request.user.is_authenticated else "accounts:login"
        return redirect(f"{reverse(page)}?{urlencode({'next': target})}")
