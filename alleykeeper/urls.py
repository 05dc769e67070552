from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("alleykeeper.core.urls")),
    path("accounts/", include("alleykeeper.accounts.urls")),
    path("register/", include("alleykeeper.registry.urls")),
    path("audit/", include("alleykeeper.audit.urls")),
    path("admin/", admin.site.urls),
]
