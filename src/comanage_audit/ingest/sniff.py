"""Tell a file's format from its first bytes, not its name, and refuse what is not a table
we read (PDF, gzip, old binary Office files, encrypted workbooks, binary data) with what to
do instead."""

from __future__ import annotations

from pathlib import Path

from comanage_audit.errors import InputError
from comanage_audit.ingest.encoding import is_utf16
from comanage_audit.ingest.workbook_vetting import SAVE_AS

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Bytes a text export never holds (C0 controls except tab, LF, VT, FF, CR and the old EOF mark).
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))


def ole2_error(path: Path, data: bytes) -> InputError:
    """Encrypted .xlsx files and Excel 97-2003 workbooks are both OLE2 (CFB) containers."""
    encrypted = "EncryptedPackage".encode("utf-16-le") in data
    if encrypted or path.suffix.lower() in (".xlsx", ".xlsm"):
        return InputError(
            path,
            "is password-protected or encrypted: save an unprotected copy",
            expected="an .xlsx workbook without a password, or a CSV export",
            fix="In Excel choose File > Info > Protect Workbook > Encrypt with Password, clear "
            "the password, save a copy as .xlsx and audit that copy",
        )
    return InputError(
        path,
        "is an Excel 97-2003 workbook (.xls) or another old binary Office file, which is "
        "not supported",
        expected="an .xlsx workbook or a CSV export",
        fix=SAVE_AS,
    )


def refuse_known_binaries(path: Path, data: bytes, suffix: str) -> None:
    """PDF and gzip by their magic; anything named as a workbook that is not a zip."""
    head = data[:1024]
    if head.startswith(b"%PDF-"):
        raise InputError(
            path,
            "is not a text table (it is a PDF document)",
            expected="a CSV export or an .xlsx workbook",
            fix="Export the report as CSV or Excel instead of PDF",
        )
    if head.startswith(b"\x1f\x8b"):
        raise InputError(
            path,
            "is a gzip archive",
            expected="a CSV export, an .xlsx workbook or a .zip",
            fix="Extract it (or re-compress it as .zip) and run again",
        )
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".xls"):
        looks = " (it is text, perhaps HTML or XML)" if head.lstrip().startswith(b"<") else ""
        raise InputError(
            path,
            f"is named {suffix} but is not an Excel workbook{looks}",
            expected="an .xlsx workbook saved by Excel, or a CSV export",
            fix=SAVE_AS,
        )


def refuse_binary_text(where: str, data: bytes) -> None:
    """Refuse a 'text' file whose start is more than a tenth control bytes (not UTF-16)."""
    sample = data[:4096]
    if is_utf16(data) or not sample:
        return
    if sum(map(sample.count, CONTROL_BYTES)) > 0.1 * len(sample):
        raise InputError(
            where,
            "is not a text table (it contains binary data)",
            expected="a CSV export or an .xlsx workbook",
            fix="Export the report again as CSV or Excel (.xlsx)",
        )
