"""The Summary sheet's charts. Each carries its values as well as the cells it reads, so
viewers that do not recalculate charts still draw it; each floats over rows kept blank."""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit.model import Summary
from comanage_audit.report.sheets.summary_words import IN_SCOPE, WINDOWS11_PATHS
from comanage_audit.report.words import VERDICT_WORDS
from comanage_audit.report.xlsx_styles import BLOCKER_CHART, VERDICT_CHART, WINDOWS11_CHART


def readiness_chart(
    book: Workbook, ws: Worksheet, row: int, summary: Summary, first: int, last: int
) -> None:
    chart = book.add_chart({"type": "doughnut"})
    chart.add_series(
        {
            "name": "PCs",
            "categories": [ws.name, first, 0, last, 0],
            "values": [ws.name, first, 1, last, 1],
            # Cached values, so viewers that do not recalculate charts still draw it.
            "categories_data": [VERDICT_WORDS[v.value] for v in IN_SCOPE],
            "values_data": [summary.verdicts[v.value] for v in IN_SCOPE],
            "points": [{"fill": {"color": VERDICT_CHART[v.value]}} for v in IN_SCOPE],
            "data_labels": {"value": True, "font": {"color": "#FFFFFF", "bold": True}},
        }
    )
    chart.set_title({"name": "Windows 10/11 PCs", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    chart.set_hole_size(50)
    chart.set_size({"width": 420, "height": 340})
    chart.set_chartarea({"border": {"none": True}})
    ws.insert_chart(row, 0, chart, {"x_offset": 2, "y_offset": 4, "object_position": 3})


def blockers_chart(book: Workbook, ws: Worksheet, row: int, blockers: Sequence, first: int) -> None:
    last = first + len(blockers) - 1
    series = {
        "name": "PCs failing",
        "categories": [ws.name, first, 0, last, 0],
        "values": [ws.name, first, 1, last, 1],
        "categories_data": [b.title for b in blockers],
        "values_data": [b.devices for b in blockers],
        "fill": {"color": BLOCKER_CHART},
    }
    chart = _bar_chart(book, "Top blockers", series, label_size=8, width=700, height=340)
    ws.insert_chart(row, 3, chart, {"x_offset": 10, "y_offset": 4, "object_position": 3})


def windows11_chart(
    book: Workbook, ws: Worksheet, row: int, first: int, last: int, paths: dict[str, int]
) -> None:
    series = {
        "name": "Windows 10 PCs",
        "categories": [ws.name, first, 0, last, 0],
        "values": [ws.name, first, 1, last, 1],
        "categories_data": [label for _, label, _ in WINDOWS11_PATHS],
        "values_data": [paths.get(key, 0) for key, _, _ in WINDOWS11_PATHS],
        "points": [{"fill": {"color": colour}} for colour in WINDOWS11_CHART],
    }
    chart = _bar_chart(book, "Windows 11 path", series, label_size=9, width=620, height=260)
    ws.insert_chart(row, 0, chart, {"x_offset": 2, "y_offset": 4, "object_position": 3})


def _bar_chart(
    book: Workbook, title: str, series: dict, *, label_size: int, width: int, height: int
) -> Chart:
    """A horizontal bar chart in the Summary's style: one series, values on the bars,
    categories top down, no legend, light gridlines, no border."""
    chart = book.add_chart({"type": "bar"})
    chart.add_series({**series, "gap": 60, "data_labels": {"value": True, "font": {"size": 9}}})
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True, "num_font": {"size": label_size}})
    chart.set_x_axis(
        {
            "major_gridlines": {"visible": True, "line": {"color": "#E5E7EB"}},
            "num_font": {"size": 9},
        }
    )
    chart.set_size({"width": width, "height": height})
    chart.set_chartarea({"border": {"none": True}})
    return chart
