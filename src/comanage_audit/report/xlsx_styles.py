"""The workbook's look: one font, one palette, header styles per column group, cell formats.

Colours follow Excel's built-in Good / Bad / Neutral cell styles so the statuses read the
way Excel users expect; each verdict keeps the same colour in cells and charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from comanage_audit.model import Status, Verdict
from comanage_audit.report.columns import Column, Group, Kind

FONT = "Calibri"
FONT_SIZE = 11
INK = "#1F2937"
MUTED = "#6B7280"

# (fill, font) per status and verdict.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    Status.PASS.value: ("#C6EFCE", "#006100"),
    Status.FAIL.value: ("#FFC7CE", "#9C0006"),
    Status.WARN.value: ("#FFEB9C", "#9C5700"),
    Status.UNKNOWN.value: ("#D9D9D9", "#3F3F3F"),
    Status.SUPPRESSED.value: ("#DDEBF7", "#1F4E78"),
    Status.ASSUMED.value: ("#EDE7F6", "#4A3B7A"),
    Status.NA.value: ("#F5F5F5", "#8C8C8C"),
}
VERDICT_COLOURS: dict[str, tuple[str, str]] = {
    Verdict.OUT_OF_SCOPE.value: ("#EDEDED", "#595959"),
    Verdict.CO_MANAGED.value: ("#BDD7EE", "#1F4E78"),
    Verdict.UPGRADE_REQUIRED.value: ("#FFC7CE", "#9C0006"),
    Verdict.ACTION_REQUIRED.value: ("#FFEB9C", "#9C5700"),
    Verdict.INSUFFICIENT_DATA.value: ("#E4DFEC", "#5B3A7A"),
    Verdict.READY.value: ("#C6EFCE", "#006100"),
}
# Stronger shades of the same hues for chart fills.
VERDICT_CHART: dict[str, str] = {
    Verdict.OUT_OF_SCOPE.value: "#A6A6A6",
    Verdict.CO_MANAGED.value: "#4472C4",
    Verdict.UPGRADE_REQUIRED.value: "#C00000",
    Verdict.ACTION_REQUIRED.value: "#ED7D31",
    Verdict.INSUFFICIENT_DATA.value: "#8064A2",
    Verdict.READY.value: "#70AD47",
}
BLOCKER_CHART = "#C00000"
HEADER_FILLS: dict[Group, str] = {
    Group.IDENTITY: "#1F3864",
    Group.CHECK: "#2F5597",
    Group.FACT: "#375623",
    Group.CONFIGMGR: "#7F6000",
    Group.INTUNE: "#0E6A8A",
    Group.ENTRA: "#5B3A7A",
    Group.USER: "#843C0C",
    Group.PLAN: "#BF8F00",
    Group.PLAIN: "#1F3864",
}
TAB_COLOURS = {
    "Summary": "#1F3864",
    "Devices": "#2F5597",
    "Findings": "#C00000",
    "Upgrade plan": "#70AD47",
}


def _base(**extra: object) -> dict[str, object]:
    return {"font_name": FONT, "font_size": FONT_SIZE, "font_color": INK, **extra}


@dataclass
class Styles:
    """Formats are created once per workbook and looked up by purpose."""

    book: Workbook
    _cache: dict[tuple, Format] = field(default_factory=dict)

    def get(self, **props: object) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format(_base(**props))
        return self._cache[key]

    # Table parts
    def header(self, group: Group = Group.PLAIN) -> Format:
        return self.get(
            bold=True,
            font_color="#FFFFFF",
            bg_color=HEADER_FILLS[group],
            text_wrap=True,
            valign="top",
            border=1,
            border_color="#FFFFFF",
        )

    def cell(self, column: Column) -> Format | None:
        """The column format (None = default) for a column's kind."""
        number_format = column.number_format
        if column.wrap:
            return self.get(text_wrap=True, valign="top")
        if column.kind is Kind.TEXT and column.width >= 50:
            return self.get(text_wrap=False, valign="top")
        if number_format:
            return self.get(num_format=number_format, valign="top")
        if column.kind in (Kind.STATUS, Kind.BOOL):
            return self.get(align="center", valign="top")
        return self.get(valign="top")

    @property
    def run(self) -> Format:
        """The cell font as a rich-string run (xlsx_table.write_text)."""
        return self.get()

    @property
    def text(self) -> Format:
        return self.get(valign="top")

    @property
    def wrap(self) -> Format:
        return self.get(text_wrap=True, valign="top")

    @property
    def wrap_label(self) -> Format:
        return self.get(bold=True, text_wrap=True, valign="top")

    @property
    def wrap_indent(self) -> Format:
        return self.get(text_wrap=True, valign="top", indent=1, font_color=MUTED)

    @property
    def label_integer(self) -> Format:
        return self.get(bold=True, num_format="#,##0", valign="top")

    @property
    def headline(self) -> Format:
        return self.get(bold=True, font_size=14, text_wrap=True, valign="top")

    @property
    def warning(self) -> Format:
        return self.get(text_wrap=True, valign="top", bg_color="#FFF2CC", font_color="#7F6000")

    @property
    def link(self) -> Format:
        return self.get(font_color="#0563C1", underline=1, valign="top")

    @property
    def integer(self) -> Format:
        return self.get(num_format="#,##0", valign="top")

    @property
    def percent(self) -> Format:
        return self.get(num_format="0.0%", valign="top")

    # Summary parts
    @property
    def title(self) -> Format:
        return self.get(bold=True, font_size=20, font_color="#1F3864")

    @property
    def subtitle(self) -> Format:
        return self.get(font_size=11, font_color=MUTED)

    @property
    def section(self) -> Format:
        return self.get(
            bold=True, font_size=13, font_color="#1F3864", bottom=2, bottom_color="#1F3864"
        )

    @property
    def note(self) -> Format:
        return self.get(italic=True, font_color=MUTED, text_wrap=False)

    @property
    def label(self) -> Format:
        return self.get(bold=True, valign="top")

    @property
    def total_label(self) -> Format:
        return self.get(bold=True, top=1, top_color=INK)

    @property
    def total_integer(self) -> Format:
        return self.get(bold=True, num_format="#,##0", top=1, top_color=INK)

    @property
    def total_percent(self) -> Format:
        return self.get(bold=True, num_format="0.0%", top=1, top_color=INK)

    def verdict(self, value: str) -> Format:
        fill, font = VERDICT_COLOURS.get(value, ("#FFFFFF", INK))
        return self.get(bg_color=fill, font_color=font, bold=True, valign="top")

    def status(self, value: str) -> Format:
        fill, font = STATUS_COLOURS.get(value, ("#FFFFFF", INK))
        return self.get(bg_color=fill, font_color=font, align="center", valign="top")

    # Conditional formats: fill and font only (Excel ignores other properties there).
    def conditional(self, fill: str, font: str) -> Format:
        key = ("conditional", fill, font)
        if key not in self._cache:
            self._cache[key] = self.book.add_format({"bg_color": fill, "font_color": font})
        return self._cache[key]
