"""The documentation a user's clone holds: every link resolves inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(path: Path) -> list[str]:
    links = LINK.findall(path.read_text(encoding="utf-8"))
    return [link for link in links if not re.match(r"[a-z]+:|#", link)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_stay_inside_the_repository_and_resolve(document: Path) -> None:
    for link in relative_links(document):
        target = (document.parent / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT), f"{document.name} links outside the repository: {link}"
        assert target.exists(), f"{document.name} links to a missing file: {link}"


def test_readme_points_to_the_user_docs() -> None:
    links = relative_links(ROOT / "README.md")
    assert {"docs/design.md", "docs/exports.md", "docs/checks.md"} <= set(links)
    # Not even as text: a path above the checkout (a workspace folder) is not in a user's clone.
    assert not re.search(r"(?<![.\w])\.\./\w", (ROOT / "README.md").read_text(encoding="utf-8"))
