"""A report's figures laid out in one office's format, for the page, the print and the XLSX alike."""

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import xlsxwriter

from alleykeeper.core.spreadsheets import DATE, Column, safe_cell, safe_text
from alleykeeper.reports.figures import Area, Window
from alleykeeper.reports.formats import is_zero_for, layout_of
from alleykeeper.reports.lists import LISTS
from alleykeeper.reports.measures import local_zone
from alleykeeper.reports.models import ReportFormat


@dataclass
class Table:
    title: str
    rows: list[tuple[str, int | None, int | None, str, str]]  # label, today, total, today key, total key


@dataclass
class PeopleList:
    title: str
    columns: list[Column]
    rows: list[tuple]


@dataclass
class Rendered:
    title: str
    office: str
    place: str  # the community, or the street
    window: Window
    today_header: str
    total_header: str
    zero: bool
    sections: list = field(default_factory=list)
    lists_left_out: bool = False

    @property
    def heading(self) -> str:
        """The place, then the form's title, without saying the same word twice: 开元社区 + 社区疫情防控工作日报
        is 开元社区疫情防控工作日报."""
        for overlap in range(min(len(self.place), len(self.title)), 0, -1):
            if self.place.endswith(self.title[:overlap]):
                return self.place + self.title[overlap:]
        return self.place + self.title

    @property
    def as_of(self) -> str:
        end = self.window.end.astimezone(local_zone())
        return f"截至 {end.year}年{end.month}月{end.day}日 {end:%H:%M}"

    @property
    def zero_text(self) -> str:
        start, end = (m.astimezone(local_zone()) for m in (self.window.start, self.window.end))
        return (
            f"零报告：{start.month}月{start.day}日 {start:%H:%M} 至 {end.month}月{end.day}日 {end:%H:%M}，"
            f"{self.place}本表所列事项均无新发生（新增、解除、发现等当日数均为 0）；现有数、累计数照常列出。"
        )

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sections if isinstance(s, PeopleList))


def render(fmt: ReportFormat, figures: dict[str, int], *, place: str, window: Window, area: Area | None) -> Rendered:
    """The format's sections with this report's figures; lists of people only when `area` is given (a
    community's report, shown to someone allowed to read them), otherwise left out and said so."""
    layout = layout_of(fmt.spec)
    rendered = Rendered(
        fmt.title, fmt.office, place, window, layout.today_header, layout.total_header, is_zero_for(layout, figures)
    )
    for section in layout.sections:
        if section.list_key is None:
            rows = [
                (
                    line.label,
                    figures.get(line.today, 0) if line.today else None,
                    figures.get(line.total, 0) if line.total else None,
                    line.today or "",
                    line.total or "",
                )
                for line in section.lines
            ]
            rendered.sections.append(Table(section.title, rows))
        elif area is not None:
            people = LISTS[section.list_key]
            rendered.sections.append(PeopleList(section.title, people.columns, list(people.rows(area, window))))
        else:
            rendered.lists_left_out = True
    return rendered


def _date_text(value: object) -> object:
    return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value


def workbook(rendered: Rendered, signature: str) -> bytes:
    """The XLSX of a rendered report: title, place and cutoff, the zero-report sentence when it applies, each
    table (label, today, cumulative as numbers) and each list (text cells, formula-safe, dates as dates)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"title": safe_text(rendered.title)})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    text = book.add_format({"num_format": "@", "border": 1})
    number = book.add_format({"border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    sheet = book.add_worksheet("日报")
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 12, 14)
    sheet.write_string(0, 0, safe_text(rendered.title), title)
    sheet.write_string(1, 0, safe_text(f"{rendered.place} · 报送：{rendered.office} · {rendered.as_of}"))
    sheet.write_string(2, 0, safe_text(signature))
    row = 4
    if rendered.zero:
        sheet.write_string(row, 0, safe_text(rendered.zero_text), bold)
        row += 2
    for section in rendered.sections:
        sheet.write_string(row, 0, safe_text(section.title), bold)
        row += 1
        if isinstance(section, Table):
            for col, header in enumerate(("项目", rendered.today_header, rendered.total_header)):
                sheet.write_string(row, col, safe_text(header), head)
            for label, today, total, _, _ in section.rows:
                row += 1
                sheet.write_string(row, 0, safe_text(label), text)
                for col, value in ((1, today), (2, total)):
                    if value is None:
                        sheet.write_string(row, col, "—", text)
                    else:
                        sheet.write_number(row, col, value, number)
        else:
            for col, column in enumerate(section.columns):
                sheet.write_string(row, col, safe_text(column.header), head)
            if not section.rows:
                row += 1
                sheet.write_string(row, 0, "无", text)
            for values in section.rows:
                row += 1
                for col, (value, column) in enumerate(zip(values, section.columns, strict=False)):
                    cell = safe_cell(value, column.kind)
                    if cell is None or cell == "":
                        sheet.write_blank(row, col, None, text)
                    elif column.kind == DATE and isinstance(cell, date):
                        sheet.write_datetime(row, col, cell, day)
                    else:
                        sheet.write_string(row, col, safe_text(_date_text(cell)), text)
        row += 2
    if rendered.lists_left_out:
        sheet.write_string(row, 0, "名单部分不汇总：请查看各社区的日报。")
    book.close()
    return buffer.getvalue()
