from django.contrib.auth.models import AbstractUser
from django.db import models

from alleykeeper.accounts.roles import CAPABILITIES, Role
from alleykeeper.accounts.second_factor import GUARDED, session_verified


class User(AbstractUser):
    """A staff account. Scope: the streets, communities or grids assigned to it (see access.py)."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.VOLUNTEER)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    streets = models.ManyToManyField("registry.Street", blank=True, related_name="officers", verbose_name="负责街道")
    communities = models.ManyToManyField(
        "registry.Community", blank=True, related_name="staff", verbose_name="所属社区"
    )
    grids = models.ManyToManyField("registry.Grid", blank=True, related_name="workers", verbose_name="负责网格")

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.display_name or self.username

    def can(self, capability: str) -> bool:
        if not self.is_active:
            return False
        allowed = self.is_superuser or capability in CAPABILITIES.get(self.role, frozenset())
        if allowed and capability in GUARDED:
            return session_verified(self)
        return allowed
