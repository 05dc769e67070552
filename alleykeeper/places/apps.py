from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "alleykeeper.places"
    label = "places"
    verbose_name = "行政区划与重点地区"
