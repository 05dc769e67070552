"""The audit log every feature writes to. It never holds an ID number or phone in clear."""

from django.conf import settings
from django.db import models


class Purpose(models.TextChoices):
    """Why someone reads people's data in bulk or in full: a fixed list (GUIDE.md section 4)."""

    SCREENING = "screening", "疫情排查"
    FOLLOW_UP = "follow_up", "居家观察随访"
    REPORT_UPWARD = "report_upward", "向上级报送"
    SERVICE = "service", "上门服务"
    DATA_CORRECTION = "data_correction", "核对更正信息"
    EMERGENCY = "emergency", "应急处置"


ACTION_LABELS = {
    "resident.create": "新增居民",
    "resident.update": "修改居民",
    "resident.move_in": "迁入",
    "resident.move_out": "迁出",
    "household.create": "新增住户",
    "household.update": "修改住户",
    "grid.create": "新建网格",
    "grid.update": "修改网格（名称、排序）",
    "alley.lead": "设置巷长",
    "identity.reveal_doc": "查看完整证件号",
    "identity.reveal_phone": "查看完整电话",
    "register.import": "导入台账",
    "register.import_errors": "下载导入错误报告",
    "register.export": "导出台账",
    "register.seed": "生成合成数据（基准测试）",
    "account.create_admin": "创建系统管理员",
    # screening
    "campaign.create": "新建排查活动",
    "campaign.update": "修改排查活动",
    "campaign.sync_scope": "更新排查范围",
    "campaign.add_question": "添加排查问题",
    "campaign.question_active": "启用/停用排查问题",
    "screening.attempt": "记录排查联系",
    "screening.coverage_export": "导出排查覆盖情况",
    "key_person.create": "新增重点人员",
    "key_person.update": "更新重点人员",
    # visitor self-registration
    "visitor.key_person": "来访人员转为重点人员",
    "visitor.purge": "来访登记到期删除（只记数量）",
    "visitor.export": "导出来访登记",
    "gatelog.export": "导出卡口出入记录",
    "demo.load": "载入演示社区",
    "keys.rotate": "轮换加密密钥",
    "api_token.create": "创建接口令牌",
    "api_token.revoke": "撤销接口令牌",
    "api.list": "接口批量读取",
    # closed management (gates)
    "enclosure.create": "新建封闭片区",
    "enclosure.update": "修改封闭片区",
    "enclosure.set_buildings": "调整片区楼栋",
    "gate.create": "新建卡口",
    "gate.update": "修改卡口",
    "gate.rotate_token": "更换卡口二维码",
    "shift.create": "新建班次",
    "shift.delete": "删除班次",
    "shift.update": "修改班次时间",
    "shift.add_member": "排班",
    "shift.remove_member": "撤班",
    "shift.set_leader": "指定带班负责人",
    "roster.fill_week": "按模板补齐班次",
    "roster.copy_week": "复制上周排班",
    "roster.entry_create": "新增每周排班",
    "roster.entry_update": "修改每周排班",
    "roster.entry_delete": "删除每周排班",
    "roster.generate": "按每周排班生成班次",
    "roster.pause": "暂停每周排班",
    "roster.resume": "恢复每周排班",
    "shift.cancel": "取消班次",
    # push list and divisions
    "divisions.load": "导入行政区划",
    "pushlist.import": "导入推送名单",
    "pushlist.match_confirm": "确认比对结果",
    "pushlist.match_reject": "否定比对结果",
    "pushlist.outcome": "登记推送人员核查结果",
    "pushlist.export": "导出推送名单反馈表",
    "pushlist.discard": "删除未导入的推送名单",
    # enterprise reopening
    "enterprise.create": "登记企业",
    "enterprise.update": "修改企业",
    "enterprise.reveal_phone": "查看企业联系人完整电话",
    "enterprise.policy_call": "告知企业复工政策",
    "enterprise.link_issue": "发放企业填报链接",
    "enterprise.link_revoke": "作废企业填报链接",
    "enterprise.import": "导入企业名单",
    "enterprise.import_errors": "下载企业导入错误报告",
    "enterprise.export": "导出复工复产企业",
    "enterprise.reinspect": "企业复查",
    "enterprise.suspend": "暂停营业",
    "enterprise.open": "登记复工",
    "material.upload": "上传复工材料",
    "application.submit": "提交复工申请",
    "application.resubmit": "修改后重新提交复工申请",
    "application.review": "开始审核复工申请",
    "application.inspect": "现场核查",
    "application.return": "退回复工申请",
    "application.reject": "不予批准复工",
    "application.approve": "批准复工",
    "enterprise.create_many": "批量登记企业",
    "enterprise.policy_call_many": "批量告知企业复工政策",
    "slot.open": "开放错峰复工时段",
    "slot.take": "预约错峰复工时段",
    "staff.add": "登记返岗人员",
    "staff.decide_block": "处理返岗人员限制（写明理由）",
    "daily_report.submit": "企业报送健康日报",
    "daily_report.correct": "企业更正健康日报",
    # home observation
    "observation.open": "开始居家观察",
    "observation.extend": "延长居家观察",
    "observation.transfer": "转送（医院/集中隔离）",
    "observation.release": "解除居家观察",
    "observation.escalate": "发热上报",
    "observation.clear_fever": "解除发热提醒",
    "observation.reassign": "更换责任网格员",
    "observation.note": "居家观察备注",
    "observation.issue_link": "生成本人上报链接",
    "observation.followup": "随访",
    "observation.self_report": "本人上报体温",
    "observation.fever": "发热",
    "observation.key_person_status": "重点人员状态随观察变更",
    "observation.print_notice": "打印居家观察告知书",
    "observation.request": "新增配送需求",
    "observation.request_assign": "配送派单",
    "observation.request_deliver": "配送送达",
    "observation.request_confirm": "家属确认收到",
    "observation.request_not_received": "家属未收到配送",
    "observation.request_cancel": "取消配送",
    "observation.purge": "居家观察到期删除（只记数量）",
    # daily report
    "report.generate": "生成日报",
    "report.sign": "签发日报",
    "report.correct": "更正日报",
    "report.export": "导出或打印日报",
    "report_format.save": "保存日报格式（新版本）",
    # prevention map
    "map.import": "导入地图（GeoJSON）",
    "enclosure.geometry": "修改片区在地图上的范围",
    "gate.geometry": "修改卡口在地图上的位置",
    "grid.geometry": "修改网格在地图上的范围",
    "alley.geometry": "修改小巷在地图上的走向",
    "building.geometry": "修改楼栋在地图上的位置",
    # disinfection, supplies, publicity
    "sanitation.plan_create": "新建消杀计划",
    "sanitation.plan_update": "修改消杀计划",
    "sanitation.generate": "生成消杀任务",
    "sanitation.task_done": "完成消杀任务",
    "supplies.item_create": "新增物资",
    "supplies.item_update": "修改物资",
    "supplies.receive": "物资入库",
    "supplies.draw": "领用物资",
    "supplies.correct": "盘点更正库存",
    "publicity.material_save": "保存宣传材料",
    "publicity.channel_save": "保存宣传渠道",
    "publicity.distribute": "登记宣传发放",
    "publicity.withdraw": "撤销宣传发布记录",
    "publicity.sheet_open": "开始楼栋逐层张贴登记",
    "publicity.floors": "登记逐层张贴",
    # alerts
    "alerts.channel": "修改通知渠道",
    "alerts.channel_test": "发送测试消息",
    "alerts.rule": "修改提醒规则",
    "alerts.resend": "重发消息",
    "alerts.sms_on": "开启居家观察短信提醒",
    "alerts.sms_off": "关闭居家观察短信提醒",
}


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditEventQuerySet":
        """System administrators read everything; a community admin reads what staff of their communities did."""
        from alleykeeper.accounts.scope import scope_of

        scope = scope_of(user)
        if scope.everything:
            return self
        if not user.is_authenticated:
            return self.none()
        community_ids = list(scope.community_ids)
        staff_of_mine = models.Q(actor__communities__in=community_ids) | models.Q(
            actor__grids__community__in=community_ids
        )
        # An event about a community's people is that community's; events about no community (system
        # work, key rotation) are seen through who did them.
        return self.filter(
            models.Q(community_id__in=community_ids)
            | models.Q(actor=user)
            | (models.Q(community__isnull=True) & staff_of_mine)
        ).distinct()


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    # Where it happened, for scoping the log; no database constraint so that the log outlives what it names.
    community = models.ForeignKey(
        "registry.Community",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="社区",
    )
    action = models.CharField("操作", max_length=50, db_index=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.BigIntegerField("对象编号", null=True, blank=True)
    object_label = models.CharField("对象", max_length=200, blank=True)
    parent_type = models.CharField(max_length=50, blank=True)
    parent_id = models.BigIntegerField(null=True, blank=True)
    purpose = models.CharField("用途", max_length=30, choices=Purpose.choices, blank=True)
    reason = models.CharField("说明", max_length=300, blank=True)
    scope = models.CharField("范围", max_length=300, blank=True)
    row_count = models.IntegerField("行数", null=True, blank=True)
    client_ip = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["parent_type", "parent_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)
