"""A signed daily report cannot be changed or deleted, whoever asks: reports.actions refuses, the admin offers no
change, and these triggers refuse any UPDATE or DELETE of a signed row in the database itself (SQLite and
PostgreSQL). A correction is a new row (a new version)."""

from django.db import migrations

MESSAGE = "a signed daily report cannot be changed or deleted: make a correction (a new version)"

SQLITE = [
    f"""CREATE TRIGGER reports_dailyreport_signed_no_update BEFORE UPDATE ON reports_dailyreport
    FOR EACH ROW WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER reports_dailyreport_signed_no_delete BEFORE DELETE ON reports_dailyreport
    FOR EACH ROW WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS reports_dailyreport_signed_no_update;",
    "DROP TRIGGER IF EXISTS reports_dailyreport_signed_no_delete;",
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
