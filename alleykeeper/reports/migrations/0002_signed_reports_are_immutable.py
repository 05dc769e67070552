"""A signed daily report cannot be changed or deleted, whoever asks: reports.actions refuses, the admin offers no
change or delete, and these triggers refuse in the database itself: any UPDATE of a signed row (SQLite and
PostgreSQL) and any DELETE of one (PostgreSQL). SQLite gets no DELETE trigger: Django empties tables there with
DELETE (the `flush` command, tests that reset the database), which such a trigger would stop; PostgreSQL
empties them with TRUNCATE, which row triggers do not see. A correction is a new row (a new version)."""

from django.db import migrations

MESSAGE = "a signed daily report cannot be changed or deleted: make a correction (a new version)"

SQLITE = [
    f"""CREATE TRIGGER reports_dailyreport_signed_no_update BEFORE UPDATE ON reports_dailyreport
    FOR EACH ROW WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS reports_dailyreport_signed_no_update;",
]
POSTGRES = [
    f"""CREATE FUNCTION reports_dailyreport_signed_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.signed_at IS NOT NULL THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$;""",
    """CREATE TRIGGER reports_dailyreport_signed_immutable BEFORE UPDATE OR DELETE ON reports_dailyreport
    FOR EACH ROW EXECUTE FUNCTION reports_dailyreport_signed_immutable();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS reports_dailyreport_signed_immutable ON reports_dailyreport;",
    "DROP FUNCTION IF EXISTS reports_dailyreport_signed_immutable();",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_daily_reports")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}), _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})
        )
    ]
