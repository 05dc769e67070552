"""API tokens: one per program an account lets into its data, stored as a hash, scoped read or write."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from alleykeeper.audit.models import Purpose


class TokenScope(models.TextChoices):
    READ = "read", "只读（查询）"
    WRITE = "write", "读写（查询并登记随访、排查等）"


def hash_secret(secret: str) -> str:
    """SHA-256 of the secret: the secret is 32 random bytes, so a plain hash is enough (no stretching)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApiTokenQuerySet":
        """A token is its owner's business only, whatever their role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="所有人"
    )
    name = models.CharField("名称", max_length=60, help_text="用在哪个系统，例如：区健康平台同步")
    scope = models.CharField("权限", max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    # Why the system behind the token reads people's data in bulk (GUIDE 4: every bulk read has a purpose from the
    # fixed list): each list call is audited with it.
    purpose = models.CharField("用途", max_length=20, choices=Purpose.choices, default=Purpose.REPORT_UPWARD)
    # The first characters of the secret, shown in the list so that the owner can tell tokens apart.
    prefix = models.CharField(max_length=8, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", editable=False)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner"], name="apitoken_active_owner", condition=Q(revoked_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE
