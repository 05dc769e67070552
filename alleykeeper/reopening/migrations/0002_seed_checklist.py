"""The joint inspection's checklist of the four gates, as the report describes them; editable in the admin."""

from django.db import migrations

ITEMS = [
    ("publicity", "", "员工已知晓复工防疫要求"),
    ("publicity", "", "店内（门口）张贴防疫宣传资料"),
    ("entry", "", "员工进出登记、每日测温有记录"),
    ("entry", "", "返岗人员已逐一摸排，无“四类人员”"),
    ("entry", "", "顾客入口测温、戴口罩提示"),
    ("disinfection", "", "每日消毒、通风有记录"),
    ("disinfection", "", "备有消毒用品、口罩"),
    ("disinfection", "catering", "餐具消毒，就餐间隔一米以上"),
    ("disinfection", "personal_service", "工具一客一消毒"),
    ("supervision", "", "复工申请材料如实填写，与现场一致"),
    ("supervision", "", "明确防疫负责人和联系电话"),
    ("supervision", "education", "错峰上课，控制每班人数"),
]


def seed(apps, schema_editor):
    ChecklistItem = apps.get_model("reopening", "ChecklistItem")
    for number, (gate, sector, text) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.get_or_create(gate=gate, sector=sector, text=text, defaults={"sort_number": number * 10})


def unseed(apps, schema_editor):
    ChecklistItem = apps.get_model("reopening", "ChecklistItem")
    ChecklistItem.objects.filter(text__in=[text for _, _, text in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reopening", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
