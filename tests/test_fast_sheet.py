"""The fast sheet writer (report/fast_sheet.py) reads back as the xlsxwriter path does.

Every workbook here is written both ways and read back with openpyxl: each cell must have
the same value, data type and number format on every sheet. Numbers are the one planned
difference: the fast writer prints the shortest text that reads back as the same double,
xlsxwriter prints 16 significant digits, so a fast number must equal the xlsxwriter one
once printed to 16 digits (and date-times, which openpyxl rounds to the millisecond, may
differ by that millisecond).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.xmlwriter import XMLwriter

from comanage_audit import audit
from comanage_audit.fast_deflate import use_fast_deflate, use_fast_inflate
from comanage_audit.model import Status, Verdict
from comanage_audit.options import AuditOptions
from comanage_audit.output import names as output_files
from comanage_audit.report import fast_sheet, xlsx, xlsx_table
from comanage_audit.report.cells import Table, Tally
from comanage_audit.report.columns import MAX_CELL_CHARS, TRUNCATION_MARKER, Column, Kind
from comanage_audit.report.safety import XLSX_OPTIONS
from comanage_audit.report.xlsx_styles import Styles

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_inventories"
AS_OF = date(2026, 11, 26)


# --- comparing workbooks ------------------------------------------------------------------


def same_value(fast: object, slow: object) -> bool:
    if fast == slow:
        return True
    if isinstance(fast, bool) or isinstance(slow, bool):
        return False
    if isinstance(fast, int | float) and isinstance(slow, int | float):
        return float(f"{fast:.16G}") == slow  # xlsxwriter's 16 significant digits
    if isinstance(fast, datetime) and isinstance(slow, datetime):
        return abs(fast - slow) <= timedelta(milliseconds=1)
    return False


def assert_same_workbooks(fast_path: Path, slow_path: Path) -> int:
    """Every sheet cell for cell; returns the number of cells compared."""
    fast_book = openpyxl.load_workbook(fast_path)
    slow_book = openpyxl.load_workbook(slow_path)
    assert fast_book.sheetnames == slow_book.sheetnames
    compared = 0
    for name in slow_book.sheetnames:
        fast_ws, slow_ws = fast_book[name], slow_book[name]
        fast_cells = {c.coordinate: c for row in fast_ws.iter_rows() for c in row}
        slow_cells = {c.coordinate: c for row in slow_ws.iter_rows() for c in row}
        for ref in fast_cells.keys() | slow_cells.keys():
            f, s = fast_cells.get(ref), slow_cells.get(ref)
            f_value = None if f is None else f.value
            s_value = None if s is None else s.value
            assert same_value(f_value, s_value), (name, ref, f_value, s_value)
            if s_value is not None:
                assert f.data_type == s.data_type, (name, ref, f.data_type, s.data_type)
                assert f.number_format == s.number_format, (name, ref)
                assert f.alignment.horizontal == s.alignment.horizontal, (name, ref)
                compared += 1
        assert fast_ws.freeze_panes == slow_ws.freeze_panes, name
        assert fast_ws.auto_filter.ref == slow_ws.auto_filter.ref, name
        fast_rules = {str(cf.sqref) for cf in fast_ws.conditional_formatting}
        assert fast_rules == {str(cf.sqref) for cf in slow_ws.conditional_formatting}, name
    return compared


# --- one table, both ways -----------------------------------------------------------------


def write_table(path: Path, table: Table, writer: str) -> Tally:
    """A workbook with one table sheet written by the table writer, as the audit does."""
    fast = fast_sheet.FastSheets(min_rows=1) if writer == "fast" else None
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / "draft.xlsx" if fast is not None else path
        book = Workbook(str(draft), {"constant_memory": True, "tmpdir": tmp, **XLSX_OPTIONS})
        styles, tally = Styles(book), Tally()
        ws = book.add_worksheet("Table")
        xlsx_table.write_table_part(ws, table, (0, len(table.frame)), styles, tally, fast=fast)
        book.close()
        if fast is not None:
            assert fast.parts or not len(table.frame), "the fast writer did not take it"
            fast.splice(draft, path)
    return tally


def assert_table_round_trip(tmp: Path, table: Table) -> None:
    fast_tally = write_table(tmp / "fast.xlsx", table, "fast")
    slow_tally = write_table(tmp / "slow.xlsx", table, "xlsxwriter")
    assert fast_tally.truncated == slow_tally.truncated
    assert_same_workbooks(tmp / "fast.xlsx", tmp / "slow.xlsx")


LONG = ["é" * 20_000 + "😀" * 10_000, "x" * MAX_CELL_CHARS, "😀" * 16_384, "a" * 40_000]
SPECIAL = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2",
    "@SUM(A1)",
    "<r>&</r>",
    '<r><t>A</t></r></is></c><c r="B1"><f>1+1</f></c><c r="C1" t="inlineStr"><is><r>x</r>',
    "_x0041_",
    "_x005F_x0000_",
    "a & b < c > d",
    " leading",
    "trailing ",
    "\u3000ideographic",
    "ends\u2029",
    "tab\tand\nnewline\r",
    "\x00\x01\x1f\x7f\ufffe\uffff",
    "emoji 😀👩‍💻",
    "",
    "'quoted",
]
texts = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.text(st.characters(max_codepoint=0x40), max_size=8),
    st.sampled_from(SPECIAL),
    st.sampled_from(LONG),
)
finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.none(), st.floats(), st.integers(-(2**62), 2**62).map(float))
integers = st.one_of(st.none(), st.floats(-1e15, 1e15), st.integers(-(2**53), 2**53).map(float))
stamps = st.one_of(
    st.none(),
    st.datetimes(datetime(1850, 1, 1), datetime(2200, 1, 1)),
    st.dates(date(1890, 1, 1), date(2100, 1, 1)).map(lambda d: datetime(d.year, d.month, d.day)),
)
flags = st.one_of(st.none(), st.booleans())
statuses = st.one_of(st.none(), st.sampled_from([s.value for s in Status]), texts)
verdicts = st.one_of(st.none(), st.sampled_from([v.value for v in Verdict]))


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n = draw(st.integers(0, 12))

    def column(values: st.SearchStrategy) -> list:
        return draw(st.lists(values, min_size=n, max_size=n))

    stamp_values = column(stamps)
    frame = pd.DataFrame(
        {
            "text": pd.array(column(texts), dtype="string"),
            "str": pd.Series(column(texts), dtype="str"),
            "mixed": pd.Series(column(st.one_of(texts, st.integers(), finite)), dtype=object),
            "status": pd.array(column(statuses), dtype="string"),
            "verdict": pd.Series(column(verdicts), dtype="category"),
            "number": pd.array(column(numbers), dtype="Float64"),
            "numpy": np.array([math.nan if v is None else v for v in column(numbers)], float),
            "integer": pd.array(column(integers), dtype="Float64"),
            "count": pd.array(column(st.one_of(st.none(), st.integers(-(2**62), 2**62)))),
            "percent": pd.array(column(numbers), dtype="Float64"),
            "date": pd.Series(stamp_values, dtype="datetime64[ns]").dt.normalize(),
            "datetime": pd.Series(stamp_values, dtype="datetime64[ns]"),
            "utc": pd.Series(stamp_values, dtype="datetime64[ns]").dt.tz_localize("UTC"),
            "flag": pd.array(column(flags), dtype="boolean"),
            "bool": np.array([bool(v) for v in column(flags)], dtype=bool),
        }
    )
    kinds = {
        "text": Kind.TEXT,
        "str": Kind.TEXT,
        "mixed": Kind.TEXT,
        "status": Kind.STATUS,
        "verdict": Kind.VERDICT,
        "number": Kind.NUMBER,
        "numpy": Kind.NUMBER,
        "integer": Kind.INTEGER,
        "count": Kind.INTEGER,
        "percent": Kind.PERCENT,
        "date": Kind.DATE,
        "datetime": Kind.DATETIME,
        "utc": Kind.DATETIME,
        "flag": Kind.BOOL,
        "bool": Kind.BOOL,
    }
    widths = draw(st.sampled_from([12.0, 60.0]))  # wide text columns get their own format
    columns = [Column(name, kind, widths) for name, kind in kinds.items()]
    order = draw(st.permutations(columns))
    return Table(frame, list(order))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(table=tables())
def test_generated_tables_read_back_the_same(table: Table) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert_table_round_trip(Path(tmp), table)


def test_hostile_and_long_text(tmp_path: Path) -> None:
    values = [*SPECIAL, *LONG, None, "plain"]
    frame = pd.DataFrame({"name": pd.array(values, dtype="string")})
    table = Table(frame, [Column("name", Kind.TEXT, 30.0)])
    assert_table_round_trip(tmp_path, table)
    book = openpyxl.load_workbook(tmp_path / "fast.xlsx")
    cells = [row[0] for row in book["Table"].iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    by_text = {c.value: c for c in cells}
    assert "=1+1" in by_text and by_text["=1+1"].data_type == "s"
    # The injection attempt stays one literal cell: no formula, nothing in column B or C.
    assert SPECIAL[5] in by_text
    assert book["Table"].max_column == 1
    cut = [c.value for c in cells if c.value and c.value.endswith(TRUNCATION_MARKER)]
    assert len(cut) == 3  # "x" * 32,767 fits exactly
    assert all(len(v.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS for v in cut)


def test_repeated_values_are_escaped_once_and_read_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Columns that repeat a few values (statuses, OS names) are built per distinct value and
    # taken per row: hostile values, blanks and NAs must come out exactly as cell by cell.
    cycle = [*SPECIAL, None, "plain", " plain", "plain "]
    values = [cycle[i % len(cycle)] for i in range(40 * len(cycle))]
    frame = pd.DataFrame(
        {
            "text": pd.array(values, dtype="string"),
            "category": pd.Series(values, dtype="category"),
            "status": pd.Series(values, dtype="category"),
        }
    )
    columns = [
        Column("text", Kind.TEXT, 30.0),
        Column("category", Kind.TEXT, 30.0),
        Column("status", Kind.STATUS, 12.0),
    ]
    escaped: list[int] = []
    real_escape = fast_sheet.escape_text

    def counting(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
        escaped.append(len(text))
        return real_escape(text)

    monkeypatch.setattr(fast_sheet, "escape_text", counting)
    assert_table_round_trip(tmp_path, Table(frame, columns))
    assert escaped and max(escaped) <= len(cycle)  # per distinct value, never per row


# --- escaping, element by element, against xlsxwriter ----------------------------------------


def xlsxwriter_inline(text: str) -> tuple[str, bool]:
    escaped = XMLwriter._escape_control_characters(text)
    return XMLwriter()._escape_data(escaped), bool(_preserve_whitespace(escaped))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=30))
def test_escape_matches_xlsxwriter(values: list[str | None]) -> None:
    escaped, preserve = fast_sheet.escape_text(pa.array(values, pa.large_string()))
    mask = [False] * len(values) if preserve is None else preserve.to_pylist()
    for value, got, keep in zip(values, escaped.to_pylist(), mask, strict=True):
        if value is None:
            assert got is None
            continue
        want, want_keep = xlsxwriter_inline(value)
        assert (got, keep) == (want, want_keep), value


def test_whitespace_table_covers_every_character() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    edges = [f"{c}x" for c in chars] + [f"x{c}" for c in chars]
    mask = fast_sheet.preserve_mask(pa.array(edges, pa.large_string()))
    got = [False] * len(edges) if mask is None else mask.to_pylist()
    assert got == [bool(_preserve_whitespace(e)) for e in edges]


def test_rows_with_no_cells_keep_their_place() -> None:
    frame = pd.DataFrame({"a": pd.array([None, "x", None], dtype="string")})
    xml = b"".join(fast_sheet.sheet_rows(frame, [Column("a")], [None], first_row=1, batch_rows=2))
    assert xml == (
        b'<row r="2"></row><row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="4"></row>'
    )


def test_link_columns_stay_with_xlsxwriter() -> None:
    frame = pd.DataFrame({"a": pd.array(["https://x"] * 3, dtype="string")})
    table = Table(frame, [Column("a", Kind.LINK)])
    assert not fast_sheet.FastSheets(min_rows=1).takes(table, 0, 3)
    assert fast_sheet.FastSheets(min_rows=4).takes(Table(frame, [Column("a")]), 0, 3) is False
    with pytest.raises(ValueError, match="hyperlink"):
        next(fast_sheet.sheet_rows(frame, table.columns, [None], first_row=1))


# --- whole workbooks --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_result():
    if not SAMPLE.is_dir():
        pytest.skip("no sample fleet")
    options = AuditOptions(
        inputs=(SAMPLE,), out_dir=Path("unused"), config=SAMPLE / "policy.toml", as_of=AS_OF
    )
    return audit.run(options)


def write_both(result, folder: Path, **options) -> tuple[Path, Path]:
    paths = []
    for writer in ("fast", "xlsxwriter"):
        out = folder / writer
        xlsx.write_workbook(result, AuditOptions(inputs=(), out_dir=out, **options), writer)
        paths.append(out / output_files.WORKBOOK)
    return paths[0], paths[1]


@pytest.fixture(scope="module")
def sample_books(sample_result, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    # Every table part goes through the fast writer, however small.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast_sheet, "FAST_MIN_ROWS", 1)
        return write_both(sample_result, tmp_path_factory.mktemp("books"), title="Contoso")


def test_sample_fleet_reads_back_the_same(sample_books: tuple[Path, Path]) -> None:
    fast, slow = sample_books
    assert assert_same_workbooks(fast, slow) > 30_000


def test_fast_workbook_package(sample_books: tuple[Path, Path]) -> None:
    fast, slow = sample_books
    with zipfile.ZipFile(fast) as package, zipfile.ZipFile(slow) as reference:
        assert package.namelist() == reference.namelist()
        assert package.testzip() is None
        paths = fast_sheet.sheet_paths(package)
        devices = package.read(paths["Devices"]).decode()
        sheet = openpyxl.load_workbook(slow, read_only=True)["Devices"]
        last = xl_col_to_name(len(next(sheet.iter_rows(max_row=1, values_only=True))) - 1)
        assert re.search(rf'<dimension ref="A1:{last}{sheet.max_row}"/>', devices)
        for info in package.infolist():
            assert info.date_time == reference.getinfo(info.filename).date_time
            assert info.extract_version < 45  # no ZIP64 records below 4 GiB


def test_default_threshold_and_writer_choice(
    sample_result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Below FAST_MIN_ROWS nothing is spliced, and the workbook is xlsxwriter's.
    monkeypatch.setattr(fast_sheet, "FAST_MIN_ROWS", 1_000_000)  # above every table here
    fast, slow = write_both(sample_result, tmp_path)
    monkeypatch.undo()
    assert fast.read_bytes() == slow.read_bytes()
    options = AuditOptions(inputs=(), out_dir=tmp_path / "bad")
    with pytest.raises(ValueError, match="unknown workbook writer"):
        xlsx.write_workbook(sample_result, options, "openpyxl")
    # Without a `writer` argument, the options' `writer` field (once it exists) decides.
    made = []

    def count(**settings):
        made.append(settings)
        return fast_sheet.FastSheets(**settings)

    monkeypatch.setattr(xlsx, "FastSheets", count)
    with_field = dataclasses.make_dataclass(
        "WithWriter",
        [("writer", str, dataclasses.field(default="fast"))],
        bases=(AuditOptions,),
        frozen=True,
    )
    xlsx.write_workbook(
        sample_result, with_field(inputs=(), out_dir=tmp_path / "a", writer="xlsxwriter")
    )
    # The xlsxwriter workbook is finished by FastSheets too (its Excel tables), with no rows.
    assert made == [{"min_rows": sys.maxsize}]
    xlsx.write_workbook(sample_result, with_field(inputs=(), out_dir=tmp_path / "b"))
    assert made == [{"min_rows": sys.maxsize}, {}]


def test_split_sheets_read_back_the_same(
    sample_result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "ROW_LIMIT", 120)
    monkeypatch.setattr(fast_sheet, "FAST_MIN_ROWS", 1)
    fast, slow = write_both(sample_result, tmp_path)
    names = openpyxl.load_workbook(fast, read_only=True).sheetnames
    assert {"Devices (2)", "Devices (3)", "Findings (2)", "Upgrade plan (2)"} <= set(names)
    assert_same_workbooks(fast, slow)


def test_zip64_fallback_when_the_estimate_is_wrong(
    sample_result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sheet that turns out larger than ZIP64_LIMIT is written again with ZIP64 records.
    monkeypatch.setattr(fast_sheet, "FAST_MIN_ROWS", 1)
    monkeypatch.setattr(fast_sheet, "ZIP64_MARGIN", 0.0)
    splice, attempts = fast_sheet._splice, []

    def small_limit(*args, zip64: bool) -> None:
        attempts.append(zip64)
        with pytest.MonkeyPatch.context() as patch:  # xlsxwriter itself keeps the real limit
            patch.setattr(zipfile, "ZIP64_LIMIT", 50_000)
            splice(*args, zip64=zip64)

    monkeypatch.setattr(fast_sheet, "_splice", small_limit)
    fast, slow = write_both(sample_result, tmp_path)
    assert attempts == [False, True, False]  # the fast workbook again; the other has no rows
    with zipfile.ZipFile(fast) as package:
        assert package.getinfo(fast_sheet.sheet_paths(package)["Devices"]).extract_version >= 45
    assert_same_workbooks(fast, slow)


def test_a_failing_batch_leaves_no_workbook(
    sample_result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast_sheet, "FAST_MIN_ROWS", 1)
    monkeypatch.setattr(fast_sheet, "BATCH_CELLS", 1)  # 1,024 rows a batch
    out = tmp_path / "out"
    xlsx.write_workbook(sample_result, AuditOptions(inputs=(), out_dir=out))
    before = (out / output_files.WORKBOOK).read_bytes()
    built = []

    def fail_second(*args):
        built.append(1)
        if len(built) == 2:
            raise RuntimeError("disk on fire")
        return original(*args)

    original = fast_sheet.batch_xml
    monkeypatch.setattr(fast_sheet, "batch_xml", fail_second)
    with pytest.raises(RuntimeError, match="disk on fire"):
        xlsx.write_workbook(sample_result, AuditOptions(inputs=(), out_dir=out, title="Other"))
    assert (out / output_files.WORKBOOK).read_bytes() == before
    assert [p.name for p in out.iterdir()] == [output_files.WORKBOOK]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_fast_workbook(
    sample_books: tuple[Path, Path], tmp_path: Path
) -> None:
    fast, _ = sample_books
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(fast)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = tmp_path / "comanage-audit.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_big_sheets_are_deflated_with_isal_and_read_by_plain_zlib(tmp_path: Path) -> None:
    path = tmp_path / "member.zip"
    text = b"<row>" * 100_000
    with zipfile.ZipFile(path, "w") as package:
        info = fast_sheet._deflate_info(zipfile.ZipInfo("xl/worksheets/sheet1.xml"), 1)
        with package.open(info, "w") as stream:
            use_fast_deflate(stream)
            assert "isal" in type(stream._compressor).__module__
            stream.write(text)
    with zipfile.ZipFile(path) as package:  # stdlib zlib inflates and checks the CRC
        assert package.read("xl/worksheets/sheet1.xml") == text
        assert package.testzip() is None


def test_members_are_inflated_with_isal_and_their_crc_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "member.zip"
    text = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 50_000)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:  # written by zlib
        package.writestr("sheet.xml", text)
    with zipfile.ZipFile(path) as package, package.open("sheet.xml") as stream:
        use_fast_inflate(stream)
        assert "isal" in type(stream._decompressor).__module__
        assert stream.read() == text
    info = zipfile.ZipFile(path).getinfo("sheet.xml")
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the directory entry zipfile checks against
    data[central + 16 : central + 20] = (info.CRC ^ 1).to_bytes(4, "little")
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with zipfile.ZipFile(damaged) as package, package.open("sheet.xml") as stream:
        use_fast_inflate(stream)
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            stream.read()
