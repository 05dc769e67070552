"""Roles (GUIDE.md section 1) and what each may do: the one table of capabilities."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "社区管理员（书记/主任）"
    GRID_WORKER = "grid_worker", "网格员"
    DUTY_STAFF = "duty_staff", "值守人员"
    CLEANER = "cleaner", "保洁/消杀员"
    VOLUNTEER = "volunteer", "志愿者"
    STREET_OFFICER = "street_officer", "街道干部"


class Capability(models.TextChoices):
    VIEW_REGISTER = "view_register", "查看人口台账"
    EDIT_REGISTER = "edit_register", "编辑人口台账"
    IMPORT_REGISTER = "import_register", "导入台账"
    EXPORT_REGISTER = "export_register", "导出台账"
    REVEAL_IDENTITY = "reveal_identity", "查看完整证件号和电话"
    VIEW_AUDIT = "view_audit", "查看审计日志"
    MANAGE_STAFF = "manage_staff", "管理工作人员"


CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.GRID_WORKER: frozenset(
        {Capability.VIEW_REGISTER, Capability.EDIT_REGISTER, Capability.EXPORT_REGISTER, Capability.REVEAL_IDENTITY}
    ),
    Role.STREET_OFFICER: frozenset({Capability.VIEW_REGISTER, Capability.EXPORT_REGISTER}),
    Role.DUTY_STAFF: frozenset(),
    Role.CLEANER: frozenset(),
    Role.VOLUNTEER: frozenset(),
}
