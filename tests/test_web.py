"""The dashboard's JSON API and static page, in process (no browser; see tests/browser/)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("plotly")
from fastapi.testclient import TestClient  # noqa: E402

import straitsim as ss  # noqa: E402
from straitsim.web.app import STATIC_DIR, create_app  # noqa: E402
from straitsim.web.models import Limits  # noqa: E402

LIMITS = Limits(max_reps=60, max_lattice_work=400, max_grid=5)
EXTERNAL = re.compile(r"https?://(?!127\.0\.0\.1|localhost)", re.IGNORECASE)


@pytest.fixture(scope="module")
def app():
    return create_app(LIMITS)


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


def test_scenarios_lists_builtins_with_their_ladders(client):
    doc = client.get("/api/scenarios").json()
    names = [s["name"] for s in doc["scenarios"]]
    assert names == list(ss.list_scenarios())
    sc = ss.load_scenario("csis-2026")
    info = next(s for s in doc["scenarios"] if s["name"] == "csis-2026")
    jpn = next(r for r in info["roles"] if r["ally"] == "JPN")
    assert [r["name"] for r in jpn["rungs"]] == list(sc.actors["JPN"].rungs)
    assert jpn["rung"] == sc.roles["JPN"]
    assert doc["limits"]["max_reps"] == LIMITS.max_reps
    colours = doc["base_map"]["loss_colours"]
    assert len(colours) >= 2 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)


def test_run_answers_the_run_json_document(client):
    body = {
        "scenario": "csis-2026",
        "reps": 40,
        "seed": 7,
        "roles": {"JPN": "neutral"},
        "set": {"us_entry_delay_days": 3},
    }
    got = client.post("/api/run", json=body).json()
    res = ss.run(
        "csis-2026", reps=40, seed=7, roles={"JPN": "neutral"}, sets={"us_entry_delay_days": 3}
    )
    want = json.loads(json.dumps(res.summary()))
    assert got.pop("overrides") == ["us_entry_delay_days=3"]
    want.pop("overrides")
    assert got == want


def test_roles_change_the_answer_and_repeat_exactly(client):
    base = {"scenario": "csis-2026", "reps": 60, "seed": 3}
    a = client.post("/api/run", json={**base, "roles": {"JPN": "bases"}})
    b = client.post("/api/run", json={**base, "roles": {"JPN": "neutral"}})
    a2 = client.post("/api/run", json={**base, "roles": {"JPN": "bases"}})
    assert a.status_code == b.status_code == 200
    assert a.json()["roles"]["JPN"] == "bases" and b.json()["roles"]["JPN"] == "neutral"
    assert a.content == a2.content  # same seed, same answer
    la, lb = a.json()["losses"], b.json()["losses"]
    # Japan neutral: Japanese forces never fight, so Japan loses nothing
    assert lb["JPN"]["aircraft"]["p90"] == 0 and lb["JPN"]["ships"]["p90"] == 0
    assert la["JPN"]["aircraft"]["median"] > 0


@pytest.mark.parametrize(
    "body",
    [
        {"scenario": "csis-2026", "reps": True},
        {"scenario": "csis-2026", "seed": False},
        {"scenario": "csis-2026", "set": {"us_entry_delay_days": True}},
        {"scenario": "csis-2026", "reps": 10**6},
        {"scenario": "csis-2026", "reps": 0},
        {"scenario": "../../etc/passwd"},
        {"scenario": "/tmp/evil.toml"},
        {"scenario": "csis-2026", "roles": {"JPN": "everything"}},
        {"scenario": "csis-2026", "roles": {"ATLANTIS": "full"}},
        {"scenario": "csis-2026", "set": {"x; import os": 1}},
        {"scenario": "csis-2026", "code": "print(1)"},
    ],
)
def test_schema_rejects_bad_input_with_422(client, body):
    r = client.post("/api/run", json=body)
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], list)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"scenario": "csis-2026", "reps": 5, "set": {"no_such_knob": 1}}, "no_such_knob"),
        ({"scenario": "csis-2026", "reps": 5, "set": {"packs": 1}}, "set.packs"),
        ({"scenario": "csis-2026", "reps": 5, "set": {"extends": 1}}, "set.extends"),
    ],
)
def test_model_rejections_are_one_line_400s(client, body, key):
    r = client.post("/api/run", json=body)
    assert r.status_code == 400, r.text
    doc = r.json()
    assert doc["key"] == key
    assert "\n" not in doc["detail"] and doc["detail"]


def test_lattice_work_is_bounded(client):
    r = client.post(
        "/api/roles", json={"scenario": "csis-2026", "reps": 60, "allies": ["JPN", "AUS", "PHL"]}
    )
    assert r.status_code == 400
    assert "too much work" in r.json()["detail"]
    r = client.post("/api/roles", json={"scenario": "csis-2026", "reps": 5, "allies": ["JPN"] * 7})
    assert r.status_code == 422  # more players than max_allies


def test_oversized_body_is_refused(client):
    big = {"scenario": "csis-2026", "set": {f"k{i}": 1 for i in range(8000)}}
    r = client.post(
        "/api/run", content=json.dumps(big), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413


def test_bases_follow_the_roles(client):
    def bases(roles):
        r = client.post("/api/bases", json={"scenario": "csis-2026", "roles": roles})
        assert r.status_code == 200
        return {b["id"]: b for b in r.json()["bases"]}

    sc = ss.load_scenario("csis-2026")
    neutral, used = bases({"JPN": "neutral"}), bases({"JPN": "bases"})
    jpn = [b for b, x in sc.bases.items() if x.host == "JPN"]
    # Japan neutral: no US aircraft operate from Japan and the PRC strikes no Japanese base
    assert all(neutral[b]["n_us_aircraft"] == 0 and not neutral[b]["struck"] for b in jpn)
    assert any(used[b]["n_us_aircraft"] > 0 and used[b]["struck"] for b in jpn)
    # Taiwan's bases are struck under any roles; coordinates are the data pack's
    for b, x in sc.bases.items():
        assert (neutral[b]["lat"], neutral[b]["lon"]) == (x.lat, x.lon)
        assert neutral[b]["n_aircraft_based"] >= neutral[b]["n_aircraft"]
        if x.host == "TWN":
            assert neutral[b]["struck"] and used[b]["struck"]


def test_run_reports_every_map_base_and_losses_follow_the_roles(client):
    """The map joins `/api/run`'s `bases` with `/api/bases`: same ids, losses within fleets."""
    runs, maps = {}, {}
    for rung in ("bases", "neutral"):
        body = {"scenario": "csis-2026", "roles": {"JPN": rung}}
        runs[rung] = client.post("/api/run", json={**body, "reps": 30, "seed": 2}).json()["bases"]
        maps[rung] = {b["id"]: b for b in client.post("/api/bases", json=body).json()["bases"]}
        assert set(runs[rung]) == set(maps[rung])
        for bid, r in runs[rung].items():
            lost = r["aircraft_lost_on_ground"]
            assert 0 <= lost["p10"] <= lost["median"] <= lost["p90"]
            # aircraft are lost only where they are based, and at most all of them
            assert lost["p90"] <= maps[rung][bid]["n_aircraft_based"] + 1e-9, bid
            if not maps[rung][bid]["struck"]:
                assert r["missiles_received"]["p90"] == 0, bid
    # Kadena hosts US aircraft and is struck when Japan lends its bases; with Japan neutral
    # no one is based there and it loses nothing
    assert runs["bases"]["kadena"]["aircraft_lost_on_ground"]["median"] > 0
    assert runs["bases"]["kadena"]["missiles_received"]["median"] > 0
    assert maps["neutral"]["kadena"]["n_aircraft_based"] == 0
    assert runs["neutral"]["kadena"]["aircraft_lost_on_ground"]["p90"] == 0
    assert runs["neutral"]["kadena"]["missiles_received"]["p90"] == 0


def test_roles_endpoint_shapley_is_efficient(client):
    r = client.post(
        "/api/roles",
        json={
            "scenario": "csis-2026",
            "reps": 20,
            "seed": 2,
            "allies": ["JPN", "AUS"],
            "metric": "prc_battalions_landed",
        },
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    total = sum(v["value"] for v in doc["shapley"].values())
    assert total == pytest.approx(doc["v_all"] - doc["v_none"], abs=1e-9)
    assert set(doc["shapley"]) == {"JPN", "AUS"}


def test_deterrence_curves_are_linear_in_belief(client):
    r = client.post(
        "/api/deterrence",
        json={
            "scenario": "csis-2026",
            "reps": 20,
            "seed": 1,
            "allies": ["JPN"],
            "quantity": "prc_battalions_landed",
            "n_grid": 5,
        },
    )
    assert r.status_code == 200, r.text
    rows = [c for c in r.json()["curves"] if c["ally"] == "JPN"]
    assert [c["p_fights"] for c in rows] == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    v = [c["value"] for c in rows]
    # a belief-weighted mixture: value(p) = (1 - p) v(0) + p v(1)
    for c in rows:
        assert c["value"] == pytest.approx(
            (1 - c["p_fights"]) * v[0] + c["p_fights"] * v[-1], abs=1e-9
        )


def test_page_and_assets_are_local(client):
    html = client.get("/").text
    assert 'src="vendor/plotly.min.js"' in html
    for path in STATIC_DIR.glob("*.*"):
        assert not EXTERNAL.search(path.read_text(encoding="utf-8")), path
    import plotly

    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200
    assert (
        js.content == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    )
    topo = client.get("/topojson/world_50m.json")
    assert topo.status_code == 200 and topo.json()["type"] == "Topology"
    assert client.get("/static/dashboard.js").status_code == 200


def test_openapi_documents_errors(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/run", "/api/roles", "/api/deterrence", "/api/bases"):
        responses = spec["paths"][path]["post"]["responses"]
        assert {"200", "400", "422"} <= set(responses)
    run = spec["components"]["schemas"]["RunRequest"]["properties"]
    assert run["reps"]["maximum"] == LIMITS.max_reps
    assert set(run["scenario"]["enum"]) == set(ss.list_scenarios())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_listens_on_loopback():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "straitsim.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/scenarios", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200
        assert "csis-2026" in [s["name"] for s in r.json()["scenarios"]]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------- schemathesis
# Against the app's OpenAPI schema, in process: no 5xx, responses conform. Bounded: small caps
# on replications and lattice work, few examples per route. A schema-valid request may still
# get a documented 400 when the model rejects it (a rung the chosen scenario lacks, an unknown
# `set` key, a lattice over the work budget), so the positive-data check accepts 2xx and 400.

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

FUZZ_APP = create_app(Limits(max_reps=20, max_lattice_work=160, max_grid=5))
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    FUZZ_APP,
    config=SchemathesisConfig.from_dict(
        # 429: background jobs (``?async=1``) beyond the documented bound are refused; 404
        # and 409: a job id that names no job, or a job that has not finished
        {
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "404", "409", "422", "429"]
                }
            }
        }
    ),
)


@pytest.mark.slow  # about two minutes: every endpoint fuzzed, a discovery run per case
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_no_server_errors(case, monkeypatch):
    import straitsim.web.outlook as web_outlook
    import straitsim.web.worlds as web_worlds

    # the worlds and outlook routes bound their work by their own constant: keep the fuzz small
    monkeypatch.setattr(web_worlds, "MAX_WORLD_WORK", 200)
    monkeypatch.setattr(web_outlook, "MAX_OUTLOOK_WORK", 200)
    response = case.call_and_validate()
    assert response.status_code < 500


# ------------------------------------------------------------- issue 15: bounds and domains
@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"set": {"bases.kadena.shelters": 10.5}}, "bases.kadena.shelters"),
        ({"set": {"cruise_kmh": 0}}, "params.cruise_kmh.value"),
        ({"set": {"roc_will_to_resist": 2}}, "params.roc_will_to_resist.value"),
        ({"set": {"k_air": 1e6}}, "params.k_air.value"),
    ],
)
def test_out_of_domain_values_are_one_line_422s(client, body, key):
    r = client.post("/api/run", json={"scenario": "csis-2026", "reps": 5, **body})
    assert r.status_code == 422, r.text
    doc = r.json()
    assert doc["key"] == key and "\n" not in doc["detail"]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/run", '{"scenario": "csis-2026", "reps": 5, "set": {"k_air": %s}}'),
        (
            "/api/deterrence",
            '{"scenario": "csis-2026", "reps": 5, "belief": {"JPN": {"full": %s}}}',
        ),
        ("/api/run", '{"scenario": "csis-2026", "reps": %s}'),
    ],
)
def test_non_finite_json_is_a_422_with_valid_json(client, path, template, token):
    r = client.post(path, content=template % token, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text

    def strict(name):
        raise AssertionError(f"non-finite token {name} in the answer")

    json.loads(r.text, parse_constant=strict)


def _scope(path: str = "/api/run") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


def test_chunked_body_over_the_limit_is_refused_without_reading_it_all():
    import asyncio

    small = create_app(Limits(max_reps=5, max_body_bytes=1000))
    # through a client: chunked transfer, no Content-Length
    r = TestClient(small).post(
        "/api/run",
        content=(b" " * 1000 for _ in range(50)),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    # at the ASGI level: the server stops reading as soon as the limit is passed
    read, status = {"n": 0}, []

    async def receive():
        read["n"] += 1  # a 100 MB body, 1 kB at a time, if it were all read
        return {"type": "http.request", "body": b" " * 1000, "more_body": read["n"] < 100_000}

    async def send(msg):
        if msg["type"] == "http.response.start":
            status.append(msg["status"])

    _run_async(asyncio.wait_for(small(_scope(), receive, send), 20))
    assert status == [413] and read["n"] <= 2


def test_concurrent_model_requests_beyond_the_cap_get_429(monkeypatch):
    import threading

    import straitsim.web.app as web_app

    gate, entered = threading.Event(), threading.Event()

    def slow_run(*a, **kw):
        entered.set()
        assert gate.wait(20)
        return ss.run("csis-2026", reps=5, seed=1, days=3)

    monkeypatch.setattr(web_app, "run_scenario", slow_run)
    c = TestClient(create_app(Limits(max_reps=5, max_active=1)))
    first: dict = {}
    t = threading.Thread(
        target=lambda: first.update(
            r=c.post("/api/run", json={"scenario": "csis-2026", "reps": 5, "seed": 1})
        )
    )
    t.start()
    try:
        assert entered.wait(20)
        r = c.post("/api/run", json={"scenario": "csis-2026", "reps": 5, "seed": 2})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    finally:
        gate.set()
        t.join(30)
    assert first["r"].status_code == 200


def test_a_computation_stops_when_its_client_disconnects(monkeypatch):
    import asyncio

    import straitsim.web.app as web_app
    from straitsim.web.guards import Cancelled

    calls = {"chunks": 0, "stopped": False}

    def endless_run(sc, reps, seed, progress=None, **kw):
        import time as _t

        try:
            for _ in range(2000):  # 20 s if never cancelled
                _t.sleep(0.01)
                calls["chunks"] += 1
                progress(1)
        except Cancelled:
            calls["stopped"] = True
            raise
        raise AssertionError("never cancelled")

    monkeypatch.setattr(web_app, "run_scenario", endless_run)
    asgi = create_app(Limits(max_reps=5))
    body = json.dumps({"scenario": "csis-2026", "reps": 5, "seed": 99}).encode()
    msgs = [{"type": "http.request", "body": body, "more_body": False}]
    status: list[int] = []

    async def receive():
        if msgs:
            return msgs.pop()
        await asyncio.sleep(0.2)  # the client hangs up while the model runs
        return {"type": "http.disconnect"}

    async def send(msg):
        if msg["type"] == "http.response.start":
            status.append(msg["status"])

    scope = _scope()
    _run_async(asyncio.wait_for(asgi(scope, receive, send), 20))
    assert calls["stopped"] and calls["chunks"] < 500
    assert status == [499]


def _run_async(coro):
    """Run ``coro`` to completion in a thread of its own (the browser tests may leave an
    event loop running in the main thread, where ``asyncio.run`` refuses to start)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
