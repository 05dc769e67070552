"""The official division list (province / city / county, GB/T 2260) and key areas with their dates."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "区县"


class Division(models.Model):
    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=50)
    level = models.PositiveSmallIntegerField("级别", choices=DivisionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return self.name

    def lineage_codes(self) -> list[str]:
        """This division's code and its ancestors' codes (county → city → province), from the code itself."""
        codes = [self.code]
        if self.level >= DivisionLevel.COUNTY:
            codes.append(self.code[:4] + "00")
        if self.level >= DivisionLevel.CITY:
            codes.append(self.code[:2] + "0000")
        return list(dict.fromkeys(codes))


class KeyAreaQuerySet(models.QuerySet):
    def overlapping(self, start: date, end: date) -> "KeyAreaQuerySet":
        """Key-area periods that touch [start, end]."""
        return self.filter(Q(end__isnull=True) | Q(end__gte=start), start__lte=end)


class KeyArea(models.Model):
    """A division declared a key area from `start` to `end` (open-ended while still in force).

    Key status of a province covers its cities and counties."""

    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="key_periods", verbose_name="地区")
    start = models.DateField("起始日期")
    end = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("依据", max_length=200, blank=True)

    objects = KeyAreaQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "重点地区"
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="keyarea_dates")
        ]

    def __str__(self) -> str:
        return f"{self.division}（{self.start}起）"


def lookback_window(on: date) -> tuple[date, date]:
    """The look-back window ending on `on` (KEY_AREA_LOOKBACK_DAYS, 14 nationally, 15 in some cities)."""
    return on - timedelta(days=settings.KEY_AREA_LOOKBACK_DAYS), on


def key_area_hits(division: Division | None, stayed_from: date, stayed_until: date) -> list[KeyArea]:
    """Key-area periods that cover `division` (or an ancestor) at any time in [stayed_from, stayed_until].

    Flags come from where a person came from or passed through, never from an ID number's address code."""
    if division is None:
        return []
    return list(
        KeyArea.objects.overlapping(stayed_from, stayed_until)
        .filter(division_id__in=division.lineage_codes())
        .select_related("division")
    )
