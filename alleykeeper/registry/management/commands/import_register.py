"""manage.py import_register FILE --community NAME: the page's import, from a terminal, with a progress bar."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from alleykeeper.accounts.models import User
from alleykeeper.core.tabular import TabularError
from alleykeeper.registry import import_jobs
from alleykeeper.registry.import_fields import FIELD_BY_KEY, missing_fields
from alleykeeper.registry.models import Community, Grid, ImportJob, ImportStatus


def _read_chunks(path: Path, size: int = 1024 * 1024):
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


class Command(BaseCommand):
    help = "导入社区现有的台账表格（.xlsx 或 .csv）：全部成功才写入，重复导入不会重复添加。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--community", required=True, help="社区名称或编号")
        parser.add_argument("--grid", default="", help="默认网格（文件没有网格列或某行没填时）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入台账")
        parser.add_argument("--user", default="", help="以这个账号的名义导入（审计记录和管辖范围）")
        parser.add_argument("--errors-out", type=Path, help="有错误时，把错误报告写到这个 .xlsx 文件")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        community = self._community(options["community"])
        user = User.objects.filter(username=options["user"]).first() if options["user"] else None
        if options["user"] and user is None:
            raise CommandError(f"没有账号 {options['user']}")
        grid = None
        if options["grid"]:
            grid = Grid.objects.filter(community=community, name=options["grid"]).first()
            if grid is None:
                raise CommandError(f"{community.name} 没有网格“{options['grid']}”")
        import_jobs.purge_stale()
        try:
            job = import_jobs.create_job(
                user, community, _read_chunks(path), path.name, default_grid=grid, dry_run=options["dry_run"]
            )
        except TabularError as problem:
            raise CommandError(str(problem)) from None
        table = import_jobs.analyse(job, keep_parsed=False)  # handed to execute below: no copy to keep
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.message)
        missing = missing_fields(job.mapping, has_default_grid=grid is not None)
        if missing:
            import_jobs.fail(job, f"没有认出这些必填列：{'、'.join(missing)}")
            raise CommandError(f"没有认出这些必填列：{'、'.join(missing)}。文件的表头是：{'、'.join(job.columns)}")
        self.stdout.write(
            "列对应：" + "，".join(f"{FIELD_BY_KEY[k].label}←{job.columns[i]}" for k, i in job.mapping.items())
        )
        job.status = ImportStatus.QUEUED
        job.save(update_fields=["status", "updated_at"])
        bar = tqdm(total=job.rows_total, unit="行", disable=options["no_progress"], file=self.stderr._out)
        last = 0

        def advance(done: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        import_jobs.execute(job, table=table, progress=advance)
        bar.close()
        job.refresh_from_db()
        self._report(job, options["errors_out"])

    def _community(self, text: str) -> Community:
        found = Community.objects.filter(pk=int(text)) if text.isdigit() else Community.objects.filter(name=text)
        if found.count() != 1:
            raise CommandError(f"找不到唯一的社区“{text}”（可用名称或编号）")
        return found.get()

    def _report(self, job: ImportJob, errors_out: Path | None) -> None:
        if job.status == ImportStatus.DONE:
            self.stdout.write(self.style.SUCCESS(job.message))
            return
        if job.status != ImportStatus.INVALID:
            raise CommandError(job.message)
        for row, column, message in job.errors[:50]:
            self.stdout.write(f"第 {row} 行 · {column}：{message}")
        if job.error_count > 50:
            self.stdout.write(f"……还有 {job.error_count - 50} 处错误")
        if errors_out is not None:
            report = import_jobs.error_report(job)
            errors_out.write_bytes(report.file.read())
            self.stdout.write(f"错误报告已写到 {errors_out}")
        import_jobs.delete_file(job)  # the terminal user has the file already: keep no copy
        job.save(update_fields=["file_path", "updated_at"])
        raise CommandError(job.message)
