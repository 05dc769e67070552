"""Trend charts drawn on the server as SVG with pygal: no JavaScript, nothing loaded from anywhere, printable,
and readable in WeChat's browser. Each chart comes with its numbers as a table (charts.html) for those who
cannot see it.

pygal writes a <script> into every chart (its tooltip configuration, and by default a tooltip script from a
CDN): `js=[]` drops the CDN script and `strip_scripts` removes the rest, with the comments naming pygal's
sites, so the SVG holds shapes, text and one <style> only.
"""

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from math import ceil

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.etree import etree
from pygal.style import Style

# The site's colours (app.css): ink and muted text ≥ 4.5:1 on white, each line ≥ 3:1 against white.
STYLE = Style(
    font_family='"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif',
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2329",
    foreground_strong="#1d2329",
    foreground_subtle="#d9dee3",
    colors=("#c0392b", "#1155aa", "#1e7d46", "#a86400", "#6b3fa0"),
    opacity="1",
    opacity_hover="1",
    # Sizes in the chart's own units (a 480-wide viewBox): on a 390 px phone the text is about 13 px.
    title_font_size=20,
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=17,
    stroke_width=3,
)


def _y_labels(series: Sequence[Sequence[int]]) -> list[int]:
    """Whole numbers only (these are counts of people and households), about five steps, from zero."""
    top = max((max(values, default=0) for values in series), default=0) or 1
    step = max(1, ceil(top / 5))
    return list(range(0, top + step, step))


def strip_scripts(root) -> None:
    """Remove every <script> and comment from a pygal tree (xml.etree or lxml), and the ids its script used
    ("activate-serie-0" in every chart: several charts on a page would repeat them). The root keeps its own,
    unique id, which its <style> rules are prefixed with."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag
            if not isinstance(tag, str) or tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
            elif "id" in child.attrib:
                del child.attrib["id"]


def trend_svg(title: str, days: Sequence[date], lines: Sequence[tuple[str, Sequence[int]]]) -> SafeString:
    """A line per figure over the days, labelled by day (every 7th shown), as inline SVG markup."""
    return _drawn(title, tuple(days), tuple((label, tuple(values)) for label, values in lines))


# The same title, days and numbers draw the same chart, and pygal takes 10-30 ms a chart (most of a dashboard's
# time once its queries are fast). A trend's days are past report days: their numbers change when a cutoff
# passes or a past record is corrected, so most views of a dashboard draw nothing. Kept per process, by value
# (a changed number is another key); 256 charts are a few megabytes.
@lru_cache(maxsize=256)
def _drawn(title: str, days: tuple[date, ...], lines: tuple[tuple[str, tuple[int, ...]], ...]) -> SafeString:
    chart = pygal.Line(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        no_prefix=False,
        width=480,
        height=300 + 26 * len(lines),
        title=title,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_legend=-1,
        show_minor_x_labels=False,
        x_labels_major_every=7,
        truncate_label=-1,
        dots_size=2.5,
        y_labels=_y_labels([values for _, values in lines]),
        show_y_guides=True,
        print_values=False,
        interpolate=None,
    )
    chart.x_labels = [f"{day.month}/{day.day}" for day in days]
    for label, values in lines:
        chart.add(label, list(values))
    root = chart.render_tree()
    strip_scripts(root)
    root.set("role", "img")
    root.set("aria-label", f"{title}：折线图，数据见下表")
    root.set("class", "pygal-chart trend-chart")
    markup = etree.tostring(root, encoding="unicode")
    return mark_safe(markup)  # noqa: S308 - pygal's own markup of our labels and numbers, scripts removed
