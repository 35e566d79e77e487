"""The export registry: every kind declared once and consistently, and a spec is all it takes.

A typo in a spec (a link key no column has, a signature header that is no spelling) would
otherwise only show as a table that is quietly not recognised or devices that do not link.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import audit
from comanage_audit.errors import InputError
from comanage_audit.ingest import parse
from comanage_audit.ingest.exports import EXPORTS, LINK_ORDER, device_exports, known_headers
from comanage_audit.ingest.exports.spec import Column, ExportSpec, header_key
from comanage_audit.ingest.normalise import normalise
from comanage_audit.ingest.sources import UnrecognisedExport, identify, map_headers
from comanage_audit.model import DataIssues, IssueCode, RawTable, SourceKind
from comanage_audit.options import AuditOptions
from tests.conftest import AS_OF

SPECS = list(EXPORTS.values())
ids = [spec.kind.value for spec in SPECS]


def names(spec: ExportSpec) -> set[str]:
    return {c.name for c in spec.columns} | {d.name for d in spec.derived}


def test_every_kind_has_one_spec_under_its_own_key() -> None:
    assert set(EXPORTS) == set(SourceKind)
    assert all(kind is spec.kind for kind, spec in EXPORTS.items())
    assert len({spec.label for spec in SPECS}) == len(SPECS)
    assert len({spec.title for spec in SPECS}) == len(SPECS)
    assert all(spec.origin for spec in SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_canonical_names_are_unique_and_everything_named_exists(spec: ExportSpec) -> None:
    columns = [c.name for c in spec.columns]
    derived = [d.name for d in spec.derived]
    assert len(columns) == len(set(columns)), "a canonical column is declared twice"
    assert len(derived) == len(set(derived)) and not set(derived) & set(columns)
    assert set(spec.required) <= set(columns)
    assert set(spec.kept) <= names(spec)
    if spec.linking is not None:
        assert set(spec.linking.link_keys) <= names(spec)
        assert set(spec.linking.duplicate_keys) <= names(spec)
        assert spec.linking.activity is None or spec.linking.activity in names(spec)
    for column in spec.columns:
        assert column.headers, f"{column.name} has no header spelling"
        assert column.parse is None or column.expected, f"{column.name}: say what is expected"


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_no_header_spelling_means_two_columns_of_one_kind(spec: ExportSpec) -> None:
    owner: dict[str, str] = {}
    for column in spec.columns:
        for header in column.headers:
            taken = owner.setdefault(header_key(header), column.name)
            assert taken == column.name, f"{header!r} means both {taken} and {column.name}"


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_signature_headers_are_known_spellings_or_declared_unread(spec: ExportSpec) -> None:
    spellings = {header_key(h) for c in spec.columns for h in c.headers}
    unread = {header_key(h) for h in spec.unread_headers}
    assert not unread & spellings, "an unread header is read by a column"
    weighed = [h for h, weight in spec.signature.items() if weight > 0]
    strays = [h for h in weighed if header_key(h) not in spellings | unread]
    assert not strays, f"signature headers that are neither a spelling nor unread: {strays}"
    # A negative weight says "a table with this header is another kind" (a ConfigMgr device
    # export with hardware columns joined in is not a hardware export): another kind's header.
    others = {header_key(h) for s in SPECS if s is not spec for c in s.columns for h in c.headers}
    against = [h for h, weight in spec.signature.items() if weight <= 0]
    assert all(header_key(h) in others - spellings for h in against), against


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_derive_adds_the_declared_columns_and_nothing_undeclared(spec: ExportSpec) -> None:
    """With every column present and with only the required ones, derive adds every derived
    column and nothing the spec does not name (it may fill in absent canonical ones)."""
    for present in ([c.name for c in spec.columns], list(spec.required)):
        text = pd.DataFrame({name: pd.Series(["x"], dtype="string") for name in present})
        typed = spec.derive(text.copy(), text) if spec.derive else text
        added = set(typed.columns) - set(present)
        assert {d.name for d in spec.derived} <= added <= names(spec)


def test_device_exports_link_in_trust_order_and_have_distinct_prefixes() -> None:
    linked = device_exports()
    assert [spec.kind for spec in linked][: len(LINK_ORDER)] == list(LINK_ORDER)
    assert all(spec.linking is not None for spec in linked)
    prefixes = [spec.linking.prefix for spec in linked]
    assert len(prefixes) == len(set(prefixes))
    assert {SourceKind.USERS, SourceKind.LICENSING, SourceKind.ROLES}.isdisjoint(
        spec.kind for spec in linked
    )


def test_known_headers_are_every_spelling_of_every_kind(monkeypatch) -> None:
    assert header_key("Managed by") in known_headers()
    assert header_key("Client_Version0") in known_headers()
    assert header_key("First name") not in known_headers()  # only weighed, never read
    spec = with_spellings(EXPORTS[SourceKind.INTUNE], {"name": "Gerätename"})
    monkeypatch.setitem(EXPORTS, SourceKind.INTUNE, spec)
    assert header_key("Gerätename") in known_headers()


# --- A spec is all it takes -----------------------------------------------------------------

GERMAN = "Gerätename,Verwaltet von,Letzter Check-in,Primärer Benutzer UPN,Betriebssystem"
ROWS = [
    "PC1,Intune,2026-11-20 10:00:00,jdoe@contoso.com,Windows",
    "PC2,Co-managed,not a date,amy@contoso.com,Windows",
]


def with_spellings(spec: ExportSpec, spellings: dict[str, str]) -> ExportSpec:
    """The spec with one more header spelling for some of its columns."""
    columns = tuple(
        dataclasses.replace(c, headers=(*c.headers, spellings[c.name]))
        if c.name in spellings
        else c
        for c in spec.columns
    )
    return dataclasses.replace(spec, columns=columns)


def german_table() -> RawTable:
    headers = GERMAN.split(",")
    frame = pd.DataFrame([row.split(",") for row in ROWS], columns=headers, dtype="string")
    return RawTable(Path("geraete.csv"), None, frame, pd.Series([2, 3]), "0" * 64)


GERMAN_INTUNE = {
    "name": "Gerätename",
    "managed_by": "Verwaltet von",
    "last_checkin": "Letzter Check-in",
    "upn": "Primärer Benutzer UPN",
    "os": "Betriebssystem",
}


def test_an_unknown_spelling_is_not_recognised_today() -> None:
    with pytest.raises(UnrecognisedExport):
        identify(german_table())


def test_adding_header_spellings_to_a_spec_is_all_it_takes(monkeypatch) -> None:
    spec = with_spellings(EXPORTS[SourceKind.INTUNE], GERMAN_INTUNE)
    # The signature weighs spellings too: the new ones say "Intune" as loudly as the old.
    spec = dataclasses.replace(spec, signature={**spec.signature, "Verwaltet von": 3})
    monkeypatch.setitem(EXPORTS, SourceKind.INTUNE, spec)

    table = german_table()
    match = identify(table)
    assert match.kind is SourceKind.INTUNE
    assert map_headers(SourceKind.INTUNE, list(table.frame.columns)) == {
        column: header for column, header in GERMAN_INTUNE.items()
    }
    issues = DataIssues()
    typed = normalise(table, match, issues).canonical
    assert typed["managed_by"].tolist() == ["intune", "co-managed"]
    assert typed["last_checkin"].iloc[0] == pd.Timestamp("2026-11-20 10:00:00", tz="UTC")
    assert typed["name_key"].tolist() == ["PC1", "PC2"]
    assert typed["os_family"].tolist() == ["windows-client", "windows-client"]
    unparsed = issues.table()
    assert unparsed["code"].tolist() == [IssueCode.UNPARSED_VALUE.value]
    assert (unparsed["column"].iloc[0], unparsed["row"].iloc[0]) == ("Letzter Check-in", 3)


def test_a_spelling_added_to_a_spec_reaches_the_audit(monkeypatch, tmp_path: Path) -> None:
    spec = with_spellings(EXPORTS[SourceKind.INTUNE], GERMAN_INTUNE)
    spec = dataclasses.replace(spec, signature={**spec.signature, "Verwaltet von": 3})
    monkeypatch.setitem(EXPORTS, SourceKind.INTUNE, spec)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "geraete.csv").write_text("\n".join([GERMAN, *ROWS]) + "\n", encoding="utf-8")
    result = audit.run(AuditOptions(inputs=(folder,), as_of=AS_OF))
    devices = result.devices.set_index("device_name")
    assert list(devices.index) == ["PC1", "PC2"]
    assert devices.loc["PC2", "Managed by"] == "co-managed"
    assert devices.loc["PC2", "readiness"] == "co-managed"
    assert devices.loc["PC1", "Intune: Verwaltet von"] == "Intune"
    assert [r.kind for r in result.inputs] == [SourceKind.INTUNE]


def test_without_the_spelling_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "geraete.csv"
    path.write_text("\n".join([GERMAN, *ROWS]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a recognised export"):
        audit.run(AuditOptions(inputs=(path,), as_of=AS_OF))


def test_a_new_parsed_column_is_typed_by_its_parser(monkeypatch) -> None:
    """A column added to a spec with a parser comes out typed, its bad values reported."""
    base = EXPORTS[SourceKind.ENTRA]
    extra = Column("trusted", ("isTrusted",), parse.boolean, "True/False")
    monkeypatch.setitem(
        EXPORTS, SourceKind.ENTRA, dataclasses.replace(base, columns=(*base.columns, extra))
    )
    frame = pd.DataFrame(
        {
            "displayName": ["PC1", "PC2"],
            "trustType": ["AzureAd", "ServerAd"],
            "isTrusted": ["True", "maybe"],
        },
        dtype="string",
    )
    table = RawTable(Path("entra.csv"), None, frame, pd.Series([2, 3]), "0" * 64)
    issues = DataIssues()
    typed = normalise(table, identify(table), issues).canonical
    assert typed["trusted"].tolist()[0] is True and pd.isna(typed["trusted"].iloc[1])
    assert issues.table()["value"].tolist() == ["maybe"]
