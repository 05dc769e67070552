"""The fields a register import knows: our labels, the headers communities use for them, and the words
they write for each choice. The mapping page, the import template and the row checks (registry.imports)
all read them from here."""

from collections.abc import Iterable
from dataclasses import dataclass

from alleykeeper.core.identity import DocumentType
from alleykeeper.registry.models import HouseholdKind, RelationToHead, ResidenceStatus, Sex


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str  # the template's header, and how the mapping page names the field
    synonyms: tuple[str, ...]
    required: bool = False
    max_length: int = 0


FIELDS = (
    ImportField("grid", "网格", ("网格", "所属网格", "网格名称", "网格名"), max_length=50),
    ImportField("alley", "小巷", ("小巷", "街巷", "巷", "巷道", "街路巷", "路巷", "街巷名称", "小巷名称"), True, 50),
    ImportField("building", "楼栋", ("楼栋", "楼号", "栋", "幢", "楼栋号", "楼幢", "楼幢号", "栋号"), True, 50),
    ImportField("unit", "单元", ("单元", "单元号"), max_length=20),
    ImportField("room", "房号", ("房号", "门牌号", "门牌", "房间号", "室", "户号", "门牌房号", "房屋号"), True, 20),
    ImportField("kind", "户类型", ("户类型", "住户类型", "房屋类型", "是否出租", "房屋性质", "房屋用途", "出租情况")),
    ImportField(
        "landlord_name",
        "房东姓名",
        ("房东姓名", "房东", "房主", "房主姓名", "业主", "业主姓名", "出租人"),
        max_length=50,
    ),
    ImportField(
        "landlord_phone", "房东电话", ("房东电话", "房东联系电话", "房东手机", "房主电话", "业主电话", "出租人电话")
    ),
    ImportField("tenancy", "租期", ("租期", "租赁期限", "租期起止", "租赁期")),
    ImportField(
        "tenancy_start", "租期开始", ("租期开始", "租赁开始", "起租日期", "租期起", "租赁起始日期", "租期开始日期")
    ),
    ImportField(
        "tenancy_end", "租期结束", ("租期结束", "租赁结束", "到期日期", "租期止", "租赁截止日期", "租期结束日期")
    ),
    ImportField("name", "姓名", ("姓名", "名字", "居民姓名", "人员姓名"), True, 50),
    ImportField("doc_type", "证件类型", ("证件类型", "证件种类")),
    ImportField(
        "doc_number",
        "身份证号",
        ("身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "身份证", "居民身份证号码", "证件编号"),
    ),
    ImportField("phone", "联系电话", ("联系电话", "手机号", "手机号码", "电话", "手机", "联系方式", "电话号码")),
    ImportField("sex", "性别", ("性别",)),
    ImportField("birth_date", "出生日期", ("出生日期", "出生年月日", "生日")),
    ImportField("relation", "与户主关系", ("与户主关系", "关系", "家庭关系", "户主关系", "与户主的关系")),
    ImportField("status", "居住状态", ("居住状态", "人员状态", "居住情况", "在住状态", "现状")),
    ImportField("notes", "备注", ("备注", "说明")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
SYNONYMS = {f.key: (f.label, *f.synonyms) for f in FIELDS}
HOUSEHOLD_KEYS = ("kind", "landlord_name", "tenancy_start", "tenancy_end")


def _words(choices: type, extra: dict[str, Iterable[str]]) -> dict[str, str]:
    words = {str(label): value for value, label in choices.choices}
    words.update({value: value for value in choices.values})
    for value, synonyms in extra.items():
        words.update(dict.fromkeys(synonyms, value))
    return words


KIND_WORDS = _words(
    HouseholdKind,
    {
        HouseholdKind.OWNER: "自有 自用 自住房 业主自住 否 非出租 不出租".split(),
        HouseholdKind.RENTAL: "出租户 租住 出租房 租赁 是 已出租".split(),
        HouseholdKind.VACANT: "空房 闲置 无人居住 空置房".split(),
        HouseholdKind.SHOP: "店面 商户 门店 经营 店铺".split(),
    },
)
RELATION_WORDS = _words(
    RelationToHead,
    {
        RelationToHead.HEAD: "本人 户主本人".split(),
        RelationToHead.SPOUSE: "妻 妻子 夫 丈夫 夫妻".split(),
        RelationToHead.CHILD: "子 女 儿子 女儿 长子 长女 次子 次女 养子 养女 继子 继女".split(),
        RelationToHead.PARENT: "父 母 父亲 母亲 公公 婆婆 岳父 岳母".split(),
        RelationToHead.GRANDCHILD: "孙子 孙女 外孙 外孙子 外孙女".split(),
        RelationToHead.SIBLING: "兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹".split(),
        RelationToHead.TENANT: "租户 承租人 房客".split(),
        RelationToHead.OTHER: "其它 儿媳 女婿 祖父 祖母 外祖父 外祖母 亲属 保姆 侄子 侄女".split(),
    },
)
STATUS_WORDS = _words(
    ResidenceStatus,
    {
        ResidenceStatus.LIVING: "在住 居住 在家 长住 常住人口".split(),
        ResidenceStatus.TEMPORARY: "临时 流动 借住 暂住人口 流动人口".split(),
        ResidenceStatus.AWAY: "不在家 离开 在外 外地 不在本地".split(),
    },
)
SEX_WORDS = _words(Sex, {Sex.MALE: "男性 m".split(), Sex.FEMALE: ("女性", "f")})
DOC_TYPE_WORDS = _words(
    DocumentType,
    {
        DocumentType.ID_CARD: "身份证 居民身份证 身份证号 二代身份证".split(),
        DocumentType.HMT_RESIDENCE: "居住证 港澳台居住证".split(),
        DocumentType.HM_PERMIT: "回乡证 港澳通行证 港澳居民来往内地通行证".split(),
        DocumentType.TW_PERMIT: "台胞证 台湾居民来往大陆通行证".split(),
        DocumentType.FOREIGN_PR: "永居证 外国人永久居留证 外国人永久居留身份证".split(),
    },
)
CHOICE_FIELDS = {
    "kind": (KIND_WORDS, HouseholdKind),
    "relation": (RELATION_WORDS, RelationToHead),
    "status": (STATUS_WORDS, ResidenceStatus),
    "sex": (SEX_WORDS, Sex),
    "doc_type": (DOC_TYPE_WORDS, DocumentType),
}


def missing_fields(mapping: dict[str, int], *, has_default_grid: bool) -> list[str]:
    """Labels of the required fields that no column is mapped to."""
    missing = [f.label for f in FIELDS if f.required and f.key not in mapping]
    if "grid" not in mapping and not has_default_grid:
        missing.insert(0, FIELD_BY_KEY["grid"].label)
    return missing
