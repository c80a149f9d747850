"""docs/model.md, docs/json.md and docs/scenarios.md stay true to the code and the data.

The generated tables of docs/model.md are rebuilt in memory by scripts/gen_model_tables.py
and compared with the file: the data tables exactly, the calibration and attribution tables
(which come from a model run) number by number within a stated tolerance.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
JSON_MD = ROOT / "docs" / "json.md"
SCENARIOS_MD = ROOT / "docs" / "scenarios.md"
SCRIPT = ROOT / "scripts" / "gen_model_tables.py"
REGENERATE = "docs/model.md is out of date: run `python scripts/gen_model_tables.py`"

# Tolerance for numbers that come from a model run: one unit in the last digit shown, or 2%
# of the value, whichever is larger (rounding at a digit boundary may differ across BLAS or
# libm builds; a real change in the model moves figures by more).
REL_TOL = 0.02


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_model_tables", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def doc() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def static(gen):
    return gen.static_blocks()


# --------------------------------------------------------------------------- generated tables


def test_static_tables_match_the_data(gen, doc, static):
    on_disk = gen.blocks_in(doc)
    missing = sorted(set(static) - set(on_disk))
    assert not missing, f"marker pairs missing from docs/model.md: {missing}"
    stale = sorted(name for name, body in static.items() if on_disk[name] != body)
    assert not stale, f"{REGENERATE} (stale blocks: {stale})"


def _numbers(text: str) -> list[tuple[float, float]]:
    """Every unsigned decimal in ``text`` with the size of its last shown digit."""
    out = []
    for m in re.finditer(r"\d+(?:\.(\d+))?", text):
        unit = 10.0 ** -len(m.group(1)) if m.group(1) else 1.0
        out.append((float(m.group(0)), unit))
    return out


def _close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    tol = max(a[1], b[1], REL_TOL * max(abs(a[0]), abs(b[0]))) + 1e-9
    return abs(a[0] - b[0]) <= tol


@pytest.mark.parametrize("name", ["calibration", "attribution"])
def test_run_tables_match_a_fresh_run(gen, doc, name):
    fresh = {"calibration": gen.calibration_block, "attribution": gen.attribution_block}[name]()
    old = gen.blocks_in(doc)[name]
    # the words (labels, column names, CSIS figures) must match exactly ...
    assert re.sub(r"\d+(?:\.\d+)?", "#", old) == re.sub(r"\d+(?:\.\d+)?", "#", fresh), REGENERATE
    # ... and every number within tolerance
    a, b = _numbers(old), _numbers(fresh)
    assert len(a) == len(b), REGENERATE
    bad = [(x[0], y[0]) for x, y in zip(a, b, strict=True) if not _close(x, y)]
    assert not bad, f"{REGENERATE} (doc vs run: {bad[:8]})"


def test_number_tolerance_is_not_vacuous():
    assert _close((21.0, 1.0), (21.0, 1.0))
    assert _close((306.0, 1.0), (310.0, 1.0))  # within 2%
    assert not _close((306.0, 1.0), (330.0, 1.0))
    assert not _close((2.2, 0.1), (2.5, 0.1))
    assert _close((1.000, 0.001), (0.999, 0.001))


def test_check_mode_detects_a_stale_table(tmp_path, doc):
    good = tmp_path / "model.md"
    good.write_text(doc, encoding="utf-8")
    cmd = [sys.executable, str(SCRIPT), "--check", "--no-run", "--path"]
    assert subprocess.run([*cmd, str(good)], capture_output=True).returncode == 0
    # change the value of one parameter in its table row
    stale = re.sub(r"(\| `k_air` \| )([\d.]+)", r"\g<1>9.99", doc, count=1)
    assert stale != doc
    bad = tmp_path / "stale.md"
    bad.write_text(stale, encoding="utf-8")
    r = subprocess.run([*cmd, str(bad)], capture_output=True, text=True)
    assert r.returncode == 1 and "out of date" in r.stderr


def test_render_replaces_only_marked_blocks(gen):
    text = "intro\n<!-- BEGIN GENERATED: a -->\nold\n<!-- END GENERATED: a -->\nmiddle\n" + (
        "<!-- BEGIN GENERATED: b -->\n<!-- END GENERATED: b -->\nend\n"
    )
    out = gen.render(text, {"a": "new\n", "b": "| x |\n"})
    assert out == (
        "intro\n<!-- BEGIN GENERATED: a -->\nnew\n<!-- END GENERATED: a -->\nmiddle\n"
        "<!-- BEGIN GENERATED: b -->\n| x |\n<!-- END GENERATED: b -->\nend\n"
    )
    assert gen.render(out, {"a": "new\n", "b": "| x |\n"}) == out
    with pytest.raises(KeyError):
        gen.render(text, {"c": "x\n"})


# --------------------------------------------------------------------------- coverage of the model


def test_every_parameter_is_in_the_document(csis, doc, static):
    names = list(csis.params)
    absent = [n for n in names if f"`{n}`" not in doc]
    assert not absent, f"parameters not in docs/model.md: {absent}"
    # each parameter sits in exactly one generated parameter table
    rows = {n: 0 for n in names}
    for block, body in static.items():
        if block.startswith("params:"):
            for n in re.findall(r"^\| `([\w-]+)` \|", body, flags=re.M):
                rows[n] += 1
    assert all(c == 1 for c in rows.values()), {n: c for n, c in rows.items() if c != 1}


def test_every_module_has_a_section_in_loop_order(doc):
    from straitsim.engine import campaign
    from straitsim.engine.outcome import outcome

    names = [f.__name__ for f in (*campaign.MODULES, outcome)]
    headings = re.findall(r"^#{2,4} [\d.]* *`(\w+)`", doc, flags=re.M)
    assert [h for h in headings if h in names] == names
    # and each module section has its parameter table
    for n in names:
        assert f"<!-- BEGIN GENERATED: params:{n} -->" in doc


def test_every_data_record_and_source_is_listed(csis, doc):
    from straitsim.scenario.describe import describe

    for entry in describe(csis)["data"]:
        path = entry["key"].rsplit(".", 1)[0]
        if "." in path:
            assert f"`{path.split('.', 1)[1]}`" in doc, entry["key"]
    for key in csis.sources:
        assert f'<a id="src-{key}"></a>' in doc, key


def test_doc_names_the_traditions_and_randomness(doc):
    for phrase in (
        "RAND Scorecard",
        "Lanchester square law",
        "Lanchester linear law",
        "Hughes",
        "SplitMix64",
        "SeedSequence",
        "common random numbers",
        "chunk invariance",
        "## 7. Calibration: which mechanisms produce each CSIS base-case figure",
        "## 8. Known limitations and disagreements with sources",
    ):
        assert phrase in doc, phrase


# --------------------------------------------------------------------------- json.md, scenarios.md


def test_json_doc_covers_every_key_of_a_run():
    import straitsim as ss

    doc = ss.run("csis-2026", reps=20, seed=0, days=25).summary()
    text = JSON_MD.read_text(encoding="utf-8")
    keys = set(doc) | set(doc["scenario"]) | set(doc["outcome"]) | set(doc["traces"])
    keys |= set(doc["defence_prevails"]) | set(doc["decided_day"])
    for country in doc["losses"].values():
        for metric, q in country.items():
            keys |= {metric, *q}
    for band in doc["traces"].values():
        keys |= set(band)
    absent = sorted(k for k in keys if f"`{k}`" not in text)
    assert not absent, f"keys of the run document not described in docs/json.md: {absent}"
    assert f"`schema_version` (an integer, now `{doc['schema_version']}`)" in text
    json.dumps(doc, allow_nan=False)  # the document is strict JSON


def test_scenarios_doc_covers_every_schema_field():
    from pydantic import BaseModel

    from straitsim.scenario import schema

    text = SCENARIOS_MD.read_text(encoding="utf-8")
    absent = []
    for obj in vars(schema).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, BaseModel)
            and obj.__module__ == schema.__name__
        ):
            for name, field in obj.model_fields.items():
                key = field.alias or name
                if f"`{key}`" not in text:
                    absent.append(f"{obj.__name__}.{key}")
    assert not absent, f"schema fields not described in docs/scenarios.md: {absent}"


def test_scenario_examples_load(tmp_path):
    import straitsim as ss

    text = SCENARIOS_MD.read_text(encoding="utf-8")
    examples = [
        b for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S) if b.startswith("name =")
    ]
    assert len(examples) >= 3
    for i, body in enumerate(examples):
        path = tmp_path / f"example{i}.toml"
        path.write_text(body, encoding="utf-8")
        sc = ss.load_scenario(path)
        assert sc.name == re.match(r'name = "([^"]+)"', body).group(1)


def test_values_outside_their_range_are_flagged(gen, csis, static):
    from straitsim.scenario.schema import Param

    inside = Param(value=1, unit="x", doc="d", assumption="a", range=(0, 2))
    outside = Param(value=3, unit="x", doc="d", assumption="a", range=(0, 2))
    drawn = Param(
        value=3, unit="x", doc="d", assumption="a", dist={"kind": "uniform", "low": 0, "high": 1}
    )
    assert not gen.outside_range(inside)
    assert gen.outside_range(outside) and gen.outside_range(drawn)
    flagged = {n for n, p in csis.params.items() if gen.outside_range(p)}
    tables = "".join(b for k, b in static.items() if k.startswith("params:"))
    shown = set(re.findall(r"^\| `([\w-]+)` \|.*\(value outside\)", tables, flags=re.M))
    assert shown == flagged
