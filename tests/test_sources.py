"""Input pedigree and ``straitsim sources``: counts computed from the data, known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis.pedigree import (
    CLASSES,
    assumptions_table,
    citations,
    data_files,
    file_citations,
    pedigree,
    pedigree_summary,
    sources_document,
    sources_table,
)
from straitsim.cli import app
from straitsim.errors import UserError
from straitsim.scenario.describe import describe

runner = CliRunner()

SYNTHETIC = """
kind = "things"

[[items]]
name = "a"
n = 3
cost_usd = 1e6
year = 2024
source = "prim"

[[items]]
name = "b"
n = 5
share = 0.5
flag = true
source = "prim"
field_sources = { share = "news" }
assumed = { n = "a guess" }

[options.x]
amount = 7
source = "news"
[[options.x.changes]]
delta = 2
why = "half of four"
[[options.x.changes]]
delta = 1

[settings]
stray = 4

[sources.prim]
title = "A primary study"
author = "A"
publisher = "P"
year = 2020
url = "https://example.org/p"
kind = "primary"
note = "extra keys are allowed in other files"

[sources.news]
title = "A news story"
author = "B"
publisher = "Q"
year = 2021
url = "https://example.org/n"
kind = "press"

[sources.csis-2023]
title = "Same key, different kind"
author = "C"
publisher = "R"
year = 2023
url = "https://example.org/c"
kind = "press"
"""


@pytest.fixture()
def synthetic(tmp_path) -> Path:
    p = tmp_path / "things.toml"
    p.write_text(SYNTHETIC)
    return p


def test_file_walker_known_answer(csis, synthetic):
    cites = {c.key: c for c in file_citations(synthetic, csis.sources)}
    # year and booleans are not data numbers; names are not numbers.
    assert set(cites) == {
        "items[0].n",
        "items[0].cost_usd",
        "items[1].n",
        "items[1].share",
        "options.x.amount",
        "options.x.changes[0].delta",
        "options.x.changes[1].delta",
        "settings.stray",
    }
    assert cites["items[0].n"].pclass == "primary"
    assert (
        cites["items[1].n"].pclass == "assumption" and cites["items[1].n"].assumption == "a guess"
    )
    assert cites["items[1].share"].pclass == "press"
    assert cites["options.x.changes[0].delta"].pclass == "assumption"
    assert cites["options.x.changes[0].delta"].assumption == "half of four"
    assert cites["options.x.changes[1].delta"].source == "news"
    assert cites["settings.stray"].pclass == "unresolved"


def test_pedigree_counts_known_answer(csis, synthetic):
    s = pedigree_summary(csis, files=[synthetic])["things.toml"]
    assert (s["n"], s["primary"], s["secondary"], s["press"], s["assumption"], s["unresolved"]) == (
        8,
        2,
        0,
        3,
        2,
        1,
    )
    assert s["shares"]["press"] == pytest.approx(3 / 8)


def test_sources_table_counts_and_conflicts(csis, synthetic):
    st = sources_table(csis, files=[synthetic])
    assert st.loc["prim", "n_things.toml"] == 2 and st.loc["prim", "n_total"] == 2
    assert st.loc["news", "n_total"] == 3
    assert bool(st.loc["csis-2023", "conflict"]) and not bool(st.loc["prim", "conflict"])
    assert "things.toml" in st.loc["csis-2023", "defined_in"]


def test_scenario_counts_follow_describe(csis):
    s = pedigree_summary(csis, files=[])
    doc = describe(csis)
    assert s["params"]["n"] == len(csis.params) == len(doc["params"])
    assert s["data"]["n"] >= len(doc["data"])
    assert s["scenario"]["n"] == s["params"]["n"] + s["data"]["n"]
    n_assumed = sum(1 for p in doc["params"] if not p["source"])
    assert s["params"]["assumption"] == n_assumed


def test_built_in_data_is_fully_cited_and_shares_sum_to_one():
    df = pedigree()
    assert set(["params", "data", "scenario", "all"]) <= set(df.index)
    for scope, row in df.iterrows():
        if row["n"]:
            assert sum(row[f"share_{c}"] for c in CLASSES) == pytest.approx(1.0), scope
    assert df.loc["all", "unresolved"] == 0
    assert df.loc["all", "n"] == sum(
        df.loc[s, "n"] for s in df.index if s not in ("scenario", "all")
    )
    csis = ss.load_scenario("csis-2026")
    for f in data_files():
        if file_citations(f, csis.sources):
            assert f.name in df.index


def test_every_cited_key_is_listed_and_counted(csis):
    st = sources_table(csis)
    cites = citations(csis)
    for key in {c.source for c in cites if c.source}:
        assert st.loc[key, "n_total"] == sum(c.n_numbers for c in cites if c.source == key)
    # Every entry of the scenario's bibliography is listed, cited or not.
    assert set(csis.sources) <= set(st.index)


def test_assumptions_all_have_a_rationale(csis):
    at = assumptions_table(csis)
    assert len(at) > 0 and at["rationale"].map(lambda r: bool(r and str(r).strip())).all()
    entries = [c for c in citations(csis) if c.pclass == "assumption"]
    assert len(at) == len(entries)


def test_pedigree_is_computed_from_the_data(tmp_path, csis):
    # Mark one sourced data number as an assumption: the counts move by exactly one.
    key = "munitions.usa-lrasm.n"
    before = {c.key: c for c in citations(csis, files=[])}
    assert before[key].source is not None
    old_class = before[key].pclass
    path = tmp_path / "changed.toml"
    path.write_text(
        'extends = "csis-2026"\n[munitions.usa-lrasm]\nassumed = { n = "a test rationale" }\n'
    )
    changed = ss.load_scenario(str(path))
    a, b = pedigree_summary(csis, files=[])["data"], pedigree_summary(changed, files=[])["data"]
    assert b["assumption"] == a["assumption"] + 1
    assert b[old_class] == a[old_class] - 1
    assert b["n"] == a["n"]


def test_bad_source_entry_in_a_data_file_is_one_line(tmp_path, csis):
    p = tmp_path / "bad.toml"
    p.write_text('[[rows]]\nx = 1\nsource = "s"\n[sources.s]\ntitle = "t"\nkind = "blog"\n')
    with pytest.raises(UserError) as e:
        file_citations(p, csis.sources)
    assert "bad.toml" in str(e.value) and "sources.s" in str(e.value)


def test_sources_document_is_json_and_consistent(csis):
    doc = sources_document(csis)
    json.dumps(doc, allow_nan=False)
    assert doc["pedigree"]["all"]["n"] == sum(
        d["n"] for k, d in doc["pedigree"].items() if k not in ("scenario", "all")
    )
    assert len(doc["assumptions"]) == sum(1 for c in citations(csis) if c.pclass == "assumption")


def test_sources_command():
    res = runner.invoke(app, ["sources"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "csis-2023" in res.output and "Assumptions" in res.output and "primary" in res.output
    res = runner.invoke(app, ["sources", "--json"])
    assert res.exit_code == 0
    doc = json.loads(res.output)
    assert doc["scenario"] == "csis-2026" and doc["sources"]
    res = runner.invoke(app, ["sources", "--scenario", "no-such-scenario"])
    assert res.exit_code == 2 and "no-such-scenario" in res.output
