"""Visitor self-registration (来访登记): what a visitor enters on the gate's public form.

Identity data only through SealedIdentity (encrypted, blind index, masked form). Rows are purged after
VISITOR_RETENTION_DAYS by `manage.py purge_visitors`.
"""

import secrets
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone

from alleykeeper.accounts.scope import ScopedQuerySet
from alleykeeper.core.models import SealedIdentity, identity_indexes

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read aloud or typed from a phone screen at a gate is not misread.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Transport(models.TextChoices):
    TRAIN = "train", "火车/高铁"
    FLIGHT = "flight", "飞机"
    COACH = "coach", "长途客车"
    CAR = "car", "自驾/私家车"
    LOCAL = "local", "市内公交/出租/步行"
    OTHER = "other", "其他"


# Transports whose number (train or flight) is needed to trace fellow passengers.
NUMBERED_TRANSPORTS = {Transport.TRAIN: "车次", Transport.FLIGHT: "航班号"}


class RegistrationQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "gate__enclosure__community_id"

    def registered_on(self, day: date) -> "RegistrationQuerySet":
        """Registered on the local calendar day `day` (an index-friendly range, not a __date lookup)."""
        start = timezone.make_aware(datetime.combine(day, time.min))
        return self.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))

    def between(self, start: datetime | None, end: datetime) -> "RegistrationQuerySet":
        """Registered in [start, end) (`start=None`: since the beginning; rows older than
        VISITOR_RETENTION_DAYS are gone)."""
        queryset = self.filter(created_at__lt=end)
        return queryset if start is None else queryset.filter(created_at__gte=start)

    def from_key_area(self) -> "RegistrationQuerySet":
        """Arrivals whose origin or a place passed was a key area (judged once, at registration)."""
        return self.exclude(key_area_names="")


class Registration(SealedIdentity):
    gate = models.ForeignKey("gates.Gate", on_delete=models.PROTECT, related_name="registrations", verbose_name="卡口")
    # Random key hidden in the form: a double tap or a retry of the same form gives the same registration.
    submission_key = models.CharField(max_length=64, unique=True, editable=False)
    code = models.CharField("登记码", max_length=CODE_LENGTH, editable=False)
    name = models.CharField("姓名", max_length=50)
    arrival_date = models.DateField("来鲤日期")
    origin = models.ForeignKey("places.Division", on_delete=models.PROTECT, related_name="+", verbose_name="从哪里来")
    # [{"code": "420100", "name": "武汉市"}, ...]: places passed in the look-back window.
    places_passed = models.JSONField("途经地", default=list, blank=True)
    transport = models.CharField("交通方式", max_length=10, choices=Transport.choices)
    transport_number = models.CharField("车次/航班号", max_length=20, blank=True)
    reason = models.CharField("来访事由", max_length=100)
    host_address = models.CharField("被访住户地址", max_length=100)
    host_name = models.CharField("被访人", max_length=50)
    # Computed once at registration from origin and places passed (never from the ID's address code).
    key_area_names = models.CharField("重点地区", max_length=200, blank=True)
    key_person = models.ForeignKey(
        "screening.KeyPerson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "来访登记"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["gate", "created_at"]),
            models.Index(fields=["created_at"]),
            *identity_indexes(),
        ]
        constraints = [
            # The short code names a registration at its gate for as long as the row lives.
            models.UniqueConstraint(fields=["gate", "code"], name="registration_unique_code_per_gate"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def from_key_area(self) -> bool:
        return bool(self.key_area_names)

    @property
    def places_passed_names(self) -> str:
        return "、".join(place.get("name", "") for place in self.places_passed)
