"""Report formats are configuration: a spec (JSON) names sections of rows (label → the figure for "today"
and/or the one for "cumulative") and lists of records. This module checks a spec and lays a report's figures
out in it; it holds no office's layout (those are in formats/*.json, loaded by a data migration and edited in
the admin as new versions).

A spec:

    {"columns": {"today": "今日", "total": "累计"},
     "sections": [{"title": "一、排查情况",
                   "rows": [{"label": "排查户数", "today": "households_screened", "total": "households_screened_total"}]},
                  {"title": "二、居家观察人员名单", "list": "observation_people"}]}
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from alleykeeper.reports.figures import FIGURES, FLOW
from alleykeeper.reports.lists import LISTS
from alleykeeper.reports.models import ReportFormat

SHIPPED = Path(__file__).resolve().parent / "formats"

MAX_SECTIONS = 30
MAX_ROWS = 60
MAX_TEXT = 100


@dataclass(frozen=True)
class Line:
    label: str
    today: str | None  # figure keys
    total: str | None


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)
    list_key: str | None = None


@dataclass(frozen=True)
class Layout:
    today_header: str
    total_header: str
    sections: list[Section]

    @property
    def has_lists(self) -> bool:
        return any(section.list_key for section in self.sections)

    def keys(self) -> set[str]:
        return {key for s in self.sections for line in s.lines for key in (line.today, line.total) if key}


def _text(value: object, where: str, errors: list[str], *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(f"{where}：请填写文字。")
        return ""
    if len(value) > MAX_TEXT:
        errors.append(f"{where}：不能超过 {MAX_TEXT} 个字。")
    return value.strip()


def _figure(value: object, where: str, errors: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if value not in FIGURES:
        errors.append(f"{where}：没有名为“{value}”的数字，可用的有：{'、'.join(FIGURES)}。")
        return None
    return str(value)


def check_spec(spec: object) -> tuple[Layout | None, list[str]]:
    """The layout of a spec, or the reasons it is refused (in Chinese, naming the section and row)."""
    errors: list[str] = []
    if not isinstance(spec, dict):
        return None, ["格式必须是一个 JSON 对象（以 { 开头），包含 sections。"]
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict):
        errors.append('columns：应为 {"today": "今日", "total": "累计"} 这样的对象。')
        columns = {}
    today = _text(columns.get("today", "今日"), "columns.today", errors)
    total = _text(columns.get("total", "累计"), "columns.total", errors)
    raw_sections = spec.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        return None, [*errors, "sections：至少要有一个部分（一个表格或一个名单）。"]
    if len(raw_sections) > MAX_SECTIONS:
        errors.append(f"sections：最多 {MAX_SECTIONS} 个部分。")
    sections = []
    for n, raw in enumerate(raw_sections[:MAX_SECTIONS], start=1):
        where = f"第 {n} 部分"
        if not isinstance(raw, dict):
            errors.append(f"{where}：应为一个对象，包含 title 和 rows 或 list。")
            continue
        title = _text(raw.get("title"), f"{where} title", errors)
        if "list" in raw:
            if raw["list"] not in LISTS:
                errors.append(f"{where}：没有名为“{raw['list']}”的名单，可用的有：{'、'.join(LISTS)}。")
            sections.append(Section(title, list_key=str(raw["list"])))
            continue
        rows = raw.get("rows")
        if not isinstance(rows, list) or not rows:
            errors.append(f"{where}：rows 至少要有一行。")
            continue
        if len(rows) > MAX_ROWS:
            errors.append(f"{where}：最多 {MAX_ROWS} 行。")
        lines = []
        for m, row in enumerate(rows[:MAX_ROWS], start=1):
            at = f"{where}第 {m} 行"
            if not isinstance(row, dict):
                errors.append(f'{at}：应为 {{"label": …, "today": …, "total": …}}。')
                continue
            label = _text(row.get("label"), f"{at} label", errors)
            line = Line(
                label,
                _figure(row.get("today"), f"{at} today", errors),
                _figure(row.get("total"), f"{at} total", errors),
            )
            if not row.get("today") and not row.get("total"):
                errors.append(f"{at}：today 和 total 至少填一个数字的名称。")
            lines.append(line)
        sections.append(Section(title, lines))
    if errors:
        return None, errors
    return Layout(today, total, sections), []


def layout_of(spec: dict) -> Layout:
    """The layout of a stored (already checked) spec."""
    layout, errors = check_spec(spec)
    if layout is None:
        raise ValueError("; ".join(errors))
    return layout


def is_zero_for(layout: Layout, figures: dict[str, int]) -> bool:
    """零报告 in this format: every "today" figure that counts what happened (a flow) is 0."""
    flows = [line.today for s in layout.sections for line in s.lines if line.today and FIGURES[line.today].kind == FLOW]
    return bool(flows) and all(figures.get(key, 0) == 0 for key in flows)


def shipped_formats() -> list[ReportFormat]:
    """The offices' formats as shipped (formats/*.json, what migration 0003 loads as version 1), unsaved, in
    the order offices are listed."""
    formats = [_shipped(json.loads(path.read_text(encoding="utf-8"))) for path in sorted(SHIPPED.glob("*.json"))]
    return sorted(formats, key=lambda f: (f.position, f.slug))


def _shipped(data: dict) -> ReportFormat:
    return ReportFormat(
        slug=data["slug"], version=1, position=data.get("position", 100), title=data["title"],
        office=data["office"], spec=data["spec"], change_note="初始格式",
    )  # fmt: skip
