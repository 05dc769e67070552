"""Shared admin behaviour: scoped lists, and 404 (not a redirect) for anything out of scope."""

from django.contrib import admin
from django.http import Http404, HttpRequest


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    """Register data is changed only through the pages (registry.actions); the admin reads it, scoped."""

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).visible_to(request.user)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
