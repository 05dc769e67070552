import os

from django.urls import path

from alleykeeper.visitors import public, views

app_name = "visitors"
urlpatterns = [
    path("", views.gates, name="gates"),
    path("gate/<int:pk>/", views.live, name="live"),
    path("gate/<int:pk>/poster/", views.poster, name="poster"),
    path("gate/<int:pk>/export/", views.export, name="export"),
    path("registration/<int:pk>/key-person/", views.make_key_person, name="key_person"),
    path("registration/<int:pk>/enter/", views.log_entry, name="enter"),
    # Public: the gate's QR code points here (no login). The token is the gate's only public name.
    path("<str:token>/", public.register, name="register"),
    path("<str:token>/ok/<str:key>/", public.confirmed, name="confirmed"),
    path("<str:token>/counties/", public.counties, name="counties"),
]

# Benchmark baseline (bench/registration.py): never mounted unless the bench asks for it.
if os.environ.get("ALLEYKEEPER_BENCH") == "1":
    urlpatterns.insert(0, path("bench-baseline/<str:token>/", public.bench_baseline, name="bench_baseline"))
