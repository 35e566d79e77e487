"""Excel tables (banded, filterable, named) added to the finished workbook package.

xlsxwriter writes no table in constant-memory mode, so the sheets that should be tables
(Devices, Findings, Upgrade plan, Licences) get their header row and settings from
xlsxwriter, and each table's part (`xl/tables/tableN.xml`), its relationship and its
content type are added while the package is copied (report/fast_sheet.py `splice`). A
table covers the header row and the rows below it; its filter replaces the sheet's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from xlsxwriter.utility import xl_col_to_name

TABLE_STYLE = "TableStyleLight1"
TABLE_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
TABLE_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
RELS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
)
MAX_HEADER = 255
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class ExcelTable:
    """One table: the sheet it is on, its name, its 0-based header and last rows, headers."""

    sheet: str
    name: str
    first_row: int
    last_row: int
    headers: tuple[str, ...]

    @property
    def ref(self) -> str:
        last_col = xl_col_to_name(len(self.headers) - 1)
        return f"A{self.first_row + 1}:{last_col}{self.last_row + 1}"


def can_be_table(headers: Sequence[str], rows: int) -> bool:
    """Excel needs at least one data row and headers that are non-empty, unique whatever
    their case, and plain text; otherwise the sheet keeps a plain filter."""
    names = [str(h) for h in headers]
    unique = len({n.casefold() for n in names}) == len(names)
    plain = all(n.strip() and len(n) <= MAX_HEADER and not _CONTROL.search(n) for n in names)
    return rows > 0 and bool(names) and unique and plain


def table_name(base: str, taken: set[str]) -> str:
    """A valid, workbook-unique table name: letters, digits and `_` (`Upgrade_plan_2`)."""
    stem = re.sub(r"\W+", "_", base).strip("_") or "Table"
    if not stem[0].isalpha():
        stem = "T_" + stem
    name, n = stem, 2
    while name.casefold() in taken:
        name, n = f"{stem}_{n}", n + 1
    taken.add(name.casefold())
    return name


def claim_table(
    sheet: str,
    base_name: str,
    first_row: int,
    last_row: int,
    headers: Sequence[str],
    taken: set[str],
) -> ExcelTable | None:
    """The table over a sheet's rows, or None when Excel would refuse one (can_be_table)."""
    if not can_be_table(headers, last_row - first_row):
        return None
    return ExcelTable(sheet, table_name(base_name, taken), first_row, last_row, tuple(headers))


def table_xml(table: ExcelTable, table_id: int) -> bytes:
    columns = "".join(
        f'<tableColumn id="{i}" name={quoteattr(h, {chr(34): "&quot;"})}/>'
        for i, h in enumerate(table.headers, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'id="{table_id}" name="{table.name}" displayName="{table.name}" '
        f'ref="{table.ref}" totalsRowShown="0"><autoFilter ref="{table.ref}"/>'
        f'<tableColumns count="{len(table.headers)}">{columns}</tableColumns>'
        f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def rels_path(member: str) -> str:
    """`xl/worksheets/sheet2.xml` -> `xl/worksheets/_rels/sheet2.xml.rels`."""
    folder, _, name = member.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


@dataclass
class PackageEdits:
    """What adding the tables changes in the package: members replaced and members added."""

    sheet_parts: dict[str, list[str]]  # sheet member -> relationship ids of its tables
    rels: dict[str, list[tuple[str, str]]]  # rels member -> (id, target) to add
    added: dict[str, bytes]  # new members (table parts)
    overrides: list[str]  # content-type part names

    def sheet(self, member: str, xml: bytes) -> bytes:
        ids = self.sheet_parts.get(member)
        if not ids:
            return xml
        parts = "".join(f'<tablePart r:id="{rid}"/>' for rid in ids)
        element = f'<tableParts count="{len(ids)}">{parts}</tableParts>'.encode()
        if b"xmlns:r=" not in xml[:2000]:
            ns = b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
            xml = xml.replace(b"<worksheet ", b"<worksheet" + ns + b" ", 1)
        at = xml.find(b"<extLst>")
        at = at if at >= 0 else xml.rfind(b"</worksheet>")
        return xml[:at] + element + xml[at:]

    def relationships(self, member: str, xml: bytes | None) -> bytes:
        entries = "".join(
            f'<Relationship Id="{rid}" Type="{TABLE_TYPE}" Target="{target}"/>'
            for rid, target in self.rels.get(member, [])
        ).encode()
        if xml is None:
            return RELS_HEAD.encode() + entries + b"</Relationships>"
        at = xml.rfind(b"</Relationships>")
        return xml[:at] + entries + xml[at:]

    def apply(self, name: str, data: bytes) -> bytes:
        """A member of the draft package with the table edits applied (most are unchanged)."""
        if name == "[Content_Types].xml" and self.overrides:
            return self.content_types(data)
        if name in self.rels:
            return self.relationships(name, data)
        return self.sheet(name, data)

    def content_types(self, xml: bytes) -> bytes:
        entries = "".join(
            f'<Override PartName="/{name}" ContentType="{TABLE_CONTENT}"/>'
            for name in self.overrides
        ).encode()
        at = xml.rfind(b"</Types>")
        return xml[:at] + entries + xml[at:]


def plan_edits(tables: Sequence[ExcelTable], paths: dict[str, str]) -> PackageEdits:
    """The package edits for `tables`, given each sheet's member (fast_sheet.sheet_paths)."""
    edits = PackageEdits({}, {}, {}, [])
    for table_id, table in enumerate(tables, start=1):
        member = paths.get(table.sheet)
        if member is None:
            raise RuntimeError(f"sheet {table.sheet!r} is not in the workbook")
        rid = f"rIdTable{table_id}"
        part = f"xl/tables/table{table_id}.xml"
        edits.sheet_parts.setdefault(member, []).append(rid)
        edits.rels.setdefault(rels_path(member), []).append((rid, f"../tables/table{table_id}.xml"))
        edits.added[part] = table_xml(table, table_id)
        edits.overrides.append(part)
    return edits
