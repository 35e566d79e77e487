"""Reading exports as text: encodings, delimiters, quoting, title rows, xlsx and zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from comanage_audit.errors import InputError
from comanage_audit.ingest.read import discover, make_unique, read_tables, sniff_delimiter
from comanage_audit.ingest.sources import header_score

HEADER = ["Device name", "OS", "OS version", "Primary user UPN"]
ROWS = [
    ["Café-PC", "Windows", "10.0.19045.6036", "zoë@contoso.com"],
    ["PC,2", "Windows", "10.0.22631.1", ""],
]


def csv_text(delimiter: str = ",") -> str:
    def quote(cell: str) -> str:
        return f'"{cell}"' if delimiter in cell or '"' in cell or "\n" in cell else cell

    lines = [delimiter.join(quote(c) for c in row) for row in [HEADER, *ROWS]]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("cp1252", b""),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "cp1252"],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_encodings_and_delimiters(
    tmp_path: Path, encoding: str, prefix: bytes, delimiter: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(prefix + csv_text(delimiter).encode(encoding))
    [table] = read_tables(path, header_score)
    assert list(table.frame.columns) == HEADER
    assert table.frame["Device name"].tolist() == ["Café-PC", "PC,2"]
    assert table.frame["Primary user UPN"].tolist() == ["zoë@contoso.com", ""]
    assert table.rows.tolist() == [2, 3]
    assert len(table.sha256) == 64


def test_classic_mac_line_ends(tmp_path: Path) -> None:
    """Excel's "CSV (Macintosh)" ends lines with CR alone."""
    path = tmp_path / "mac.csv"
    path.write_bytes(csv_text().replace("\r\n", "\r").encode("utf-8"))
    [table] = read_tables(path, header_score)
    assert list(table.frame.columns) == HEADER
    assert table.frame["Device name"].tolist() == ["Café-PC", "PC,2"]
    assert table.rows.tolist() == [2, 3]


def test_quoted_fields_with_delimiters_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(
        'Device name,Notes\r\n"PC ""7""","line one\nline, two"\r\nPC8,x\r\n', encoding="utf-8"
    )
    [table] = read_tables(path, header_score)
    assert table.frame["Device name"].tolist() == ['PC "7"', "PC8"]
    assert table.frame["Notes"].tolist() == ["line one\nline, two", "x"]


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        "All Systems report\r\nGenerated 2026-11-20\r\n\r\nName0,Client0\r\nPC1,1\r\n",
        encoding="utf-8",
    )
    [table] = read_tables(path, header_score)
    assert list(table.frame.columns) == ["Name0", "Client0"]
    assert table.frame["Name0"].tolist() == ["PC1"]
    assert table.rows.tolist() == [5]


def test_row_with_too_many_fields_is_rejected_with_its_row_number(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("Name0,Client0\r\nPC1,1\r\nPC2,1,extra\r\nPC3,0\r\n", encoding="utf-8")
    [table] = read_tables(path, header_score)
    assert table.frame["Name0"].tolist() == ["PC1", "PC3"]
    assert table.rows.tolist() == [2, 4]
    assert table.rejected["row"].tolist() == [3]
    assert "3 fields but the header has 2" in table.rejected["reason"].iloc[0]


def test_blank_lines_are_not_records_but_keep_numbering(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("Name0,Client0\r\nPC1,1\r\n\r\nPC3,0\r\n,\r\n", encoding="utf-8")
    [table] = read_tables(path, header_score)
    assert table.frame["Name0"].tolist() == ["PC1", "PC3"]
    assert table.rows.tolist() == [2, 4]


def test_xlsx_title_rows_every_sheet_and_typed_cells(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "cm.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Devices")
    sheet.write(0, 0, "All Systems - Co-management readiness")
    sheet.write_row(2, 0, ["Name0", "Client0", "Creation_Date0", "ResourceID", ""])
    sheet.write_row(3, 0, ["PC1", 1, None, 16777220])
    sheet.write_datetime(
        3, 2, dt.datetime(2024, 5, 1, 13, 45), book.add_format({"num_format": "yyyy-mm-dd"})
    )
    sheet.write_row(4, 0, ["PC2", 0, None, 16777221.0])
    book.add_worksheet("Empty")
    other = book.add_worksheet("Users")
    other.write_row(0, 0, ["User principal name", "Licenses"])
    other.write_row(1, 0, ["a@contoso.com", "Microsoft 365 E3"])
    book.close()
    tables = read_tables(path, header_score)
    assert [t.sheet for t in tables] == ["Devices", "Users"]
    devices = tables[0]
    assert list(devices.frame.columns) == ["Name0", "Client0", "Creation_Date0", "ResourceID"]
    assert devices.frame["Client0"].tolist() == ["1", "0"]
    assert devices.frame["ResourceID"].tolist() == ["16777220", "16777221"]
    assert devices.frame["Creation_Date0"].tolist() == ["2024-05-01 13:45:00", ""]
    assert devices.rows.tolist() == [4, 5]


def test_xlsx_cells_of_every_type_read_as_the_text_excel_shows(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Devices")
    sheet.write_row(0, 0, ["Name0", "Active0", "Ratio", "Serial", "Notes"])
    sheet.write_row(1, 0, ["PC1", True, 1.5, 1e16])
    sheet.write_row(2, 0, ["PC2", False, 2.0, 12345678901234])
    sheet.write_row(3, 0, ["PC3", "yes", "n/a"])  # text among typed cells
    book.close()
    [table] = read_tables(path, header_score)
    frame = table.frame
    assert frame["Active0"].tolist() == ["True", "False", "yes"]
    assert frame["Ratio"].tolist() == ["1.5", "2", "n/a"]
    assert frame["Serial"].tolist() == ["1e+16", "12345678901234", ""]
    assert frame["Notes"].tolist() == ["", "", ""]  # a titled column stays, even when blank
    assert all(str(dtype) == "string" for dtype in frame.dtypes)


def one_device_workbook(path: Path, header_row: int = 0) -> Path:
    """Sheet 'Devices': Name0, Client0 on `header_row` (0-based), PC1, 1 below it."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Devices")
    sheet.write_row(header_row, 0, ["Name0", "Client0"])
    sheet.write_row(header_row + 1, 0, ["PC1", 1])
    book.close()
    return path


def test_report_starting_below_the_header_search_rows_is_still_read(tmp_path: Path) -> None:
    """Blank rows above a report (here 40) must not hide it: nothing is skipped quietly."""
    book_path = one_device_workbook(tmp_path / "low.xlsx", header_row=39)
    [sheet] = read_tables(book_path, header_score)
    assert list(sheet.frame.columns) == ["Name0", "Client0"]
    assert sheet.frame["Name0"].tolist() == ["PC1"]
    assert sheet.rows.tolist() == [41]
    csv_path = tmp_path / "low.csv"
    csv_path.write_text("\r\n" * 40 + "Name0,Client0\r\nPC1,1\r\n", encoding="utf-8")
    [table] = read_tables(csv_path, header_score)
    assert table.frame["Name0"].tolist() == ["PC1"]
    assert table.rows.tolist() == [42]


def test_zip_from_the_intune_admin_center(tmp_path: Path) -> None:
    path = tmp_path / "DevicesWithInventory_1234.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("DevicesWithInventory_1234.csv", "\ufeff" + csv_text())
    [table] = read_tables(path, header_score)
    assert table.member == "DevicesWithInventory_1234.csv"
    assert table.name.endswith(".zip!DevicesWithInventory_1234.csv")
    assert table.frame["Device name"].tolist() == ["Café-PC", "PC,2"]


def test_a_zipped_exports_folder_reads_its_workbooks_too(tmp_path: Path) -> None:
    """Workbooks inside a zip used to be skipped without a word (their devices missing)."""
    book = one_device_workbook(tmp_path / "cm.xlsx")
    path = tmp_path / "exports.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(book, "exports/cm.xlsx")
        archive.writestr("exports/users.csv", "\ufeff" + csv_text())
        archive.writestr("exports/notes.pdf", b"%PDF-1.7 not a table")
        archive.writestr("__MACOSX/exports/._users.csv", b"\x00\x05\x16\x07 Mac fork")
    notes: list[tuple[str, str | None, str]] = []
    tables = read_tables(path, header_score, note=lambda *n: notes.append(n))
    assert [(t.name, t.sheet) for t in tables] == [
        (f"{path}!exports/cm.xlsx", "Devices"),
        (f"{path}!exports/users.csv", None),
    ]
    assert tables[0].frame["Name0"].tolist() == ["PC1"]
    assert notes == [
        (
            str(path),
            None,
            "'exports/notes.pdf' inside the zip was not read: only CSV, text and .xlsx files are",
        )
    ]


def test_binary_file_named_csv_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary")
    with pytest.raises(InputError, match=r"report\.csv: is not a text table"):
        read_tables(path, header_score)


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: is empty"):
        read_tables(path, header_score)


def test_discover_expands_folders_and_skips_lock_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("a.csv", "sub/b.xlsx", "~$b.xlsx", "notes.md", "c.zip"):
        (tmp_path / name).write_text("x")
    found = discover([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.csv", "c.zip", "sub/b.xlsx"]
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "missing"])


def test_duplicate_and_blank_headers_stay_distinct() -> None:
    assert make_unique(["Name", "name", "", "OS"]) == ["Name", "name (2)", "Column 3", "OS"]


def test_sniffer_prefers_the_consistent_delimiter() -> None:
    assert sniff_delimiter(["a;b;c", "1;2,5;3"]) == ";"
    assert sniff_delimiter(["a,b", "1,2"]) == ","


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"])
def test_records_after_multibyte_title_rows_keep_every_character(
    tmp_path: Path, bom: bytes
) -> None:
    # The records are handed to Arrow as the file's own bytes from where the header ends;
    # multi-byte characters and BOMs before it must not shift that point by a single byte.
    path = tmp_path / "report.csv"
    title = "Rapport über Geräte 😀 — Zoë's Büro\r\n\r\n"
    path.write_bytes(bom + (title + csv_text()).encode("utf-8"))
    [table] = read_tables(path, header_score)
    assert list(table.frame.columns) == HEADER
    assert table.frame.values.tolist() == ROWS
    assert table.rows.tolist() == [4, 5]


def test_utf8_bom_file_with_broken_bytes_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    data = b"\xef\xbb\xbf" + csv_text().encode("utf-8").replace("Café".encode(), b"Caf\xe9")
    path.write_bytes(data)
    [table] = read_tables(path, header_score)
    assert table.frame["Device name"].tolist() == ["Caf\ufffd-PC", "PC,2"]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('1,2\n3,"4\n5,6\n7,8\n', 2),  # swallows the records after it
        ('1,2\n"3,4\n5,6', 2),  # no newline at the end of the file
        ('1,2\n3,"4', 2),  # cut off on the quote's own line
        ('1,2\r\n3,"4\r\n5,6\r\n', 2),
        ('a,"b\nc",d\n1,"2\n', 3),  # a closed multi-line value before it
        ('1,"x""y\n2,3\n', 1),  # an escaped quote inside the open value
        ('1,2\n3,4 "x\n5,6\n', None),  # a quote inside an unquoted value is text
        ('1,2\n3,4 "x', None),
        ('1,2\n"3",4\n', None),
    ],
)
def test_unclosed_quote_line(body: str, line: int | None) -> None:
    from comanage_audit.ingest.csv_table import unclosed_quote_line as _unclosed_quote_line

    assert _unclosed_quote_line(body, ",") == line
