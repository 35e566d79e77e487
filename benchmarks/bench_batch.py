"""Benchmark: `comanage-audit batch` over many synthetic customers, and its per-customer overhead.

    python benchmarks/bench_batch.py                       # 100 customers x 2,000 devices
    python benchmarks/bench_batch.py --customers 20 --devices 500 --jobs 1
    python benchmarks/bench_batch.py --overhead            # also: what start-up costs a customer

Customers are generated once with the sample generator's Python API (all four exports, the
ConfigMgr one as CSV, a different seed each) into a cache folder and reused. The batch runs
as `python -m comanage_audit batch` in a child process, with every output; its peak memory
is the sum of the RSS of its whole process tree (the CLI, the forkserver and the workers),
sampled every 50 ms from /proc (Linux only).

--overhead measures, in CPU seconds, what start-up costs a customer: starting the CLI (what
one `comanage-audit audit` process per customer pays), a fresh interpreter importing the
worker, and a new worker's first customer against its next one, for a `spawn` worker and
for one forked from the forkserver that has already imported the pipeline (as the batch
does; the forkserver's own imports are paid once per batch).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 26)
HERE = Path(__file__).resolve().parent
POLICY = HERE.parent / "sample_inventories" / "policy.toml"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "comanage-audit-bench-batch"


# ------------------------------------------------------------------ customers (cached)


def customers_folder(cache: Path, customers: int, devices: int, seed: int) -> Path:
    """ROOT with `customers` folders of `devices` devices each, generated once."""
    from comanage_audit.synthetic import write_sample

    root = cache / f"{customers}x{devices}-seed{seed}"
    done = root / ".complete"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    for i in range(customers):
        write_sample(
            root / f"Customer {i + 1:03d}",
            devices=devices,
            seed=seed + i,
            configmgr_format="csv",
        )
    done.write_text("", encoding="utf-8")
    print(f"  generated {customers} customers in {time.perf_counter() - start:.1f} s (cached)")
    return root


# ------------------------------------------------------------------ memory of a process tree


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> tuple[dict[int, list[int]], dict[int, float]]:
    """Children of each process, and each process's CPU seconds so far (user + system)."""
    tree: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / TICK
    return tree, cpu


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakSampler(threading.Thread):
    """Peak summed RSS of a process tree, and the CPU seconds its processes used.

    CPU is each process's last sample (a process's final 50 ms may be missed), which is
    less sensitive than wall time to other work on a shared machine.
    """

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_kib, self.processes = 0, 0
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            tree, cpu = _processes()
            pending, total, count = [self.pid], 0, 0
            while pending:
                pid = pending.pop()
                total += _rss_kib(pid)
                count += 1
                if pid in cpu:
                    self.cpu[pid] = cpu[pid]
                pending.extend(tree.get(pid, []))
            if total > self.peak_kib:
                self.peak_kib, self.processes = total, count
            self.stop.wait(self.every)

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())


# ------------------------------------------------------------------ the batch


def run_batch(root: Path, out: Path, jobs: int | None, formats: str) -> dict:
    command = [
        sys.executable, "-m", "comanage_audit", "batch", str(root), "--out", str(out),
        "--config", str(POLICY), "--as-of", AS_OF.isoformat(), "--format", formats, "--quiet",
    ]  # fmt: skip
    if jobs:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    sampler = PeakSampler(process.pid)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    if process.returncode not in (0, 1):
        sys.stderr.write(stderr)
        raise SystemExit(f"batch exited with {process.returncode}")
    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    seconds = [row["seconds"] for row in portfolio["rows"]]
    return {
        "wall": wall,
        "peak_rss_mib": sampler.peak_kib / 1024,
        "processes_at_peak": sampler.processes,
        "cpu_seconds": sampler.cpu_seconds,
        "customers": len(portfolio["rows"]),
        "devices": portfolio["devices"],
        "by_status": portfolio["by_status"],
        "customer_seconds_sum": sum(seconds),
        "customer_seconds_median": statistics.median(seconds),
    }


# ------------------------------------------------------------------ per-customer overhead


def _cpu_of(pid: int) -> float:
    return _processes()[1].get(pid, 0.0)


def fresh_process_cpu(code: list[str], repeats: int = 3) -> float:
    """CPU seconds (median) of a fresh interpreter running `code`."""
    times = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, *code], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times)


def first_and_warm(folder: Path, out: Path, method: str) -> dict[str, float]:
    """CPU seconds of a new worker up to the end of its first customer, and of its next one."""
    from comanage_audit.batch.pool import WorkerPool
    from comanage_audit.batch.worker import CustomerJob
    from comanage_audit.options import AuditOptions

    def job(n: int) -> CustomerJob:
        options = AuditOptions(
            inputs=(folder,), out_dir=out / f"{method}-{n}", config=POLICY, as_of=AS_OF
        )
        return CustomerJob(folder.name, options)

    with WorkerPool(1, method) as pool:
        list(pool.run([job(1)]))
        (pid,) = pool.pids
        first = _cpu_of(pid)
        list(pool.run([job(2)]))
        warm = _cpu_of(pid) - first
    return {"first": first, "warm": warm, "overhead": first - warm}


def overhead(root: Path, work: Path) -> dict:
    """Run in a fresh interpreter (`--child overhead`) so the forkserver starts cold."""
    folder = sorted(p for p in root.iterdir() if p.is_dir())[0]
    return {
        "audit command start": fresh_process_cpu(["-m", "comanage_audit", "--version"]),
        "worker imports": fresh_process_cpu(["-c", "import comanage_audit.batch.worker"]),
        "spawn": first_and_warm(folder, work, "spawn"),
        "forkserver": first_and_warm(folder, work, "forkserver"),
    }


# ------------------------------------------------------------------ driver


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--jobs", type=int, help="default: the batch's own (the cores)")
    parser.add_argument("--formats", default="xlsx,csv,json")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated customers")
    parser.add_argument("--overhead", action="store_true", help="measure per-customer start-up")
    parser.add_argument("--child", choices=["overhead"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    root = customers_folder(args.cache, args.customers, args.devices, args.seed)
    if args.child == "overhead":
        print(json.dumps(overhead(root, args.work)))
        return

    work = Path(tempfile.mkdtemp(prefix="comanage-bench-batch-"))
    try:
        print(
            f"comanage-audit batch benchmark: {args.customers} customers x {args.devices:,} "
            f"devices, outputs {args.formats}, {os.cpu_count()} cores, work {work}"
        )
        result = run_batch(root, work / "out", args.jobs, args.formats)
        n = result["customers"]
        print(
            f"\nbatch end to end: {result['wall']:.1f} s for {n} customers "
            f"({result['devices']:,} devices, {result['wall'] / n:.2f} s per customer), "
            f"statuses {result['by_status']}"
        )
        print(
            f"  peak memory of the process tree: {result['peak_rss_mib']:,.0f} MiB "
            f"({result['processes_at_peak']} processes)"
        )
        print(
            f"  one customer's audit inside a worker: median {result['customer_seconds_median']:.2f} s, "
            f"sum {result['customer_seconds_sum']:.1f} s"
        )
        cores = os.cpu_count() or 1
        print(
            f"  CPU used by the process tree: {result['cpu_seconds']:.1f} s "
            f"({result['cpu_seconds'] / n:.2f} s per customer): at least "
            f"{result['cpu_seconds'] / cores:.1f} s of wall time on {cores} idle cores"
        )
        if args.overhead:
            command = [
                sys.executable, __file__, "--child", "overhead", "--work", str(work),
                "--cache", str(args.cache), "--customers", str(args.customers),
                "--devices", str(args.devices), "--seed", str(args.seed),
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            report = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"\nper-customer start-up, CPU seconds (one {args.devices:,}-device customer):")
            print(
                f"  today, one comanage-audit process per customer: "
                f"{report['audit command start']:.2f} s to start the CLI"
            )
            print(f"  a fresh interpreter importing the worker: {report['worker imports']:.2f} s")
            for method in ("spawn", "forkserver"):
                m = report[method]
                print(
                    f"  new {method} worker: {m['first']:.2f} s to the end of its first "
                    f"customer, {m['warm']:.2f} s for its next: {m['overhead']:.2f} s of start-up"
                )
        print(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
