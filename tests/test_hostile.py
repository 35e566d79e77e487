"""Bad, hostile and conflicting input (issue #6): read it right, or exit 2 with one paragraph.

Every file here is generated in the test. A user mistake must give exit code 2 and one
paragraph naming the file (and sheet, row or column where there is one), what was expected
and what to do; never a traceback. Hostile files are refused before they can cost memory or
read local files, and no cell text becomes a formula in any output.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner, Result

from comanage_audit import audit
from comanage_audit.cli import app
from comanage_audit.errors import InputError
from comanage_audit.ingest import read
from comanage_audit.ingest.normalise import normalise
from comanage_audit.ingest.read import read_tables
from comanage_audit.ingest.sources import header_score, identify
from comanage_audit.model import DataIssues, SourceKind
from comanage_audit.options import DEFAULT_MAX_INPUT_MB, AuditOptions
from comanage_audit.report.safety import defuse_csv
from tests.conftest import AS_OF

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
runner = CliRunner()
csv.field_size_limit(2**31 - 1)  # the outputs hold a 200,000-character device name
OUTPUTS = {"comanage-audit.xlsx", "devices.csv", "findings.csv", "summary.json"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CM_HEADER = "Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0"
CM_ROW = "Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000"


# ---------------------------------------------------------------- helpers


def cli(tmp_path: Path, *inputs: Path | str, args: tuple[str, ...] = ()) -> Result:
    out = tmp_path / "out"
    return runner.invoke(
        app,
        ["audit", *map(str, inputs), "--out", str(out), "--as-of", "2026-11-26", "--quiet",
         "--format", "csv,json", *args],
    )  # fmt: skip


def assert_one_paragraph(result: Result, *fragments: str, code: int = 2) -> str:
    """Exit code, no traceback, a single line starting `error:`, with every fragment in it."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = result.output.strip()
    assert "Traceback" not in text
    assert text.startswith("error: "), text
    assert "\n" not in text, text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return text


def cm_csv(path: Path, *names: str, extra: str = "") -> Path:
    rows = [f"{CM_HEADER}{extra}"] + [f"{_quote(name)},{CM_ROW}" for name in names]
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


def _quote(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def run_pipeline(*inputs: Path, **options: object) -> audit.AuditResult:
    return audit.run(AuditOptions(inputs=tuple(inputs), as_of=AS_OF, **options))


def issues_of(result: audit.AuditResult) -> list[tuple[str, str, object, str]]:
    table = result.data_issues
    return [
        (Path(str(f)).name, str(s), None if pd.isna(r) else int(r), str(i))
        for f, s, r, i in zip(
            table["file"], table["sheet"], table["row"], table["issue"], strict=True
        )
    ]


def accounting(summary_path: Path) -> list[tuple[str, int, int, int, int]]:
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return [
        (Path(r["path"]).name, r["rows_read"], r["rows_linked"], r["rows_duplicate"],
         r["rows_rejected"])
        for r in summary["inputs"]
    ]  # fmt: skip


# A minimal hand-made .xlsx, for what xlsxwriter refuses to write (DTDs, odd sheet names,
# cells far away without writing them all).
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def crafted_xlsx(
    path: Path,
    rows: str,
    *,
    prolog: str = "",
    sheet: str = "Devices",
    declaration: bool = True,
    shared_strings: str | None = None,
    styles: str | None = None,
) -> Path:
    """A minimal workbook around `rows`, with shared strings and styles parts when given."""
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' if declaration else ""
    sheet_xml = (
        f"{head}{prolog}"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    extra = {
        part: xml
        for part, xml in (("sharedStrings", shared_strings), ("styles", styles))
        if xml is not None
    }
    content_types = CONTENT_TYPES.replace(
        "</Types>",
        "".join(
            f'<Override PartName="/xl/{part}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.{part}+xml"/>'
            for part in extra
        )
        + "</Types>",
    )
    workbook_rels = WORKBOOK_RELS.replace(
        "</Relationships>",
        "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/{part}" Target="{part}.xml"/>'
            for n, part in enumerate(extra, start=2)
        )
        + "</Relationships>",
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for part, xml in extra.items():
            archive.writestr(f"xl/{part}.xml", xml)
    return path


CM_CELLS = (
    '<row r="1">' + cell("A1", "Name0") + cell("B1", "Client0") + "</row>"
    '<row r="2">' + cell("A2", "{name}") + cell("B2", "1") + "</row>"
)


def good_xlsx(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Devices")
    sheet.write_row(0, 0, ["Name0", "Client0"])
    for row in range(1, 40):
        sheet.write_row(row, 0, [f"PC{row}", 1])
    book.close()
    return path


# ---------------------------------------------------------------- files that are not tables


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "empty.csv"),
        "empty.csv: is empty. Expected a header row and at least one record.",
        "if it really has no records, leave it out",
    )


def test_blank_lines_only_is_empty(tmp_path: Path) -> None:
    (tmp_path / "blank.csv").write_bytes(b"\r\n \r\n\t\r\n")
    assert_one_paragraph(cli(tmp_path, tmp_path / "blank.csv"), "blank.csv: is empty.")


def test_header_only_as_the_only_device_export(tmp_path: Path) -> None:
    cm = cm_csv(tmp_path / "cm.csv")
    assert_one_paragraph(
        cli(tmp_path, cm),
        "cm.csv: has a header row but no device records.",
        "Expected at least one device",
    )


def test_header_only_beside_other_exports_is_read_as_zero_rows(tmp_path: Path) -> None:
    cm = cm_csv(tmp_path / "cm.csv")
    result = cli(tmp_path, cm, FIXTURES / "intune.csv")
    assert result.exit_code == 0, result.output
    assert accounting(tmp_path / "out" / "summary.json") == [
        ("cm.csv", 0, 0, 0, 0),
        ("intune.csv", 3, 3, 0, 0),
    ]
    issues = issues_of(run_pipeline(cm, FIXTURES / "intune.csv"))
    assert ("cm.csv", "", None, "the file has a header row but no records") in issues


def test_pdf_renamed_csv(tmp_path: Path) -> None:
    # A real PDF header: no NUL bytes in the first kilobytes, so only the magic tells.
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20
    (tmp_path / "report.csv").write_bytes(pdf)
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "report.csv"),
        "report.csv: is not a text table (it is a PDF document).",
        "Export the report as CSV or Excel instead of PDF.",
    )


def test_binary_data_named_csv(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8 + bytes(512)
    (tmp_path / "image.csv").write_bytes(png)
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "image.csv"),
        "image.csv: is not a text table (it contains binary data).",
    )


def test_truncated_xlsx(tmp_path: Path) -> None:
    whole = good_xlsx(tmp_path / "whole.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "cut.xlsx"),
        "cut.xlsx: is damaged or incomplete: it is not a readable workbook",
        "Copy or download it again",
    )


def test_xls_workbook(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(read.OLE2_MAGIC + bytes(4096))
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "old.xls"),
        "old.xls: is an Excel 97-2003 workbook (.xls)",
        "save it as an .xlsx workbook or a CSV file",
    )


def test_xls_in_a_folder_is_refused_not_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "intune.csv", folder)
    (folder / "old.xls").write_bytes(read.OLE2_MAGIC + bytes(4096))
    assert_one_paragraph(cli(tmp_path, folder), "old.xls: is an Excel 97-2003 workbook")


def test_xlsb_workbook(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "cm.xlsb", "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "cm.xlsb"),
        "cm.xlsb: is an Excel binary workbook (.xlsb), which is not supported.",
        "Expected an .xlsx workbook or a CSV export.",
    )


@pytest.mark.parametrize("named", ["cm.ods", "folder"])
def test_opendocument_spreadsheet_is_refused_with_what_to_do(tmp_path: Path, named: str) -> None:
    """Not skipped quietly in a folder, and not called 'a zip without a CSV'."""
    folder = tmp_path / "in"
    folder.mkdir()
    with zipfile.ZipFile(folder / "cm.ods", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert_one_paragraph(
        cli(tmp_path, folder / "cm.ods" if named == "cm.ods" else folder),
        "cm.ods: is an OpenDocument spreadsheet (.ods), which is not supported.",
        "save it as .xlsx",
    )


def test_text_named_xlsx(tmp_path: Path) -> None:
    (tmp_path / "report.xlsx").write_text("<html><table><tr><td>Name0</td></tr></table></html>")
    assert_one_paragraph(
        cli(tmp_path, tmp_path / "report.xlsx"),
        "report.xlsx: is named .xlsx but is not an Excel workbook (it is text, perhaps HTML",
    )


@pytest.mark.parametrize("name", ["secret.xlsx", "secret.xlsm"])
def test_password_protected_xlsx(tmp_path: Path, name: str) -> None:
    # Excel stores an encrypted workbook as an OLE2 (CFB) file with an EncryptedPackage stream.
    container = read.OLE2_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64)
    (tmp_path / name).write_bytes(container)
    assert_one_paragraph(
        cli(tmp_path, tmp_path / name),
        f"{name}: is password-protected or encrypted: save an unprotected copy.",
        "Expected an .xlsx workbook without a password",
    )


def test_password_protected_zip(tmp_path: Path) -> None:
    path = tmp_path / "intune.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("DevicesWithInventory.csv", (FIXTURES / "intune.csv").read_text())
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag in the local header and the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    path.write_bytes(bytes(data))
    assert_one_paragraph(cli(tmp_path, path), "intune.zip: is password-protected or encrypted")


# ---------------------------------------------------------------- CSV shapes and encodings


def test_row_with_more_fields_than_the_header_is_rejected_and_counted(tmp_path: Path) -> None:
    cm = tmp_path / "cm.csv"
    cm.write_text(
        f"{CM_HEADER}\r\nPC1,{CM_ROW}\r\nPC2,{CM_ROW},surplus\r\nPC3,{CM_ROW}\r\n",
        encoding="utf-8",
    )
    result = cli(tmp_path, cm)
    assert result.exit_code == 0, result.output
    assert accounting(tmp_path / "out" / "summary.json") == [("cm.csv", 3, 2, 0, 1)]
    names = [d["device_name"] for d in read_csv(tmp_path / "out" / "devices.csv")]
    assert names == ["PC1", "PC3"]
    issues = issues_of(run_pipeline(cm))
    assert issues == [("cm.csv", "", 3, "record rejected: has 6 fields but the header has 5")]


def as_csv_and_xlsx(folder: Path, lines: list[str]) -> tuple[Path, Path]:
    """The same comma-separated lines as cm.csv and as sheet 'Devices' of cm.xlsx."""
    cm = folder / "cm.csv"
    cm.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    book_path = folder / "cm.xlsx"
    book = xlsxwriter.Workbook(book_path)
    sheet = book.add_worksheet("Devices")
    for number, line in enumerate(lines):
        sheet.write_row(number, 0, line.split(","))
    book.close()
    return cm, book_path


def test_exports_joined_into_one_file_lose_the_second_header_not_a_device(
    tmp_path: Path,
) -> None:
    """A pasted-in header row would otherwise become a device called "Name0"."""
    # The second header keeps its file's BOM, as `copy /b a.csv+b.csv` leaves it.
    joined = [CM_HEADER, f"PC1,{CM_ROW}", f"\ufeff{CM_HEADER}", f"PC2,{CM_ROW}", f"Name0,{CM_ROW}"]
    for path in as_csv_and_xlsx(tmp_path, joined):
        result = run_pipeline(path)
        # A device really named like the header column is still a device.
        assert sorted(result.devices["device_name"]) == ["Name0", "PC1", "PC2"]
        [record] = result.inputs
        assert (record.rows_read, record.rows_linked, record.rows_rejected) == (4, 3, 1)
        assert [i for i in issues_of(result) if "rejected" in i[3]] == [
            (
                path.name,
                "Devices" if path.suffix == ".xlsx" else "",
                3,
                "record rejected: repeats the header row (exports joined into one file?)",
            )
        ]


def test_report_footer_lines_are_rejected_not_devices(tmp_path: Path) -> None:
    lines = [CM_HEADER, f"PC1,{CM_ROW}", "PC9,,,,", "", "Total: 2 devices,,,,", ",Page 1 of 1,,,"]
    for path in as_csv_and_xlsx(tmp_path, lines):
        result = run_pipeline(path)
        # A device with nothing but its name (no client yet) is still a device.
        assert sorted(result.devices["device_name"]) == ["PC1", "PC9"]
        [record] = result.inputs
        assert (record.rows_read, record.rows_rejected) == (4, 2)
        footer = (
            "record rejected: looks like a report footer (text in one cell below the last record)"
        )
        assert [(i[2], i[3]) for i in issues_of(result) if "rejected" in i[3]] == [
            (5, footer),
            (6, footer),
        ]


def test_a_footer_spaced_with_a_no_break_space_is_rejected_too(tmp_path: Path) -> None:
    """`\\s` is every Unicode space on every pandas (RE2 alone would miss the NBSP)."""
    lines = [CM_HEADER, f"PC1,{CM_ROW}", "Seite\u00a01,,,,"]
    for path in as_csv_and_xlsx(tmp_path, lines):
        result = run_pipeline(path)
        assert list(result.devices["device_name"]) == ["PC1"]
        assert result.inputs[0].rows_rejected == 1


def test_a_bare_carriage_return_ends_a_line_everywhere(tmp_path: Path) -> None:
    """A CR alone ends a line, near the top as further down (issue 19: the csv module
    refused it near the top with a misleading "line break inside an unquoted value")."""
    path = tmp_path / "cm.csv"
    path.write_bytes(b"Name0,Client0\r\nPC1,a\rb\r\nPC2,1\r\n")
    result = run_pipeline(path)
    assert sorted(result.devices["device_name"]) == ["PC1", "PC2"]
    assert ("cm.csv", "", 3, "record rejected: has 1 fields but the header has 2") in issues_of(
        result
    )


@pytest.mark.parametrize(
    ("records", "line"),
    [
        (f'PC1,{CM_ROW}\r\nPC2,1,"x,y,z\r\nPC3,{CM_ROW}\r\nPC4,{CM_ROW}\r\n', 3),
        (f'PC1,{CM_ROW}\r\nPC2,"Microsoft Windows NT Works', 3),  # a download cut short
    ],
    ids=["swallowing-the-records-after-it", "truncated-file"],
)
def test_quote_that_never_closes_is_an_error_not_a_quiet_loss(
    tmp_path: Path, records: str, line: int
) -> None:
    """Arrow would read everything after the quote as one value (no rejected row)."""
    path = tmp_path / "cm.csv"
    path.write_text(f"{CM_HEADER}\r\n{records}", encoding="utf-8")
    assert_one_paragraph(
        cli(tmp_path, path),
        f"cm.csv: has a value that opens a double quote on line {line} and never closes it",
        f"add the missing closing quote on line {line}",
    )


def test_quote_inside_an_unquoted_value_is_kept_literally(tmp_path: Path) -> None:
    """An odd number of quotes is not always an open quote: `24" screen` is plain text."""
    path = tmp_path / "cm.csv"
    rows = [f'PC{n} 24" screen,{CM_ROW}' for n in range(1, 4)]
    path.write_text("\r\n".join([CM_HEADER, *rows]) + "\r\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8").count('"') % 2 == 1
    result = cli(tmp_path, path)
    assert result.exit_code == 0, result.output
    assert accounting(tmp_path / "out" / "summary.json") == [("cm.csv", 3, 3, 0, 0)]
    names = [d["device_name"] for d in read_csv(tmp_path / "out" / "devices.csv")]
    assert names == ['PC1 24" screen', 'PC2 24" screen', 'PC3 24" screen']


def test_utf8_file_with_a_stray_cp1252_byte(tmp_path: Path) -> None:
    """Decision: UTF-8 stays UTF-8; only the bytes that are not UTF-8 are read as cp1252."""
    path = tmp_path / "cm.csv"
    path.write_bytes(
        b"Name0,Client0,Notes\r\n"
        + "Zoë-PC,1,naïve\r\n".encode()
        + b"Caf\xe9-PC,1,\x93quoted\x94\r\n"  # a hand edit saved as Windows-1252
        + "日本-PC,0,ok\r\n".encode()
    )
    notes: list[tuple[str, str | None, str]] = []
    [table] = read_tables(path, header_score, note=lambda *n: notes.append(n))
    assert table.frame["Name0"].tolist() == ["Zoë-PC", "Café-PC", "日本-PC"]
    assert table.frame["Notes"].tolist() == ["naïve", "\u201cquoted\u201d", "ok"]
    assert notes == [
        (
            str(path),
            None,
            "the file is UTF-8 except for 3 byte(s) that are not (the first on line 3); "
            "those were read as Windows-1252. Check names with accents there",
        )
    ]
    assert read.decode(path.read_bytes())[1] == "utf-8+cp1252"


def test_whole_cp1252_file_without_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cm.csv"
    path.write_bytes("Name0,Client0\r\nCafé-PC,1\r\nMüller-PC,0\r\n".encode("cp1252"))
    notes: list[object] = []
    [table] = read_tables(path, header_score, note=lambda *n: notes.append(n))
    assert table.frame["Name0"].tolist() == ["Café-PC", "Müller-PC"]
    assert notes == []
    assert read.decode(path.read_bytes())[1] == "cp1252"


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "cm.csv"
    path.write_bytes("Name0,Client0\r\nZoë-PC,1\r\n".encode("utf-16-le"))
    [table] = read_tables(path, header_score)
    assert table.frame["Name0"].tolist() == ["Zoë-PC"]


def test_nul_bytes_are_removed_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "cm.csv"
    path.write_bytes(b"Name0,Client0\r\nPC1,1\r\nPC\x002,1\r\nPC3\x00\x00,0\r\n")
    notes: list[tuple[str, str | None, str]] = []
    [table] = read_tables(path, header_score, note=lambda *n: notes.append(n))
    assert table.frame["Name0"].tolist() == ["PC1", "PC2", "PC3"]
    assert table.rows.tolist() == [2, 3, 4]
    assert notes == [(str(path), None, "3 NUL byte(s) removed (the first on line 3)")]
    result = cli(tmp_path, path)
    assert result.exit_code == 0, result.output
    assert [d["device_name"] for d in read_csv(tmp_path / "out" / "devices.csv")] == [
        "PC1", "PC2", "PC3"
    ]  # fmt: skip


def test_one_megabyte_cell(tmp_path: Path) -> None:
    """Read whole; the CSV outputs keep it whole; the workbook keeps Excel's 32,767 characters."""
    huge = "x" * 1_000_000
    path = tmp_path / "cm.csv"
    path.write_text(
        f"Name0,Client0,Notes\r\nPC1,1,{huge}\r\n{huge[:200_000]}Z,1,short\r\n", encoding="utf-8"
    )
    [table] = read_tables(path, header_score)
    assert [len(v) for v in table.frame["Notes"]] == [1_000_000, 5]
    assert [len(v) for v in table.frame["Name0"]] == [3, 200_001]
    result = runner.invoke(
        app, ["audit", str(path), "--out", str(tmp_path / "out"), "--as-of", "2026-11-26", "-q"]
    )
    assert result.exit_code == 0, result.output
    names = [d["device_name"] for d in read_csv(tmp_path / "out" / "devices.csv")]
    assert [len(n) for n in names] == [3, 200_001]
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx", read_only=True)
    rows = list(book["Devices"].iter_rows(values_only=True))
    notes = rows[0].index("ConfigMgr: Notes")
    assert [len(row[notes]) for row in rows[1:]] == [32_767, 5]


def test_ten_thousand_columns(tmp_path: Path) -> None:
    header = ["Name0", "Client0", *(f"Extra {i}" for i in range(9_998))]
    lines = [",".join(header)]
    lines += [",".join([f"PC{r}", "1", *(f"v{r}.{i}" for i in range(9_998))]) for r in range(3)]
    path = tmp_path / "wide.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    [table] = read_tables(path, header_score)
    assert table.frame.shape == (3, 10_000)
    assert table.frame["Extra 9997"].tolist() == ["v0.9997", "v1.9997", "v2.9997"]
    result = cli(tmp_path, path)
    assert result.exit_code == 0, result.output
    assert accounting(tmp_path / "out" / "summary.json") == [("wide.csv", 3, 3, 0, 0)]


def test_duplicate_header_names(tmp_path: Path) -> None:
    path = tmp_path / "cm.csv"
    path.write_text(
        "Name0,Client0,name0,Notes,Notes,Notes (2)\r\nPC1,1,OTHER,a,b,c\r\n", encoding="utf-8"
    )
    [table] = read_tables(path, header_score)
    assert list(table.frame.columns) == [
        "Name0", "Client0", "name0 (2)", "Notes", "Notes (3)", "Notes (2)"
    ]  # fmt: skip
    assert table.frame.iloc[0].tolist() == ["PC1", "1", "OTHER", "a", "b", "c"]
    match = identify(table)
    assert match.mapping["name"] == "Name0"  # the first of the repeated headers


def test_headers_with_spaces_nbsp_and_other_case(tmp_path: Path) -> None:
    path = tmp_path / "intune.csv"
    path.write_text(
        " device NAME ,Managed\u00a0by ,LAST CHECK-IN,microsoft entra device id\u00a0,os\r\n"
        "PC1,Intune,2026-11-20 10:00:00,11111111-1111-1111-1111-111111111111,Windows\r\n",
        encoding="utf-8",
    )
    [table] = read_tables(path, header_score)
    match = identify(table)
    assert match.kind.value == "intune"
    assert match.mapping == {
        "name": "device NAME",
        "last_checkin": "LAST CHECK-IN",
        "entra_device_id": "microsoft entra device id",
        "managed_by": "Managed\u00a0by",
        "os": "os",
    }
    result = cli(tmp_path, path)
    assert result.exit_code == 0, result.output
    [device] = read_csv(tmp_path / "out" / "devices.csv")
    assert device["device_id"] == "11111111-1111-1111-1111-111111111111"


# ---------------------------------------------------------------- workbook layouts


def test_cover_sheet_beside_an_export_is_noted_and_left_out(tmp_path: Path) -> None:
    """Users cannot drop one sheet from the inputs, so it must not stop the run."""
    path = tmp_path / "cm.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Notes").write(0, 0, "Exported by Contoso IT on 2026-11-20")
    devices = book.add_worksheet("Devices")
    devices.write_row(0, 0, CM_HEADER.split(","))
    devices.write_row(1, 0, ["PC1", *CM_ROW.split(",")])
    book.close()
    forced = run_pipeline(forced=((SourceKind.CONFIGMGR, path),))  # --source: the same
    assert forced.devices["device_name"].tolist() == ["PC1"]
    assert [i[1] for i in issues_of(forced) if "not read" in i[3]] == ["Notes"]
    result = run_pipeline(path)
    assert result.devices["device_name"].tolist() == ["PC1"]
    [(file, sheet, row, issue)] = [i for i in issues_of(result) if "not read" in i[3]]
    assert (file, sheet, row) == ("cm.xlsx", "Notes", None)
    assert issue.startswith("sheet not read: the headers of its 1 column(s) are not those of an")
    assert "Exported by" not in issue  # nothing of a table that is no export is copied
    assert {i[1] for i in issues_of(result)} == {"Notes"}  # nothing about the export itself


def test_a_readme_inside_a_zipped_exports_folder_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "exports.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("exports/cm.csv", f"{CM_HEADER}\r\nPC1,{CM_ROW}\r\n")
        archive.writestr("exports/README.txt", "Pulled 2026-11-20 by IT.\nAll sites.\n")
    result = run_pipeline(path)
    assert result.devices["device_name"].tolist() == ["PC1"]
    [issue] = [i[3] for i in issues_of(result) if "not read" in i[3]]
    assert issue.startswith("file not read: the headers of its 1 column(s) are not those of")
    assert "Pulled" not in issue
    assert issue.endswith("If it is an export, extract it from the zip and name it with --source")


def test_workbook_with_no_recognised_sheet_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Notes").write_row(0, 0, ["Owner", "Comment"])
    book.worksheets()[0].write_row(1, 0, ["IT", "quarterly"])
    book.close()
    assert_one_paragraph(
        cli(tmp_path, path), "notes.xlsx, sheet 'Notes': is not a recognised export"
    )


def test_merged_cells_and_hidden_sheets(tmp_path: Path) -> None:
    """Decisions: a merged range below the header fills every cell it covers (as Excel shows
    it); merges in the title or header rows stay as stored. Hidden sheets are read like the
    others, with a note in Data issues."""
    path = tmp_path / "cm.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Devices")
    sheet.merge_range("A1:C1", "All Systems report")
    sheet.write_row(2, 0, ["Name0", "Site_Code", "Client0"])
    sheet.write_column(3, 0, ["PC1", "PC2", "PC3"])
    sheet.merge_range("B4:B5", "P01")
    sheet.write("B6", "C01")
    sheet.write_column(3, 2, [1, 1, 0])
    hidden = book.add_worksheet("Intune")
    hidden.write_row(0, 0, ["Device name", "Managed by", "Last check-in", "OS"])
    hidden.write_row(1, 0, ["PC1", "Co-managed", "2026-11-20 10:00:00", "Windows"])
    hidden.hide()
    book.close()
    notes: list[tuple[str, str | None, str]] = []
    cm, intune = read_tables(path, header_score, note=lambda *n: notes.append(n))
    assert cm.frame["Site_Code"].tolist() == ["P01", "P01", "C01"]
    assert cm.frame["Name0"].tolist() == ["PC1", "PC2", "PC3"]
    assert cm.rows.tolist() == [4, 5, 6]
    assert intune.sheet == "Intune" and intune.frame["Device name"].tolist() == ["PC1"]
    assert notes == [
        (
            str(path),
            "Devices",
            "1 merged cell range(s) below the header; each one's value was copied into every "
            "cell it covers, as Excel shows it",
        ),
        (str(path), "Intune", "the sheet is hidden in the workbook; it was read like the visible sheets"),
    ]  # fmt: skip
    result = run_pipeline(path)
    assert result.devices["Site"].tolist() == ["P01", "P01", "C01"]
    assert result.devices["In Intune"].tolist() == [True, False, False]


def test_dates_as_excel_serials_and_as_text_in_three_locales(tmp_path: Path) -> None:
    path = tmp_path / "intune.xlsx"
    book = xlsxwriter.Workbook(path)
    date_format = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    header = ["Device name", "Managed by", "Last check-in", "OS"]
    sheets = {
        "serial": [46346.4375, "date-cell"],  # a number, and a date-formatted cell
        "us": ["11/20/2026 10:30 AM", "2/3/2026 4:05 PM"],
        "uk": ["20/11/2026 10:30", "03/02/2026 16:05"],
        "de": ["20.11.2026 10:30", "03.02.2026 16:05"],
    }
    for name, values in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, header)
        for row, value in enumerate(values, start=1):
            sheet.write_row(row, 0, [f"{name}-{row}", "Intune"])
            if value == "date-cell":
                sheet.write_datetime(row, 2, pd.Timestamp("2026-02-03 16:05").to_pydatetime(),
                                     date_format)  # fmt: skip
            else:
                sheet.write(row, 2, value)
            sheet.write(row, 3, "Windows")
    book.close()
    parsed = {}
    for table in read_tables(path, header_score):
        source = normalise(table, identify(table), DataIssues())
        parsed[table.sheet] = source.canonical["last_checkin"].dt.strftime("%Y-%m-%d %H:%M")
    expected = ["2026-11-20 10:30", "2026-02-03 16:05"]
    assert {name: values.tolist() for name, values in parsed.items()} == dict.fromkeys(
        sheets, expected
    )


def test_guids_in_braces_and_upper_case_link(tmp_path: Path) -> None:
    device_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    cm = tmp_path / "cm.csv"
    cm.write_text(
        f"Name0,Client0,AADDeviceID\r\nLAPTOP-X,1,{{{device_id.upper()}}}\r\n", encoding="utf-8"
    )
    intune = tmp_path / "intune.csv"
    intune.write_text(
        "Device name,Managed by,Microsoft Entra Device ID,OS\r\n"
        f"Laptop-Renamed,Intune,{device_id.upper().replace('-', '')},Windows\r\n",
        encoding="utf-8",
    )
    entra = tmp_path / "entra.csv"
    entra.write_text(
        "displayName,deviceId,joinType (trustType),operatingSystem\r\n"
        f"laptop-x,urn:uuid:{device_id},Microsoft Entra hybrid joined,Windows\r\n",
        encoding="utf-8",
    )
    result = run_pipeline(cm, intune, entra)
    assert result.devices["device_id"].tolist() == [device_id]
    flags = result.devices[["In ConfigMgr", "In Intune", "In Entra"]].iloc[0].tolist()
    assert flags == [True, True, True]


def test_device_names_with_unicode_spaces_commas_and_quotes(tmp_path: Path) -> None:
    names = ["Zoë's PC", "PC, Finance", 'Desk "7"', "會議室 PC", "  padded  ", "PC\nTwo lines"]
    cm = cm_csv(tmp_path / "cm.csv", *names)
    result = cli(tmp_path, cm)
    assert result.exit_code == 0, result.output
    devices = read_csv(tmp_path / "out" / "devices.csv")
    # Values are trimmed of surrounding spaces; everything else survives the round trip.
    assert [d["device_name"] for d in devices] == [
        "Zoë's PC", "PC, Finance", 'Desk "7"', "會議室 PC", "padded", "PC\nTwo lines"
    ]  # fmt: skip


# ---------------------------------------------------------------- hostile content


HOSTILE = {
    '=HYPERLINK("http://evil.example","x")': "equals",
    "+1+cmd|' /C calc'!A0": "plus",
    "-2+3": "minus",
    "@SUM(A1:A2)": "at",
    "\t=1+1": "tab",
    "\r=1+1": "cr",
}


def test_formula_looking_cells_stay_text_in_every_output(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    ids = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(len(HOSTILE))]
    intune_rows = [
        "Device ID,Device name,Managed by,Last check-in,Microsoft Entra Device ID,OS,"
        "OS version,Primary user UPN,SkuFamily,JoinType"
    ]
    for (text, _), device_id in zip(HOSTILE.items(), ids, strict=True):
        values = (text, text, "Intune", "2026-11-20", device_id, *[text] * 5)
        intune_rows.append(",".join(_quote(v) for v in values))
    (folder / "intune.csv").write_text("\r\n".join(intune_rows) + "\r\n", encoding="utf-8")
    result = runner.invoke(
        app, ["audit", str(folder), "--out", str(tmp_path / "out"), "--as-of", "2026-11-26",
              "-q", "--title", "=cmd|' /C calc'!A0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("devices.csv", "findings.csv"):
        with (tmp_path / "out" / name).open(encoding="utf-8-sig", newline="") as handle:
            cells = [value for row in csv.reader(handle) for value in row]
        risky = [value for value in cells if value.startswith(FORMULA_STARTS)]
        assert risky == [], name
    # Values are trimmed (so tab and CR first become `=` first), then quoted.
    defused = sorted("'" + t.strip() for t in HOSTILE)
    devices = read_csv(tmp_path / "out" / "devices.csv")
    assert sorted(d["device_name"] for d in devices) == defused
    findings = read_csv(tmp_path / "out" / "findings.csv")
    assert {f["device_name"] for f in findings} == set(defused)
    # The workbook: every hostile value is a string cell, and no formula came from the input.
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for item in row:
                if item.data_type == "f":
                    assert not any(t.strip() in str(item.value) for t in HOSTILE), item.value
                elif isinstance(item.value, str):
                    # xlsxwriter stores a CR as Excel's `_x000D_` escape; openpyxl leaves it.
                    value = item.value.replace("_x000D_", "\r")
                    if value in HOSTILE:
                        assert item.data_type == "s"
                        seen.add(value)
    assert seen == set(HOSTILE)


def test_defuse_csv_covers_every_text_dtype() -> None:
    frame = pd.DataFrame(
        {
            "object": pd.Series(["=1+1", "ok", None], dtype=object),
            "string": pd.Series(["+1", "ok", None], dtype="string"),
            "arrow": pd.Series(["-1", "ok", None], dtype=pd.StringDtype("pyarrow")),
            "category": pd.Series(["@x", "ok", "@x"], dtype="category"),
            "message": pd.Series(["\tHYPERLINK()", "\r=2", "Primary user =a has"], dtype="string"),
            "number": pd.Series([-1, 2, 3]),
        }
    )
    safe = defuse_csv(frame)
    assert safe.astype("string").fillna("<NA>").values.tolist() == [
        ["'=1+1", "'+1", "'-1", "'@x", "'\tHYPERLINK()", "-1"],
        ["ok", "ok", "ok", "ok", "'\r=2", "2"],
        ["<NA>", "<NA>", "<NA>", "'@x", "Primary user =a has", "3"],
    ]
    assert frame["object"].tolist() == ["=1+1", "ok", None]  # the input is not changed


def test_defuse_csv_leaves_its_input_and_safe_columns_alone() -> None:
    """Only the columns holding a formula-like value are replaced, in the copy."""
    frame = pd.DataFrame(
        {
            "str": pd.Series(["=cmd|' /C calc'!A0", "ok", None], dtype="str"),
            "safe": pd.Series(["a-1", "b", None], dtype="string"),
        }
    )
    before = frame.copy()
    safe = defuse_csv(frame)
    assert safe["str"].fillna("<NA>").tolist() == ["'=cmd|' /C calc'!A0", "ok", "<NA>"]
    pd.testing.assert_series_equal(safe["safe"], before["safe"])
    pd.testing.assert_frame_equal(frame, before)


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


@pytest.mark.parametrize(
    ("prolog", "value"),
    [
        (BILLION_LAUGHS, "&lol3;"),
        ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
        ('<!DOCTYPE x SYSTEM "http://evil.example/x.dtd">', "PC1"),
        ("<!-- padding -->" + " " * 100_000 + BILLION_LAUGHS, "&lol3;"),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "after-100-kb-of-padding"],
)
def test_xml_entities_are_refused(tmp_path: Path, prolog: str, value: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = crafted_xlsx(
        tmp_path / "evil.xlsx",
        CM_CELLS.format(name=value),
        prolog=prolog.format(secret=secret),
    )
    assert_one_paragraph(
        cli(tmp_path, path),
        "evil.xlsx: contains an XML document type declaration (<!DOCTYPE> or <!ENTITY>) in "
        "'xl/worksheets/sheet1.xml'",
        "the file was not read",
    )
    assert not (tmp_path / "out").exists()


def test_dtd_after_leading_whitespace_without_a_declaration(tmp_path: Path) -> None:
    path = crafted_xlsx(
        tmp_path / "evil.xlsx",
        CM_CELLS.format(name="&lol3;"),
        prolog=" " * 600_000 + BILLION_LAUGHS,
        declaration=False,
    )
    assert_one_paragraph(cli(tmp_path, path), "evil.xlsx: contains an XML document type")


def test_calamine_itself_never_expands_entities(tmp_path: Path) -> None:
    """Belt and braces: even unguarded, calamine (quick-xml) refuses undeclared entities."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    for prolog, value in (
        (BILLION_LAUGHS, "&lol3;"),
        (f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
    ):
        path = crafted_xlsx(tmp_path / "evil.xlsx", CM_CELLS.format(name=value), prolog=prolog)
        workbook = CalamineWorkbook.from_path(str(path))
        with pytest.raises(Exception, match="unrecognized entity"):
            workbook.get_sheet_by_name("Devices").to_python()


def zip_with_member(path: Path, member: str, data: bytes, declared: int | None = None) -> Path:
    """A zip holding one member; `declared` overwrites its uncompressed size in the headers."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    if declared is not None:
        raw = bytearray(path.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = raw.find(signature)
            raw[at + offset : at + offset + 4] = declared.to_bytes(4, "little")
        path.write_bytes(bytes(raw))
    return path


def test_zip_declaring_gigabytes_is_refused_before_inflating(tmp_path: Path) -> None:
    path = zip_with_member(
        tmp_path / "intune.zip", "devices.csv", b"Device name\r\nPC1\r\n", declared=3 << 30
    )
    assert_one_paragraph(
        cli(tmp_path, path),
        "intune.zip: would unzip to 3,072 MB, more than the input size limit of 2,048 MB.",
        "If the file is genuine, raise the limit with --max-input-mb 3073.",
    )


def test_highly_compressed_member_is_a_zip_bomb(tmp_path: Path) -> None:
    zeros = b"0" * (60 * read.MB)
    path = zip_with_member(tmp_path / "intune.zip", "devices.csv", zeros)
    assert path.stat().st_size < 100_000
    assert_one_paragraph(
        cli(tmp_path, path),
        "intune.zip: looks like a zip bomb: 'devices.csv' would inflate",
        "to 60 MB (real exports compress less than 200 times)",
    )


def test_xlsx_bomb_is_refused(tmp_path: Path) -> None:
    padding = " " * (60 * read.MB)
    path = crafted_xlsx(tmp_path / "bomb.xlsx", CM_CELLS.format(name="PC1") + padding)
    assert_one_paragraph(cli(tmp_path, path), "bomb.xlsx: looks like a zip bomb")


def test_zip_directory_that_understates_a_size(tmp_path: Path) -> None:
    body = b"Device name,Managed by\r\n" + b"PC1,Intune\r\n" * 10_000
    path = zip_with_member(tmp_path / "intune.zip", "devices.csv", body, declared=100)
    assert_one_paragraph(
        cli(tmp_path, path),
        "intune.zip: is damaged: 'devices.csv' does not inflate to what the zip directory says",
    )


def test_xlsx_directory_that_understates_a_size(tmp_path: Path) -> None:
    path = good_xlsx(tmp_path / "cm.xlsx")
    raw = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = raw.find(signature)
        while raw[at + name_at : at + name_at + len(name)] != name:
            at = raw.find(signature, at + 1)
        raw[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    assert_one_paragraph(
        cli(tmp_path, path),
        "cm.xlsx: is damaged: 'xl/worksheets/sheet1.xml' does not inflate to what the zip "
        "directory says",
    )


def test_max_input_mb_limits_plain_files_and_can_be_raised(tmp_path: Path) -> None:
    names = [f"PC{n:07d}" for n in range(40_000)]
    cm = cm_csv(tmp_path / "cm.csv", *names)
    assert 2 * read.MB < cm.stat().st_size < 3 * read.MB
    assert_one_paragraph(
        cli(tmp_path, cm, args=("--max-input-mb", "1")),
        "cm.csv: is ",
        "more than the input size limit of 1.0 MB.",
        "raise the limit with --max-input-mb 4.",
    )
    result = cli(tmp_path, cm, args=("--max-input-mb", "4"))
    assert result.exit_code == 0, result.output
    assert AuditOptions(inputs=()).max_input_mb == DEFAULT_MAX_INPUT_MB == 2048


def test_stray_far_cell_is_refused_before_calamine_allocates_it(tmp_path: Path) -> None:
    """One cell in A1 and one in XFD1048576: calamine would allocate 512 GB and abort."""
    rows = CM_CELLS.format(name="PC1") + '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"
    path = crafted_xlsx(tmp_path / "sparse.xlsx", rows)
    assert path.stat().st_size < 2_000
    assert_one_paragraph(
        cli(tmp_path, path),
        "sparse.xlsx, sheet 'Devices': the sheet's used range is 1,048,576 rows by 16,384 "
        "columns, more cells than the input size limit allows (67,108,864).",
        "press Ctrl+End to find the stray cell",
    )


def test_stray_far_cell_in_a_workbook_inside_a_zip_is_refused(tmp_path: Path) -> None:
    rows = CM_CELLS.format(name="PC1") + '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"
    book = crafted_xlsx(tmp_path / "sparse.xlsx", rows)
    path = zip_with_member(tmp_path / "exports.zip", "in/sparse.xlsx", book.read_bytes())
    book.unlink()
    assert_one_paragraph(
        cli(tmp_path, path),
        "exports.zip!in/sparse.xlsx, sheet 'Devices': the sheet's used range is 1,048,576 rows "
        "by 16,384 columns",
    )


@pytest.mark.parametrize("member", ["inner.zip.xlsx", "inner.ods", "inner.xlsb"])
def test_a_zip_inside_a_zip_is_not_opened(tmp_path: Path, member: str) -> None:
    """Whatever the member is called: nesting is how zip bombs multiply."""
    inner = zip_with_member(
        tmp_path / "inner.zip", "cm.csv", f"{CM_HEADER}\r\nPC1,{CM_ROW}\r\n".encode()
    )
    path = zip_with_member(tmp_path / "outer.zip", f"in/{member}", inner.read_bytes())
    inner.unlink()
    text = assert_one_paragraph(cli(tmp_path, path), f"outer.zip!in/{member}: ")
    assert "PC1" not in text


def test_stray_far_cell_without_references_is_refused(tmp_path: Path) -> None:
    """Cells and rows without `r` take the next position, so they are counted too."""
    wide = "<row>" + "<c><v>1</v></c>" * 16_384 + "</row>"
    rows = CM_CELLS.format(name="PC1") + wide + "<row/>" * 5_000
    path = crafted_xlsx(tmp_path / "wide.xlsx", rows)
    assert_one_paragraph(
        cli(tmp_path, path, args=("--max-input-mb", "1")),
        "wide.xlsx, sheet 'Devices': the sheet's used range is 5,003 rows by 16,386 columns",
    )


@pytest.mark.parametrize(
    "reference",
    ["r='XFD1048576'", 'r = "XFD1048576"', "r=\"A3\" r='XFD1048576'", 'r="xfd001048576"'],
    ids=["single-quoted", "spaced", "repeated", "lower-case-zeros"],
)
def test_stray_far_cell_written_unusually_is_refused(tmp_path: Path, reference: str) -> None:
    """Calamine reads these references too (a repeated one: the last), so they are measured."""
    far = f'<row r="3"><c {reference} t="inlineStr"><is><t>x</t></is></c></row>'
    path = crafted_xlsx(tmp_path / "odd.xlsx", CM_CELLS.format(name="PC1") + far)
    assert_one_paragraph(
        cli(tmp_path, path),
        "odd.xlsx, sheet 'Devices': the sheet's used range is 1,048,576 rows by 16,384 columns",
    )


@pytest.mark.parametrize(("claimed", "refused"), [("4000000000", True), ("2", False)])
def test_shared_strings_claiming_billions_are_refused_before_calamine_reserves_them(
    tmp_path: Path, claimed: str, refused: bool
) -> None:
    """Calamine reserves 24 bytes per claimed string first: 96 GB here, and the process aborts."""
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="2" uniqueCount="{claimed}"><si><t>Name0</t></si><si><t>PC1</t></si></sst>'
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    )
    path = crafted_xlsx(tmp_path / "sst.xlsx", rows, shared_strings=strings)
    if refused:
        assert_one_paragraph(
            cli(tmp_path, path),
            "sst.xlsx: is damaged or crafted: its shared strings table ('xl/sharedStrings.xml') "
            "claims 4,000,000,000 strings",
        )
    else:  # the same workbook with a true count reads
        [table] = read_tables(path, header_score)
        assert table.frame["Name0"].tolist() == ["PC1"]


def test_a_cell_that_makes_calamine_panic_is_a_clear_error(tmp_path: Path) -> None:
    """A duration of -1e300 days panics inside calamine; pyo3 raises that as a BaseException."""
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="46" applyNumberFormat="1"/>'
        "</cellXfs></styleSheet>"
    )
    rows = CM_CELLS.format(name="PC1") + '<row r="3"><c r="B3" s="1"><v>-1e300</v></c></row>'
    path = crafted_xlsx(tmp_path / "panic.xlsx", rows, styles=styles)
    assert_one_paragraph(
        cli(tmp_path, path),
        "panic.xlsx, sheet 'Devices': could not be read (",
        "Open it in Excel and save it",
    )


def test_names_from_the_input_never_become_paths(tmp_path: Path) -> None:
    inputs = tmp_path / "deep" / "in"
    inputs.mkdir(parents=True)
    crafted_xlsx(inputs / "cm.xlsx", CM_CELLS.format(name="../../x"), sheet="../../x")
    zip_with_member(
        inputs / "intune.zip",
        "../../../evil.csv",
        b"Device name,Managed by,OS\r\n../../y,Intune,Windows\r\n",
    )
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "deep" / "out"
    result = runner.invoke(app, ["audit", str(inputs), "--out", str(out), "-q", "--as-of",
                                 "2026-11-26"])  # fmt: skip
    assert result.exit_code == 0, result.output
    created = {p for p in tmp_path.rglob("*")} - before
    manifest = out / ".comanage-audit-manifest.json"  # the set's manifest, a fixed name
    assert created == {out, manifest, *(out / name for name in OUTPUTS)}
    summary = json.loads((out / "summary.json").read_text())
    assert [(r["path"].removeprefix(f"{inputs}/"), r["sheet"]) for r in summary["inputs"]] == [
        ("cm.xlsx", "../../x"), ("intune.zip!../../../evil.csv", None)
    ]  # fmt: skip


def test_markup_like_text_in_messages_is_printed_literally(tmp_path: Path) -> None:
    path = tmp_path / "[bold]notes[red].csv"
    path.write_text("[red]Colour[/red],Size\r\nred,3\r\n", encoding="utf-8")
    assert_one_paragraph(
        cli(tmp_path, path), "[bold]notes[red].csv: is not a recognised export", "[red]Colour[/red]"
    )


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = cli(tmp_path, tmp_path / "empty.csv", args=("--debug",))
    assert isinstance(result.exception, InputError)
    assert result.exit_code == 1  # the exception escaped, as --debug asks


def test_a_bug_is_one_paragraph_with_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr("comanage_audit.fleet.link", broken)
    text = assert_one_paragraph(
        cli(tmp_path, FIXTURES / "cm.csv"), "internal error (ValueError: boom)", code=3
    )
    assert "run again with --debug" in text


# ---------------------------------------------------------------- partial and conflicting data


def test_device_in_intune_but_not_in_entra(tmp_path: Path) -> None:
    result = run_pipeline(FIXTURES / "intune.csv", FIXTURES / "entra.csv")
    devices = result.devices.set_index("device_name")
    pc3 = devices.loc["PC3"]
    assert [bool(pc3["In Intune"]), bool(pc3["In Entra"])] == [True, False]
    # Intune's join type still answers ENTRA-001; ENTRA-002 (the Entra object) cannot apply.
    assert [pc3["ENTRA-001"], pc3["ENTRA-002"], pc3["readiness"]] == ["pass", "n/a", "co-managed"]


def test_same_entra_device_id_on_two_names_is_reported_not_merged(tmp_path: Path) -> None:
    shared = "12345678-1234-4234-8234-123456789abc"
    entra = tmp_path / "entra.csv"
    entra.write_text(
        "displayName,deviceId,joinType (trustType),operatingSystem,approximateLastSignInDateTime\r\n"
        f"PC-ALPHA,{shared},Microsoft Entra joined,Windows,2026-11-20T00:00:00Z\r\n"
        f"PC-OTHER,99999999-1234-4234-8234-123456789abc,Microsoft Entra joined,Windows,2026-11-20T00:00:00Z\r\n"
        f"PC-BRAVO,{shared.upper()},Microsoft Entra joined,Windows,2026-11-21T00:00:00Z\r\n",
        encoding="utf-8",
    )
    intune = tmp_path / "intune.csv"
    intune.write_text(
        "Device name,Managed by,Microsoft Entra Device ID,OS\r\n"
        f"PC-BRAVO,Intune,{shared},Windows\r\n",
        encoding="utf-8",
    )
    result = run_pipeline(entra, intune)
    devices = result.devices.set_index("device_name")
    assert sorted(devices.index) == ["PC-ALPHA", "PC-BRAVO", "PC-OTHER"]
    # The id links nothing now; the Intune record still finds PC-BRAVO by its name.
    assert bool(devices.loc["PC-BRAVO", "In Intune"]) and not devices.loc["PC-ALPHA", "In Intune"]
    message = (
        "the same Microsoft Entra device id is on Microsoft Entra devices records with "
        "different names (PC-ALPHA at row 2, PC-BRAVO at row 4); they were kept as separate "
        "devices, not merged. Find out which record is current and fix or remove the other"
    )
    assert [i for i in issues_of(result) if "same Microsoft Entra device id" in i[3]] == [
        ("entra.csv", "", 2, message),
        ("entra.csv", "", 4, message),
    ]
    assert [(r.rows_read, r.rows_linked, r.rows_duplicate) for r in result.inputs] == [
        (3, 3, 0), (1, 1, 0)
    ]  # fmt: skip


def test_configmgr_exports_from_two_hierarchies(tmp_path: Path) -> None:
    header = f"{CM_HEADER},Site_Code,LastActiveTime"
    (tmp_path / "p01.csv").write_text(
        f"{header}\r\nPC1,{CM_ROW},P01,2026-11-20\r\nSHARED,{CM_ROW},P01,2026-01-01\r\n",
        encoding="utf-8",
    )
    (tmp_path / "c01.csv").write_text(
        f"{header}\r\nPC2,{CM_ROW},C01,2026-11-20\r\nSHARED,{CM_ROW},C01,2026-11-25\r\n",
        encoding="utf-8",
    )
    result = run_pipeline(tmp_path / "c01.csv", tmp_path / "p01.csv")
    devices = result.devices.set_index("device_name")
    assert devices["Site"].to_dict() == {"PC2": "C01", "SHARED": "C01", "PC1": "P01"}
    assert [(Path(r.path).name, r.rows_read, r.rows_linked, r.rows_duplicate) for r in
            result.inputs] == [("c01.csv", 2, 2, 0), ("p01.csv", 2, 1, 1)]  # fmt: skip
    assert [i for i in issues_of(result) if "duplicate" in i[3]] == [
        (
            "p01.csv",
            "",
            3,
            "duplicate Configuration Manager devices record of the same device; kept the more "
            f"recently active record at {tmp_path / 'c01.csv'} row 3",  # the other file's row
        )
    ]
    tenant = result.tenant.set_index("check_id")
    assert tenant.loc["TEN-002", "status"] == "unknown"


def test_the_same_export_given_twice_says_so_once(tmp_path: Path) -> None:
    text = f"{CM_HEADER}\r\nPC1,{CM_ROW}\r\nPC2,{CM_ROW}\r\n"
    for name in ("cm.csv", "cm (1).csv"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_pipeline(tmp_path / "cm.csv", tmp_path / "cm (1).csv")
    assert sorted(result.devices["device_name"]) == ["PC1", "PC2"]
    issues = issues_of(result)
    assert issues[0] == (
        "cm (1).csv",
        "",
        None,
        f"has the same content as {tmp_path / 'cm.csv'} (identical SHA-256): the same export "
        "was given twice, so each of its records is also reported as a duplicate",
    )
    assert [(i[0], i[2]) for i in issues[1:]] == [("cm (1).csv", 2), ("cm (1).csv", 3)]


def test_unknown_licence_product_is_a_data_issue(tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text(
        "User principal name,Display name,Licenses\r\n"
        "jdoe@contoso.com,J Doe,Microsoft 365 E3+Contoso Quantum Suite\r\n"
        "amy@contoso.com,Amy,Microsoft 365 E3\r\n",
        encoding="utf-8",
    )
    result = run_pipeline(FIXTURES / "intune.csv", users)
    assert [i for i in issues_of(result) if "licence" in i[3]] == [
        (
            "users.csv",
            "",
            2,
            "licence product not in the reference table: Contoso Quantum Suite (pass a newer "
            "Microsoft licensing CSV with --licence-catalogue)",
        )
    ]
    summary_inputs = [(Path(r.path).name, r.rows_read, r.rows_linked) for r in result.inputs]
    assert ("users.csv", 2, 2) in summary_inputs
