"""Every kind of export the tool reads, one module per kind, each declaring an `ExportSpec`.

Identification, normalisation, linking and the Devices sheet all read this registry, so
adding a header spelling is a change to one spec, and adding a kind is one new module plus
one line in `EXPORTS`.
"""

from __future__ import annotations

from comanage_audit.ingest.exports import (
    configmgr,
    entra,
    feature_readiness,
    hardware,
    intune,
    licensing,
    roles,
    users,
    work_from_anywhere,
)
from comanage_audit.ingest.exports.spec import ExportSpec, header_key
from comanage_audit.model import SourceKind

# In the order users read them (messages, README, --source KIND).
EXPORTS: dict[SourceKind, ExportSpec] = {
    spec.kind: spec
    for spec in (
        configmgr.SPEC,
        intune.SPEC,
        entra.SPEC,
        users.SPEC,
        licensing.SPEC,
        roles.SPEC,
        hardware.SPEC,
        feature_readiness.SPEC,
        work_from_anywhere.SPEC,
    )
}
# Device exports link in the order of trust in their device identities: Entra owns the
# device id, Intune reports it, ConfigMgr may know it (fleet.py). Others follow.
LINK_ORDER = (SourceKind.ENTRA, SourceKind.INTUNE, SourceKind.CONFIGMGR)

_known: tuple[tuple[ExportSpec, ...], frozenset[str]] = ((), frozenset())


def known_headers() -> frozenset[str]:
    """Every header spelling of every kind (as `header_key`s): how a header row looks.

    Worked out again only when the registry changes (a test adding a spelling).
    """
    global _known
    specs = tuple(EXPORTS.values())
    cached, headers = _known
    if len(cached) != len(specs) or any(a is not b for a, b in zip(cached, specs, strict=True)):
        headers = frozenset(
            header_key(header) for spec in specs for c in spec.columns for header in c.headers
        )
        _known = (specs, headers)
    return headers


def device_exports() -> tuple[ExportSpec, ...]:
    """The exports whose records are devices, in link order: those that create devices,
    then the supplementary ones that only attach to devices the others found."""
    rank = {kind: position for position, kind in enumerate(LINK_ORDER)}
    linked = sorted(
        (spec for spec in EXPORTS.values() if spec.linking is not None),
        key=lambda spec: rank.get(spec.kind, len(rank)),
    )
    creating = [spec for spec in linked if spec.linking.creates_devices]
    return (*creating, *(spec for spec in linked if not spec.linking.creates_devices))


def creates_devices(kind: SourceKind) -> bool:
    """Whether this kind's records are devices of their own (not only extra facts)."""
    linking = EXPORTS[kind].linking
    return linking is not None and linking.creates_devices


def label(kind: SourceKind) -> str:
    """The export's name in messages: "Intune devices"."""
    return EXPORTS[kind].label


__all__ = [
    "EXPORTS",
    "LINK_ORDER",
    "ExportSpec",
    "creates_devices",
    "device_exports",
    "known_headers",
    "label",
]
