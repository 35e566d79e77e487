"""The used-range bound that protects calamine: exact, and never below what calamine allocates."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from comanage_audit.ingest import used_range
from comanage_audit.ingest.used_range import column_number, exact_used_range
from tests.test_hostile import crafted_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def letters_of(column: int) -> str:
    return used_range._column_letters(column)


def full_match(pattern: str, text: str) -> bool:
    return pc.match_substring_regex(pa.array([text]), f"^(?:{pattern})$")[0].as_py()


@given(st.integers(0, 10**12), st.integers(0, 10**13))
def test_number_above_matches_exactly_the_greater_numbers(bound: int, number: int) -> None:
    assert full_match(used_range._number_above(bound), str(number)) == (number > bound)


@given(st.integers(0, 20_000), st.integers(1, 20_000), st.booleans())
def test_letters_above_match_exactly_the_later_columns(
    bound: int, column: int, lower: bool
) -> None:
    letters = letters_of(column).lower() if lower else letters_of(column)
    assert column_number(letters.encode()) == column
    assert full_match(used_range._letters_above(bound), letters) == (column > bound)


# A cell or row tag in any of the ways calamine accepts: references quoted either way, spaces
# around `=`, a tab before the attribute, `r` not first, `r` twice, lowercase letters, leading zeros,
# namespace prefixes, and no reference at all (the next position).
def cell_tag(style: str, column: int, row: int) -> str:
    ref = f"{letters_of(column)}{row}"
    return {
        "plain": f'<c r="{ref}"><v>1</v></c>',
        "single": f"<c r='{ref}'><v>1</v></c>",
        "spaced": f'<c r = "{ref}"><v>1</v></c>',
        "tab": f'<c\tr="{ref}"><v>1</v></c>',
        "second": f'<c t="n" r="{ref}"><v>1</v></c>',
        "duplicate": f"<c r=\"A1\" r='{ref}'><v>1</v></c>",  # calamine takes the last
        "lower": f'<c r="{ref.lower()}"><v>1</v></c>',
        "zeros": f'<c r="{letters_of(column)}00{row}"><v>1</v></c>',
        "prefixed": f'<x:c r="{ref}"><x:v>1</x:v></x:c>',
        "bare": "<c><v>1</v></c>",
        "typed": '<c t="n"><v>1</v></c>',
        "empty": "<c/>",
    }[style]


CELL_STYLES = st.sampled_from(
    ["plain"] * 6
    + ["single", "spaced", "tab", "second", "duplicate", "lower", "zeros", "prefixed"]
    + ["bare", "typed", "empty"]
)
ROW_STYLES = st.sampled_from(["plain"] * 4 + ["single", "bare", "prefixed", "spaced"])


def row_tag(style: str, row: int, cells: str) -> str:
    return {
        "plain": f'<row r="{row}">{cells}</row>',
        "single": f"<row r='{row}'>{cells}</row>",
        "spaced": f'<row r = "{row}">{cells}</row>',
        "bare": f"<row>{cells}</row>",
        "prefixed": f'<x:row r="{row}">{cells}</x:row>',
    }[style]


@st.composite
def sheet_rows(draw: st.DrawFn) -> str:
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        row = draw(st.integers(1, 300))
        cells = "".join(
            cell_tag(draw(CELL_STYLES), draw(st.integers(1, 60)), draw(st.integers(1, 300)))
            for _ in range(draw(st.integers(0, 8)))
        )
        rows.append(row_tag(draw(ROW_STYLES), row, cells))
    return "".join(rows)


def sheet_xml(rows: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\r\n<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}">'
        f'<dimension ref="A1"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


@settings(max_examples=300, deadline=None)
@given(sheet_rows(), st.integers(16, 400), st.integers(8, 200))
def test_fast_bound_equals_the_full_scan(rows: str, chunk: int, probe: int) -> None:
    """Tiny chunks and probes so references fall on every side of chunk and probe edges."""
    xml = sheet_xml(rows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(used_range, "CHUNK", chunk)
        patch.setattr(used_range, "PROBE_BYTES", probe)
        fast = used_range.used_range(io.BytesIO(xml))
        exact = exact_used_range(io.BytesIO(xml))
    assert fast == exact


@settings(max_examples=60, deadline=None)
@given(sheet_rows())
def test_calamine_never_allocates_beyond_the_bound(rows: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = crafted_xlsx(Path(folder) / "s.xlsx", rows.replace("<x:", "<").replace("</x:", "</"))
        with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as part:
            bound_rows, bound_columns = used_range.used_range(part)
        try:
            cells = (
                CalamineWorkbook.from_path(str(path))
                .get_sheet_by_name("Devices")
                .to_python(skip_empty_area=False)
            )
        except Exception:  # calamine refuses some shapes itself; nothing was allocated
            return
    assert len(cells) <= bound_rows
    assert max(map(len, cells), default=0) <= bound_columns


def test_an_ordinary_sheet_is_never_scanned_reference_by_reference(tmp_path: Path) -> None:
    """Only the probes at each chunk's edges are read in Python: the rest is one RE2 pass."""
    path = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    for row in range(2_000):
        sheet.write_row(row, 0, [f"PC{row}", row, "Windows", "10.0.19045.1"])
    book.close()
    scanned: list[int] = []
    original = used_range._Bound.add_references

    def recording(bound: used_range._Bound, data: bytes) -> None:
        scanned.append(len(data))
        original(bound, data)

    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(used_range, "CHUNK", 4096)
        patch.setattr(used_range, "PROBE_BYTES", 512)
        patch.setattr(used_range._Bound, "add_references", recording)
        assert used_range.used_range(io.BytesIO(xml)) == (2_000, 4)
    assert len(xml) > 20 * 4096
    assert max(scanned) <= 512
