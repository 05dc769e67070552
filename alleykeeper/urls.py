from django.contrib import admin
from django.urls import include, path

from alleykeeper.api.v1 import api as api_v1

urlpatterns = [
    path("", include("alleykeeper.center.urls")),
    path("", include("alleykeeper.core.urls")),
    path("accounts/", include("alleykeeper.accounts.urls")),
    path("register/", include("alleykeeper.registry.urls")),
    path("audit/", include("alleykeeper.audit.urls")),
    path("places/", include("alleykeeper.places.urls")),
    path("screening/", include("alleykeeper.screening.urls")),
    path("pushlist/", include("alleykeeper.pushlist.urls")),
    path("observation/", include("alleykeeper.observation.urls")),
    path("gates/", include("alleykeeper.gates.urls")),
    path("map/", include("alleykeeper.maps.urls")),
    path("v/", include("alleykeeper.visitors.urls")),
    path("reports/", include("alleykeeper.reports.urls")),
    path("reopening/", include("alleykeeper.reopening.urls")),
    path("publicity/", include("alleykeeper.publicity.urls")),
    path("supplies/", include("alleykeeper.supplies.urls")),
    path("sanitation/", include("alleykeeper.sanitation.urls")),
    path("alerts/", include("alleykeeper.alerts.urls")),
    path("api/v1/", api_v1.urls),
    path("api/", include("alleykeeper.api.urls")),
    path("admin/", admin.site.urls),
]
