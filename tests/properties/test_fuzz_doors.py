"""Fuzz every door with generated overrides: a clear error or finite numbers, nothing else.

Hypothesis draws a parameter (or a data path) and a value — finite, huge, negative, NaN,
infinite, a boolean, a string — and sends it through the Python API, a scenario TOML file,
the command line and the web API. Each answer must be a one-line UserError (exit status 2,
HTTP 4xx) or a result whose every number is finite: never a traceback, a 5xx or a NaN.
Bounded: a few dozen examples per door, short horizons, a handful of replications.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import straitsim as ss
from straitsim.cli import app
from straitsim.errors import UserError

SC = ss.load_scenario("csis-2026")
PARAMS = sorted(SC.params)
DATA_PATHS = [
    "air_units.usa-kadena-f15ex.n",
    "bases.kadena.shelters",
    "ships.usa-cvn-a.n",
    "munitions.usa-lrasm.n",
    "launchers.jpn-type12.in_range_share",
    "ground.TWN.battalions",
    "horizon_days",
]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2.0, max_value=2.0),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2**63]),
    st.booleans(),
    st.text(max_size=6),
)
keys = st.one_of(st.sampled_from(PARAMS), st.sampled_from(DATA_PATHS))


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"non-finite token {name}")

    return json.loads(text, parse_constant=refuse)


def _finite_doc(doc: object) -> None:
    if isinstance(doc, float):
        assert math.isfinite(doc)
    elif isinstance(doc, dict):
        for v in doc.values():
            _finite_doc(v)
    elif isinstance(doc, list):
        for v in doc:
            _finite_doc(v)


def _check_run(sc: ss.Scenario) -> None:
    t = ss.simulate(sc, reps=3, seed=1, days=min(6, sc.horizon_days))
    assert np.all(np.isin(t.outcome, range(5)))
    for metrics in t.losses.values():
        for a in metrics.values():
            assert np.all(np.isfinite(a))
    for a in t.traces.values():
        assert np.all(np.isfinite(a))


def _toml(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, str):
        return json.dumps(v)
    return repr(v)


@FUZZ
@given(key=keys, value=values)
def test_python_api_overrides(key, value):
    try:
        sc = ss.load_scenario("csis-2026", sets={key: value})
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    _check_run(sc)


@FUZZ
@given(key=keys, value=values)
def test_toml_overrides(tmp_path_factory, key, value):
    f = tmp_path_factory.mktemp("fuzz") / "s.toml"
    table, _, leaf = key.rpartition(".")
    if key in PARAMS:
        body = f"[params]\n{key} = {_toml(value)}\n"
    elif table:
        body = f"[{table}]\n{leaf} = {_toml(value)}\n"
    else:
        body = f"{key} = {_toml(value)}\n"
    f.write_text('extends = "csis-2026"\n' + body)
    try:
        sc = ss.load_scenario(f)
    except UserError as exc:
        assert str(f) in str(exc) and "\n" not in str(exc)
        return
    _check_run(sc)


@settings(FUZZ, max_examples=15)
@given(key=keys, value=values)
def test_cli_overrides(key, value):
    text = _toml(value) if not isinstance(value, str) else value
    r = CliRunner().invoke(
        app, ["run", "csis-2026", "--reps", "3", "--days", "5", "--json", "--set", f"{key}={text}"]
    )
    assert "Traceback" not in r.output
    if r.exit_code == 2:
        assert "error:" in r.output
        return
    assert r.exit_code == 0, r.output
    _finite_doc(_strict(r.stdout))


@settings(FUZZ, max_examples=15)
@given(key=keys, value=values)
def test_web_overrides(key, value):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from straitsim.web.app import create_app
    from straitsim.web.models import Limits

    client = _client(TestClient, create_app, Limits)
    if isinstance(value, float) and not math.isfinite(value):  # JSON's extension tokens
        shown = "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    else:
        shown = json.dumps(value)
    body = (
        f'{{"scenario": "csis-2026", "reps": 3, "seed": 1, "set": {{{json.dumps(key)}: {shown}}}}}'
    )
    r = client.post("/api/run", content=body, headers={"content-type": "application/json"})
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 400, 422), r.text
    doc = _strict(r.text)
    if r.status_code == 200:
        _finite_doc(doc)


_CLIENTS: dict[str, object] = {}


def _client(test_client, create_app, limits):
    if "c" not in _CLIENTS:
        _CLIENTS["c"] = test_client(create_app(limits(max_reps=5)))
    return _CLIENTS["c"]
