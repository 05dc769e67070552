"""Screening. Key persons (重点人员) are what screening, the push list and visitor registration find,
and what home observation starts from."""

from django.conf import settings
from django.db import models

from alleykeeper.accounts.scope import ScopedQuerySet, scope_of
from alleykeeper.core.models import SealedIdentity, identity_indexes


def division_label(division) -> str:
    """Full name from the province down (湖北省武汉市江汉区); select parent__parent to avoid queries."""
    names: list[str] = []
    while division is not None and len(names) < 3:
        names.append(division.name)
        division = division.parent
    return "".join(reversed(names))


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


class KeyPersonQuerySet(ScopedQuerySet):
    def found_between(self, start, end) -> "KeyPersonQuerySet":
        """Found (first recorded) in [start, end); `start=None` means since the beginning."""
        queryset = self.filter(created_at__lt=end)
        return queryset if start is None else queryset.filter(created_at__gte=start)

    def unresolved(self) -> "KeyPersonQuerySet":
        """Key persons not cleared: still to be dealt with, under observation, or transferred."""
        return self.exclude(status=KeyPersonStatus.CLEARED)


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
    # The screening call that found this person (source=screening): campaign and household follow from it.
    attempt = models.ForeignKey(
        "screening.Attempt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        verbose_name="发现于排查记录",
    )
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
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["grid", "status"]),
            # Found in a period, per community: the figures (new, total, found here and on no list), day by day.
            models.Index(fields=["community", "created_at"], name="keyperson_found"),
            *identity_indexes(),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def origin_label(self) -> str:
        return division_label(self.origin)


# --- Campaigns: scope, questionnaire, attempts and answers -------------------------------------------------------


class HouseholdFilter(models.TextChoices):
    ALL = "all", "全部住户"
    RENTAL = "rental", "仅出租户"
    OWNER = "owner", "仅自住户"


class CampaignQuerySet(models.QuerySet):
    def open_on(self, day) -> "CampaignQuerySet":
        """Campaigns running on the local date `day` (the same test as Campaign.is_open_on)."""
        return self.filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=day), start_date__lte=day)

    def visible_to(self, user) -> "CampaignQuerySet":
        """Community staff see their communities' campaigns; a grid worker only those that cover one of their grids."""
        scope = scope_of(user)
        if scope.everything:
            return self
        mine = self.filter(community_id__in=scope.community_ids)
        if scope.grid_ids is not None:
            covering = Campaign.grids.through.objects.filter(grid_id__in=scope.grid_ids).values("campaign_id")
            mine = mine.filter(pk__in=covering)
        return mine


class Campaign(models.Model):
    """One round of screening (排查): who is in scope and what is asked."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    name = models.CharField("名称", max_length=80)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True, help_text="留空表示未定")
    grids = models.ManyToManyField("registry.Grid", related_name="campaigns", verbose_name="网格")
    household_filter = models.CharField(
        "住户范围", max_length=10, choices=HouseholdFilter.choices, default=HouseholdFilter.ALL
    )
    notes = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    scope_synced_at = models.DateTimeField("范围更新时间", null=True, blank=True, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查活动"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="campaign_dates",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", "是/否"
    CHOICE = "choice", "单选"
    DATE = "date", "日期"
    TEXT = "text", "文字"
    NUMBER = "number", "数字"
    DIVISION = "division", "地区（省/市/区县）"


class QuestionRole(models.TextChoices):
    """What a built-in question feeds into the key-person record; custom questions have none."""

    CUSTOM = "", "自定义"
    ARRIVED = "arrived", "来鲤"
    TRAVEL = "travel", "出行史"
    CONTACT = "contact", "接触史"
    ARRIVAL_DATE = "arrival_date", "抵达日期"
    ORIGIN = "origin", "从哪里来"
    TRANSPORT = "transport", "交通方式"


class Question(models.Model):
    """One question of a campaign's questionnaire, asked of each person.

    `key_answers` lists the answers that point to a key area ("yes" for a yes/no question, option texts
    for a choice). A division answer points to a key area when places.KeyArea says so for its dates."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("顺序", default=100)
    text = models.CharField("问题", max_length=120)
    kind = models.CharField("类型", max_length=10, choices=QuestionKind.choices)
    role = models.CharField(max_length=20, choices=QuestionRole.choices, blank=True, default=QuestionRole.CUSTOM)
    options = models.JSONField("选项", default=list, blank=True)
    key_answers = models.JSONField("指向重点地区的答案", default=list, blank=True)
    required = models.BooleanField("必答", default=False)
    min_value = models.DecimalField("最小值", max_digits=10, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField("最大值", max_digits=10, decimal_places=2, null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "排查问题"
        ordering = ["campaign_id", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        """The question without its question mark, for "question：answer" lines."""
        return self.text.rstrip("？?")

    def points_to_key_area(self, value: str) -> bool:
        """For yes/no and choice answers; division answers are judged against KeyArea dates (see findings)."""
        return bool(value) and value in self.key_answers


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    DOOR = "door", "上门"


class Outcome(models.TextChoices):
    REACHED = "reached", "已接通/已见面"
    NO_ANSWER = "no_answer", "无人接听/无人应门"
    REFUSED = "refused", "拒绝配合"
    VACANT = "vacant", "空置无人住"
    WRONG_NUMBER = "wrong_number", "号码错误"


# Outcomes after which we know the household's state (someone answered, or nobody lives there).
REACHED_OUTCOMES = frozenset({Outcome.REACHED, Outcome.VACANT})


class HouseholdStatus(models.TextChoices):
    PENDING = "pending", "待排查"
    REVISIT = "revisit", "待回访"
    COVERED = "covered", "已完成"


class CampaignHouseholdQuerySet(ScopedQuerySet):
    grid_path = "grid_id"
    community_path = "campaign__community_id"


class CampaignHousehold(models.Model):
    """A household in a campaign's scope and where its screening stands. Written only by
    screening.actions (scope sync and record_attempt) so that lists read stored states."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="households")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="campaign_states")
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, related_name="+")
    sort_key = models.CharField(max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.PENDING)
    attempt_count = models.PositiveIntegerField("联系次数", default=0)
    reached = models.BooleanField("曾联系上", default=False)
    last_attempt = models.ForeignKey("Attempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_attempt_at = models.DateTimeField("最近联系", null=True, blank=True)
    last_outcome = models.CharField("最近结果", max_length=20, choices=Outcome.choices, blank=True)
    resident_count = models.PositiveIntegerField("人数", default=0)
    accounted_count = models.PositiveIntegerField("已问人数", default=0)
    covered_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = CampaignHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查住户"
        ordering = ["campaign_id", "sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="campaign_household_unique"),
        ]
        indexes = [models.Index(fields=["campaign", "grid", "status", "sort_key"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.household_id}"


class AttemptQuerySet(ScopedQuerySet):
    grid_path = "household__grid_id"
    community_path = "campaign__community_id"

    def between(self, start, end) -> "AttemptQuerySet":
        """Made in [start, end); `start=None` means since the beginning."""
        queryset = self.filter(at__lt=end)
        return queryset if start is None else queryset.filter(at__gte=start)

    def reached(self) -> "AttemptQuerySet":
        """Calls and visits after which the household's state is known (someone answered, or it is
        vacant): what "a household screened" means in every figure."""
        return self.filter(outcome__in=REACHED_OUTCOMES)


class Attempt(models.Model):
    """One call or door visit to a household in a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="attempts")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="attempts")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="网格员"
    )
    at = models.DateTimeField("时间", db_index=True)
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    note = models.CharField("备注", max_length=500, blank=True)
    # A token from the form: a double tap on a slow network records one attempt, not two.
    client_token = models.CharField(max_length=40, blank=True, editable=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "household"]),
            models.Index(fields=["campaign", "at", "worker"]),
            # The calls that screened a household (reached(): answered or vacant) by campaign and time, with the
            # household: the figures of households screened (a day, a campaign so far) from the index alone.
            models.Index(
                fields=["campaign", "at"],
                include=["household"],
                condition=models.Q(outcome__in=sorted(REACHED_OUTCOMES)),
                name="attempt_screened",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "client_token"], condition=~models.Q(client_token=""), name="attempt_once"
            )
        ]

    def __str__(self) -> str:
        return f"排查记录 #{self.pk}"


class AnswerQuerySet(ScopedQuerySet):
    grid_path = "attempt__household__grid_id"
    community_path = "attempt__campaign__community_id"

    def given_between(self, start, end) -> "AnswerQuerySet":
        """Answers of calls and visits made in [start, end) (`start=None`: since the beginning): a person
        who answered is "a person screened"."""
        queryset = self.filter(attempt__at__lt=end)
        return queryset if start is None else queryset.filter(attempt__at__gte=start)


class Answer(models.Model):
    """One person's answer to one question in one attempt. `person_name` keeps the answer readable
    even if the resident later leaves the register."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="screening_answers"
    )
    person_name = models.CharField("姓名", max_length=50)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField("回答", max_length=200)
    points_to_key_area = models.BooleanField("涉重点地区", default=False)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查回答"
        ordering = ["attempt_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "resident", "question"], name="answer_once_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name}: {self.value}"


# --- When a household and a person were first screened in a campaign ---------------------------------------------


class FirstScreening(models.Model):
    """When something was first screened in a campaign: "screened in the campaign" at a moment is `at < moment`,
    exact for any earlier cutoff too. Kept by screening.actions.keep_first_screening, which record_attempt
    calls with every attempt (the earliest time stays); the figures of the running campaign count these rows,
    one per household or person, instead of every call and answer."""

    # No index of its own: the unique (campaign, …) constraint starts with it.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField("首次排查时间")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.campaign_id}@{self.at:%Y-%m-%d %H:%M}"


class ScreenedHousehold(FirstScreening):
    """A household's first call or visit in a campaign that reached someone or found it vacant (REACHED_OUTCOMES)."""

    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "住户首次排查"
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="screened_household_once")]
        indexes = [models.Index(fields=["campaign", "at"], include=["household"], name="screened_household_at")]


class ScreenedPerson(FirstScreening):
    """A resident's first answer in a campaign (the time of the call or visit it was given in). Goes with the
    resident: an answer of a resident removed from the register names nobody, and counts for nobody."""

    resident = models.ForeignKey("registry.Resident", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "居民首次排查"
        constraints = [models.UniqueConstraint(fields=["campaign", "resident"], name="screened_person_once")]
        indexes = [models.Index(fields=["campaign", "at"], include=["resident"], name="screened_person_at")]
