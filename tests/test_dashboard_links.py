"""The dashboard's links to the docs: every anchor exists, and the server finds the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "src" / "straitsim" / "web" / "static" / "index.html"


def _slug(title: str) -> str:
    """The site's anchors (mkdocs.yml: pymdownx slugify, lower case), GitHub's spelling."""
    slugs = pytest.importorskip("pymdownx.slugs")
    return slugs.slugify(case="lower")(title, "-")


def _headings(page: Path) -> set[str]:
    out = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (m := re.match(r"#{1,6} (.+)", line)):
            out.add(_slug(m.group(1).strip()))
    return out


def test_every_link_in_the_page_names_a_heading_of_the_docs():
    links = re.findall(r'data-doc="([^"]+)"', INDEX.read_text(encoding="utf-8"))
    assert len(links) >= 12  # six headline labels and six panel titles
    for link in links:
        page, anchor = link.split("#")
        assert (ROOT / "docs" / page).is_file(), link
        assert anchor in _headings(ROOT / "docs" / page), link


def test_the_headline_labels_link_where_the_numbers_are_defined():
    html = INDEX.read_text(encoding="utf-8")
    head = html[
        html.index('<section id="headline"') : html.index("</section>", html.index('id="headline"'))
    ]
    labels = re.findall(r'<a class="label doc" data-doc="([^"]+)">([^<]+)</a>', head)
    ledger = "model.md#6-losses-ledger-traces-and-munitions"
    assert dict((t, d) for d, t in labels) == {
        "Defence prevails": "model.md#59-outcome",
        "PRC victory": "model.md#59-outcome",
        "PRC battalions landed (median)": ledger,
        "PRC amphibious fleet sunk (median)": ledger,
        "Coalition aircraft lost (median, US + allies)": ledger,
        "Run": "json.md#top-level",
    }


def _checkout(tmp_path: Path, site: bool, docs: bool) -> Path:
    if site:
        (tmp_path / "site").mkdir()
        (tmp_path / "site" / "index.html").write_text("<html>home</html>")
        (tmp_path / "site" / "model.html").write_text('<h3 id="59-outcome">5.9</h3>')
    if docs:
        (tmp_path / "docs").mkdir()
        (tmp_path / "docs" / "model.md").write_text("### 5.9 `outcome`\n")
    return tmp_path


@pytest.mark.parametrize(
    ("site", "docs", "kind"),
    [(True, True, "site"), (False, True, "markdown"), (False, False, None)],
)
def test_the_server_serves_the_site_else_the_markdown(tmp_path, monkeypatch, site, docs, kind):
    pytest.importorskip("fastapi")
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from straitsim.web.manual import mount_manual

    monkeypatch.delenv("STRAITSIM_DOCS_SITE", raising=False)
    monkeypatch.delenv("STRAITSIM_DOCS", raising=False)
    app = FastAPI()
    assert mount_manual(app, _checkout(tmp_path, site, docs)) == kind
    client = TestClient(app)
    assert client.get("/manual.json").json() == {"kind": kind}
    page = {"site": "/manual/model.html", "markdown": "/manual/model.md", None: "/manual/model.md"}
    r = client.get(page[kind])
    assert r.status_code == (404 if kind is None else 200)
    if kind == "site":
        assert client.get("/manual/").text == "<html>home</html>"
    # nothing outside the docs folder is served
    (tmp_path / "secret.txt").write_text("not docs")
    for path in (
        "/manual/../secret.txt",
        "/manual/..%2Fsecret.txt",
        "/manual/..%2F..%2Fsecret.txt",
    ):
        assert client.get(path).status_code == 404, path


def test_a_site_named_by_the_environment_wins(tmp_path, monkeypatch):
    from straitsim.web.manual import manual_dir

    (tmp_path / "built").mkdir()
    (tmp_path / "repo").mkdir()
    elsewhere = _checkout(tmp_path / "built", site=True, docs=False)
    checkout = _checkout(tmp_path / "repo", site=False, docs=True)
    monkeypatch.delenv("STRAITSIM_DOCS", raising=False)
    monkeypatch.setenv("STRAITSIM_DOCS_SITE", str(elsewhere / "site"))
    assert manual_dir(checkout) == (elsewhere / "site", "site")
    monkeypatch.setenv("STRAITSIM_DOCS_SITE", str(tmp_path / "missing"))
    assert manual_dir(checkout) == (checkout / "docs", "markdown")
