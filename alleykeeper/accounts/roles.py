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
    MANAGE_GRIDS = "manage_grids", "管理网格（名称、排序）"
    MANAGE_KEY_AREAS = "manage_key_areas", "维护重点地区"
    SCREEN = "screen", "开展排查"
    MANAGE_CAMPAIGNS = "manage_campaigns", "管理排查活动"
    RECONCILE_PUSH_LIST = "reconcile_push_list", "导入与比对推送名单"
    VIEW_KEY_PERSONS = "view_key_persons", "查看重点人员"
    FOLLOW_UP = "follow_up", "居家观察随访"
    MANAGE_OBSERVATION = "manage_observation", "管理居家观察（开案、升级、解除）"
    DELIVER = "deliver", "上门配送"
    GATE_DUTY = "gate_duty", "卡口值守（登记出入、查看来访）"
    MANAGE_GATES = "manage_gates", "管理片区、卡口和排班"
    VIEW_REPORTS = "view_reports", "查看日报和各项数据背后的名单"
    SIGN_REPORTS = "sign_reports", "生成、签发和更正日报"
    VIEW_REOPENING = "view_reopening", "查看复工复产"
    MANAGE_REOPENING = "manage_reopening", "登记企业、告知政策、发放填报链接、录入复工申请"
    REVIEW_REOPENING = "review_reopening", "审核复工申请、现场核查、退回"
    APPROVE_REOPENING = "approve_reopening", "批准、不予批准复工，暂停营业"
    VIEW_MAP = "view_map", "查看防疫地图"
    VIEW_PUBLICITY = "view_publicity", "查看宣传材料、渠道和覆盖情况"
    MANAGE_PUBLICITY = "manage_publicity", "登记宣传材料、渠道和发布"
    POST_PUBLICITY = "post_publicity", "逐层张贴宣传材料并打勾"
    MANAGE_SUPPLIES = "manage_supplies", "管理物资（建档、入库、发放、盘点更正）"
    MANAGE_SANITATION = "manage_sanitation", "管理消杀计划、查看消杀记录"
    DISINFECT = "disinfect", "开展消杀（完成消杀任务、领用消杀物资、查看库存）"


CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.GRID_WORKER: frozenset(
        {
            Capability.VIEW_REGISTER,
            Capability.EDIT_REGISTER,
            Capability.EXPORT_REGISTER,
            Capability.REVEAL_IDENTITY,
            Capability.SCREEN,
            Capability.VIEW_KEY_PERSONS,
            Capability.RECONCILE_PUSH_LIST,
            Capability.FOLLOW_UP,
            Capability.DELIVER,
            Capability.GATE_DUTY,
            Capability.VIEW_REOPENING,
            Capability.MANAGE_REOPENING,
            Capability.VIEW_MAP,
            Capability.VIEW_PUBLICITY,
            Capability.MANAGE_PUBLICITY,
            Capability.POST_PUBLICITY,
        }
    ),
    Role.STREET_OFFICER: frozenset(
        {
            Capability.VIEW_REGISTER,
            Capability.EXPORT_REGISTER,
            Capability.VIEW_KEY_PERSONS,
            Capability.VIEW_REPORTS,
            Capability.VIEW_REOPENING,
            Capability.VIEW_MAP,
            Capability.VIEW_PUBLICITY,
        }
    ),
    Role.DUTY_STAFF: frozenset({Capability.GATE_DUTY, Capability.VIEW_MAP}),
    Role.CLEANER: frozenset({Capability.DISINFECT}),
    Role.VOLUNTEER: frozenset(
        {
            Capability.DELIVER,
            Capability.GATE_DUTY,
            Capability.VIEW_MAP,
            Capability.VIEW_PUBLICITY,
            Capability.POST_PUBLICITY,
        }
    ),
}
