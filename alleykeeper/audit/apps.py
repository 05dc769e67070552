from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "alleykeeper.audit"
    label = "audit"
    verbose_name = "审计日志"
