"""Property: randomly mangled sample exports never crash the CLI and never lose a row.

Starting from the small fixture fleet and the head of the bundled sample inventories, each
example drops, shuffles, blanks and garbles columns and cells, adds ragged rows, and writes
every table back as CSV (UTF-8, with or without BOM, any of the usual delimiters) or as an
.xlsx workbook. The audit must exit 0 or 2, never raise; and when it succeeds, every input
satisfies rows read = linked + duplicate + unmatched + rejected, with rows read equal to the
non-blank records written.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from comanage_audit.cli import app

HERE = Path(__file__).parent
SMALL = HERE / "fixtures" / "small_fleet"
SAMPLES = HERE.parent / "sample_inventories"
SAMPLE_ROWS = 25  # rows of each sample export to start from (keeps each example quick)
EXAMPLES = int(os.environ.get("MANGLED_EXAMPLES", "30"))  # raise it to hunt for bugs
runner = CliRunner()


@dataclass(frozen=True)
class Table:
    name: str
    rows: tuple[tuple[str, ...], ...]  # title rows, the header row, then records
    header: int  # index of the header row


def _csv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle)]


def _xlsx_rows(path: Path) -> list[list[str]]:
    book = CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_name(book.sheet_names[0])
    rows = sheet.to_python(skip_empty_area=False)
    return [["" if v is None else str(v) for v in row] for row in rows]


def _load(path: Path, limit: int | None = None) -> Table:
    rows = _xlsx_rows(path) if path.suffix == ".xlsx" else _csv_rows(path)
    header = next(i for i, row in enumerate(rows) if sum(bool(c) for c in row) > 2)
    end = None if limit is None else header + 1 + limit
    return Table(path.stem, tuple(map(tuple, rows[:end])), header)


BASES = {
    "small": tuple(_load(p) for p in sorted(SMALL.glob("*.csv"))),
}
if SAMPLES.is_dir():
    BASES["samples"] = tuple(
        _load(p, SAMPLE_ROWS) for p in sorted(SAMPLES.iterdir()) if p.suffix in (".csv", ".xlsx")
    )

JUNK = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "+SUM(A1)",
            "-5",
            "@x",
            "\t=cmd",
            "N/A",
            "null",
            "0",
            "1",
            "TRUE",
            "yes",
            "{00000000-0000-0000-0000-000000000000}",
            "not-a-guid",
            "99/99/9999",
            "31/02/2026",
            "45000",
            "9999-12-31 23:59:59",
            "1/13/2026 25:61",
            "10.0.99999.1",
            "Windows 11",
            "iOS",
            "Co-managed",
            "Azure AD joined",
            "a,b;c\td",
            'quo"te',
            "line\nbreak",
            "Zoë ☃ 日本",
            "x" * 5000,
            "DOMAIN\\user",
            "user@",
            "@contoso.com",
            "5.00.9999.1000",
        ]
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=30,
    ),
)


@st.composite
def mangled_table(draw: st.DrawFn, table: Table) -> Table:
    rows = [list(r) for r in table.rows]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    columns = list(range(width))
    if draw(st.booleans()):
        dropped = draw(st.sets(st.sampled_from(columns), max_size=max(1, width // 2)))
        columns = [c for c in columns if c not in dropped] or columns[:1]
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    rows = [[row[c] for c in columns] for row in rows]
    records = range(table.header + 1, len(rows))
    if records:
        for _ in range(draw(st.integers(0, 12))):
            r, c = draw(st.sampled_from(records)), draw(st.integers(0, len(columns) - 1))
            rows[r][c] = ""
        for _ in range(draw(st.integers(0, 12))):
            r, c = draw(st.sampled_from(records)), draw(st.integers(0, len(columns) - 1))
            rows[r][c] = draw(JUNK)
        if draw(st.booleans()):  # a ragged record: more fields than the header
            r = draw(st.sampled_from(records))
            rows[r] = [*rows[r], *draw(st.lists(JUNK, min_size=1, max_size=3))]
        if draw(st.booleans()):  # a duplicated record
            rows.append(list(rows[draw(st.sampled_from(records))]))
    return Table(table.name, tuple(map(tuple, rows)), table.header)


def _quote(cell: str, delimiter: str) -> str:
    if any(ch in cell for ch in (delimiter, '"', "\r", "\n")) or cell != cell.strip(" "):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_table(folder: Path, table: Table, form: str) -> Path:
    if form == "xlsx":
        path = folder / f"{table.name}.xlsx"
        book = xlsxwriter.Workbook(
            path, {"strings_to_numbers": False, "strings_to_formulas": False}
        )
        sheet = book.add_worksheet("Data")
        for r, row in enumerate(table.rows):
            for c, value in enumerate(row):
                if value:
                    sheet.write_string(r, c, value)
        book.close()
        return path
    encoding, delimiter = form.split("|")
    path = folder / f"{table.name}.csv"
    text = "\r\n".join(delimiter.join(_quote(c, delimiter) for c in row) for row in table.rows)
    path.write_bytes((text + "\r\n").encode(encoding))
    return path


def records_written(table: Table) -> int:
    """Non-blank records below the header (what the reader must account for)."""
    return sum(any(cell != "" for cell in row) for row in table.rows[table.header + 1 :])


FORMS = st.sampled_from(["utf-8|,", "utf-8-sig|,", "utf-8-sig|;", "utf-8|\t", "xlsx"])


@st.composite
def fleets(draw: st.DrawFn) -> list[tuple[Table, str]]:
    base = BASES[draw(st.sampled_from(sorted(BASES)))]
    keep = draw(st.lists(st.booleans(), min_size=len(base), max_size=len(base)))
    chosen = [t for t, k in zip(base, keep, strict=True) if k] or list(base[:1])
    return [(draw(mangled_table(t)), draw(FORMS)) for t in chosen]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(fleet=fleets(), with_workbook=st.booleans())
def test_mangled_exports_exit_0_or_2_and_account_for_every_row(
    fleet: list[tuple[Table, str]], with_workbook: bool
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "in"
        folder.mkdir()
        written = {write_table(folder, table, form).name: (table, form) for table, form in fleet}
        out = Path(scratch) / "out"
        formats = "xlsx,csv,json" if with_workbook else "csv,json"
        result = runner.invoke(
            app, ["audit", str(folder), "--out", str(out), "--as-of", "2026-11-26", "--quiet",
                  "--format", formats],
        )  # fmt: skip
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 2), result.output
        event(f"exit {result.exit_code}")
        if result.exit_code == 2:
            text = result.output.strip()
            assert text.startswith("error: ") and "\n" not in text and "Traceback" not in text
            return
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        read_per_file: dict[str, int] = {}
        for record in summary["inputs"]:
            assert record["rows_read"] == (
                record["rows_linked"]
                + record["rows_duplicate"]
                + record["rows_unmatched"]
                + record["rows_rejected"]
            ), record
            name = Path(record["path"]).name
            read_per_file[name] = read_per_file.get(name, 0) + record["rows_read"]
        for name, count in read_per_file.items():
            table, _form = written[name]
            assert count == records_written(table), name
