"""Rebuild the licensing-catalogue excerpts in this folder from Microsoft's full CSVs.

The tests need a few products of each catalogue, in each catalogue's own bytes (encoding,
BOM, delimiter, header spelling, stray spaces), not the 1 MB files themselves. An excerpt is
the header line plus every line whose String_Id is in `STRING_IDS`, copied byte for byte.

    python tests/data/licensing/excerpt.py FULL_DIR

FULL_DIR holds the files named in SOURCES.md (the current catalogue and the two older copies).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Products the tests and the bundled sample name, plus a few carrying the catalogue's quirks
# (two GUIDs for one String_Id, a non-breaking space inside a String_Id, a trailing space).
STRING_IDS = frozenset(
    {
        "AAD_PREMIUM",
        "AAD_PREMIUM_P2",
        "ADV_COMMS",
        "EMS",
        "EMSPREMIUM",
        "ENTERPRISEPACK",
        "ENTERPRISEPREMIUM",
        "FLOW_FREE",
        "IDENTITY_THREAT_PROTECTION",
        "INTUNE_A",
        "M365EDU_A1",
        "M365EDU_A3_FACULTY",
        "MCOCAP_FACULTY",
        "MCOPSTN5",
        "Microsoft_365_E3_(no_Teams)",
        "O365_BUSINESS_PREMIUM",
        "SPB",
        "SPE_E3",
        "SPE_E5",
        "SPE_F1",
        "STANDARDPACK",
        "WIN10_VDA_E3",
        "ATP_ENTERPRISE_USGOV_GCCHIGH",
    }
)

# (full file name, excerpt name, encoding, delimiter)
CATALOGUES = (
    ("product_names_service_plan_identifiers.csv", "catalogue_2025-10.csv", "utf-8-sig", ","),
    (
        "licensing-drift/licensing_csv_2022-01_string_space_id.csv",
        "catalogue_2022-01_string_space_id.csv",
        "cp1252",
        ",",
    ),
    (
        "licensing-drift/licensing_csv_2022-08_semicolon.csv",
        "catalogue_2022-08_semicolon.csv",
        "cp1252",
        ";",
    ),
)


def excerpt(raw: bytes, encoding: str, delimiter: str) -> bytes:
    """The header line and the lines of the chosen products, bytes unchanged."""
    lines = raw.split(b"\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        text = line.decode(encoding.removesuffix("-sig"))
        cells = next(csv.reader(io.StringIO(text), delimiter=delimiter))
        if cells[1].replace("\u00a0", " ").strip() in STRING_IDS:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n"


def main(full_dir: Path) -> None:
    for full, name, encoding, delimiter in CATALOGUES:
        raw = (full_dir / full).read_bytes()
        (HERE / name).write_bytes(excerpt(raw, encoding, delimiter))
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
