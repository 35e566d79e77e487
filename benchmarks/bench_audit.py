"""Benchmark: a synthetic fleet of N devices through the whole audit, phase by phase.

    python benchmarks/bench_audit.py --devices 100000
    python benchmarks/bench_audit.py --devices 100000 --xlsx-inputs          # or =shared
    python benchmarks/bench_audit.py --devices 1000000 --formats csv,json --skip-rowwise
    python benchmarks/bench_audit.py --devices 100000 --windows11   # + the Windows 11 exports

Prints per phase (read, identify/normalise, link, checks, verdicts, each writer), rows/s,
peak RSS, the I/O floor measured in the same run (the same readers on the same files; a
plain-cell xlsxwriter workbook of the same shape), the audit / floor ratio, and the speed-up
over a row-wise reference that must agree on every device's verdict. Each measurement runs
in its own process so peak RSS belongs to that step alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 26)
HERE = Path(__file__).resolve().parent
POLICY = HERE.parent / "sample_inventories" / "policy.toml"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(step: str, folder: str, extra: dict) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON report."""
    command = [
        sys.executable,
        __file__,
        "--child",
        step,
        "--dir",
        folder,
        "--extra",
        json.dumps(extra),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark step {step} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ steps (child processes)


def step_generate(folder: Path, extra: dict) -> dict:
    from comanage_audit.synthetic import write_sample

    start = time.perf_counter()
    paths = write_sample(
        folder,
        devices=extra["devices"],
        seed=extra["seed"],
        configmgr_format="csv",
        layouts=extra.get("layouts", ()),
        windows11=extra.get("windows11", False),
    )
    if extra.get("xlsx_inputs"):
        shared = extra["xlsx_inputs"] == "shared"
        for name in ("ConfigMgr_Devices.csv", "IntuneDevices_DevicesWithInventory.csv"):
            if (folder / name).exists():  # not when --layout chose another shape
                _to_xlsx(folder / name, shared)
        paths = sorted(folder.iterdir())
    return {"seconds": time.perf_counter() - start, "files": [p.name for p in paths]}


def _to_xlsx(csv_path: Path, shared_strings: bool) -> None:
    """Re-save a generated CSV as xlsx (text cells), as an admin re-saving in Excel would.

    Excel writes a shared strings table; xlsxwriter's constant_memory mode writes the text
    inline instead, which is much quicker to generate for big fleets.
    """
    import pandas as pd
    import xlsxwriter

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    book = xlsxwriter.Workbook(
        csv_path.with_suffix(".xlsx"),
        {"constant_memory": not shared_strings, "strings_to_formulas": False},
    )
    sheet = book.add_worksheet("Export")
    sheet.write_row(0, 0, list(frame.columns))
    for row, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        sheet.write_row(row, 0, values)
    book.close()
    csv_path.unlink()


def step_audit(folder: Path, extra: dict) -> dict:
    from comanage_audit import audit
    from comanage_audit.options import AuditOptions, OutputFormat
    from comanage_audit.report.writers import write_all
    from comanage_audit.timing import Phases

    phases = Phases()
    options = AuditOptions(
        inputs=(folder / "in",),
        out_dir=folder / "out",
        config=POLICY,
        as_of=AS_OF,
        formats=frozenset(OutputFormat(f) for f in extra["formats"]),
        quiet=True,
    )
    start = time.perf_counter()
    result = audit.run(options, phases=phases)
    write_all(result, options, phases)
    total = time.perf_counter() - start
    return {
        "total": total,
        "phases": phases.seconds,
        "devices": len(result.devices),
        "devices_columns": len(result.devices.columns),
        "findings": len(result.findings),
        "findings_columns": len(result.findings.columns),
        "peak_rss_mb": peak_rss_mb(),
    }


def step_read_floor(folder: Path, extra: dict) -> dict:
    """The same readers on the same files (what reading costs before any of our work)."""
    from comanage_audit.ingest import read, sources

    start = time.perf_counter()
    rows = sum(
        len(t.frame)
        for p in read.discover([folder / "in"])
        for t in read.read_tables(p, sources.header_score)
    )
    reader = time.perf_counter() - start
    raw = 0.0
    xlsx = sorted((folder / "in").glob("*.xlsx"))
    if xlsx:
        from python_calamine import CalamineWorkbook

        start = time.perf_counter()
        for path in xlsx:
            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
        raw = time.perf_counter() - start
        start = time.perf_counter()
        for path in xlsx:
            read.read_tables(path, sources.header_score)
        ours = time.perf_counter() - start
        return {"seconds": reader, "rows": rows, "xlsx_calamine_raw": raw, "xlsx_ours": ours}
    return {"seconds": reader, "rows": rows}


def step_deflate_floor(folder: Path, extra: dict) -> dict:
    """Deflating every part of the workbook the audit wrote, at level 1 with the deflate library
    the writer uses (ISA-L where installed), plus the CRC-32 a zip needs: the least any writer
    of that same file must spend. Parts are streamed; only compression and CRC are timed."""
    import zipfile

    from comanage_audit.fast_deflate import fast_zlib

    seconds, raw = 0.0, 0
    with zipfile.ZipFile(folder / "out" / "comanage-audit.xlsx") as package:
        for info in package.infolist():
            compressor = fast_zlib.compressobj(1, fast_zlib.DEFLATED, -15)
            crc = 0
            with package.open(info) as member:
                while chunk := member.read(16 << 20):
                    start = time.perf_counter()
                    compressor.compress(chunk)
                    crc = fast_zlib.crc32(chunk, crc)
                    seconds += time.perf_counter() - start
                    raw += len(chunk)
            start = time.perf_counter()
            compressor.flush()
            seconds += time.perf_counter() - start
    return {"seconds": seconds, "bytes": raw, "library": fast_zlib.__name__}


def step_write_floor(folder: Path, extra: dict) -> dict:
    """A workbook of the same shape as Devices + Findings, plain cells, fastest xlsxwriter path
    (issue #5's floor; slow: the fast writer beats it, so it runs only with --xlsxwriter-floor)."""
    import xlsxwriter

    path = folder / "floor.xlsx"
    start = time.perf_counter()
    book = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "use_zip64": True}
    )
    cells = 0
    for name, rows, columns in (
        ("Devices", extra["devices"], extra["devices_columns"]),
        ("Findings", extra["findings"], extra["findings_columns"]),
    ):
        limit = 1_048_575
        row_values = [f"value {c}" for c in range(columns)]
        for part in range(0, max(rows, 1), limit):
            sheet = book.add_worksheet(f"{name} {part // limit + 1}")
            for row in range(min(rows - part, limit)):
                sheet.write_row(row, 0, row_values)
            cells += min(rows - part, limit) * columns
    book.close()
    seconds = time.perf_counter() - start
    path.unlink()
    return {"seconds": seconds, "cells": cells}


def step_rowwise(folder: Path, extra: dict) -> dict:
    """Vectorised checks + verdicts vs the row-wise reference on the same linked fleet."""
    sys.path.insert(0, str(HERE))
    from rowwise_reference import rowwise_audit

    from comanage_audit import audit, engine
    from comanage_audit.options import AuditOptions
    from comanage_audit.timing import Phases

    options = AuditOptions(
        inputs=(folder / "in",), out_dir=folder / "out", config=POLICY, as_of=AS_OF
    )
    linked = audit.prepare(options, lambda _: None, Phases())
    ctx = linked.ctx
    # Like for like: the reference computes statuses and verdicts, not reason sentences.
    start = time.perf_counter()
    devices = engine.enrich(linked.fleet, ctx)
    evaluation = engine.evaluate(devices, ctx, with_messages=False)
    statuses, _ = engine.suppress(evaluation.statuses, devices["device_name"], ctx)
    verdicts = engine.verdicts(devices, statuses, evaluation.unchecked).astype(str).tolist()
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    engine.evaluate(devices, ctx)
    with_reasons = time.perf_counter() - start + vectorised
    start = time.perf_counter()
    row_statuses, row_verdicts = rowwise_audit(linked.fleet, ctx)
    rowwise = time.perf_counter() - start
    # WIN-004 (advisory: it never changes a verdict) is not in the reference; its paths are
    # held to the synthetic fleet's truth by tests/test_windows11_audit.py instead.
    status_records = statuses.drop(columns="WIN-004", errors="ignore").astype(str)
    status_records = status_records.to_dict("records")
    verdict_agree = sum(a == b for a, b in zip(verdicts, row_verdicts, strict=True))
    status_agree = sum(a == b for a, b in zip(status_records, row_statuses, strict=True))
    first_difference = next(
        (
            {"device": i, "engine": status_records[i], "rowwise": row_statuses[i]}
            for i in range(len(verdicts))
            if status_records[i] != row_statuses[i] or verdicts[i] != row_verdicts[i]
        ),
        None,
    )
    return {
        "vectorised": vectorised,
        "with_reasons": with_reasons,
        "rowwise": rowwise,
        "devices": len(verdicts),
        "verdicts_agree": verdict_agree,
        "statuses_agree": status_agree,
        "first_difference": first_difference,
    }


STEPS = {
    "generate": step_generate,
    "audit": step_audit,
    "read-floor": step_read_floor,
    "write-floor": step_write_floor,
    "deflate-floor": step_deflate_floor,
    "rowwise": step_rowwise,
}


# ------------------------------------------------------------------ driver


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="xlsx,csv,json", help="outputs to write")
    parser.add_argument(
        "--xlsx-inputs",
        nargs="?",
        const="inline",
        choices=["inline", "shared"],
        help="ConfigMgr and Intune as xlsx: inline strings (quick to generate) or shared "
        "strings, as Excel saves them (slower to generate)",
    )
    parser.add_argument(
        "--layout",
        action="append",
        default=[],
        metavar="NAME",
        help="generate an export in a real-world layout (comanage-audit sample --layout list)",
    )
    parser.add_argument(
        "--windows11",
        action="store_true",
        help="also generate the Windows 11 exports (hardware inventory, readiness report, "
        "Work from anywhere), as comanage-audit sample --windows11 does",
    )
    parser.add_argument("--skip-rowwise", action="store_true", help="skip the row-wise reference")
    parser.add_argument(
        "--xlsxwriter-floor",
        action="store_true",
        help="also time a plain-cell xlsxwriter workbook of the same shape (slow)",
    )
    parser.add_argument("--dir", help="work folder (default: a temporary one)")
    parser.add_argument("--child", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        report = STEPS[args.child](Path(args.dir), json.loads(args.extra))
        print(json.dumps(report))
        return

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="comanage-bench-"))
    (work / "in").mkdir(parents=True, exist_ok=True)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    print(
        f"comanage-audit benchmark: {args.devices:,} devices, outputs {','.join(formats)}, work {work}"
    )

    generated = child(
        "generate",
        str(work / "in"),
        {
            "devices": args.devices,
            "seed": args.seed,
            "xlsx_inputs": args.xlsx_inputs,
            "layouts": args.layout,
            "windows11": args.windows11,
        },
    )
    print(
        f"  generated {', '.join(generated['files'])} in {generated['seconds']:.1f} s (not counted)"
    )

    audit = child("audit", str(work), {"formats": formats})
    n = audit["devices"]
    print(
        f"\naudit end to end: {audit['total']:.2f} s  ({n:,} devices, {n / audit['total']:,.0f} devices/s, "
        f"peak RSS {audit['peak_rss_mb']:,.0f} MiB)"
    )
    for name, seconds in audit["phases"].items():
        print(f"  {name:<20} {seconds:8.2f} s  {n / seconds if seconds else 0:>12,.0f} rows/s")
    core = sum(audit["phases"].get(p, 0.0) for p in ("link", "checks", "verdicts"))
    print(f"  {'link+checks+verdicts':<20} {core:8.2f} s")
    print(
        "  (phases overlap: two input files are read and normalised at a time, and the CSV and\n"
        "   JSON writers run beside the workbook; 'write outputs' is the writers' wall time)"
    )

    read_floor = child("read-floor", str(work), {})
    deflate = {"seconds": 0.0, "bytes": 0}
    if "xlsx" in formats:
        deflate = child("deflate-floor", str(work), {})
    floor = read_floor["seconds"] + deflate["seconds"]
    print(
        f"\nI/O floor: read {read_floor['seconds']:.2f} s ({read_floor['rows']:,} rows, same "
        f"readers) + deflate the workbook's {deflate['bytes'] / 2**20:,.0f} MiB of XML at level 1 "
        f"({deflate.get('library', 'none')}) {deflate['seconds']:.2f} s = {floor:.2f} s"
    )
    print(f"  audit / floor = {audit['total'] / floor:.2f}")
    if "xlsx_calamine_raw" in read_floor:
        ratio = read_floor["xlsx_ours"] / read_floor["xlsx_calamine_raw"]
        print(
            f"  xlsx inputs: ours {read_floor['xlsx_ours']:.2f} s vs python-calamine raw "
            f"{read_floor['xlsx_calamine_raw']:.2f} s = {ratio:.2f}x"
        )
    if "write xlsx" in audit["phases"]:
        cells = (
            audit["devices"] * audit["devices_columns"]
            + audit["findings"] * audit["findings_columns"]
        )
        print(
            f"  xlsx writer: {cells / audit['phases']['write xlsx']:,.0f} cells/s (whole workbook)"
        )
        if args.xlsxwriter_floor:
            plain = child("write-floor", str(work), audit)
            print(
                f"  plain-cell xlsxwriter workbook of the same shape: {plain['seconds']:.2f} s "
                f"({plain['cells'] / plain['seconds']:,.0f} cells/s)"
            )
            xlsxwriter_floor = read_floor["seconds"] + plain["seconds"]
            print(
                f"  audit / (same readers + that plain-cell workbook) = "
                f"{audit['total'] / xlsxwriter_floor:.2f}"
            )

    if not args.skip_rowwise:
        rowwise = child("rowwise", str(work), {})
        speedup = rowwise["rowwise"] / rowwise["vectorised"]
        print(
            f"\nrow-wise reference: {rowwise['rowwise']:.2f} s vs vectorised checks+verdicts "
            f"{rowwise['vectorised']:.2f} s = {speedup:.0f}x faster (with reason sentences, "
            f"which the reference does not build: {rowwise['with_reasons']:.2f} s)"
        )
        print(
            f"  verdicts agree on {rowwise['verdicts_agree']:,}/{rowwise['devices']:,} devices, "
            f"statuses on {rowwise['statuses_agree']:,}/{rowwise['devices']:,}"
        )
        if rowwise["first_difference"]:
            print(f"  FIRST DIFFERENCE: {rowwise['first_difference']}")
            raise SystemExit(1)


if __name__ == "__main__":
    main()
