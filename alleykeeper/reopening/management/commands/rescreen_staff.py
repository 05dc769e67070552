"""`manage.py rescreen_staff`: run by a timer (e.g. hourly), screens returning staff again so that the stored
blocks follow the other apps (an observation finished, a key person cleared, a key area declared) and the
counts of staff blocking stay true. Approval screens its enterprise again anyway."""

from django.core.management.base import BaseCommand

from alleykeeper.reopening.staff import rescreen_recent


class Command(BaseCommand):
    help = "重新比对返岗人员（居家观察解除、重点人员解除、新增重点地区后更新限制），分批执行。"

    def handle(self, *args, **options) -> None:
        screened, blocking = rescreen_recent()
        self.stdout.write(f"screened={screened} blocking={blocking}")
