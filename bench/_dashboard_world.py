"""The street of bench/dashboard.py, written straight into PostgreSQL with INSERT ... SELECT generate_series.

One street of 50 communities; each community has grids of alleys of buildings of households (two people in
an average household), two screening campaigns (the last one ended a month ago, the current one started
then) with their calls and answers (and when each household and person was first screened, as
screening.actions.keep_first_screening keeps with each call), key persons found by screening and at the gates, home observation cases
opened from those key persons with their follow-up slots (twice a day, done nine times in ten) and calls
(a few with a fever, some escalated), push lists every three days (key persons matched and settled, plus
strangers), two enclosures of three gates each (one closed) with three shifts a day (a few unbooked), visitor
registrations and gate-log entries over the last 28 days (VISITOR_RETENTION_DAYS).

Everything is relative to `now` (the benchmark's moment). Rows that the apps write as things happen (calls,
answers, key persons, cases, slots, follow-ups, registrations, gate-log entries) go in in the order of their
time, as they would in production: a day's rows sit together in the table, which is what reading a day from
an index costs. Then VACUUM ANALYZE, which autovacuum does to a table that grew (statistics, and the
visibility map that lets an index answer alone). Sealed columns hold a handful of ciphertexts made once with
core.crypto (the dashboard never decrypts). `random()` after `setseed` in one session: the same size gives
the same world. Row-by-row ORM writes would take hours at --full; only the few users the test client logs in
as go through the ORM (testkit.world.make_user).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from bench._dashboard_rows import STATEMENTS

ZONE = "Asia/Shanghai"  # the community's zone, as in the data's local times (settings.TIME_ZONE is asserted)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国志文玉兰红梅海燕辉鹏飞俊宇浩晨阳思远翠琳育玲晶"
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # visitors.models.CODE_ALPHABET: codes are base-25 numbers here
KEEP_TABLES = {"django_migrations", "django_content_type", "auth_permission", "reports_reportformat"}


@dataclass(frozen=True)
class Size:
    name: str
    grids: int  # per community
    alleys: int  # per grid
    buildings: int  # per alley
    rooms: int  # households per building
    cases: int  # observation cases in the street (at most one per key person found by screening)
    registrations: int  # visitor registrations in the last 28 days, street-wide
    gate_log: int  # gate-log entries in the last 28 days, street-wide
    strangers_per_batch: int  # push-list people matching no key person, per list
    communities: int = 50

    @property
    def households(self) -> int:
        return self.communities * self.grids * self.alleys * self.buildings * self.rooms


TINY = Size("tiny", grids=2, alleys=1, buildings=1, rooms=10, cases=100, registrations=5_000, gate_log=5_000,
            strangers_per_batch=1)  # fmt: skip
QUICK = Size("quick", grids=8, alleys=5, buildings=1, rooms=10, cases=1_000, registrations=50_000,
             gate_log=50_000, strangers_per_batch=4)  # fmt: skip
FULL = Size("full", grids=8, alleys=5, buildings=10, rooms=10, cases=10_000, registrations=1_000_000,
            gate_log=1_000_000, strangers_per_batch=40)  # fmt: skip


@dataclass(frozen=True)
class Street:
    street_id: int
    community_ids: list[int]  # in id order
    admin_community_id: int  # the community whose admin the benchmark logs in as


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, ZoneInfo(ZONE))


def _pinyin(chars: str) -> list[str]:
    from alleykeeper.registry.models import pinyin_keys

    return [pinyin_keys(char)[0] for char in chars]


def _sealed() -> dict[str, list[str]]:
    """A few sealed phones and ID numbers (ciphertext, blind index, mask), reused row after row."""
    from alleykeeper.core.crypto import seal_document, seal_phone
    from testkit.world import make_id

    phones = [seal_phone(f"1385990{n:04d}") for n in range(8)]
    docs = [seal_document(make_id(born=f"19{60 + n}0312", order=f"{100 + n}")) for n in range(8)]
    return {
        "phone_enc": [s.encrypted for s in phones],
        "phone_ix": [s.index for s in phones],
        "phone_mask": [s.masked for s in phones],
        "doc_enc": [s.encrypted for s in docs],
        "doc_ix": [s.index for s in docs],
        "doc_mask": [s.masked for s in docs],
    }


def truncate_all() -> None:
    """Empty every table but those the migrations filled (a second size starts from nothing)."""
    from django.db import connection

    tables = [t for t in connection.introspection.table_names() if t not in KEEP_TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " RESTART IDENTITY CASCADE"
        )


def seed(size: Size, now: datetime, *, report=print) -> Street:
    """Write the street at `size` (the database holds no street yet) and ANALYZE it."""
    import time as clock

    from django.db import connection, transaction

    from alleykeeper.core.ordering import natural_sort_key
    from alleykeeper.gates.models import DEFAULT_SHIFT_PATTERN
    from alleykeeper.registry.models import Community
    from alleykeeper.registry.models import Street as StreetModel

    assert settings.TIME_ZONE == ZONE, "the world's local times are Asia/Shanghai"
    today = now.astimezone(ZoneInfo(ZONE)).date()
    street = StreetModel.objects.create(name="基准街道")
    Community.objects.bulk_create(
        [Community(street=street, name=f"基准第{n:02d}社区") for n in range(1, size.communities + 1)]
    )
    grid_names = [f"第{n}网格" for n in range(1, size.grids + 1)]
    open_gates_sql = "SELECT array_agg(g.id ORDER BY g.id) FROM gates_gate g WHERE g.state <> 'closed'"
    params = {
        **_sealed(),
        "now": now,
        "today": today,
        "tz": ZONE,
        "street": street.pk,
        "grid_names": grid_names,
        "grid_keys": [natural_sort_key(name) for name in grid_names],
        "alleys": size.alleys,
        "buildings": size.buildings,
        "rooms": size.rooms,
        "long_ago": now - timedelta(days=400),
        "surnames": list(SURNAMES),
        "given": list(GIVEN),
        "surname_py": _pinyin(SURNAMES),
        "given_py": _pinyin(GIVEN),
        "n_surnames": len(SURNAMES),
        "n_given": len(GIVEN),
        "last_from": _local(today - timedelta(days=60), time(8)),
        "last_until": _local(today - timedelta(days=31), time(20)),
        "current_from": _local(today - timedelta(days=30), time(8)),
        "overdue_before": now - timedelta(minutes=settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES),
        "cases": size.cases,
        "registrations": size.registrations,
        "gate_log": size.gate_log,
        "strangers": size.strangers_per_batch,
        "alphabet": CODE_ALPHABET,
        "visits_from": now - timedelta(days=28),
        "registration_step": timedelta(days=28) / size.registrations,
        "gate_log_step": timedelta(days=28) / size.gate_log,
        "shift_pattern": DEFAULT_SHIFT_PATTERN,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2020)")
        for label, sql in STATEMENTS:
            if label == "registrations":
                cursor.execute(open_gates_sql)
                params["open_gates"] = cursor.fetchone()[0]
                params["n_open_gates"] = len(params["open_gates"])
            started = clock.perf_counter()
            cursor.execute(sql, params)
            report(f"  {label}: {cursor.rowcount} rows in {clock.perf_counter() - started:.1f} s")
    started = clock.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does to a table that grew: statistics, visibility map
    report(f"  VACUUM ANALYZE in {clock.perf_counter() - started:.1f} s")
    communities = list(Community.objects.filter(street=street).order_by("pk").values_list("pk", flat=True))
    return Street(street.pk, communities, communities[0])
