"""Benchmark: what `--previous` adds to an audit of N devices compared with an audit of N.

    python benchmarks/bench_progress.py --devices 100000 --rounds 3

A synthetic fleet is audited once (the previous audit), then changed (1% of the devices
gone, 1% new, 0.5% re-imaged with a new Microsoft Entra device id) and audited again,
alternately without and with `--previous` (A/B, back to back, so a busy machine slows both
alike). Each audit runs in its own process and writes every output. Prints the wall time of
each run, the medians and their difference, and the phases `--previous` adds (reading the
previous audit; comparing) as measured inside the audit.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
POLICY = HERE.parent / "sample_inventories" / "policy.toml"
CM, INTUNE, ENTRA = (
    "ConfigMgr_Devices.csv",
    "IntuneDevices_DevicesWithInventory.csv",
    "exportDevice_2026-11-20.csv",
)
ID_COLUMNS = {CM: "AADDeviceID", INTUNE: "Microsoft Entra Device ID", ENTRA: "deviceId"}


def next_month(folder: Path, share_gone: float = 0.01, share_reimaged: float = 0.005) -> None:
    """Drop some devices, re-image some (new Entra device id), add some Entra-only ones."""
    frames = {
        name: pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for name in ID_COLUMNS
    }
    ids = frames[ENTRA]["deviceId"]
    gone = set(ids.sample(frac=share_gone, random_state=1))
    reimaged = ids[~ids.isin(gone)].sample(frac=share_reimaged, random_state=2)
    renew = {old: str(uuid.uuid4()) for old in reimaged}
    for name, column in ID_COLUMNS.items():
        frame = frames[name]
        frame = frame[~frame[column].isin(gone)].copy()
        frame[column] = frame[column].replace(renew)
        frames[name] = frame
    new = frames[ENTRA].head(len(gone)).copy()
    new["displayName"] = [f"NEW-{n:06d}" for n in range(len(new))]
    new["deviceId"] = [str(uuid.uuid4()) for _ in range(len(new))]
    frames[ENTRA] = pd.concat([frames[ENTRA], new], ignore_index=True)
    for name, frame in frames.items():
        frame.to_csv(folder / name, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def run_audit(exports: Path, out: Path, previous: Path | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one audit in its own process."""
    command = [sys.executable, "-m", "comanage_audit.cli", "audit", str(exports), "--config",
               str(POLICY), "--as-of", "2026-11-26", "--out", str(out), "--quiet"]  # fmt: skip
    if previous is not None:
        command += ["--previous", str(previous)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def phases(exports: Path, out: Path, previous: Path) -> dict[str, float]:
    """The audit's own phase timings with --previous (one in-process run)."""
    code = (
        "import json,sys\n"
        "from datetime import date\nfrom pathlib import Path\n"
        "from comanage_audit import audit\nfrom comanage_audit.options import AuditOptions\n"
        "from comanage_audit.report.writers import write_all\n"
        "from comanage_audit.timing import Phases\n"
        "p = Phases()\n"
        f"o = AuditOptions(inputs=(Path({str(exports)!r}),), out_dir=Path({str(out)!r}), "
        f"config=Path({str(POLICY)!r}), as_of=date(2026, 11, 26), previous=(Path({str(previous)!r}),))\n"
        "r = audit.run(o, phases=p)\nwrite_all(r, o, p)\n"
        "print(json.dumps(p.seconds))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from comanage_audit.synthetic import write_sample

    with tempfile.TemporaryDirectory(prefix="bench-progress-") as tmp:
        root = Path(tmp)
        month1, month2 = root / "month-1", root / "month-2"
        write_sample(month1, devices=args.devices, seed=7, configmgr_format="csv")
        write_sample(month2, devices=args.devices, seed=7, configmgr_format="csv")
        next_month(month2)
        previous = root / "previous"
        run_audit(month1, previous, None)
        without, with_previous = [], []
        for round_ in range(args.rounds):
            without.append(run_audit(month2, root / "a", None))
            with_previous.append(run_audit(month2, root / "b", previous))
            (a_wall, a_cpu), (b_wall, b_cpu) = without[-1], with_previous[-1]
            print(f"round {round_ + 1}: without {a_wall:.2f} s ({a_cpu:.2f} s CPU), with "
                  f"--previous {b_wall:.2f} s ({b_cpu:.2f} s CPU)", flush=True)  # fmt: skip
        for what, at in (("wall", 0), ("CPU", 1)):
            a = statistics.median(run[at] for run in without)
            b = statistics.median(run[at] for run in with_previous)
            print(
                f"median {what}: without {a:.2f} s, with --previous {b:.2f} s: adds {b - a:+.2f} s"
            )
        timed = phases(month2, root / "c", previous)
        for name in ("read previous audits", "compare with previous"):
            print(f"  phase {name}: {timed.get(name, 0.0):.2f} s", flush=True)
        summary = json.loads((root / "b" / "summary.json").read_text())["progress"]
        print("  " + summary["headline"])


if __name__ == "__main__":
    main()
