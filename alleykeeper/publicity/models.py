"""Publicity (宣传): materials, the channels they go out on, each distribution, and the posting of a material
floor by floor in a building (逐层逐栋张贴).

A material belongs to one community and runs from `start_date` to `end_date` (open-ended while current). A
channel is one of the community's WeChat groups (party members', group leaders', a building's, a grid's), its
official account, Moments, a notice board at a place or a loudspeaker round along an alley. A distribution is
one sending or posting: what, where (a channel, or a building or alley without one), when, by whom and how
many it reached. A posting sheet is the checklist of one material in one building: its floors, and for each
floor posted who ticked it and when.

The register has no floors (registry.Building is a name and a position), so a sheet carries the building's
number of floors, taken from the building's last sheet when one exists; a floor above it does not exist.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from alleykeeper.accounts.scope import ScopedQuerySet
from alleykeeper.registry.models import Alley, Building, Community, Grid

MAX_FLOORS = 60


class MaterialKind(models.TextChoices):
    POSTER = "poster", "海报"
    BANNER = "banner", "横幅标语"
    NOTICE = "notice", "通知/告知书"
    VIDEO = "video", "短视频"
    COMMITMENT = "commitment", "居民承诺活动"


class MaterialQuerySet(ScopedQuerySet):
    grid_path = None  # community-wide: a grid worker sees their community's materials

    def current_on(self, day) -> "MaterialQuerySet":
        """Materials in use on `day` (a date, or a date expression for the figures' windows)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class Material(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="publicity_materials", verbose_name="社区"
    )
    kind = models.CharField("类型", max_length=12, choices=MaterialKind.choices)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("内容简介", max_length=2000, blank=True)
    # Short videos are not uploaded (core.uploads takes PDF, JPEG and PNG only): their address is kept.
    link = models.URLField("视频或文章链接", max_length=500, blank=True)
    start_date = models.DateField("开始使用")
    end_date = models.DateField("停止使用", null=True, blank=True, help_text="不填表示仍在使用。")
    # The attached file (core.uploads): a poster's picture or a notice's PDF, stored privately.
    file_name = models.CharField("原文件名", max_length=200, blank=True)
    file_stored_name = models.CharField(max_length=40, blank=True, editable=False)
    file_kind = models.CharField(max_length=5, blank=True, editable=False)
    file_size = models.PositiveIntegerField(null=True, blank=True, editable=False)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "宣传材料"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="publicity_material_dates",
                violation_error_message="停止使用日期不能早于开始日期。",
            )
        ]
        indexes = [models.Index(fields=["community", "start_date"])]

    def __str__(self) -> str:
        return self.title


class ChannelKind(models.TextChoices):
    PARTY_GROUP = "party_group", "党员微信群"
    LEADERS_GROUP = "leaders_group", "组长微信群"
    BUILDING_GROUP = "building_group", "楼栋微信群"
    GRID_GROUP = "grid_group", "网格微信群"
    OFFICIAL_ACCOUNT = "official_account", "公众号"
    MOMENTS = "moments", "朋友圈"
    NOTICE_BOARD = "notice_board", "宣传栏/公告栏"
    LOUDSPEAKER = "loudspeaker", "流动喇叭"


GROUP_KINDS = (
    ChannelKind.PARTY_GROUP,
    ChannelKind.LEADERS_GROUP,
    ChannelKind.BUILDING_GROUP,
    ChannelKind.GRID_GROUP,
)


class ChannelQuerySet(ScopedQuerySet):
    grid_path = None


class Channel(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="publicity_channels", verbose_name="社区"
    )
    kind = models.CharField("类型", max_length=20, choices=ChannelKind.choices)
    name = models.CharField("名称", max_length=50, help_text="如：开元社区党员群、3号楼楼栋群、开元社区公众号")
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="楼栋"
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="网格"
    )
    alley = models.ForeignKey(
        Alley, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="小巷"
    )
    place = models.CharField("位置", max_length=100, blank=True, help_text="宣传栏所在的位置，如：开元盛世广场北门")
    members = models.PositiveIntegerField("成员/关注人数", null=True, blank=True)
    active = models.BooleanField("在用", default=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "宣传渠道"
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                name="publicity_channel_unique_name",
                violation_error_message="本社区已经有这个名称的渠道，请换一个名称。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="building_group") | Q(building__isnull=False),
                name="publicity_channel_building_group",
            ),
            models.CheckConstraint(
                condition=~Q(kind="grid_group") | Q(grid__isnull=False), name="publicity_channel_grid_group"
            ),
            models.CheckConstraint(
                condition=~Q(kind="loudspeaker") | Q(alley__isnull=False), name="publicity_channel_loudspeaker"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.kind in GROUP_KINDS


class ReachUnit(models.TextChoices):
    MEMBERS = "members", "群成员（人）"
    VIEWS = "views", "阅读/播放（次）"
    HOUSEHOLDS = "households", "户"
    PEOPLE = "people", "人"


class DistributionQuerySet(ScopedQuerySet):
    grid_path = None


class Distribution(models.Model):
    """One sending or posting of a material: on a channel, or at a building or along an alley."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="distributions", verbose_name="材料")
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="distributions", verbose_name="渠道"
    )
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="楼栋"
    )
    alley = models.ForeignKey(
        Alley, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="小巷"
    )
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="经办人",
    )
    reach = models.PositiveIntegerField("覆盖数", null=True, blank=True)
    reach_unit = models.CharField("覆盖单位", max_length=12, choices=ReachUnit.choices, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_at = models.DateTimeField("录入时间")

    objects = DistributionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "宣传发布"
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__isnull=False) | Q(building__isnull=False) | Q(alley__isnull=False),
                name="publicity_distribution_where",
            )
        ]
        indexes = [models.Index(fields=["community", "at"])]

    def __str__(self) -> str:
        return f"{self.material} · {self.where}"

    @property
    def where(self) -> str:
        if self.channel_id:
            return self.channel.name
        if self.building_id:
            return str(self.building)
        return self.alley.name if self.alley_id else ""


class SheetQuerySet(ScopedQuerySet):
    grid_path = "building__alley__grid_id"
    community_path = "building__alley__grid__community_id"


class PostingSheet(models.Model):
    """The checklist of one material in one building: which of its floors have it posted."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="sheets", verbose_name="材料")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name="楼栋")
    floors = models.PositiveSmallIntegerField("楼层数")
    created_at = models.DateTimeField()

    objects = SheetQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "逐层张贴清单"
        ordering = ["building__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["material", "building"], name="publicity_sheet_unique_building"),
            models.CheckConstraint(
                condition=Q(floors__gte=1) & Q(floors__lte=MAX_FLOORS), name="publicity_sheet_floors"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} · {self.building}"


class FloorPostingQuerySet(ScopedQuerySet):
    grid_path = "sheet__building__alley__grid_id"
    community_path = "sheet__building__alley__grid__community_id"


class FloorPosting(models.Model):
    sheet = models.ForeignKey(PostingSheet, on_delete=models.CASCADE, related_name="postings")
    floor = models.PositiveSmallIntegerField("楼层")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField("张贴时间")

    objects = FloorPostingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "楼层张贴"
        ordering = ["floor"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "floor"], name="publicity_floor_unique"),
            models.CheckConstraint(condition=Q(floor__gte=1), name="publicity_floor_positive"),
        ]
        indexes = [models.Index(fields=["posted_at"])]

    def __str__(self) -> str:
        return f"{self.sheet} · {self.floor} 层"
