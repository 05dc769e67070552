"""Bulk inserts with PostgreSQL COPY, sent by a writer thread while this thread prepares the next rows.

A large import spends as long waiting for the server (index entries, key checks) as preparing its rows
(checking, sealing, formatting). `CopySender` overlaps the two: rows are formatted here into COPY's text
format (psycopg's own adapters, no per-value work in Django), and a writer thread sends them on the
import's own connection, in its transaction, while this thread goes on. Sending is little more than
waiting, so the writer hardly needs the GIL and the server works on the other core.

The rule that keeps this safe: between `send` and `wait` the caller runs no query of its own (the
connection is the writer's). `wait` raises what the server refused, as Django's database errors.
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
    with Copy(connection.connection.cursor(), binary=False, writer=FileWriter(buffer)) as copy:
        for row in rows:
            copy.write_row(row)
    return buffer.getvalue()


def _send(raw_connection, statement: str, data: bytes) -> None:
    with raw_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


class CopySender:
    """One COPY at a time on a writer thread; use as a context manager (the thread ends with it)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def send(self, statement: str, data: bytes) -> None:
        """Start sending `data` once the previous COPY is done; returns at once."""
        self.wait()
        if not data:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="copy-writer")
        connection.ensure_connection()
        self._pending = self._pool.submit(_send, connection.connection, statement, data)

    def wait(self) -> None:
        """Until the last COPY is done; the connection is this thread's again."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            with connection.wrap_database_errors:
                pending.result()

    def __enter__(self) -> "CopySender":
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                self.wait()
        finally:
            if self._pool is not None:
                # On an error too: the thread must be done with the connection before it rolls back.
                self._pool.shutdown(wait=True, cancel_futures=True)
