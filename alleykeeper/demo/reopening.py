"""The demo's enterprises in 开元盛世广场 (复工复产): a handful in every state, written through the reopening
app's own actions, dated from the day the demo is loaded. (The report's 329 enterprises come later.)"""

from datetime import timedelta

from alleykeeper.core.credit_code import credit_check_char
from alleykeeper.core.identity import check_phone
from alleykeeper.reopening import actions
from alleykeeper.reopening.models import CallChannel, Sector

MALL = "开元盛世广场"
# name, floor, shop, sector, headcount, grid, how far it has come
ENTERPRISES = (
    ("盛世奶茶（开元店）", "1F", "1F-008", Sector.CATERING, 6, "第一网格", "open"),
    ("丽人美发", "2F", "2F-015", Sector.PERSONAL_SERVICE, 4, "第一网格", "approved"),
    ("开元童装", "2F", "2F-021", Sector.RETAIL, 3, "第一网格", "inspected"),
    ("泉州小吃", "B1", "B1-006", Sector.CATERING, 5, "第一网格", "under_review"),
    ("启明培训", "3F", "3F-002", Sector.EDUCATION, 12, "第一网格", "submitted"),
    ("鲤城眼镜", "1F", "1F-012", Sector.RETAIL, 2, "第一网格", "told"),
    ("阿婆烧肉粽", "B1", "B1-011", Sector.CATERING, 2, "第二网格", "closed"),
)


def _code(number: int) -> str:
    first17 = f"92350502MA2Y{number:04d}X"[:17]
    return first17 + credit_check_char(first17)


def enterprises(demo) -> str:
    admin, worker = demo.users["chenyl"], demo.users["wangcl"]
    grids = {g.name: g for g in demo.community.grids.all()}
    items = list(actions.checklist_for_all())
    for number, (name, floor, shop, sector, headcount, grid, stage) in enumerate(ENTERPRISES, start=1):
        data = {
            "name": name,
            "credit_code": "" if sector == Sector.CATERING and headcount <= 2 else _code(number),
            "no_credit_code": sector == Sector.CATERING and headcount <= 2,  # a small individual business
            "grid": grids[grid],
            "mall": MALL,
            "floor": floor,
            "shop_number": shop,
            "sector": sector,
            "contact_name": f"{name[:1]}经理",
            "headcount": headcount,
        }
        enterprise = actions.save_enterprise(admin, None, data, check_phone(f"1385990{number:04d}"))
        if stage == "closed":
            continue
        actions.record_policy_call(
            worker, enterprise, CallChannel.PHONE, "已告知复工政策和防疫要求", now=demo.now - timedelta(days=3)
        )
        if stage == "told":
            continue
        actions.issue_link(worker, enterprise, now=demo.now - timedelta(days=2))
        application = actions.submit_application(
            None,
            enterprise,
            {
                "planned_date": demo.today + timedelta(days=number % 4),
                "contact_name": data["contact_name"],
                "measures_publicity": "员工已全部告知，门口张贴防疫须知",
                "measures_entry": "员工每日测温登记，返岗人员逐一摸排",
                "measures_disinfection": "每日早晚消毒两次，登记在册",
                "measures_supervision": "店长为防疫负责人",
            },
            check_phone(f"1365990{number:04d}"),
            via_link=True,
            now=demo.now - timedelta(days=2),
        )
        if stage == "submitted":
            continue
        actions.start_review(admin, application)
        if stage == "under_review":
            continue
        of_sector = [i for i in items if i.sector in ("", sector)]
        record = actions.InspectionRecord(
            inspected_on=demo.today - timedelta(days=1),
            inspectors="黄银红（社区）、街道企业办、市场监督所、安办",
            units=["community", "enterprise_office", "market_supervision", "safety_office"],
            results=[
                actions.ItemResult(
                    item, not (stage == "inspected" and index == 0), "" if index else "未按要求落实，需整改"
                )
                for index, item in enumerate(of_sector)
            ],
        )
        actions.record_inspection(admin, enterprise, record, application)
        if stage == "inspected":
            continue
        actions.approve_application(admin, application, now=demo.now - timedelta(hours=20))
        if stage == "open":
            actions.open_enterprise(worker, enterprise, demo.today)
    return f"复工复产：{MALL} {len(ENTERPRISES)} 家企业（未告知、已告知、申请中、审核中、已核查、已批准、已复工）"
