"""Screening. Key persons (重点人员) are what screening, the push list and visitor registration find,
and what home observation starts from."""

from django.conf import settings
from django.db import models

from alleykeeper.accounts.scope import scope_of
from alleykeeper.core.models import SealedIdentity


class KeyPersonSource(models.TextChoices):
    SCREENING = "screening", "入户/电话排查"
    PUSH_LIST = "push_list", "大数据推送"
    VISITOR = "visitor", "来访登记"
    MANUAL = "manual", "手工登记"


class KeyPersonStatus(models.TextChoices):
    NEW = "new", "待处置"
    OBSERVING = "observing", "居家观察中"
    CLEARED = "cleared", "已解除/无需观察"
    TRANSFERRED = "transferred", "已转送"


class KeyPersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> "KeyPersonQuerySet":
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.grid_ids is not None:
            return self.filter(grid_id__in=scope.grid_ids)
        return self.filter(community_id__in=scope.community_ids)


class KeyPerson(SealedIdentity):
    """A person from a key area (arrived, travelled through, or in contact), linked to the register
    where they live in it. `source` and `source_ref` say what found them (which campaign and call,
    which push-list batch, which visitor registration)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    grid = models.ForeignKey("registry.Grid", null=True, blank=True, on_delete=models.PROTECT, verbose_name="网格")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="住户"
    )
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="key_records"
    )
    name = models.CharField("姓名", max_length=50)
    origin = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.PROTECT, verbose_name="来自")
    arrival_date = models.DateField("抵达日期", null=True, blank=True)
    travel_history = models.JSONField("途经地（含日期）", default=list, blank=True)
    contact_note = models.CharField("接触史", max_length=300, blank=True)
    transport = models.CharField("交通方式与车次航班", max_length=100, blank=True)
    source = models.CharField("发现途径", max_length=20, choices=KeyPersonSource.choices)
    source_ref = models.CharField("来源记录", max_length=100, blank=True)
    on_push_list = models.BooleanField("在推送名单中", default=False)
    status = models.CharField("状态", max_length=20, choices=KeyPersonStatus.choices, default=KeyPersonStatus.NEW)
    notes = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KeyPersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "重点人员"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["grid", "status"])]

    def __str__(self) -> str:
        return self.name
