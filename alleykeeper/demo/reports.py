"""The demo's daily reports (日报): the day before the last one signed by the party secretary, the last one
generated and waiting for her signature, as the timer and she would have left them. Called by
demo_activity.load_demo_activity, inside its transaction, after everything the reports count."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from alleykeeper.reports.actions import generate_report, sign_report
from alleykeeper.reports.figures import Window

SIGNER = "chenyl"  # 陈育玲, the community's party secretary


def daily_reports(demo) -> str:
    signer = get_user_model().objects.get(username=SIGNER)
    last = Window.last_report_day(demo.now)
    earlier = generate_report(None, demo.community, last - timedelta(days=1), now=demo.now)
    sign_report(signer, earlier, now=demo.now, decrease_reason="" if not earlier.decreases else "演示数据")
    generate_report(None, demo.community, last, now=demo.now)
    return f"日报：{earlier.day:%m-%d} 已签发，{last:%m-%d} 待签发"
