"""The register: street → community → grid → alley → building → unit → household → resident."""

import functools

from django.db import models
from django.db.models import Q
from django.utils import timezone
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from alleykeeper.accounts.scope import ScopedQuerySet, scope_of
from alleykeeper.core.batch import minutes_waiting
from alleykeeper.core.identity import age_on
from alleykeeper.core.models import SealedIdentity, identity_indexes
from alleykeeper.core.ordering import natural_sort_key


class Street(models.Model):
    name = models.CharField("街道", max_length=50, unique=True)
    code = models.CharField("代码", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "街道"

    def __str__(self) -> str:
        return self.name


class CommunityQuerySet(ScopedQuerySet):
    grid_path = None  # a grid worker sees the community of their grids
    community_path = "id"


class Community(models.Model):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities", verbose_name="街道")
    name = models.CharField("社区", max_length=50)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "社区"
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="community_unique_name")]

    def __str__(self) -> str:
        return self.name


class GridQuerySet(ScopedQuerySet):
    grid_path = "id"

    def with_counts(self) -> "GridQuerySet":
        # Explicit order: Django leaves Meta.ordering out of a GROUP BY query, and PostgreSQL then answers in
        # whatever order its aggregate left (the home page listed 第一、第三、第二、第五、第六、第四网格).
        return self.annotate(
            household_count=models.Count("households", distinct=True),
            rental_count=models.Count("households", filter=Q(households__kind=HouseholdKind.RENTAL), distinct=True),
        ).order_by(*Grid._meta.ordering)


class Grid(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids", verbose_name="社区")
    name = models.CharField("网格", max_length=50)
    sort_number = models.PositiveIntegerField(
        "排序号", null=True, blank=True, help_text="小的在前；不填则按名称中的数字排（第二网格在第十网格之前）。"
    )
    # core.ordering.natural_sort_key(name), kept by registry.actions.save_grid: 第十网格 after 第二网格.
    name_key = models.CharField(max_length=700, default="", editable=False)

    # GeoJSON Polygon or MultiPolygon (WGS84), drawn on the prevention map; written only by maps.actions,
    # which checks it (maps.geometry). Null: not drawn yet.
    geometry = models.JSONField("范围", null=True, blank=True, editable=False)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "网格"
        # The community's own order everywhere grids are listed, and rows by grid (order_by("grid") or
        # "household__grid" expands to this): its sort numbers first, then the numbers in the names read
        # as numbers (name order would put 第三 before 第二), then creation. One community's grids stay
        # together for those who read several.
        ordering = [
            "community_id",
            models.F("sort_number").asc(nulls_last=True),
            "name_key",
            "id",
        ]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]

    def __str__(self) -> str:
        return self.name


class LeadKind(models.TextChoices):
    CADRE = "cadre", "干部"
    PARTY_MEMBER = "party_member", "党员"
    VOLUNTEER = "volunteer", "志愿者"


class AlleyQuerySet(ScopedQuerySet):
    grid_path = "grid_id"
    community_path = "grid__community_id"


class Alley(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="alleys", verbose_name="网格")
    name = models.CharField("小巷", max_length=50)
    # Who leads the alley's screening and closed management (巷长): a name and what they are, no phone
    # (GUIDE.md section 4); written by actions.set_alley_lead.
    lead_name = models.CharField("巷长", max_length=50, blank=True)
    lead_kind = models.CharField("巷长身份", max_length=20, choices=LeadKind.choices, blank=True)
    # GeoJSON LineString or MultiLineString (WGS84); written only by maps.actions (see Grid.geometry).
    geometry = models.JSONField("走向", null=True, blank=True, editable=False)

    objects = AlleyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "小巷"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="alley_unique_name")]

    def __str__(self) -> str:
        return self.name


class BuildingQuerySet(ScopedQuerySet):
    grid_path = "alley__grid_id"
    community_path = "alley__grid__community_id"


class Building(models.Model):
    alley = models.ForeignKey(Alley, on_delete=models.PROTECT, related_name="buildings", verbose_name="小巷")
    name = models.CharField("楼栋", max_length=50, help_text="如：3号楼、12号")
    # The one place of a building's position: a GeoJSON Point or Polygon (WGS84), which replaced the old
    # latitude/longitude pair (migration 0012). Written only by maps.actions (see Grid.geometry).
    geometry = models.JSONField("位置", null=True, blank=True, editable=False)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "楼栋"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["alley", "name"], name="building_unique_name")]

    def __str__(self) -> str:
        return f"{self.alley.name}{self.name}"

    def place_order(self) -> tuple:
        """Where the building sorts among others in lists built in Python (the pages' dropdowns): by grid in
        the community's order (Grid.Meta.ordering), then alley and building with the numbers in their names
        read as numbers (2号楼 before 10号楼, which the database's text order reverses). Needs alley and grid
        loaded (select_related("alley__grid"))."""
        grid = self.alley.grid
        grid_order = (grid.community_id, grid.sort_number is None, grid.sort_number or 0, grid.name_key, grid.pk)
        return (*grid_order, natural_sort_key(self.alley.name), natural_sort_key(self.name), self.pk)


class Unit(models.Model):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name="楼栋")
    name = models.CharField("单元", max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "单元"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class HouseholdKind(models.TextChoices):
    OWNER = "owner", "自住"
    RENTAL = "rental", "出租"
    VACANT = "vacant", "空置"
    SHOP = "shop", "商铺"


class HouseholdQuerySet(ScopedQuerySet):
    def registered_before(self, moment) -> "HouseholdQuerySet":
        """In the register at `moment` (added before it): the households a report counted then."""
        return self.filter(created_at__lt=moment)


class Household(models.Model):
    """One dwelling and the people in it. `grid` and `community` repeat the building's, for scoping
    without joins; `actions.move_household` is the one place that changes them."""

    sealed_fields = ("landlord_phone_enc",)  # see core.models.SealedIdentity

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households", verbose_name="楼栋")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, verbose_name="单元", db_index=False
    )  # indexed where set (Meta): most households of a lane have no unit
    room = models.CharField("门牌/房号", max_length=20)
    # The building's grid and community, repeated for scoping without joins: no index of their own (the
    # (grid, building, room) and (community, kind) indexes start with them) and no database-level key
    # check (a check per household would cost an import as much as the rest of its row). The building's
    # keys tie it to its alley, grid and community; registry.actions keeps the household's copies equal
    # to the building's, and Django refuses to delete a grid or community that has households (PROTECT).
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name="网格",
        db_index=False,
        db_constraint=False,
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name="社区",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField("类型", max_length=10, choices=HouseholdKind.choices, default=HouseholdKind.OWNER)
    enclosure = models.ForeignKey(
        "gates.Enclosure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name="封闭片区",
        db_index=False,  # indexed where set (Meta): most households are in no enclosure
    )
    landlord_name = models.CharField("房东姓名", max_length=50, blank=True)
    landlord_phone_enc = models.TextField(blank=True, editable=False)
    landlord_phone_masked = models.CharField("房东电话", max_length=20, blank=True, editable=False)
    tenancy_start = models.DateField("租期开始", null=True, blank=True)
    tenancy_end = models.DateField("租期结束", null=True, blank=True)
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "住户"
        ordering = ["building_id", "unit_id", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], condition=Q(unit__isnull=False), name="household_unique_address"
            ),
            models.UniqueConstraint(
                fields=["building", "room"], condition=Q(unit__isnull=True), name="household_unique_address_no_unit"
            ),
            models.CheckConstraint(
                condition=Q(tenancy_end__isnull=True)
                | Q(tenancy_start__isnull=True)
                | Q(tenancy_end__gte=models.F("tenancy_start")),
                name="household_tenancy_order",
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "building", "room"]),
            models.Index(fields=["community", "kind"]),
            # Address search by prefix (门牌 302, 房东 林): pattern_ops so PostgreSQL can use them for LIKE
            # 'x%' whatever the collation, together with the building index in one bitmap (registry.search).
            models.Index(fields=["room"], name="household_room_pattern", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["landlord_name"],
                name="household_landlord_pattern",
                opclasses=["varchar_pattern_ops"],
                condition=~Q(landlord_name=""),  # only rentals have one; registry.search asks the same
            ),
            models.Index(fields=["unit"], name="household_unit", condition=Q(unit__isnull=False)),
            models.Index(fields=["enclosure"], name="household_enclosure", condition=Q(enclosure__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        unit = f"{self.unit.name}" if self.unit_id else ""
        return f"{self.building}{unit}{self.room}"


class RelationToHead(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙辈"
    SIBLING = "sibling", "兄弟姐妹"
    TENANT = "tenant", "租客"
    OTHER = "other", "其他"


class ResidenceStatus(models.TextChoices):
    LIVING = "living", "常住"
    TEMPORARY = "temporary", "暂住"
    AWAY = "away", "外出"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class ResidentQuerySet(ScopedQuerySet):
    grid_path = "household__grid_id"
    community_path = "household__community_id"


@functools.lru_cache(maxsize=20_000)
def _char_pinyin(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, errors="ignore"))


def _syllables(name: str) -> list[str]:
    """What lazy_pinyin(name) gives, without its cost (~50 µs a name): when no part of the name is a phrase
    of pypinyin's dictionary, pypinyin reads it character by character (each character's default reading),
    so the characters can be looked up alone, once per process. Names with a phrase in them go to pypinyin."""
    length = len(name)
    if any(name[i:j] in PHRASES_DICT for i in range(length) for j in range(i + 2, length + 1)):
        return lazy_pinyin(name, errors="ignore")
    return [syllable for char in name for syllable in _char_pinyin(char)]


@functools.lru_cache(maxsize=50_000)  # names repeat; an import asks for every row's
def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, lower case without tones: 王翠琳 → wangcuilin, wcl.
    The initials are the first letters of the syllables (what pypinyin's FIRST_LETTER style gives)."""
    syllables = _syllables(name)
    full = "".join(syllables).lower()
    initials = "".join(syllable[0] for syllable in syllables if syllable).lower()
    return full[:100], initials[:20]


class Resident(SealedIdentity):
    """A person in the register; document and phone are sealed (see core.models.SealedIdentity)."""

    # No index of its own: the (household, relation) index below starts with it. Every index is written
    # for every row an import COPYs.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name="住户", db_index=False
    )
    name = models.CharField("姓名", max_length=50)
    # Searched by prefix only (registry.search), through the pattern_ops indexes in Meta.
    name_pinyin = models.CharField(max_length=100, editable=False)
    name_initials = models.CharField(max_length=20, editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    relation = models.CharField(
        "与户主关系", max_length=12, choices=RelationToHead.choices, default=RelationToHead.HEAD
    )
    status = models.CharField(
        "居住状态", max_length=10, choices=ResidenceStatus.choices, default=ResidenceStatus.LIVING
    )
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResidentQuerySet.as_manager()

    @property
    def age(self) -> int | None:
        """Shown instead of the birth date beside the masked ID number (core.identity.age_on says why)."""
        return age_on(self.birth_date, timezone.localdate()) if self.birth_date else None

    class Meta:
        verbose_name = verbose_name_plural = "居民"
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["household", "relation"]),
            # Name-prefix search (LIKE '王翠%') ordered by name in byte order: PostgreSQL can bound and
            # order a pattern_ops index whatever the database collation (see registry.search). Other
            # databases ignore the operator class.
            models.Index(fields=["name"], name="resident_name_pattern", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_pinyin"], name="resident_pinyin_pattern", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_initials"], name="resident_initials_pattern", opclasses=["varchar_pattern_ops"]),
            # The document number needs none: resident_unique_document below indexes every non-blank one
            # (queries for many numbers at once add doc_number_index != '' so that it can be used).
            *identity_indexes(document=False),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_number_index"], condition=~Q(doc_number_index=""), name="resident_unique_document"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    ANALYSING = "analysing", "正在读取文件"
    MAPPING = "mapping", "请确认各列对应的字段"
    VALIDATING = "validating", "正在逐行检查"
    WRITING = "writing", "正在写入台账"
    DONE = "done", "已导入"
    INVALID = "invalid", "有错误，未导入任何数据"
    FAILED = "failed", "无法导入"
    DISCARDED = "discarded", "已放弃"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.grid_ids is not None:
            return self.none()  # grid workers do not import
        return self.filter(community_id__in=scope.community_ids)


class ImportJob(models.Model):
    """One upload of a register spreadsheet and its progress. The file lives under PRIVATE_UPLOAD_ROOT
    only while it is needed (mapping, error report) and is deleted after the import."""

    RUNNING = (ImportStatus.QUEUED, ImportStatus.ANALYSING, ImportStatus.VALIDATING, ImportStatus.WRITING)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="import_jobs", verbose_name="社区")
    default_grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="默认网格")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="导入人"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    dry_run = models.BooleanField("仅检查", default=False)
    file_name = models.CharField("文件名", max_length=200)
    file_path = models.CharField(max_length=300, blank=True, editable=False)  # relative to PRIVATE_UPLOAD_ROOT
    file_sha256 = models.CharField(max_length=64, editable=False)
    file_size = models.PositiveBigIntegerField(default=0)
    file_kind = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    sheet = models.CharField(max_length=100, blank=True)
    header_row = models.PositiveIntegerField(null=True, blank=True)  # index: spreadsheet row - 1
    columns = models.JSONField(default=list, blank=True)  # the file's own headers
    mapping = models.JSONField(default=dict, blank=True)  # field key -> column index
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [row, column, message], the first ones
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def waiting_minutes(self) -> int:
        """Minutes queued for the task worker (0 until worth saying: core.batch.minutes_waiting)."""
        return minutes_waiting(self.updated_at) if self.status == ImportStatus.QUEUED else 0
