"""Regenerate `licence_skus.csv` from Microsoft's licensing catalogue (and older copies).

Microsoft's CSV itself is not shipped; this script makes the compact table reproducible:

    python -m comanage_audit.reference.build_licence_skus \\
        FULL/product_names_service_plan_identifiers.csv \\
        --older FULL/licensing-drift/licensing_csv_2022-08_semicolon.csv \\
        --older FULL/licensing-drift/licensing_csv_2022-01_string_space_id.csv

FULL holds Microsoft's full catalogues (where each is published: tests/data/licensing/SOURCES.md).

The first file is the current catalogue; `--older` copies only add SKUs it lacks and the
display names products had back then (as aliases).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from comanage_audit.reference.licences import (
    FLAG_COLUMNS,
    entitlements_from_catalogue,
    merge_licence_tables,
)

DEFAULT_OUT = Path(__file__).with_name("licence_skus.csv")


def read_catalogue(path: Path) -> pd.DataFrame:
    """Read a catalogue copy as text: UTF-8 (BOM or not) else cp1252; `,` or `;`."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp1252"), "cp1252"
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, sep=sep)


def build_table(current: Path, older: list[Path] | None = None) -> pd.DataFrame:
    """The compact table: current catalogue, plus older copies' missing SKUs and names."""
    tables = [entitlements_from_catalogue(read_catalogue(p)) for p in [current, *(older or [])]]
    return merge_licence_tables(*tables)


def write_table(table: pd.DataFrame, out: Path) -> None:
    """Write flags as 0/1 so the file diffs cleanly."""
    written = table.copy()
    for flag in FLAG_COLUMNS:
        written[flag] = written[flag].astype(int)
    written.to_csv(out, index=False, encoding="utf-8", lineterminator="\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("current", type=Path, help="Microsoft's current licensing CSV")
    parser.add_argument("--older", type=Path, action="append", default=[], help="older copy")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    table = build_table(args.current, args.older)
    write_table(table, args.out)
    print(f"{args.out}: {len(table)} products")


if __name__ == "__main__":
    main()
