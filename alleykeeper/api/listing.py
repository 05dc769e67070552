"""The shape of every list of the API: keyset pages (core.paging.keyset_page), filtered by change time."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from alleykeeper.api.actions import record_list_read
from alleykeeper.api.errors import ERRORS
from alleykeeper.core.paging import keyset_page

T = TypeVar("T")
MAX_LIMIT = 200
MAX_ID = 2**63 - 1  # the largest id a database's bigint holds


class ListParams(Schema):
    cursor: str | None = Field(None, max_length=500, description="上一页返回的 next_cursor；不填则从第一页读起。")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，1 至 {MAX_LIMIT}。")
    updated_since: datetime | None = Field(
        None,
        description="只列出此时刻以后新增或修改的记录（同步用；带时区的 ISO 8601 时间，如 2026-02-01T08:00:00+08:00）。"
        "不支持按修改时间筛选的列表忽略此参数（见各接口说明）。",
    )


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="下一页的 cursor；null 表示已是最后一页。")
    server_time: datetime = Field(
        description="下次同步的起点：以第一页的这个时间作为 updated_since（比读取时间早 API_SYNC_OVERLAP_SECONDS，"
        "正在写入的记录也不会漏掉；个别记录会再读到一次，按 id 去重）。"
    )


def list_page(
    request: HttpRequest, queryset: QuerySet, params: ListParams, tag: str, label: str, changed: str | None = None
) -> dict:
    """One page in id order, audited as a bulk read (actions.record_list_read). `changed` names the field of the
    change time that `updated_since` filters (None: the list has none and ignores it). Rows are read in id
    order, not change order: a row changed while a client pages is found by its next sync (it changed after
    the first page's server_time)."""
    now = timezone.now()
    if changed and params.updated_since is not None:
        queryset = queryset.filter(**{f"{changed}__gte": _in_utc(params.updated_since)})
    page = keyset_page(queryset, params.cursor, params.limit, order=("pk",), tag=tag)
    record_list_read(request, tag, label, len(page.items))
    # A row is stamped when its transaction starts writing and seen when it commits (a 100,000-row import takes
    # a while): the next sync starts that much earlier, so such a row is read then, and some rows twice.
    since_next = now - timedelta(seconds=settings.API_SYNC_OVERLAP_SECONDS)
    return {"items": page.items, "next_cursor": page.next_cursor, "server_time": since_next}


def _in_utc(moment: datetime) -> datetime:
    """`updated_since` in UTC (PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows); a moment
    beyond the calendar's ends in UTC becomes that end."""
    try:
        aware = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        return aware.astimezone(UTC)
    except (OverflowError, ValueError):
        return (datetime.min if moment.year < 2 else datetime.max).replace(tzinfo=UTC)


def add_resource(
    router: Router,
    path: str,
    *,
    name: str,
    out: type[Schema],
    rows: Callable[[object], QuerySet],
    one: Callable[[object, int], Model],
    changed: str | None = None,
    label: str,
) -> None:
    """A read-only resource: GET {path} (a keyset page of `rows(user)`) and GET {path}/{id} (`one(user, id)`).
    `rows` and `one` are the pages' own scoping and access functions: a capability missing is a 403, an
    object out of scope a 404."""
    sync = f"；按 {changed} 同步（updated_since）" if changed else "；不支持 updated_since（记录少，每次全量读取）"

    @router.get(
        path,
        response={200: Page[out], **ERRORS},
        summary=f"{label}列表",
        operation_id=f"list_{name}",
        description=sync[1:],
    )
    def list_rows(request: HttpRequest, filters: Query[ListParams]) -> dict:
        return list_page(request, rows(request.user), filters, name, label, changed=changed)

    @router.get(f"{path}/{{pk}}", response={200: out, **ERRORS}, summary=f"一条{label}", operation_id=f"get_{name}")
    def get_row(request: HttpRequest, pk: int) -> Model:
        return one(request.user, pk)
