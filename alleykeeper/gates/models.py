"""Closed management: enclosures (圈拦/片区) and their temporary gates (临时出入口)."""

import secrets

from django.db import models

from alleykeeper.accounts.scope import scope_of


def new_gate_token() -> str:
    """Unguessable public name of a gate, printed in its QR code (GUIDE.md section 4)."""
    return secrets.token_urlsafe(18)


class ScopedByCommunity(models.QuerySet):
    community_path = "community_id"

    def visible_to(self, user) -> "ScopedByCommunity":
        scope = scope_of(user)
        if scope.everything:
            return self
        return self.filter(**{f"{self.community_path}__in": scope.community_ids})


class Enclosure(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="enclosures")
    name = models.CharField("片区", max_length=50)
    notes = models.TextField("说明", blank=True)

    objects = ScopedByCommunity.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "封闭片区"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="enclosure_unique_name")]

    def __str__(self) -> str:
        return self.name


class GateState(models.TextChoices):
    OPEN = "open", "开放"
    CLOSED = "closed", "关闭"
    RESIDENTS_ONLY = "residents_only", "仅限居民"


class GateQuerySet(ScopedByCommunity):
    community_path = "enclosure__community_id"


class Gate(models.Model):
    enclosure = models.ForeignKey(Enclosure, on_delete=models.PROTECT, related_name="gates", verbose_name="片区")
    name = models.CharField("卡口", max_length=50)
    location = models.CharField("位置", max_length=100, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    opens_at = models.TimeField("开放时间", null=True, blank=True)
    closes_at = models.TimeField("关闭时间", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=GateState.choices, default=GateState.OPEN)
    token = models.CharField(max_length=40, unique=True, default=new_gate_token, editable=False)
    token_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = GateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "卡口"
        ordering = ["enclosure_id", "name"]
        constraints = [models.UniqueConstraint(fields=["enclosure", "name"], name="gate_unique_name")]

    def __str__(self) -> str:
        return self.name
