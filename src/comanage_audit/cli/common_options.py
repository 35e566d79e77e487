"""Options `audit` and `batch` share, declared once (words in --help, our own checks).

Values stay text where the tool checks them itself (cli/parse.py), so a wrong value gets
the tool's one-paragraph error instead of the parser's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from comanage_audit.model import Verdict
from comanage_audit.options import FailOn

FAIL_ON_CHOICES = tuple(f.value for f in FailOn)
FAIL_ON_VERDICTS = {
    FailOn.NEVER: set(),
    FailOn.UPGRADE_REQUIRED: {Verdict.UPGRADE_REQUIRED.value},
    FailOn.ACTION_REQUIRED: {Verdict.UPGRADE_REQUIRED.value, Verdict.ACTION_REQUIRED.value},
    FailOn.ANY: {
        Verdict.UPGRADE_REQUIRED.value,
        Verdict.ACTION_REQUIRED.value,
        Verdict.INSUFFICIENT_DATA.value,
    },
}
WRITERS = ("fast", "xlsxwriter")

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Audit date (default today) for servicing and staleness.",
    ),
]
WaveByOption = Annotated[
    str | None,
    typer.Option(
        "--wave-by",
        metavar="COLUMN",
        help="Split the work waves by a Devices column, e.g. site, domain or department "
        "(case and spaces do not matter).",
    ),
]
WaveSizeOption = Annotated[
    str | None, typer.Option("--wave-size", metavar="N", help="Most devices per wave part.")
]
PivotOption = Annotated[
    list[str],
    typer.Option(
        "--pivot",
        metavar="COLUMN",
        help="Extra pivot: devices per verdict by this Devices column (repeatable).",
    ),
]
LicenceCatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--licence-catalogue",
        metavar="FILE",
        help="Microsoft's licensing CSV, to know newer products.",
        readable=False,  # checked when read, with the tool's own one-paragraph error
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", metavar="", help="No progress or summary output.")
]
MaxInputMbOption = Annotated[
    str,
    typer.Option(
        "--max-input-mb",
        metavar="MB",
        help="Refuse any input file that is, or would unzip to, more than this many MB "
        "(zip-bomb guard).",
    ),
]
WriterOption = Annotated[
    str,
    typer.Option(
        "--writer",
        metavar="fast|xlsxwriter",
        help="Workbook writer: fast (big sheets built with Arrow) or xlsxwriter "
        "(the slow cell-by-cell fallback).",
    ),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", metavar="", help="Show tracebacks for errors.")
]
