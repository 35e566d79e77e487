"""`comanage-audit queries`: what it prints, and that the SQL's columns are ones the tool reads."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit.cli import app
from comanage_audit.ingest import sources
from comanage_audit.ingest.exports import hardware
from comanage_audit.model import RawTable, SourceKind
from comanage_audit.queries import (
    CONFIGMGR_DEVICES_SQL,
    CONFIGMGR_HARDWARE_SQL,
    GUIDES,
    result_columns,
)

runner = CliRunner()


@pytest.mark.parametrize("kind", list(GUIDES))
def test_each_guide_prints(kind: str) -> None:
    result = runner.invoke(app, ["queries", kind])
    assert result.exit_code == 0, result.output
    assert result.output == GUIDES[kind][1]


def test_configmgr_prints_both_queries() -> None:
    out = runner.invoke(app, ["queries", "configmgr"]).output
    assert "FROM v_R_System sys" in out and "LEFT JOIN v_GS_TPM tpm" in out
    assert out.count("SELECT\n") == 2
    assert "Save Results As" in out


def test_unknown_guide_is_a_usage_error() -> None:
    result = runner.invoke(app, ["queries", "sccm"])
    assert result.exit_code == 2


def test_device_query_columns_are_configmgr_headers() -> None:
    columns = result_columns(CONFIGMGR_DEVICES_SQL)
    assert len(columns) == 22 and columns[-2:] == ["CoManaged", "PrimaryUser"]
    mapping = sources.map_headers(SourceKind.CONFIGMGR, columns)
    assert sorted(mapping.values()) == sorted(columns)  # every column means something
    table = RawTable(path="cm.csv", sheet=None, frame=pd.DataFrame(columns=columns),
                     rows=pd.Series(dtype="int64"), sha256="")  # fmt: skip
    assert sources.identify(table).kind is SourceKind.CONFIGMGR


def test_hardware_query_columns_are_hardware_headers() -> None:
    columns = result_columns(CONFIGMGR_HARDWARE_SQL)
    known = {sources.header_key(h) for c in hardware.SPEC.columns for h in c.headers}
    assert [c for c in columns if sources.header_key(c) not in known] == []
    assert {"SpecVersion0", "UEFI0", "SecureBoot0", "TotalPhysicalMemory0", "Size0"} <= set(columns)


def test_a_hardware_export_alone_is_not_an_audit(tmp_path) -> None:
    """--source hardware=... is read as hardware inventory, which adds facts to devices the
    device exports found: on its own it is a clear input error, not a crash."""
    hw = tmp_path / "hw.csv"
    hw.write_text('ResourceID,Name0,SpecVersion0\n1,PC1,"2.0, 0, 1.38"\n')
    result = runner.invoke(app, ["audit", "--source", f"hardware={hw}", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "none of the inputs is a device export" in result.output
