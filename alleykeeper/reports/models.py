"""The daily report (日报): one per community and report day, generated from the records at the cutoff, signed
off by the community head, immutable once signed (a correction is a new version), shown to the street in each
office's format (ReportFormat: configuration, versioned, not code)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from alleykeeper.accounts.scope import ScopedQuerySet


class ReportFormatQuerySet(models.QuerySet):
    def current(self) -> "ReportFormatQuerySet":
        """The newest version of each format, in the order offices are listed."""
        newer = ReportFormat.objects.filter(slug=models.OuterRef("slug"), version__gt=models.OuterRef("version"))
        return self.exclude(models.Exists(newer)).order_by("position", "slug")


class ReportFormat(models.Model):
    """One office's form (街道防控办, 社区卫生服务中心, 派出所…): a title, the office, and a spec of sections,
    each a table of rows (label → a figure for "today" and/or one for "cumulative") or a list of records.
    Changing a format saves a new version (reports.actions.save_format); old versions stay, so every report
    can be shown in the format it was read in. The spec is checked by reports.formats.check_spec."""

    slug = models.SlugField("代码", max_length=40)
    version = models.PositiveIntegerField("版本", default=1)
    position = models.PositiveSmallIntegerField("排序", default=100)
    title = models.CharField("表名", max_length=100)
    office = models.CharField("报送单位", max_length=60)
    spec = models.JSONField("格式（JSON）")
    change_note = models.CharField("修改说明", max_length=200, blank=True)
    created_at = models.DateTimeField("保存时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReportFormatQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "日报格式"
        ordering = ["position", "slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="report_format_unique_version")]

    def __str__(self) -> str:
        return f"{self.office}：{self.title}（第 {self.version} 版）"


class DailyReportQuerySet(ScopedQuerySet):
    grid_path = None  # a community's report: grid workers read none (they have no view_reports)

    def signed(self) -> "DailyReportQuerySet":
        return self.filter(signed_at__isnull=False)

    def latest_versions(self) -> "DailyReportQuerySet":
        """The newest version of each community's report of each day."""
        newer = DailyReport.objects.filter(
            community_id=models.OuterRef("community_id"),
            day=models.OuterRef("day"),
            version__gt=models.OuterRef("version"),
        )
        return self.exclude(models.Exists(newer))

    def latest_signed(self) -> "DailyReportQuerySet":
        """The newest signed version of each community's report of each day (what the street reads)."""
        newer = DailyReport.objects.filter(
            community_id=models.OuterRef("community_id"),
            day=models.OuterRef("day"),
            version__gt=models.OuterRef("version"),
            signed_at__isnull=False,
        )
        return self.signed().exclude(models.Exists(newer))


class DailyReport(models.Model):
    """One version of a community's report of one day. `figures` holds every figure of FIGURES counted at the
    cutoff ({key: int}); the formats show some of them. Version 1 is generated after the cutoff; once signed,
    nothing of it changes (reports.actions, the admin, and a database trigger all refuse); a correction is a
    new version that names the figures that differ from the version it corrects and why."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    day = models.DateField("日期")
    version = models.PositiveSmallIntegerField("版本", default=1)
    window_start = models.DateTimeField("统计起")
    window_end = models.DateTimeField("截至")
    figures = models.JSONField("数字", default=dict)
    is_zero = models.BooleanField("零报告", default=False)
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A correction: the signed version it corrects, why, and what differs from it ([{key, label, before, after}]).
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by", verbose_name="更正的版本"
    )
    correction_reason = models.CharField("更正原因", max_length=300, blank=True)
    changes = models.JSONField("更正内容", default=list, blank=True)
    # Cumulative figures below the previous day's signed report ([{key, label, before, after}]): signing needs a
    # stated reason (累计数只能在说明更正原因后减少).
    decreases = models.JSONField("累计数减少", default=list, blank=True)
    decrease_reason = models.CharField("累计数减少的说明", max_length=300, blank=True)
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="签发人",
    )
    # Changed: auto_now, so every write path names it in update_fields (never after signing; the API syncs by it, updated_since).
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = DailyReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "日报"
        ordering = ["-day", "community_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day", "version"], name="daily_report_unique_version"),
            # One draft at a time per community and day: a timer and a button pressed together make one.
            models.UniqueConstraint(
                fields=["community", "day"], condition=Q(signed_at__isnull=True), name="daily_report_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="daily_report_signed_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""), name="daily_report_correction_reason"
            ),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="daily_report_updated")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 日报（第 {self.version} 版）"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def status_label(self) -> str:
        if self.is_signed:
            return "已签发" if self.supersedes_id is None else "已签发（更正版）"
        return "待签发" if self.supersedes_id is None else "更正待签发"


class FigureSnapshot(models.Model):
    """Today's figures of one community (since local midnight, up to `taken_at`) and of each of its grids, and
    the community's trends over the last report days (each day's figure at its cutoff), as
    counted by reports.snapshot.refresh_snapshots (`manage.py refresh_figures`, a timer every few minutes), so
    that the dashboard reads 50 communities' figures in one query instead of counting them at every view. The
    same definitions as every other figure (reports.figures.compute); the page says the time they were counted.
    One row per community, replaced at each refresh."""

    community = models.OneToOneField(
        "registry.Community", on_delete=models.CASCADE, related_name="+", verbose_name="社区"
    )
    taken_at = models.DateTimeField("统计时间")
    figures = models.JSONField("数字", default=dict)  # {key: n}: the community's
    grid_figures = models.JSONField("各网格数字", default=dict)  # {grid id: {key: n}}: per-grid figures
    trends = models.JSONField("趋势", default=dict)  # {"days": [ISO dates], "lines": {key: [n a day]}}

    class Meta:
        verbose_name = verbose_name_plural = "看板数字快照"

    def __str__(self) -> str:
        return f"看板数字（截至 {self.taken_at:%Y-%m-%d %H:%M}）"
