"""Bulk inserts with PostgreSQL COPY, sent by a writer thread while this thread prepares the next rows.

A large import spends as long waiting for the server (index entries, key checks) as preparing its rows
(checking, sealing, formatting). `CopySender` overlaps the two: rows are formatted here into COPY's text
format (psycopg's own adapters, no per-value work in Django), and a writer thread sends them on the
import's own connection, in its transaction, while this thread goes on. Sending is little more than
waiting, so the writer hardly needs the GIL and the server works on the other core.

The rule that keeps this safe: between `send` and `wait` the caller runs no query of its own (the
connection is the writer's). `wait` raises what the server refused, as Django's database errors.
Formatting here reads only the connection's settings (its encoding), which nothing changes during an
import. PostgreSQL only: callers use bulk_create elsewhere.
"""

import io
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, models
from psycopg import Copy
from psycopg.copy import FileWriter


def copy_statement(model: type[models.Model], columns: Iterable[str]) -> str:
    """COPY ... FROM STDIN for these attribute names of `model` (household_id, not household)."""
    meta = model._meta
    names = ", ".join(connection.ops.quote_name(meta.get_field(c).column) for c in columns)
    return f"COPY {connection.ops.quote_name(meta.db_table)} ({names}) FROM STDIN"


def copy_data(rows: Iterable[tuple]) -> bytes:
    """Rows of plain values (str, int, date, datetime, None) in COPY's text format."""
    buffer = io.BytesIO()
    connection.ensure_connection()
    with connection.wrap_database_errors:  # a value psycopg cannot send is Django's DataError, as elsewhere
        with Copy(connection.connection.cursor(), binary=False, writer=FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
    return buffer.getvalue()


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys taken from the table's sequence now, for rows COPY'd later with their ids: the
    rows that refer to them can then be formatted before those rows are in, with no read-back."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        # One row holding an array: 100,000 one-value rows cost more to receive than the numbers themselves.
        # The sequence is named once (MATERIALIZED): pg_get_serial_sequence looked up for every nextval took
        # 0.4 s of the 0.46 s for 100,000 ids.
        cursor.execute(
            "WITH seq AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS name) "
            "SELECT array(SELECT nextval(seq.name) FROM seq, generate_series(1, %s))",
            [meta.db_table, meta.pk.column, count],
        )
        return cursor.fetchone()[0]


def _send(raw_connection, statements: tuple[tuple[str, bytes], ...]) -> None:
    with raw_connection.cursor() as cursor:
        for statement, data in statements:
            with cursor.copy(statement) as copy:
                copy.write(data)


class CopySender:
    """COPYs sent on a writer thread, in order; use as a context manager. Inside it the key checks run with
    each COPY (SET CONSTRAINTS ALL IMMEDIATE) rather than all at commit, where Python could only wait;
    the same checks, in the same all-or-nothing transaction. The thread starts at the first send (a caller
    that forks worker processes first never forks a thread)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def send(self, *statements: tuple[str, bytes]) -> None:
        """Start sending these (statement, data) once the previous ones are done; returns at once."""
        self.wait()
        statements = tuple((statement, data) for statement, data in statements if data)
        if not statements:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="copy-writer")
        connection.ensure_connection()
        self._pending = self._pool.submit(_send, connection.connection, statements)

    def wait(self) -> None:
        """Until the last COPY is done; the connection is this thread's again."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            with connection.wrap_database_errors:
                pending.result()

    def start(self) -> "CopySender":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return self

    def finish(self) -> None:
        """Wait for the last COPY; the key checks are deferred to the commit again (Django's own mode)."""
        try:
            self.wait()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Let the thread end, on an error too: it must be done with the connection before a rollback."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "CopySender":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.finish()
        else:
            self.abandon()
