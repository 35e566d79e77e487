"""Reference tables: Windows and ConfigMgr releases, licence SKUs and licence-cell resolution."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comanage_audit.reference import configmgr, licences, windows
from comanage_audit.reference.build_licence_skus import build_table, read_catalogue, write_table
from tests.conftest import FULL_CATALOGUES, LICENSING

# Excerpts of Microsoft's licensing catalogue, in each copy's own bytes (tests/data/licensing/)
CURRENT = LICENSING / "catalogue_2025-10.csv"
DRIFT_2022_01 = LICENSING / "catalogue_2022-01_string_space_id.csv"
DRIFT_2022_08 = LICENSING / "catalogue_2022-08_semicolon.csv"
# Microsoft's full files, for the comparisons only they can make (optional)
FULL = FULL_CATALOGUES or Path("COMANAGE_AUDIT_FULL_CATALOGUES is not set")
FULL_CURRENT = FULL / "product_names_service_plan_identifiers.csv"
FULL_2022_01 = FULL / "licensing-drift" / "licensing_csv_2022-01_string_space_id.csv"
FULL_2022_08 = FULL / "licensing-drift" / "licensing_csv_2022-08_semicolon.csv"
needs_full_catalogues = pytest.mark.skipif(
    not (FULL_CURRENT.exists() and FULL_2022_01.exists() and FULL_2022_08.exists()),
    reason="Microsoft's full licensing CSVs are not in COMANAGE_AUDIT_FULL_CATALOGUES "
    f"({FULL_CATALOGUES or 'not set'}): set it to a folder laid out as "
    "tests/data/licensing/SOURCES.md says",
)


def day(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text)


def same(got, expected) -> bool:
    if expected is None or expected is pd.NaT:
        return pd.isna(got)
    return not pd.isna(got) and got == expected


# ---------------------------------------------------------------------------------- windows


@pytest.mark.parametrize(
    ("build", "product", "version", "home_pro", "enterprise", "ltsc"),
    [
        (19045, "Windows 10", "22H2", "2025-10-14", "2025-10-14", None),
        (19046, "Windows 10", "22H2", "2025-10-14", "2025-10-14", None),
        (19044, "Windows 10", "21H2", "2023-06-13", "2024-06-11", "2027-01-12"),
        (14393, "Windows 10", "1607", "2018-04-10", "2019-04-09", "2026-10-13"),
        (17763, "Windows 10", "1809", "2020-11-10", "2021-05-11", "2029-01-09"),
        (16299, "Windows 10", "1709", "2019-04-09", "2020-10-13", None),
        (10240, "Windows 10", "1507", "2017-05-09", "2017-05-09", "2025-10-14"),
        (22000, "Windows 11", "21H2", "2023-10-10", "2024-10-08", None),
        (22631, "Windows 11", "23H2", "2025-11-11", "2026-11-10", None),
        (26100, "Windows 11", "24H2", "2026-10-13", "2027-10-12", "2029-10-09"),
        (26200, "Windows 11", "25H2", "2027-10-12", "2028-10-10", None),
        (26300, "Windows 11", "26H2", None, None, None),
        (27000, "Windows 11", "26H2", None, None, None),
        (28000, "Windows 11", "26H1", "2028-03-14", "2029-03-13", None),
    ],
)
def test_release_for_builds(build, product, version, home_pro, enterprise, ltsc):
    out = windows.release_for_builds(pd.Series([build], dtype="Int64"))
    row = out.iloc[0]
    assert row["product"] == product
    assert row["version"] == version
    assert same(row["end_home_pro"], day(home_pro))
    assert same(row["end_enterprise"], day(enterprise))
    assert same(row["end_ltsc"], day(ltsc))


@pytest.mark.parametrize("build", [7601, 9600, 10239, None])
def test_release_for_builds_before_windows_10_or_missing_is_na(build):
    out = windows.release_for_builds(pd.Series([build], dtype="Int64"))
    assert out.iloc[0].isna().all()


def test_release_for_builds_keeps_index_and_dtypes():
    builds = pd.Series([19045, None, 26100], index=["c", "a", "b"], dtype="Int64")
    out = windows.release_for_builds(builds)
    assert list(out.index) == ["c", "a", "b"]
    assert list(out.columns) == ["product", "version", "end_home_pro", "end_enterprise", "end_ltsc"]
    assert out["version"].tolist() == ["22H2", pd.NA, "24H2"]
    assert str(out["end_enterprise"].dtype).startswith("datetime64")


def test_windows_tables_are_ordered_for_lookup():
    assert windows.WINDOWS_RELEASES["build"].is_monotonic_increasing
    assert windows.WINDOWS_RELEASES["build"].is_unique
    assert set(windows.LTSC_RELEASES["build"]) <= set(windows.WINDOWS_RELEASES["build"])
    ltsb_2016 = windows.LTSC_RELEASES.set_index("name").loc["LTSB 2016"]
    assert ltsb_2016["build"] == 14393
    assert ltsb_2016["end"] == pd.Timestamp("2026-10-13")


def test_windows_constants():
    assert windows.MIN_COMANAGE_BUILD == 16299
    assert windows.WINDOWS_11_FIRST_BUILD == 22000
    assert windows.LATEST_RECOMMENDED == "Windows 11 25H2"


# -------------------------------------------------------------------------------- configmgr


@pytest.mark.parametrize(
    ("build", "version", "support_end"),
    [
        (9128, "2403", "2025-10-22"),
        (9141, "2509", "2027-05-12"),
        (9132, "2409", "2026-06-04"),
        (9135, "2503", "2026-09-30"),
        (8577, "1710", "2019-05-20"),
        (8692, "1806", "2020-01-31"),
        (9000, "2002", "2021-10-01"),  # between releases: the older one
        (9146, "2603", "2027-11-05"),
        (8325, "1511", "2016-12-08"),
        (8239, None, None),  # ConfigMgr 2012 R2
        (None, None, None),
    ],
)
def test_release_for_client_builds(build, version, support_end):
    out = configmgr.release_for_client_builds(pd.Series([build], index=[5], dtype="Int64"))
    assert list(out.columns) == ["version", "support_end"]
    assert list(out.index) == [5]
    assert same(out.loc[5, "version"], version)
    assert same(out.loc[5, "support_end"], day(support_end))


@pytest.mark.parametrize(
    ("text", "build"),
    [
        ("2403", 9128),
        ("1710", 8577),
        (" 2509 ", 9141),
        ("ConfigMgr 2403", 9128),
        ("5.00.9128.1000", 9128),
        ("5.0.9141.1030", 9141),
        ("5.00.9132", 9132),
        ("9128", 9128),
        ("2609", None),  # not a known release
        ("4.00.6487.2000", None),
        ("latest", None),
        ("", None),
    ],
)
def test_release_for_version(text, build):
    assert configmgr.release_for_version(text) == build


def test_configmgr_table_and_constants():
    table = configmgr.CM_RELEASES
    assert table["build"].is_monotonic_increasing
    assert table["version"].is_unique
    assert configmgr.MIN_COMANAGE_CLIENT_BUILD == 8577
    assert configmgr.MULTI_HIERARCHY_BUILD == 8692
    assert (table["support_end"] > table["available"]).all()


# --------------------------------------------------------------------------- licence table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return licences.load_licence_table()


def test_packaged_table_shape(table):
    assert list(table.columns) == list(licences.TABLE_COLUMNS)
    assert table["guid"].is_unique
    assert len(table) >= 569  # every product of the 2025 catalogue
    for flag in licences.FLAG_COLUMNS:
        assert table[flag].dtype == bool


@pytest.mark.parametrize(
    ("string_id", "name", "p1", "p2", "intune", "basic"),
    [
        ("SPE_F1", "Microsoft 365 F3", True, False, True, True),
        ("O365_BUSINESS_PREMIUM", "Microsoft 365 Business Standard", False, False, False, True),
        ("EMS", "Enterprise Mobility + Security E3", True, False, True, False),
        ("EMSPREMIUM", "Enterprise Mobility + Security E5", True, True, True, False),
        ("ENTERPRISEPACK", "Office 365 E3", False, False, False, True),
        ("SPE_E3", "Microsoft 365 E3", True, False, True, True),
        ("SPB", "Microsoft 365 Business Premium", True, False, True, True),
        ("INTUNE_A", "Intune", False, False, True, False),
        ("AAD_PREMIUM", "Microsoft Entra ID P1", True, False, False, False),
        ("AAD_PREMIUM_P2", "Microsoft Entra ID P2", True, True, False, False),
        ("IDENTITY_THREAT_PROTECTION", "Microsoft 365 E5 Security", False, True, False, False),
        ("M365EDU_A1", "Microsoft 365 A1", False, False, True, False),
        ("FLOW_FREE", "Microsoft Power Automate Free", False, False, False, False),
    ],
)
def test_licence_gotchas(table, string_id, name, p1, p2, intune, basic):
    row = table.set_index("string_id").loc[string_id]
    assert row["product_name"] == name
    assert (row["entra_p1"], row["entra_p2"], row["intune_full"], row["basic_mobility"]) == (
        p1,
        p2,
        intune,
        basic,
    )


def test_table_agrees_with_independent_derivation(table):
    """sku_entra_intune_entitlements.csv was derived separately: same answers."""
    other = pd.read_csv(LICENSING / "sku_entra_intune_entitlements.csv", dtype=str)
    merged = other.merge(table, left_on="GUID", right_on="guid", how="left", validate="1:1")
    assert merged["guid"].notna().all()
    assert (merged["entra_p1"] == (merged["has_AAD_PREMIUM"] == "1")).all()
    assert (merged["entra_p2"] == (merged["has_AAD_PREMIUM_P2"] == "1")).all()
    assert (merged["intune_full"] == merged["intune_full_plans"].notna()).all()
    assert (merged["basic_mobility"] == (merged["has_INTUNE_O365"] == "1")).all()
    entitling = table[table[list(licences.FLAG_COLUMNS)].any(axis=1)]
    assert set(entitling["guid"]) <= set(other["GUID"])


@needs_full_catalogues
def test_packaged_csv_is_reproducible_from_the_catalogues(table):
    rebuilt = build_table(FULL_CURRENT, [FULL_2022_08, FULL_2022_01])
    pd.testing.assert_frame_equal(rebuilt, table)


def test_write_and_load_round_trip(tmp_path, table):
    out = tmp_path / "skus.csv"
    write_table(table, out)
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(licences.TABLE_COLUMNS)
    pd.testing.assert_frame_equal(licences.load_licence_table(out), table)


def test_load_rejects_bad_flags(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        ",".join(licences.TABLE_COLUMNS)
        + "\nX,00000000-0000-0000-0000-000000000001,X,yes,0,0,0,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="entra_p1"):
        licences.load_licence_table(bad)


def test_old_names_are_aliases(table):
    aliases = table.set_index("string_id")["aliases"]
    assert "Azure Active Directory Premium P1" in aliases["AAD_PREMIUM"].split("|")
    assert "Azure Active Directory Premium P2" in aliases["AAD_PREMIUM_P2"].split("|")
    assert "MICROSOFT FLOW FREE".casefold() in aliases["FLOW_FREE"].casefold()


# ------------------------------------------------------------------- catalogue (and drift)


def read(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


CATALOGUES = {
    "2025-10 utf-8-sig": (CURRENT, {"encoding": "utf-8-sig"}),
    "2022-01 cp1252 String_ Id": (DRIFT_2022_01, {"encoding": "cp1252"}),
    "2022-08 cp1252 semicolon": (DRIFT_2022_08, {"encoding": "cp1252", "sep": ";"}),
}


@pytest.mark.parametrize("name", list(CATALOGUES))
@pytest.mark.parametrize(
    ("string_id", "p1", "intune", "basic"),
    [
        ("EMS", True, True, False),
        ("SPE_E3", True, True, None),  # the 2022-01 copy lists no INTUNE_O365 for it
        ("SPE_F1", True, True, True),
        ("M365EDU_A3_FACULTY", True, True, True),
        ("ENTERPRISEPACK", False, False, True),
        ("AAD_PREMIUM", True, False, False),
    ],
)
def test_entitlements_from_catalogue_copes_with_drift(name, string_id, p1, intune, basic):
    path, kwargs = CATALOGUES[name]
    frame = read(path, **kwargs)
    out = licences.entitlements_from_catalogue(frame).set_index("string_id")
    row = out.loc[string_id]
    assert (row["entra_p1"], row["intune_full"]) == (p1, intune)
    if basic is not None:
        assert row["basic_mobility"] == basic


def test_catalogue_cells_collapse_every_kind_of_space():
    """A no-break or thin space inside a name is a space, on every pandas (RE2, the engine
    pandas before 3.1 uses for Arrow-backed text, reads `\\s` as ASCII only)."""
    frame = read(CURRENT, encoding="utf-8-sig")
    ems = frame["String_Id"].eq("EMS")
    frame.loc[ems, "String_Id"] = "EMS\u00a0\u00a0"
    frame.loc[ems, "Product_Display_Name"] = "Enterprise\u00a0Mobility +\u2009Security\tE3"
    out = licences.entitlements_from_catalogue(frame).set_index("string_id")
    assert out.loc["EMS", "product_name"] == "Enterprise Mobility + Security E3"


def test_drifted_headers_are_as_expected():
    assert "String_ Id" in read(DRIFT_2022_01, encoding="cp1252").columns
    assert read(DRIFT_2022_08, encoding="cp1252", sep=";").shape[1] == 6
    assert read_catalogue(DRIFT_2022_08).shape[1] == 6  # the generator sniffs `;`


@needs_full_catalogues
def test_catalogue_sizes():
    current = read(FULL_CURRENT, encoding="utf-8-sig")
    assert len(licences.entitlements_from_catalogue(current)) == 569
    assert len(licences.entitlements_from_catalogue(read(FULL_2022_01, encoding="cp1252"))) == 236


def test_excerpt_sizes():
    """Each excerpt keeps every product it names: one row per (String_Id, GUID)."""
    current = licences.entitlements_from_catalogue(read(CURRENT, encoding="utf-8-sig"))
    assert len(current) == current["guid"].nunique() == 23  # MCOPSTN5 has two GUIDs
    assert current["string_id"].nunique() == 22
    old = licences.entitlements_from_catalogue(read(DRIFT_2022_01, encoding="cp1252"))
    assert "ADV_COMMS" in set(old["string_id"])  # retired since


@needs_full_catalogues
@pytest.mark.parametrize(
    ("excerpt", "full", "kwargs"),
    [
        (CURRENT, FULL_CURRENT, {"encoding": "utf-8-sig"}),
        (DRIFT_2022_01, FULL_2022_01, {"encoding": "cp1252"}),
        (DRIFT_2022_08, FULL_2022_08, {"encoding": "cp1252", "sep": ";"}),
    ],
)
def test_excerpts_are_rows_of_the_full_catalogues(excerpt, full, kwargs):
    part, whole = read(excerpt, **kwargs), read(full, **kwargs)
    assert list(part.columns) == list(whole.columns)
    merged = part.merge(whole, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_entitlements_from_catalogue_cleans_cells():
    frame = pd.DataFrame(
        {
            "\ufeffProduct_Display_Name": [
                "ENTERPRISE MOBILITY + SECURITY E3 ",
                "ENTERPRISE\u00a0MOBILITY + SECURITY E3",
                "Office 365 E3",
                "  ",
            ],
            "String_\u00a0Id": ["EMS\t", " EMS", "ENTERPRISEPACK", "X"],
            "GUID ": [
                "EFCCB6F7-5641-4E0E-BD10-B4976E1BF68E",
                "efccb6f7-5641-4e0e-bd10-b4976e1bf68e ",
                "6fd2c87f-b296-42f0-b197-1e91e994b900",
                "00000000-0000-0000-0000-000000000001",
            ],
            "Service_Plan_Name": ["AAD_PREMIUM", "INTUNE_A\u00a0", "INTUNE_O365", "INTUNE_A"],
            "Service_Plan_Id": ["", "", "", ""],
            "Service_Plans_Included_Friendly_Names": ["", "", "", ""],
        }
    )
    out = licences.entitlements_from_catalogue(frame).set_index("string_id")
    assert list(out.index) == ["EMS", "ENTERPRISEPACK"]  # the row without a name is dropped
    assert out.loc["EMS", "guid"] == "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
    assert out.loc["EMS", "product_name"] == "ENTERPRISE MOBILITY + SECURITY E3"
    assert bool(out.loc["EMS", "entra_p1"]) and bool(out.loc["EMS", "intune_full"])
    assert not out.loc["ENTERPRISEPACK", "intune_full"]
    assert out.loc["ENTERPRISEPACK", "basic_mobility"]


def test_entitlements_from_catalogue_matches_plan_ids_too():
    frame = pd.DataFrame(
        {
            "Product_Display_Name": ["Renamed plan SKU"],
            "String_Id": ["NEW_SKU"],
            "GUID": ["11111111-1111-1111-1111-111111111111"],
            "Service_Plan_Name": ["INTUNE_A_RENAMED"],
            "Service_Plan_Id": ["C1EC4A95-1F05-45B3-A911-AA3FA01094F5"],
            "Service_Plans_Included_Friendly_Names": ["Microsoft Intune"],
        }
    )
    assert licences.entitlements_from_catalogue(frame)["intune_full"].tolist() == [True]


def test_entitlements_from_catalogue_names_missing_columns():
    with pytest.raises(ValueError, match=r"lacks columns: Service_Plan_Id$"):
        licences.entitlements_from_catalogue(
            pd.DataFrame(columns=["Product_Display_Name", "String_Id", "GUID", "Service_Plan_Name"])
        )


def test_merge_licence_tables_adds_old_names_and_retired_skus():
    current = licences.entitlements_from_catalogue(read(CURRENT, encoding="utf-8-sig"))
    old = licences.entitlements_from_catalogue(read(DRIFT_2022_01, encoding="cp1252"))
    merged = licences.merge_licence_tables(current, old).set_index("string_id")
    assert merged.loc["WIN10_VDA_E3", "product_name"] == "Windows 10/11 Enterprise E3"
    assert "WINDOWS 10 ENTERPRISE E3" in merged.loc["WIN10_VDA_E3", "aliases"].split("|")
    assert merged.loc["ADV_COMMS", "product_name"] == "Advanced Communications"  # retired
    assert pd.isna(merged.loc["EMS", "aliases"])  # only the case changed


# --------------------------------------------------------------------------- resolution


E3 = "Microsoft 365 E3"
EMS = "Enterprise Mobility + Security E3"


@pytest.mark.parametrize(
    ("cell", "p1", "p2", "intune", "basic", "unlicensed", "products", "unknown"),
    [
        (
            "Microsoft 365 E3+Microsoft Power Automate Free",
            True,
            False,
            True,
            True,
            False,
            "Microsoft 365 E3; Microsoft Power Automate Free",
            None,
        ),
        (f"{EMS}+Office 365 E3", True, False, True, True, False, f"{EMS}; Office 365 E3", None),
        ("Enterprise Mobility+Security E3", True, False, True, False, False, EMS, None),
        ("Office 365 E3", False, False, False, True, False, "Office 365 E3", None),
        (
            "Microsoft 365 Business Standard",
            False,
            False,
            False,
            True,
            False,
            "Microsoft 365 Business Standard",
            None,
        ),
        ("Microsoft 365 F3", True, False, True, True, False, "Microsoft 365 F3", None),
        ("Microsoft 365 E5 Security", False, True, False, False, False, None, None),
        ("MICROSOFT 365 E3", True, False, True, True, False, E3, None),
        ("Microsoft\u00a0365  E3 ", True, False, True, True, False, E3, None),
        ("Azure Active Directory Premium P1", True, False, False, False, False, None, None),
        ("AZURE ACTIVE DIRECTORY PREMIUM P2", True, True, False, False, False, None, None),
        ("Office 365 Business Premium", False, False, False, True, False, None, None),
        ("SPE_E3;EMS", True, False, True, True, False, f"{E3}; {EMS}", None),
        ("SPE_E3+EMS", True, False, True, True, False, f"{E3}; {EMS}", None),
        ("efccb6f7-5641-4e0e-bd10-b4976e1bf68e", True, False, True, False, False, EMS, None),
        ("Office 365 E3+Foo Bar", None, None, None, True, False, "Office 365 E3", "Foo Bar"),
        ("Foo, Bar+EMS", True, None, True, None, False, EMS, "Foo, Bar"),
        ("Unlicensed", False, False, False, False, True, None, None),
        ("", False, False, False, False, True, None, None),
        (None, False, False, False, False, True, None, None),
    ],
)
def test_resolve_licences(table, cell, p1, p2, intune, basic, unlicensed, products, unknown):
    out = licences.resolve_licences(pd.Series([cell], index=[42], dtype="object"), table)
    assert list(out.index) == [42]
    row = out.loc[42]
    for column, expected in [
        ("entra_p1", p1),
        ("entra_p2", p2),
        ("intune_full", intune),
        ("basic_mobility", basic),
        ("unlicensed", unlicensed),
        ("unknown_products", unknown),
    ]:
        assert same(row[column], expected), column
    if products is not None:
        assert row["products"] == products


def test_resolve_licences_product_with_commas(table):
    name = "Dynamics 365 for Case Management, Enterprise Edition for Government"
    out = licences.resolve_licences(pd.Series([name]), table)
    assert out.loc[0, "products"] == name
    assert pd.isna(out.loc[0, "unknown_products"])


def test_resolve_licences_dtypes_and_many_rows(table):
    cells = pd.Series([f"{E3}+{EMS}", "Unlicensed", None, "Office 365 E3"] * 50_000)
    out = licences.resolve_licences(cells, table)
    assert len(out) == 200_000
    assert out["entra_p1"].sum() == 50_000
    assert out["unlicensed"].sum() == 100_000
    assert out["basic_mobility"].sum() == 100_000
    assert str(out["entra_p1"].dtype) == "boolean"
    assert str(out["products"].dtype) == "string"


def test_resolve_licences_with_a_user_supplied_catalogue():
    table = licences.entitlements_from_catalogue(read(DRIFT_2022_08, encoding="cp1252", sep=";"))
    out = licences.resolve_licences(pd.Series(["Enterprise Mobility + Security E3+SPE_F1"]), table)
    assert bool(out.loc[0, "entra_p1"]) and bool(out.loc[0, "intune_full"])
    assert out.loc[0, "products"] == "ENTERPRISE MOBILITY + SECURITY E3; Microsoft 365 F3"


def test_resolve_licences_knows_a_changed_table_from_the_last_one(table):
    """The SKU index is kept between audits, but only for the very same table."""
    cells = pd.Series(["Office 365 E3", "Contoso Seat"])
    renamed = table.copy()
    renamed["product_name"] = renamed["product_name"].replace({"Office 365 E3": "Contoso Seat"})
    for _ in range(2):
        known = licences.resolve_licences(cells, table)["products"]
        assert known[0] == "Office 365 E3" and pd.isna(known[1])
        renaming = licences.resolve_licences(cells, renamed)["products"]
        assert renaming[1] == "Contoso Seat"
