"""Real-world layouts: the fixtures, their documented sources, and the renderers behind them."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_audit.synthetic.layouts import LAYOUTS
from tests.conftest import ROOT
from tests.fixtures.layouts.regenerate import HERE, fixture_name, render_all

FIXTURES = sorted(p.name for p in HERE.iterdir() if p.suffix in (".csv", ".xlsx"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layouts")
    render_all(out)
    return out


def test_every_layout_has_a_fixture_and_every_fixture_a_layout() -> None:
    assert sorted(fixture_name(name) for name in LAYOUTS) == FIXTURES


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_is_the_baseline_fleet_rendered_in_its_layout(rendered: Path, name: str) -> None:
    """The committed fixture and the renderer agree byte for byte (regenerate.py rewrites)."""
    assert (rendered / name).read_bytes() == (HERE / name).read_bytes()


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_names_its_public_sources(name: str) -> None:
    sources = (HERE / "SOURCES.md").read_text(encoding="utf-8")
    entry = sources.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
    assert "https://" in entry
    assert LAYOUTS[Path(name).stem].sources, "the layout names its evidence too"


def test_docs_list_every_layout_with_its_status() -> None:
    table = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    for name in LAYOUTS:
        row = next(line for line in table.splitlines() if f"`{name}`" in line)
        status = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert status.split(":")[0] in {"recognised", "partly", "planned"}, row
