"""Rows that vanished or merged silently (issue 19): placeholder serials, formula cells
without saved values, stray quote pairs, links out of the input folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.bounded import audit_args, run_cli

CM_HEADER = "Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0,SerialNumber0"
CM_ROW = "Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000"
INTUNE_HEADER = "Device name,OS,OS version,Serial number,Managed by,Last check-in"
INTUNE_ROW = "Windows,10.0.26100.1,Intune,2026-11-20"


def summary_of(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def issues_csv(out: Path) -> list[dict[str, str]]:
    """Data issues as the workbook lists them, read back with openpyxl."""
    import openpyxl

    sheet = openpyxl.load_workbook(out / "comanage-audit.xlsx", read_only=True)["Data issues"]
    rows = [
        [("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    header = next(i for i, row in enumerate(rows) if "Issue" in row)
    return [dict(zip(rows[header], row, strict=False)) for row in rows[header + 1 :]]


def test_placeholder_serials_never_merge_devices_and_are_counted(tmp_path: Path) -> None:
    """'Not Available' linked two machines and de-duplicated two Intune records into one."""
    placeholders = [
        "Not Available",
        "Base Board Serial Number",
        "XXXXXXXX",
        "To Be Filled By O.E.M.",
    ]
    cm = tmp_path / "cm.csv"
    cm.write_text(
        "\n".join(
            [CM_HEADER, *(f"CM-{n},{CM_ROW},{s}" for n, s in enumerate(placeholders)),
             f"CM-REAL,{CM_ROW},5CG1234XYZ"]
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    intune = tmp_path / "intune.csv"
    intune.write_text(
        "\n".join(
            [INTUNE_HEADER, *(f"IN-{n},Windows,10.0.26100.1,{s},Intune,2026-11-20"
                              for n, s in enumerate(placeholders)),
             "IN-REAL,Windows,10.0.26100.1,5cg1234xyz,Intune,2026-11-20"]
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, cm, intune, formats="xlsx,json"), timeout=120)
    assert run.code == 0, run.stderr
    summary = summary_of(out)
    # 4 + 4 placeholder records stay 8 devices; the real serial still links CM-REAL to IN-REAL.
    assert summary["devices"] == 9
    for record in summary["inputs"]:
        assert (record["rows_read"], record["rows_linked"], record["rows_duplicate"]) == (5, 5, 0)
    counts = summary["data_issues_by_code"]
    assert counts.get("duplicate-record", 0) == 0
    assert counts["placeholder-serial"] == 2  # one line per file
    lines = [i["Issue"] for i in issues_csv(out) if "placeholder serial" in i["Issue"]]
    assert len(lines) == 2 and all(line.startswith("4 record(s) carry") for line in lines)
    assert "'Not Available'" in lines[0]


SEVEN = [f"PC{n},{CM_ROW},SN{n}" for n in range(1, 8)]


def stray_quotes(lines: list[str], opened: tuple[int, str, str], closed: tuple[int, str, str]):
    """The records with a quote put in (line index, text, replacement) at two places."""
    out = list(lines)
    for index, old, new in (opened, closed):
        out[index] = out[index].replace(old, new, 1)
    return out


def test_two_stray_quotes_never_swallow_records_silently(tmp_path: Path) -> None:
    """An even number of quotes passed the unclosed-quote check: PC3-PC5 vanished into PC2's
    operating system, leaving one device and "No data issues"."""
    lines = stray_quotes(
        SEVEN, (1, ",Microsoft", ',"Microsoft'), (5, "Workstation 10.0,", 'Workstation 10.0",')
    )
    path = tmp_path / "cm.csv"
    path.write_text("\r\n".join([CM_HEADER, *lines]) + "\r\n", encoding="utf-8")
    run = run_cli(*audit_args(tmp_path / "out", path), timeout=60)
    assert run.code == 2, run.stderr
    assert run.paragraph.startswith(
        f"error: {path}: has a double quote on line 3 that makes the next 4 line(s) part of "
        "one value (it closes on line 7), and those lines look like records of their own"
    )


def test_stray_quotes_that_break_the_field_count_are_named_too(tmp_path: Path) -> None:
    """The swallowed lines became one rejected record; five devices were lost for one row."""
    lines = stray_quotes(SEVEN, (2, ",Microsoft", ',"Microsoft'), (3, ",SN4", ',SN4"'))
    path = tmp_path / "cm.csv"
    path.write_text("\r\n".join([CM_HEADER, *lines]) + "\r\n", encoding="utf-8")
    run = run_cli(*audit_args(tmp_path / "out", path), timeout=60)
    assert run.code == 2, run.stderr
    assert "has a double quote on line 4 that makes the next 1 line(s) part of one value" in (
        run.paragraph
    )


def test_a_quoted_note_with_line_breaks_is_still_one_value(tmp_path: Path) -> None:
    """A value with a few line breaks and commas (an address, a note) is not a swallow."""
    header = f"{CM_HEADER},Notes,Site,Owner"
    rows = [f'PC1,{CM_ROW},SN1,"Desk 4, floor 2\nCall first, then go",LON,amy',
            f"PC2,{CM_ROW},SN2,,LON,bob"]  # fmt: skip
    path = tmp_path / "cm.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, path), timeout=60)
    assert run.code == 0, run.stderr
    assert summary_of(out)["devices"] == 2


def output_text(out: Path) -> str:
    """Everything the audit wrote, as text (the workbook's XML parts unzipped)."""
    import zipfile

    texts = [p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv")]
    texts.append((out / "summary.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(out / "comanage-audit.xlsx") as book:
        texts.extend(book.read(name).decode("utf-8") for name in book.namelist())
    return "\n".join(texts)


def test_links_out_of_an_input_folder_are_not_followed(tmp_path: Path) -> None:
    """A link to /etc/shadow in an exports folder was read, and its first line copied into
    the workbook's Data issues."""
    secret = tmp_path / "elsewhere" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\n", encoding="utf-8")
    (tmp_path / "elsewhere" / "more.csv").write_text(CM_HEADER + "\nOUTSIDE,x\n", "utf-8")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "cm.csv").write_text(f"{CM_HEADER}\nPC1,{CM_ROW},SN1\n", encoding="utf-8")
    (folder / "passwd.csv").symlink_to(secret)
    (folder / "same.csv").symlink_to(folder / "cm.csv")  # inside: the same file, read once
    (folder / "archive").symlink_to(secret.parent, target_is_directory=True)
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, folder, formats="xlsx,csv,json"), timeout=120)
    assert run.code == 0, run.stderr
    written = output_text(out)
    assert "SECRETHASH" not in written and "OUTSIDE" not in written
    issues = issues_csv(out)
    left_out = {
        Path(i["File"]).name: i["Issue"] for i in issues if "so it was not read" in i["Issue"]
    }
    assert left_out == {
        "passwd.csv": "is a link to a file outside the input folder, so it was not read. Copy "
        "the export itself into the folder, or name it on the command line",
        "archive": "is a link to a folder outside the input folder, so it was not read. Copy "
        "the export itself into the folder, or name it on the command line",
    }
    inputs = summary_of(out)["inputs"]
    assert [(Path(r["path"]).name, r["rows_read"]) for r in inputs] == [("cm.csv", 1)]


def test_a_file_that_is_no_export_leaves_nothing_but_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "cm.csv").write_text(f"{CM_HEADER}\nPC1,{CM_ROW},SN1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("password: hunter2, vault: 42\nmore\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, folder, formats="xlsx,csv,json"), timeout=120)
    assert run.code == 0, run.stderr
    assert "hunter2" not in output_text(out)
    [note] = [i["Issue"] for i in issues_csv(out) if i["Issue"].startswith("file not read")]
    assert note.startswith("file not read: the headers of its 2 column(s) are not those of an")


def test_rows_of_unsaved_formulas_are_rejected_and_blank_values_noted(tmp_path: Path) -> None:
    """openpyxl saves formulas without results: such a row vanished with "No data issues",
    and a formula name read as a blank device name without a word."""
    import openpyxl

    path = tmp_path / "cm.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Devices"
    sheet.append(CM_HEADER.split(","))
    sheet.append(["PC1", *CM_ROW.split(","), "SN1"])
    sheet.append(['="PC"&2', '="Microsoft Windows NT Workstation 10.0"', "=1", "=1", "=1", "=1"])
    sheet.append(['="PC"&3', *CM_ROW.split(","), "SN3"])
    sheet.append(['="PC"&4', "=1"])  # the last row: calamine leaves it out of its range
    book.save(path)
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, path, formats="xlsx,json"), timeout=120)
    assert run.code == 0, run.stderr
    [record] = summary_of(out)["inputs"]
    assert (record["rows_read"], record["rows_linked"], record["rows_rejected"]) == (4, 2, 2)
    issues = [(i["Row"], i["Issue"]) for i in issues_csv(out)]
    assert ("5", "record rejected: holds only formulas with no saved result, which read as "
            "blank (the workbook was saved by a program that does not calculate formulas)") in issues  # fmt: skip
    assert (
        "",
        "9 formula cell(s) have no saved result (A3, B3, C3, D3, E3 and 4 more) and were read as "
        "blank: the workbook was saved by a program that does not calculate formulas. Open it "
        "in Excel, let it calculate, save it and run again",
    ) in issues
    assert ("3", "record rejected: holds only formulas with no saved result, which read as "
            "blank (the workbook was saved by a program that does not calculate formulas)") in issues  # fmt: skip


def test_formula_cells_found_across_chunk_boundaries_and_spellings() -> None:
    from comanage_audit.ingest.formula_cells import FormulaCells

    xml = (
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        b'<row r="2"><c r="A2"><f>1+1</f></c><c r="B2"><f>1+1</f><v>2</v></c>'
        b'<c r="C2" t="str"><f>""</f><v></v></c></row>'  # a formula whose result is ""
        b'<x:row r="3"><x:c r=\'D3\'><x:f t="shared" si="0"/><x:v/></x:c></x:row>'
        b'<row r="4"><c r="E4"><f>A1</f>\n<v>  </v></c></row></sheetData>'
    )
    starts = [m.start() for m in re.finditer(rb"<(?:x:)?f[ />]", xml)]
    for size in (7, 13, 64, len(xml)):
        cells = FormulaCells()
        for start in range(0, len(xml), size):
            chunk = xml[start : start + size]
            # as the used-range pass hands them over: seen when a formula element starts there
            seen = any(start <= at < start + size for at in starts)
            cells.seen(chunk) if seen else cells.unseen(chunk)
        cells.finish()
        assert (cells.count, cells.rows, cells.references) == (3, {2, 3, 4}, ["A2", "D3", "E4"])
