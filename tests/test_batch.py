"""`comanage-audit batch`: many customers in worker processes, one portfolio, nothing lost.

The customers are small synthetic fleets (the sample generator), so each batch takes a few
seconds: a forkserver that imports the pipeline once, then one short audit per customer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from typer.testing import CliRunner

from comanage_audit.batch import customers as customers_module
from comanage_audit.batch import worker
from comanage_audit.batch.customers import find_customers
from comanage_audit.batch.pool import WorkerPool
from comanage_audit.batch.run import BatchOptions, BatchResult, _job, run_batch
from comanage_audit.batch.worker import CustomerJob, CustomerStatus
from comanage_audit.cli import app
from comanage_audit.errors import ConfigError
from comanage_audit.ingest import read
from comanage_audit.model import Verdict
from comanage_audit.options import AuditOptions
from comanage_audit.report.atomic import atomic_path
from comanage_audit.report.portfolio import CustomerRow, build_portfolio, customer_row
from comanage_audit.report.portfolio_xlsx import write_portfolio_xlsx
from comanage_audit.synthetic import write_sample

from .conftest import AS_OF, SAMPLES

runner = CliRunner()
OUTPUTS = ("comanage-audit.xlsx", "devices.csv", "findings.csv", "summary.json")
HOSTILE_NAME = '=HYPERLINK("http://example.com","open me")'.replace("/", "_")


def make_customer(root: Path, name: str, devices: int, seed: int) -> Path:
    folder = root / name
    write_sample(folder, devices=devices, seed=seed, configmgr_format="csv")
    return folder


@pytest.fixture(scope="module")
def portfolio_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three good customers (one with its own policy, one with a hostile name), two broken."""
    root = tmp_path_factory.mktemp("customers")
    make_customer(root, "Contoso", 60, 1)
    shutil.copy(SAMPLES / "policy.toml", root / "Contoso" / "policy.toml")
    make_customer(root, "Fabrikam Ltd #2", 90, 2)
    make_customer(root, HOSTILE_NAME, 40, 3)
    broken = make_customer(root, "Broken", 30, 4)
    (broken / "old.xls").write_bytes(read.OLE2_MAGIC + bytes(4096))  # refused, not skipped
    damaged = make_customer(root, "Damaged", 20, 5)
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name0", "Client_Version0"])
    workbook.save(damaged / "more.xlsx")
    whole = (damaged / "more.xlsx").read_bytes()
    (damaged / "more.xlsx").write_bytes(whole[: len(whole) // 2])  # cut short: unreadable
    (root / ".hidden").mkdir()
    (root / "notes.txt").write_text("not a customer", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def portfolio_run(
    portfolio_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int, str]:
    """One batch over `portfolio_root` in two workers: its output folder, exit code, stderr."""
    out = tmp_path_factory.mktemp("run") / "out"
    code, output = batch(portfolio_root, out, "--jobs", "2")
    return out, code, output


def batch(root: Path, out: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["batch", str(root), "--out", str(out), "--as-of", AS_OF.isoformat(), *args]
    )
    return result.exit_code, result.output


def without_timings(record: object) -> object:
    if isinstance(record, dict):
        return {k: without_timings(v) for k, v in record.items() if k != "seconds"}
    if isinstance(record, list):
        return [without_timings(v) for v in record]
    return record


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- end to end -------------------------------------------------------------------------


def test_each_customer_is_audited_and_the_broken_one_gets_its_row(
    portfolio_run: tuple[Path, int, str],
) -> None:
    out, code, output = portfolio_run
    assert code == 4, output  # some customers failed; the others and the portfolio written
    for name in ("Contoso", "Fabrikam Ltd #2", HOSTILE_NAME):
        assert sorted(p.name for p in (out / name).iterdir()) == sorted(OUTPUTS)
    assert not (out / "Broken").exists() and not (out / "Damaged").exists()
    assert not (out / ".hidden").exists() and not (out / "notes.txt").exists()
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "portfolio.json",
        "portfolio.xlsx",
    ]
    assert not list(out.glob(".comanage-batch-*"))  # the staging folder is gone

    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    rows = {row["customer"]: row for row in portfolio["rows"]}
    assert set(rows) == {"Contoso", "Fabrikam Ltd #2", HOSTILE_NAME, "Broken", "Damaged"}
    broken = rows["Broken"]
    assert broken["status"] == "failed" and broken["devices"] is None
    assert "old.xls: is an Excel 97-2003 workbook (.xls)" in broken["message"]
    assert "more.xlsx: is damaged or incomplete" in rows["Damaged"]["message"]
    # failed customers come first
    assert [row["customer"] for row in portfolio["rows"][:2]] == ["Broken", "Damaged"]
    assert portfolio["by_status"] == {"failed": 2, "written": 3}
    assert "[5/5]" in output and "Broken: failed:" in output and "old.xls" in output

    # Each row is the customer's own summary.json, reshaped.
    for name in ("Contoso", "Fabrikam Ltd #2", HOSTILE_NAME):
        summary = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        row = rows[name]
        assert row["status"] == "written" and row["devices"] == summary["devices"]
        assert row["readiness"] == summary["readiness"]
        out_of_scope = summary["readiness"]["out-of-scope"]
        assert row["in_scope_pcs"] == summary["devices"] - out_of_scope
        ready = summary["readiness"]["ready"]
        assert row["shares"]["ready"] == pytest.approx(ready / row["in_scope_pcs"], abs=1e-6)
        # The customer's own top blockers (WIN-001 is not one), most devices first.
        blockers = {b["check_id"]: b["devices"] for b in summary["top_blockers"]}
        assert blockers and row["blockers"] == blockers and "WIN-001" not in blockers
        assert list(row["blockers"].values()) == sorted(blockers.values(), reverse=True)
        assert all(summary["checks"][c]["fail"] == n for c, n in blockers.items())
        assert row["workbook"] == f"{name}/comanage-audit.xlsx"
    # Without a policy nobody states the MDM user scope: INT-001 is not evaluated, and says why.
    assert "INT-001" in rows["Fabrikam Ltd #2"]["not_evaluated"]
    assert rows["Fabrikam Ltd #2"]["not_evaluated"]["INT-001"]
    fabrikam = json.loads((out / "Fabrikam Ltd #2" / "summary.json").read_text(encoding="utf-8"))
    assert rows["Fabrikam Ltd #2"]["partial_audit"] == fabrikam["partial_audit"]
    assert any("INT-001" in sentence for sentence in fabrikam["partial_audit"])
    assert "INT-001" not in rows["Contoso"]["not_evaluated"]  # its own policy.toml applied

    total = sum(rows[n]["devices"] or 0 for n in rows)
    assert portfolio["devices"] == total
    blockers = {b["check_id"]: b for b in portfolio["top_blockers"]}
    for check, blocker in blockers.items():
        assert blocker["devices"] == sum(row["blockers"].get(check, 0) for row in rows.values())
        assert blocker["customers"] == sum(check in row["blockers"] for row in rows.values())


def test_customer_outputs_are_exactly_what_audit_writes(
    portfolio_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    batch(portfolio_root, out, "--format", "csv,json")
    alone_args = {
        "Fabrikam Ltd #2": ["--title", "Fabrikam Ltd #2"],  # no policy: titled by its folder
        "Contoso": ["--config", str(portfolio_root / "Contoso" / "policy.toml")],
    }
    for name, args in alone_args.items():
        folder = portfolio_root / name
        alone = tmp_path / f"alone-{name}"
        result = runner.invoke(
            app,
            [
                "audit", str(folder), "--out", str(alone), "--as-of", AS_OF.isoformat(),
                "--format", "csv,json", "--quiet", *args,
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        for output in ("devices.csv", "findings.csv", "summary.json"):
            assert (out / name / output).read_bytes() == (alone / output).read_bytes(), output
    # The Contoso policy names its tenant: that, not the folder, titles its outputs.
    summary = json.loads((out / "Contoso" / "summary.json").read_text(encoding="utf-8"))
    assert summary["title"] == "Contoso Ltd (sample)"
    # Without customer workbooks the portfolio still comes, and names link to nothing.
    sheet = openpyxl.load_workbook(out / "portfolio.xlsx")["Portfolio"]
    assert all(row[0].hyperlink is None for row in sheet.iter_rows(min_row=6))


def test_parallel_and_serial_runs_write_the_same(
    portfolio_root: Path, portfolio_run: tuple[Path, int, str], tmp_path: Path
) -> None:
    parallel, serial = portfolio_run[0], tmp_path / "serial"
    assert batch(portfolio_root, serial, "--jobs", "1", "--quiet")[0] == 4
    for name in ("Contoso", "Fabrikam Ltd #2", HOSTILE_NAME):
        for output in ("devices.csv", "findings.csv", "summary.json"):
            assert (serial / name / output).read_bytes() == (parallel / name / output).read_bytes()
    portfolios = [json.loads((o / "portfolio.json").read_text()) for o in (serial, parallel)]
    assert portfolios[0]["seconds"] > 0
    assert without_timings(portfolios[0]) == without_timings(portfolios[1])


def test_portfolio_workbook_reads_back_with_links_and_text(
    portfolio_run: tuple[Path, int, str],
) -> None:
    out = portfolio_run[0]
    book = openpyxl.load_workbook(out / "portfolio.xlsx")
    assert book.sheetnames == ["Portfolio", "Readiness", "Top blockers", "Partial audits"]
    sheet = book["Portfolio"]
    headers = [c.value for c in sheet[5]]
    assert headers[:9] == [
        "Customer", "Status", "Devices", "In-scope PCs", "Co-managed", "Ready",
        "Action required", "Upgrade required", "Insufficient data",
    ]  # fmt: skip
    assert headers[-4:] == ["Top blockers (devices)", "Data issues", "Not evaluated", "Problem"]
    assert len(headers) == 13  # no Windows 11 columns: no summary reports paths yet
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=6)}
    assert set(rows) == {"Contoso", "Fabrikam Ltd #2", HOSTILE_NAME, "Broken", "Damaged"}
    hostile = rows[HOSTILE_NAME][0]
    assert hostile.data_type == "s"  # text, not a formula
    for name in ("Contoso", "Fabrikam Ltd #2", HOSTILE_NAME):
        target = unquote(rows[name][0].hyperlink.target).replace("\\", "/")
        assert target == f"{name}/comanage-audit.xlsx"
        assert (out / target).is_file()
    assert rows["Broken"][0].hyperlink is None
    problem = rows["Broken"][headers.index("Problem")].value
    assert "is an Excel 97-2003 workbook" in problem
    devices = rows["Contoso"][headers.index("Devices")].value
    summary = json.loads((out / "Contoso" / "summary.json").read_text(encoding="utf-8"))
    assert devices == summary["devices"]
    assert rows["Contoso"][headers.index("Ready")].number_format == "0.0%"

    blockers = book["Top blockers"]
    assert [c.value for c in blockers[3]] == [
        "Check", "Title", "Devices failing", "Customers", "Share of in-scope PCs",
    ]  # fmt: skip
    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    first = portfolio["top_blockers"][0]
    assert [c.value for c in blockers[4]][:4] == [
        first["check_id"], first["title"], first["devices"], first["customers"],
    ]  # fmt: skip
    partial = list(book["Partial audits"].iter_rows(min_row=4, values_only=True))
    fabrikam = [sentence for customer, sentence in partial if customer == "Fabrikam Ltd #2"]
    summary = json.loads((out / "Fabrikam Ltd #2" / "summary.json").read_text(encoding="utf-8"))
    assert fabrikam == summary["partial_audit"] and any("INT-001" in s for s in fabrikam)


def test_portfolio_workbook_has_its_charts(portfolio_run: tuple[Path, int, str]) -> None:
    """openpyxl does not read charts back: look for the chart parts in the package."""
    with zipfile.ZipFile(portfolio_run[0] / "portfolio.xlsx") as package:
        charts = sorted(n for n in package.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        readiness, blockers = (package.read(name).decode() for name in charts)
    assert '<c:grouping val="percentStacked"/>' in readiness
    assert "Portfolio!$A$8:$A$10" in readiness  # the three written customers, not Broken
    assert "'Top blockers'!$C$4" in blockers


def test_fail_on_reached_in_some_customer_exits_1(tmp_path: Path) -> None:
    root = tmp_path / "customers"
    make_customer(root, "A", 20, 1)
    code, output = batch(root, tmp_path / "out", "--fail-on", "any", "--quiet")
    assert code == 1, output
    portfolio = json.loads((tmp_path / "out" / "portfolio.json").read_text())
    assert portfolio["rows"][0]["fail_on_reached"] is True


def test_exit_code_says_the_worst_that_happened() -> None:
    def result(*rows: CustomerRow) -> BatchResult:
        return BatchResult(Path("out"), build_portfolio(rows, "2026-11-26", {}), {}, [])

    written = customer_row("A", "written")
    reached = customer_row("B", "written", fail_on=["ready"], summary=_summary(ready=2))
    failed = customer_row("C", "failed", message="bad export")
    bug = customer_row("D", "internal error", message="bug")
    assert result(written).exit_code == 0
    assert result(written, reached).exit_code == 1
    assert result(written, reached, failed).exit_code == 4
    assert result(written, failed, bug).exit_code == 3


def _summary(**readiness: int) -> dict[str, object]:
    counts = {
        verdict.value: readiness.get(verdict.value.replace("-", "_"), 0) for verdict in Verdict
    }
    return {"devices": sum(counts.values()), "readiness": counts, "checks": {}}


# --- usage errors -----------------------------------------------------------------------


def test_previous_compares_each_customer_with_its_earlier_outputs(
    portfolio_root: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert batch(portfolio_root, first)[0] == 4  # the broken customers fail, the others write
    code, output = batch(portfolio_root, second, "--previous", str(first))
    assert code == 4, output
    summary = json.loads((second / "Contoso" / "summary.json").read_text(encoding="utf-8"))
    assert summary["progress"]["devices"]["previous"] == summary["devices"]
    assert summary["progress"]["devices"]["new"] == summary["progress"]["devices"]["gone"] == 0


def test_previous_reaches_each_customers_audit_options(
    portfolio_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PREV_OUT/<customer>/ lands in each customer's AuditOptions.previous."""
    previous = tmp_path / "previous"
    (previous / "Contoso").mkdir(parents=True)
    found = {c.name: c for c in find_customers(portfolio_root, tmp_path / "out", None, previous)}
    assert found["Contoso"].previous == (previous / "Contoso",)
    assert found["Broken"].previous == ()  # no previous outputs for it
    options = BatchOptions(portfolio_root, tmp_path / "out", AuditOptions(inputs=()))
    job = _job(found["Contoso"], options, tmp_path / "staging")
    assert job.options.previous == (previous / "Contoso",)
    assert job.options.inputs == (portfolio_root / "Contoso",)


def test_usage_errors_write_nothing(portfolio_root: Path, tmp_path: Path) -> None:
    code, output = batch(portfolio_root, portfolio_root)
    assert code == 2 and "is the customers folder itself" in " ".join(output.split())
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "cm.csv").write_text("Name0\nPC1\n", encoding="utf-8")
    code, output = batch(empty, tmp_path / "out")
    assert code == 2 and "holds no customer folders" in " ".join(output.split())
    assert "use comanage-audit audit" in " ".join(output.split())
    code, output = batch(tmp_path / "missing", tmp_path / "out")
    assert code == 2 and "no such folder" in output
    bad_policy = tmp_path / "bad.toml"
    bad_policy.write_text("[intune\n", encoding="utf-8")
    code, output = batch(portfolio_root, tmp_path / "out", "--config", str(bad_policy))
    assert code == 2 and "bad.toml" in output
    assert not (tmp_path / "out").exists()


def test_which_folders_are_customers(tmp_path: Path) -> None:
    root = tmp_path / "customers"
    for name in ("B", "a", ".git", "__MACOSX", "reports", "portfolio.json"):
        (root / name).mkdir(parents=True)
    out = root / "reports" / "2026-11"
    found = find_customers(root, out, None)
    assert [c.name for c in found] == ["a", "B", "portfolio.json"]  # reports holds --out
    assert all(c.out_dir == out / c.name for c in found)
    assert "cannot be called portfolio.json" in found[2].problem
    assert not found[0].problem
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a").write_text("a file where a folder goes", encoding="utf-8")
    found = find_customers(root, tmp_path / "out", None)
    assert "is a file, not a folder" in found[0].problem
    with pytest.raises(ConfigError, match="customers folder itself"):
        find_customers(root, root, None)


def test_output_folders_that_cannot_take_a_customer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    root = out / "Acme" / "customers"  # OUT/Acme would be an ancestor of ROOT
    for name in ("Acme", "Locked", "Fine"):
        (root / name).mkdir(parents=True)
    (out / "Locked").mkdir()
    locked = out / "Locked"
    real_access = os.access
    monkeypatch.setattr(
        customers_module.os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode)
    )
    found = {c.name: c.problem for c in find_customers(root, out, None)}
    assert "would hold the customers folder itself" in found["Acme"]
    assert "is not writable" in found["Locked"]
    assert found["Fine"] == ""


def test_a_customer_that_cannot_be_written_fails_alone(tmp_path: Path) -> None:
    root = tmp_path / "customers"
    make_customer(root, "Good", 20, 1)
    make_customer(root, "Blocked", 20, 2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "Blocked").write_text("in the way", encoding="utf-8")
    code, output = batch(root, out, "--quiet")
    assert code == 4, output
    assert (out / "Good" / "devices.csv").is_file()
    assert (out / "Blocked").read_text(encoding="utf-8") == "in the way"
    rows = {r["customer"]: r for r in json.loads((out / "portfolio.json").read_text())["rows"]}
    assert "is a file, not a folder" in rows["Blocked"]["message"]


# --- workers ----------------------------------------------------------------------------


def _jobs(root: Path, out: Path, names: list[str]) -> list[CustomerJob]:
    return [
        CustomerJob(name, AuditOptions(inputs=(root / name,), out_dir=out / name, as_of=AS_OF))
        for name in names
    ]


def _audit_or_die(job: CustomerJob) -> worker.CustomerOutcome:
    if job.name == "Doomed":
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return _real_audit_customer(job)


def _buggy_run(options: AuditOptions, *args: object, **kwargs: object) -> object:
    if options.inputs[0].name == "Buggy":
        raise KeyError("a bug inside the audit")
    return _real_run(options, *args, **kwargs)


_real_audit_customer = worker.audit_customer
_real_run = worker.pipeline.run


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
def test_a_worker_killed_mid_customer_fails_only_that_customer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "customers"
    names = ["A", "Doomed", "B", "C"]
    for seed, name in enumerate(names):
        make_customer(root, name, 30, seed)
    # Forked workers share this process's patched module (the forkserver would not).
    monkeypatch.setattr(worker, "audit_customer", _audit_or_die)
    with WorkerPool(2, start_method="fork") as pool:
        outcomes = {o.name: o for o in pool.run(_jobs(root, tmp_path / "out", names))}
    assert set(outcomes) == set(names)
    doomed = outcomes.pop("Doomed")
    assert doomed.status is CustomerStatus.FAILED
    assert "was killed by SIGKILL" in doomed.message and "fewer --jobs" in doomed.message
    assert all(o.status is CustomerStatus.WRITTEN for o in outcomes.values())


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
def test_a_bug_in_one_customer_is_its_internal_error_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "customers"
    for seed, name in enumerate(("Buggy", "Fine")):
        make_customer(root, name, 30, seed)
    monkeypatch.setattr(worker.pipeline, "run", _buggy_run)
    options = BatchOptions(
        root, tmp_path / "out", AuditOptions(inputs=(), as_of=AS_OF), jobs=2, debug=True,
        start_method="fork",
    )  # fmt: skip
    result = run_batch(options)
    assert result.exit_code == 3
    buggy = result.outcomes["Buggy"]
    assert buggy.status is CustomerStatus.INTERNAL_ERROR
    assert "internal error (KeyError" in buggy.message and "KeyError" in buggy.traceback
    assert (tmp_path / "out" / "Fine" / "summary.json").is_file()


# --- Ctrl-C -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Four customers and the outputs of a batch over them: (ROOT, OUT)."""
    root = tmp_path_factory.mktemp("interrupted") / "customers"
    for seed in range(4):
        make_customer(root, f"Customer {seed}", 80, seed)
    out = root.parent / "out"
    assert batch(root, out, "--quiet")[0] == 0
    return root, out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_mid_batch_leaves_every_previous_output_byte_identical(
    previous_run: tuple[Path, Path], stop: signal.Signals
) -> None:
    root, out = previous_run
    before = snapshot(out)
    assert len(before) == 4 * 4 + 2
    # A later date changes every output, so anything replaced would show.
    command = [
        sys.executable, "-m", "comanage_audit", "batch", str(root), "--out", str(out),
        "--as-of", "2026-12-24", "--jobs", "1",
    ]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("[1/4]"):
            process.send_signal(stop)  # after the first customer finished
            break
    rest = process.communicate(timeout=120)[1]
    assert process.returncode == 130, "".join(seen) + rest
    assert "stopped: interrupted" in rest
    assert snapshot(out) == before
    assert not list(out.glob(".comanage-batch-*"))  # nor any worker's scratch


# --- the portfolio from summaries -------------------------------------------------------


def test_windows11_paths_are_read_from_the_summary_when_present(tmp_path: Path) -> None:
    """Issue 14 adds Windows 11 paths to summary.json: one adapter reads them into the row."""
    with_paths = {
        **_summary(ready=3, action_required=1),
        "windows11": {"paths": {"upgrade in place": 2, "replace hardware": 1, "odd": "x"}},
    }
    flat = {**_summary(ready=1), "windows11": {"fix firmware": 1, "flag": True}}
    rows = [
        customer_row("A", "written", summary=with_paths, workbook="A/comanage-audit.xlsx"),
        customer_row("B", "written", summary=flat),
        customer_row("C", "written", summary=_summary(ready=1)),
    ]
    assert rows[0].windows11 == {"upgrade in place": 2, "replace hardware": 1}
    assert rows[1].windows11 == {"fix firmware": 1}
    assert rows[2].windows11 == {}
    portfolio = build_portfolio(rows, "2026-11-26", {})
    write_portfolio_xlsx(portfolio, tmp_path, atomic_path)
    sheet = openpyxl.load_workbook(tmp_path / "portfolio.xlsx")["Portfolio"]
    headers = [c.value for c in sheet[5]]
    paths = [h for h in headers if h.startswith("Windows 11: ")]
    assert paths == [
        "Windows 11: upgrade in place", "Windows 11: replace hardware", "Windows 11: fix firmware",
    ]  # fmt: skip
    values = {row[0]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    column = headers.index("Windows 11: upgrade in place")
    assert values["A"][column] == 2 and values["B"][column] is None


def test_rows_are_sorted_failed_first_then_least_ready() -> None:
    rows = [
        customer_row("Done", "written", summary=_summary(co_managed=9, ready=1)),
        customer_row("Nothing in scope", "written", summary=_summary(out_of_scope=4)),
        customer_row("Behind", "written", summary=_summary(ready=1, action_required=9)),
        customer_row("broken", "failed", message="unreadable"),
        customer_row("Another", "failed", message="unreadable"),
    ]
    portfolio = build_portfolio(rows, "2026-11-26", {})
    order = [row.customer for row in portfolio.rows]
    assert order == ["Another", "broken", "Behind", "Done", "Nothing in scope"]
    assert portfolio.rows[2].shares["action-required"] == pytest.approx(0.9)
    assert portfolio.rows[4].shares["ready"] is None  # no in-scope PC: no share


@pytest.mark.skipif(sys.platform != "linux", reason="folder names of any bytes: Linux")
def test_a_folder_name_that_is_not_utf8_does_not_stop_the_batch(tmp_path: Path) -> None:
    root = tmp_path / "customers"
    make_customer(root, "ok", 20, 1)
    make_customer(root, os.fsdecode(b"caf\xe9"), 20, 2)  # Latin-1 bytes in a UTF-8 system
    out = tmp_path / "out"
    code, output = batch(root, out, "--quiet")
    assert code in (0, 3, 4), output  # however the audit itself takes such a path
    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    rows = {row["customer"]: row for row in portfolio["rows"]}
    assert set(rows) == {"ok", "caf\\xe9"}  # shown with its odd byte spelled out
    assert rows["ok"]["status"] == "written"
    assert rows["caf\\xe9"]["workbook"] is None  # never a link to a name shown altered
    sheet = openpyxl.load_workbook(out / "portfolio.xlsx")["Portfolio"]
    assert {row[0].value for row in sheet.iter_rows(min_row=6)} == {"ok", "caf\\xe9"}
