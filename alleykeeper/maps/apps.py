from django.apps import AppConfig


class MapsConfig(AppConfig):
    """The prevention map (防疫地图): enclosures, gates, grids, alleys and buildings drawn from stored GeoJSON,
    with the duty on each gate, who leads each grid and alley, and observation counts per building."""

    name = "alleykeeper.maps"
    label = "maps"
    verbose_name = "防疫地图"
