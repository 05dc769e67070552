"""The fixed facts of the demo community, modelled on the report in shared/background.

开元街道 / 开元社区 (鲤城区, 泉州): an open old-town community of lanes (巷), shop streets and two
1990s estates (城西环路南五区、南六区), 922 households of which 149 rentals, sealed off into 13
enclosures with temporary gates. The street and alley names are real places of the old town; every
person is synthetic (random names, IDs that only pass the checksum, random phones).
"""

from dataclasses import dataclass

from alleykeeper.accounts.roles import Role

STREET = "开元街道"
COMMUNITY = "开元社区"
SEED = 20200210  # the day closed management began (report); any fixed number would do


@dataclass(frozen=True)
class AlleyPlan:
    name: str
    style: str  # "lane": old houses of 1-3 floors; "street": shop street; "estate": blocks with units
    households: int  # how many households this alley holds (they add up to 922); where it lies: geography.py


@dataclass(frozen=True)
class GridPlan:
    name: str
    alleys: tuple[AlleyPlan, ...]


GRIDS = (
    GridPlan(
        "第一网格",
        (
            AlleyPlan("城北路", "street", 60),
            AlleyPlan("孝感巷", "lane", 58),
            AlleyPlan("北门街", "lane", 40),
        ),
    ),
    GridPlan(
        "第二网格",
        (
            AlleyPlan("西街", "street", 62),
            AlleyPlan("井亭巷", "lane", 45),
            AlleyPlan("象峰巷", "lane", 40),
        ),
    ),
    GridPlan(
        "第三网格",
        (
            AlleyPlan("城西环路南五区", "estate", 96),
            AlleyPlan("城西环路南六区", "estate", 72),
        ),
    ),
    GridPlan(
        "第四网格",
        (
            AlleyPlan("中山北路", "street", 55),
            AlleyPlan("县后街", "lane", 48),
            AlleyPlan("模范巷", "lane", 40),
        ),
    ),
    GridPlan(
        "第五网格",
        (
            AlleyPlan("新华北路", "street", 58),
            AlleyPlan("甲第巷", "lane", 52),
            AlleyPlan("古榕巷", "lane", 42),
        ),
    ),
    GridPlan(
        "第六网格",
        (
            AlleyPlan("裴巷", "lane", 60),
            AlleyPlan("旧馆驿", "lane", 50),
            AlleyPlan("花巷", "lane", 44),
        ),
    ),
)
# Who leads each alley's screening and closed management (巷长): cadres stationed in the community, party
# members, volunteers. Some alleys have none yet (the map lists them as such).
ALLEY_LEADS = {
    "城北路": ("庄建国", "cadre"),
    "孝感巷": ("施美玲", "party_member"),
    "北门街": ("洪文彬", "volunteer"),
    "西街": ("黄志明", "party_member"),
    "井亭巷": ("蔡秀珍", "party_member"),
    "中山北路": ("许建华", "cadre"),
    "甲第巷": ("林淑惠", "volunteer"),
    "裴巷": ("陈振家", "party_member"),
    "旧馆驿": ("郑美玲", "volunteer"),
}
TOTAL_HOUSEHOLDS = 922
RENTALS = 149
VACANT = 36


@dataclass(frozen=True)
class StaffPlan:
    username: str
    name: str
    role: str
    title: str = ""  # what the person is in the report's terms, shown in the login table
    grid: str = ""  # for grid workers: the grid they look after


STAFF = (
    StaffPlan("chenyl", "陈育玲", Role.ADMIN, "书记"),
    StaffPlan("huangyh", "黄银红", Role.ADMIN, "主任"),
    StaffPlan("wangcl", "王翠琳", Role.GRID_WORKER, grid="第一网格"),
    StaffPlan("wujj", "吴晶晶", Role.GRID_WORKER, grid="第二网格"),
    StaffPlan("linzq", "林志强", Role.GRID_WORKER, grid="第三网格"),
    StaffPlan("caisf", "蔡淑芬", Role.GRID_WORKER, grid="第四网格"),
    StaffPlan("xumh", "许明辉", Role.GRID_WORKER, grid="第五网格"),
    StaffPlan("zhenglj", "郑丽娟", Role.GRID_WORKER, grid="第六网格"),
    StaffPlan("zhuangjg", "庄建国", Role.DUTY_STAFF, "市派驻干部"),
    StaffPlan("shiml", "施美玲", Role.DUTY_STAFF, "社区党员"),
    StaffPlan("hongwb", "洪文彬", Role.DUTY_STAFF, "居民组长"),
    StaffPlan("suay", "苏阿英", Role.CLEANER),
    StaffPlan("lixd", "李晓东", Role.VOLUNTEER, "“红背心”志愿服务队"),
    StaffPlan("zhangyt", "张雅婷", Role.VOLUNTEER, "“红背心”志愿服务队"),
    StaffPlan("yangzh", "杨振华", Role.STREET_OFFICER, "挂点干部"),
)


@dataclass(frozen=True)
class GatePlan:
    name: str
    location: str
    state: str = "open"  # gates.models.GateState value
    hours: tuple[str, str] | None = None  # opening hours; None: all day


@dataclass(frozen=True)
class EnclosurePlan:
    name: str
    alleys: tuple[str, ...]
    gates: tuple[GatePlan, ...]


_DAY = ("06:00", "22:00")
ENCLOSURES = (
    EnclosurePlan(
        "城北路片区",
        ("城北路",),
        (GatePlan("城北路口", "城北路与中山北路交叉口", "open"), GatePlan("城北路西口", "城北路西段", "closed")),
    ),
    EnclosurePlan(
        "孝感巷片区",
        ("孝感巷",),
        (
            GatePlan("孝感巷口", "孝感巷与城北路交叉口", "open"),
            GatePlan("孝感巷南口", "孝感巷南端", "residents_only", _DAY),
        ),
    ),
    EnclosurePlan(
        "北门街片区",
        ("北门街",),
        (GatePlan("北门街口", "北门街东端", "residents_only", _DAY), GatePlan("北门街西口", "北门街西端", "closed")),
    ),
    EnclosurePlan(
        "西街片区",
        ("西街",),
        (
            GatePlan("西街东口", "西街与中山路交叉口", "open", _DAY),
            GatePlan("西街西口", "西街西段", "residents_only", _DAY),
        ),
    ),
    EnclosurePlan(
        "井亭巷片区",
        ("井亭巷", "象峰巷"),
        (
            GatePlan("井亭巷口", "井亭巷北口", "residents_only", _DAY),
            GatePlan("象峰巷口", "象峰巷与西街交叉口", "closed"),
        ),
    ),
    EnclosurePlan(
        "南五区片区",
        ("城西环路南五区",),
        (GatePlan("南五区东门", "城西环路南五区东门", "open", _DAY), GatePlan("南五区北门", "南五区北门", "closed")),
    ),
    EnclosurePlan(
        "南六区片区",
        ("城西环路南六区",),
        (GatePlan("南六区大门", "城西环路南六区正门", "residents_only", _DAY),),
    ),
    EnclosurePlan(
        "中山北路片区",
        ("中山北路",),
        (
            GatePlan("中山北路口", "中山北路北段", "open", _DAY),
            GatePlan("中山北路南口", "中山北路南段", "residents_only", _DAY),
        ),
    ),
    EnclosurePlan(
        "县后街片区",
        ("县后街", "模范巷"),
        (GatePlan("县后街口", "县后街东端", "residents_only", _DAY), GatePlan("模范巷口", "模范巷南口", "closed")),
    ),
    EnclosurePlan(
        "新华北路片区",
        ("新华北路",),
        (
            GatePlan("新华北路口", "新华北路与城西环路交叉口", "open", _DAY),
            GatePlan("新华北路南口", "新华北路南段", "closed"),
        ),
    ),
    EnclosurePlan(
        "甲第巷片区",
        ("甲第巷", "古榕巷"),
        (
            GatePlan("甲第巷口", "甲第巷东口", "residents_only", _DAY),
            GatePlan("古榕巷口", "古榕巷北口", "residents_only", _DAY),
        ),
    ),
    EnclosurePlan(
        "裴巷片区",
        ("裴巷",),
        (GatePlan("裴巷口", "裴巷与西街交叉口", "residents_only", _DAY), GatePlan("裴巷南口", "裴巷南端", "closed")),
    ),
    EnclosurePlan(
        "旧馆驿片区",
        ("旧馆驿", "花巷"),
        (
            GatePlan("旧馆驿口", "旧馆驿东口", "residents_only", _DAY),
            GatePlan("花巷口", "花巷与中山路交叉口", "closed"),
        ),
    ),
)

# Address codes (GB/T 2260) for synthetic IDs. Natives of the old town are mostly 鲤城区 350502;
# neighbours from the rest of 泉州; tenants from the rest of 福建 and from the provinces that send
# workers to 泉州. (An address code says where an ID was issued, never where someone travelled from.)
NATIVE_CODES = (
    ("350502", 70),
    ("350503", 8),
    ("350504", 3),
    ("350582", 5),
    ("350583", 5),
    ("350521", 5),
    ("350524", 4),
)
TENANT_CODES = (
    ("350502", 6), ("350582", 6), ("350583", 6), ("350524", 5), ("350526", 3), ("350525", 3), ("350681", 3),
    ("360302", 5), ("361002", 5), ("362329", 3),  # 江西: 萍乡、抚州、上饶
    ("511321", 5), ("510722", 3),  # 四川
    ("522121", 5), ("520402", 3),  # 贵州
    ("340823", 4), ("341221", 4),  # 安徽
    ("431002", 3), ("430524", 3),  # 湖南
    ("420102", 2), ("421127", 2),  # 湖北
    ("452402", 3), ("412726", 3),  # 广西、河南
)  # fmt: skip

# Surnames: 泉州 has many 陈、林、黄、王、吴、蔡、许、郑、洪、苏、庄、施; tenants bring the country's.
NATIVE_SURNAMES = (
    ("陈", 14), ("林", 10), ("黄", 9), ("王", 6), ("吴", 6), ("蔡", 6), ("许", 5), ("郑", 4), ("李", 4),
    ("张", 4), ("洪", 4), ("苏", 3), ("庄", 3), ("施", 3), ("杨", 2), ("刘", 2), ("曾", 2), ("谢", 2),
    ("柯", 2), ("傅", 1), ("卢", 1), ("龚", 1), ("潘", 1), ("郭", 2), ("叶", 1), ("颜", 1), ("粘", 1),
)  # fmt: skip
TENANT_SURNAMES = (
    ("王", 6), ("李", 6), ("张", 6), ("刘", 5), ("陈", 5), ("杨", 4), ("黄", 3), ("赵", 3), ("周", 3),
    ("吴", 3), ("徐", 2), ("孙", 2), ("胡", 2), ("朱", 2), ("高", 2), ("何", 2), ("罗", 2), ("邓", 2),
    ("肖", 1), ("饶", 1), ("邱", 1), ("曾", 1), ("彭", 1), ("袁", 1),
)  # fmt: skip
MALE_CHARS = "建国志明伟强华文斌军勇杰俊宏辉海涛振家荣福泉忠培坤水清德鸿永春锦辰浩宇子轩晨阳"
FEMALE_CHARS = "秀美丽玲娟芳燕霞婷雅淑惠珍丽琴红梅凤英兰萍雪静怡欣悦婉瑜诗涵梓馨"
