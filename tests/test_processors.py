"""Processor support for Windows 11 from the names ConfigMgr and Intune report."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from comanage_audit.errors import InputError
from comanage_audit.reference import build_win11_processors as build
from comanage_audit.reference import processors
from comanage_audit.reference.processor_list import list_from_frame, load_processor_list
from comanage_audit.reference.processors import cpu_support, load_table, table_from_text

S, U, X = True, False, None  # supported, unsupported, unknown

NAMES = [
    ("Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz", "core-i", S),
    ("AMD Ryzen 5 PRO 3500U w/ Radeon Vega Mobile Gfx", "ryzen", S),
    ("Snapdragon (TM) 8cx Gen 3 @ 3.0 GHz", "snapdragon", S),
    ("Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz", "xeon-old", U),
    ("Common KVM processor", "virtual", X),
    ("Intel Core Processor (Skylake, IBRS)", "virtual", X),
    ("QEMU Virtual CPU version 2.5+", "virtual", X),
    ("Intel(R) Core(TM) i7-7700 CPU @ 3.60GHz", "core-i", U),
    ("Intel(R) Core(TM) i7 CPU 920 @ 2.67GHz", "core-i", U),
    ("Intel(R) Core(TM) i5 CPU M 520 @ 2.40GHz", "core-i", U),
    ("Intel(R) Core(TM)2 Duo CPU E8400 @ 3.00GHz", "intel-legacy", U),
    ("11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz", "core-i", S),
    ("Intel(R) Core(TM) i5-10210U CPU @ 1.60GHz", "core-i", S),
    ("13th Gen Intel(R) Core(TM) i9-13900K", "core-i", S),
    ("Intel(R) Core(TM) i9-7900X CPU @ 3.30GHz", "core-i", S),
    ("Intel(R) Core(TM) i7-7820HQ CPU @ 2.90GHz", "core-i", X),
    ("Intel(R) Core(TM) Ultra 7 165U", "core-ultra", S),
    ("Intel(R) Core(TM) 7 150U", "core-series", S),
    ("Intel(R) Core(TM) i3-N305", "core-n", S),
    ("Intel(R) N100", "intel-n", S),
    ("Intel(R) Core(TM) m3-7Y30 CPU @ 1.00GHz", "core-m", U),
    ("Intel(R) Core(TM) m3-8100Y CPU @ 1.10GHz", "core-m", S),
    ("Intel(R) Celeron(R) CPU N3450 @ 1.10GHz", "celeron-jn", U),
    ("Intel(R) Celeron(R) N4020 CPU @ 1.10GHz", "celeron-jn", S),
    ("Intel(R) Celeron(R) CPU 3867U @ 1.80GHz", "celeron-mobile", S),
    ("Intel(R) Celeron(R) CPU 3865U @ 1.80GHz", "celeron-mobile", U),
    ("Intel(R) Pentium(R) CPU G4560 @ 3.50GHz", "pentium-g", U),
    ("Intel(R) Pentium(R) Gold G5400 CPU @ 3.70GHz", "pentium-g", S),
    ("Intel(R) Pentium(R) Silver N5000 CPU @ 1.10GHz", "pentium-jn", S),
    ("Intel(R) Atom(TM) x5-Z8350  CPU @ 1.44GHz", "atom-old", U),
    ("Intel(R) Xeon(R) W-2135 CPU @ 3.70GHz", "xeon-w", S),
    ("Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz", "xeon-scalable", S),
    ("AMD Ryzen 7 1700X Eight-Core Processor", "ryzen", U),
    ("AMD Ryzen 5 2500U with Radeon Vega Mobile Gfx", "ryzen-2000-apu", U),
    ("AMD Ryzen 3 2200G with Radeon Vega Graphics", "ryzen-2000-apu", U),
    ("AMD Ryzen 7 2700X Eight-Core Processor", "ryzen", S),
    ("AMD Ryzen AI 9 HX 370 w/ Radeon 890M", "ryzen-ai", S),
    ("AMD Ryzen Threadripper 1950X 16-Core Processor", "threadripper", U),
    ("AMD A10-9700 RADEON R7, 10 COMPUTE CORES 4C+6G", "amd-legacy", U),
    ("AMD FX(tm)-8350 Eight-Core Processor", "amd-legacy", U),
    ("AMD Athlon 200GE with Radeon Vega Graphics", "athlon", U),
    ("AMD Athlon Silver 3050U with Radeon Graphics", "athlon", S),
    ("AMD EPYC 7551 32-Core Processor", "epyc", U),
    ("Snapdragon(R) X Elite - X1E78100 - Qualcomm(R) Oryon(TM) CPU", "snapdragon", S),
    ("Microsoft SQ1 @ 3.0 GHz", "snapdragon", S),
    ("Qualcomm Snapdragon 835", "snapdragon", U),
    ("Acme Turbo 3000", None, X),
]


@pytest.mark.parametrize(("name", "family", "supported"), NAMES, ids=[n[0] for n in NAMES])
def test_processor_name_is_placed_and_decided(name, family, supported) -> None:
    result = cpu_support(pd.Series([name]))
    got_family = result["cpu_family"].iloc[0]
    assert (None if pd.isna(got_family) else got_family) == family
    got = result["cpu_supported"].iloc[0]
    assert (None if pd.isna(got) else bool(got)) == supported
    assert result["cpu_basis"].iloc[0]  # always says why


def test_unplaceable_names_are_unknown_never_unsupported() -> None:
    names = pd.Series(["Common KVM processor", "Genuine Intel(R) CPU 0000 @ 2.40GHz", "???"])
    result = cpu_support(names)
    assert result["cpu_supported"].isna().all()
    assert result["cpu_basis"].iloc[0] == "a virtual processor: the host decides"


def test_missing_and_blank_names_decide_nothing() -> None:
    result = cpu_support(pd.Series([None, "", "  "], dtype="string"))
    assert result["cpu_supported"].isna().all()
    assert result["cpu_basis"].isna().all()


def test_worked_out_per_distinct_name_and_taken_back_per_device() -> None:
    names = pd.Series(
        ["Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz", "AMD Ryzen 7 1700X", None] * 2000,
        index=pd.RangeIndex(10, 6010),
    )
    result = cpu_support(names)
    assert result.index.equals(names.index)
    assert result["cpu_supported"].iloc[:3].tolist() == [True, False, pd.NA]
    assert result["cpu_supported"].value_counts().to_dict() == {True: 2000, False: 2000}


def test_packaged_table_names_its_sources_and_date() -> None:
    text = (
        processors.resources.files("comanage_audit.reference") / "win11_processors.csv"
    ).read_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for vendor in ("intel", "amd", "qualcomm"):
        assert f"windows-11-24h2-supported-{vendor}-processors" in header
        assert f"windows-11-25h2-supported-{vendor}-processors" in header
    assert re.search(r"retrieved \d{4}-\d{2}-\d{2}", header)
    table = load_table()
    assert set(table["status"]) == {"supported", "unsupported", "unknown"}
    ranges = table[table["model"].isna()]
    assert (ranges["first"] <= ranges["last"]).all()


def test_table_with_wrong_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="must have the columns"):
        table_from_text("# note\nvendor,family\nIntel,core-i\n")


MICROSOFT_ROWS = pd.DataFrame(
    {
        "Manufacturer": ["Intel®", "Intel®", "AMD®", "Qualcomm®", "Intel®", "Intel®"],
        "Brand": ["Core™", "Core™", "AMD Ryzen™ 5 PRO", "Snapdragon™", "Core™ Ultra", "Intel®"],
        "Model": ["i5-8350U", "i7-7820HQ", "3500U", "8cx Gen 3 Compute Platform",
                  "Ultra 7 165U", "Mystery 1"],
    }
)  # fmt: skip


def test_a_supplied_list_decides_the_families_it_covers() -> None:
    listed = list_from_frame(MICROSOFT_ROWS, "list.csv")
    assert listed["placed"].tolist() == [True, True, True, True, True, False]
    names = pd.Series(
        [
            "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz",  # on the list
            "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz",  # Core, not on the list
            "Intel(R) Core(TM) i7-7820HQ CPU @ 2.90GHz",  # the table says unknown; listed
            "Intel(R) Xeon(R) W-2135 CPU @ 3.70GHz",  # family not covered: the table decides
            "Common KVM processor",
        ]
    )
    result = cpu_support(names, listed)
    assert result["cpu_supported"].tolist()[:4] == [True, False, True, True]
    assert pd.isna(result["cpu_supported"].iloc[4])
    assert result["cpu_basis"].iloc[1] == "not on the supplied supported-processor list"


def test_list_without_its_columns_is_a_clear_error() -> None:
    with pytest.raises(InputError) as error:
        list_from_frame(pd.DataFrame({"Processor": ["i5-8350U"]}), "cpus.csv", "Sheet1")
    message = str(error.value)
    assert message.startswith("cpus.csv, sheet 'Sheet1': ")
    assert "Manufacturer, Brand, Model" in message and "learn.microsoft.com" in message


def test_list_with_no_rows_is_a_clear_error() -> None:
    empty = pd.DataFrame({"Manufacturer": [""], "Brand": [""], "Model": [""]})
    with pytest.raises(InputError, match="holds no processor rows"):
        list_from_frame(empty, "cpus.csv")


def test_list_is_read_from_a_saved_csv_and_workbook(tmp_path) -> None:
    csv = tmp_path / "intel.csv"
    MICROSOFT_ROWS.iloc[:2].to_csv(csv, index=False, encoding="utf-8-sig")
    xlsx = tmp_path / "amd.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        pd.DataFrame({"title": ["Windows 11 supported AMD processors"]}).to_excel(
            writer, index=False, header=False, startrow=0
        )
        MICROSOFT_ROWS.iloc[2:3].to_excel(writer, index=False, startrow=2)
    listed = load_processor_list([csv, xlsx])
    assert listed["model"].tolist() == ["i58350u", "i77820hq", "5pro3500u"]


def test_build_script_adds_listed_models_the_rules_miss_and_keeps_the_header(tmp_path) -> None:
    source = tmp_path / "intel.csv"
    MICROSOFT_ROWS.to_csv(source, index=False)
    out = tmp_path / "table.csv"
    build.main([str(source), "--out", str(out), "--retrieved", "2027-01-05"])
    text = out.read_text()
    assert "# Sources (retrieved 2027-01-05):" in text
    table = table_from_text(text)
    added = table[table["model"].eq("i77820hq")]
    assert added["status"].tolist() == ["supported"]  # the list replaces the packaged "unknown"
    assert added["basis"].tolist() == ["on Microsoft's list: Core i7-7820HQ"]
    assert len(table) == len(load_table())  # i5-8350U etc. were already supported
