"""Refresh `win11_processors.csv` from Microsoft's supported-processor lists, saved as CSV/xlsx.

    python -m comanage_audit.reference.build_win11_processors intel.csv amd.csv qualcomm.csv

Copy each table (Manufacturer, Brand, Model) from the pages linked at
https://learn.microsoft.com/windows-hardware/design/minimum/windows-processor-requirements
into a CSV or workbook. The family rows of the packaged table are kept (they carry Microsoft's
upgrade rule, which decides whether an existing PC may upgrade); every listed model the
family rows would not call supported becomes a model row of its own, and the script prints
those models and the rows it could not place, so a maintainer sees where list and rules part.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pandas as pd

from comanage_audit.reference.processor_list import load_processor_list
from comanage_audit.reference.processors import TABLE_FILE, decide, load_table

DEFAULT_OUT = Path(__file__).with_name(TABLE_FILE)


def listed_model_rows(listed: pd.DataFrame) -> pd.DataFrame:
    """Model rows for the listed processors the packaged rules do not already call supported."""
    placed = listed[listed["placed"]].drop_duplicates(["family", "model"])
    verdict = decide(placed[["family", "number", "model"]].reset_index(drop=True))
    extra = placed.reset_index(drop=True)[verdict["cpu_status"].ne("supported").to_numpy()]
    vendor = extra["manufacturer"].str.replace(r"[®™]", "", regex=True).str.strip()
    return pd.DataFrame(
        {
            "vendor": vendor.to_numpy(),
            "family": extra["family"].to_numpy(),
            "first": pd.NA,
            "last": pd.NA,
            "model": extra["model"].to_numpy(),
            "status": "supported",
            "basis": ("on Microsoft's list: " + extra["brand"] + " " + extra["model_text"])
            .str.replace(r"[®™]", "", regex=True)
            .to_numpy(),
        }
    )


def refreshed_text(current_text: str, rows: pd.DataFrame, retrieved: date) -> str:
    """The table file with its comment header (retrieval date updated) and the new rows."""
    lines = current_text.splitlines()
    header = [line for line in lines if line.startswith("#")]
    header = [
        f"# Sources (retrieved {retrieved.isoformat()}):" if h.startswith("# Sources") else h
        for h in header
    ]
    table = load_table()
    # A listed model replaces the packaged row for it (e.g. one the table left "unknown").
    merged = pd.concat([table, rows], ignore_index=True).drop_duplicates(
        ["family", "first", "last", "model"], keep="last"
    )
    for column in ("first", "last"):
        merged[column] = merged[column].astype("Int64")
    body = merged.to_csv(index=False, lineterminator="\n")
    return "\n".join(header) + "\n" + body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lists", type=Path, nargs="+", help="saved Microsoft list (CSV/xlsx)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--retrieved", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    listed = load_processor_list(args.lists)
    rows = listed_model_rows(listed)
    unplaced = listed[~listed["placed"]]
    said = "not placed: " + unplaced["manufacturer"] + " " + unplaced["brand"] + " "
    print("\n".join(said + unplaced["model_text"]))
    print("\n".join("listed, not supported by the family rows: " + rows["basis"]))
    current = DEFAULT_OUT.read_text(encoding="utf-8")
    args.out.write_text(refreshed_text(current, rows, args.retrieved), encoding="utf-8")
    print(f"{args.out}: {len(listed)} listed, {len(rows)} model rows added")


if __name__ == "__main__":
    main()
