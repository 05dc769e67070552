"""Make a large synthetic register for benchmarks: `manage.py seed --households 200000 --seed 7`."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from alleykeeper.demo.synthetic import COMMUNITY_NAME, STREET_NAME, seed_register


class Command(BaseCommand):
    help = (
        "Create a new synthetic community (合成数据) with N households, about 2.7 residents each, ~16% rentals; "
        "IDs pass the checksum but belong to nobody. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=1000, help="how many households (default 1000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed makes the same people")
        parser.add_argument("--street", default=STREET_NAME, help=f"street name (default {STREET_NAME})")
        parser.add_argument("--community", default=COMMUNITY_NAME, help=f"community name (default {COMMUNITY_NAME})")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off (never in production)")

    def handle(self, *args, households: int, seed: int, street: str, community: str, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed 会写入大量合成数据，仅用于开发和基准测试。确需在 DEBUG 关闭时运行，请加 --force。")
        if households < 1:
            raise CommandError("--households 至少为 1。")
        started = time.perf_counter()
        show = options.get("verbosity", 1) >= 1
        with tqdm(total=households, unit="户", disable=not show, file=self.stderr._out) as bar:
            try:
                result = seed_register(
                    None,
                    households=households,
                    seed=seed,
                    street_name=street,
                    community_name=community,
                    progress=bar.update,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        if show:
            self.stdout.write(
                f"已生成 {street} / {community}：{result.grids} 个网格，{result.households} 户"
                f"（出租 {result.rentals}），{result.residents} 名居民，用时 {seconds:.1f} 秒。"
            )
