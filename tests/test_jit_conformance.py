"""The compiled engine (``device="numba"``) computes the NumPy reference's model.

Each compiled step (:data:`straitsim.engine.jit.registry.JIT_STEPS`) is run beside its NumPy
step on the same mid-campaign states (captured with the campaign's ``before_step`` hook) of
several cases that exercise different branches (roles, late US entry, strikes on the mainland,
civilian airports, winter weather); every returned array must agree within 1e-9 (relative or
absolute) for the replications still undecided. A compiled step does not compute decided
replications (they are frozen): it carries their fields over unchanged, which lets the
compiled loop skip the freezing pass; a test checks that for every step. Inside the loop (and
only there, with no step hooks) the compiled steps write into the state's own arrays; outside
it they never touch their inputs. Then whole campaigns
on both devices must give the same outcome category for every replication and every float
output within 1e-9; on the compiled device the numbers must not depend on chunk size or
worker processes. The compiled uniforms must equal the NumPy ones bit for bit (the normals
within 1e-13).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

from jit_helpers import live_outputs  # noqa: E402

from straitsim.analysis.run import load_scenario  # noqa: E402
from straitsim.engine.backend import array_module  # noqa: E402
from straitsim.engine.campaign import (  # noqa: E402
    FROZEN_DAILY,
    STEPS,
    Campaign,
    Event,
    compiled_loop,
)
from straitsim.engine.jit.registry import JIT_STEPS, KERNELS  # noqa: E402
from straitsim.engine.jit.traces import CompiledTraceRecorder  # noqa: E402
from straitsim.engine.random import Streams  # noqa: E402
from straitsim.engine.state import PERSISTENT, UNDECIDED, WRITABLE  # noqa: E402
from straitsim.engine.trajectory import TraceRecorder  # noqa: E402
from straitsim.errors import UserError  # noqa: E402
from straitsim.runners import execute  # noqa: E402
from straitsim.runners.local import simulate  # noqa: E402
from straitsim.scenario.compile import compile_params  # noqa: E402
from straitsim.scenario.schema import Scenario  # noqa: E402

TOL = 1e-9
SEED = 11
# roles varied as profiles of one batch; parameters and the season as scenarios of their own
PROFILES = [{}, {"JPN": "neutral"}, {"USA": "none"}]
SETS = {
    "base": [],
    "late-us": ["us_entry_delay_days=14"],
    "mainland": ["us_strikes_mainland=1"],
    "civil": ["civil_airports_access=1"],
}


def _scenario(case: str) -> Scenario:
    if case == "winter":
        return load_scenario("csis-2026", None, []).model_copy(update={"launch_month": 1})
    return load_scenario("csis-2026", None, SETS[case])


CASES = [*SETS, "winter"]


def _close(a: Any, b: Any) -> bool:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        x, y = np.broadcast_arrays(x, y)
    return bool(np.allclose(x, y, rtol=TOL, atol=TOL, equal_nan=True))


def test_every_compiled_step_has_a_numpy_step() -> None:
    names = dict(STEPS)
    assert JIT_STEPS, "no compiled step registered"
    assert set(JIT_STEPS) <= set(names)


@pytest.mark.parametrize("case", CASES)
def test_compiled_steps_equal_numpy_steps(case: str) -> None:
    # 30 days: some replications are decided (and frozen) while others go on
    p = compile_params(_scenario(case), PROFILES, 30)
    reference = dict(STEPS)
    n_reps = 48
    checked: dict[str, int] = {}
    bad: list[str] = []
    decided_seen = [0]

    def compare(ev: Event) -> None:
        if ev.step not in JIT_STEPS:
            return
        state = dict(ev.state)
        want = reference[ev.step](state, p, ev.v, ev.day, Streams(SEED, 0, n_reps).subset(ev.rows))
        kept = {k: np.array(a, copy=True) for k, a in state.items() if isinstance(a, np.ndarray)}
        got = JIT_STEPS[ev.step](state, p, ev.v, ev.day, Streams(SEED, 0, n_reps).subset(ev.rows))
        # outside the campaign loop a compiled step never writes into its inputs
        for k, a in kept.items():
            if not np.array_equal(a, state[k], equal_nan=True):
                bad.append(f"{ev.step} day {ev.day}: wrote into its input {k}")
        # decided replications are frozen after the day: a compiled step carries them over
        # (test_compiled_steps_carry_decided_replications), the reference computes them; so
        # a field one returns and the other not (only decided ones change) must equal the state
        live = np.asarray(state["outcome"]) == UNDECIDED
        decided_seen[0] += int((~live).sum())
        if live.all() and set(want) != set(got):
            bad.append(f"{ev.step} day {ev.day}: keys {sorted(want)} != {sorted(got)}")
            return
        for k, a, b in live_outputs(want, got, state):
            if a is None or b is None or not _close(a, b):
                bad.append(f"{ev.step} day {ev.day}: {k} differs")
        checked[ev.step] = checked.get(ev.step, 0) + 1

    c = Campaign(p)
    c.before_step.append(compare)
    c.run(n_reps, SEED)
    assert not bad, "\n".join(bad[:20])
    assert set(checked) == set(JIT_STEPS)  # every compiled step was compared, on several days
    assert min(checked.values()) >= 3
    assert decided_seen[0] > 0  # decided replications were in the batch beside undecided ones


@pytest.mark.parametrize("case", CASES)
def test_compiled_steps_carry_decided_replications(case: str) -> None:
    """The compiled loop skips freezing: every step must leave decided replications as they were."""
    sc = _scenario(case)
    steps, draws, carry, _ = compiled_loop()
    assert carry  # every step is compiled, so the campaign does not freeze
    p = compile_params(sc, [*PROFILES, {"JPN": "neutral", "USA": "none"}], None)
    c = Campaign(p, steps, draws, carry_decided=carry)
    changed: list[str] = []
    seen = [0]

    def check(ev: Event) -> None:
        assert ev.before is not None
        dead = np.asarray(ev.before["outcome"]) != UNDECIDED
        if not dead.any():
            return
        seen[0] += 1
        for k in (*PERSISTENT, *FROZEN_DAILY, "outcome", "decided_day"):
            if k not in ev.before or ev.state.get(k) is ev.before[k]:
                continue
            old = np.asarray(ev.before[k], dtype=np.float64)
            new = np.asarray(ev.state[k], dtype=np.float64)
            if new.ndim >= 2:
                old = np.broadcast_to(old, new.shape)
                if not np.array_equal(old[dead], new[dead], equal_nan=True):
                    changed.append(f"{ev.step} day {ev.day}: {k}")

    c.after_step.append(check)
    c.run(200, SEED)
    assert seen[0] > 20  # many steps ran with decided replications in the batch
    assert not changed, changed[:20]


@pytest.mark.parametrize("case", ["base", "late-us"])
def test_compiled_trace_recorder_writes_the_reference_traces(case: str) -> None:
    """The compiled recorder gives the NumPy recorder's traces bit for bit on the same run.

    It writes a replication only while its campaign runs and holds the last value after; the
    batch is set aside part way (decided replications leave it) and ends before the horizon
    for some profiles: the traces must still be the reference recorder's, every day.
    """
    steps, draws, carry, compiled = compiled_loop()
    assert compiled is CompiledTraceRecorder
    p = compile_params(_scenario(case), [*PROFILES, {"JPN": "neutral", "USA": "none"}], None)
    runs = {}
    for rec in (TraceRecorder, CompiledTraceRecorder):
        runs[rec] = Campaign(p, steps, draws, carry, rec).run(300, SEED)
    ref, fast = runs[TraceRecorder], runs[CompiledTraceRecorder]
    np.testing.assert_array_equal(ref.outcome, fast.outcome)
    ended = np.nan_to_num(ref.decided_day, nan=p.n_days) < p.n_days - 10
    assert ended.mean() > 0.3  # many campaigns end well before the horizon
    for k, a in ref.traces.items():
        assert a.dtype == fast.traces[k].dtype == np.float32
        assert a.tobytes() == fast.traces[k].tobytes(), k


def test_compiled_loop_writes_in_place_only_without_step_hooks() -> None:
    """Steps may write into the state's arrays only while the loop alone holds them."""
    p = compile_params(_scenario("base"), PROFILES, 10)
    seen: dict[str, list[bool]] = {"plain": [], "hooked": []}
    c = Campaign(p, *compiled_loop())
    c.after_day.append(lambda ev: seen["plain"].append(WRITABLE.get()))
    plain = c.run(40, SEED)
    h = Campaign(p, *compiled_loop())
    h.after_step.append(lambda ev: seen["hooked"].append(WRITABLE.get()))
    hooked = h.run(40, SEED)
    assert seen["plain"] and all(seen["plain"])
    assert seen["hooked"] and not any(seen["hooked"])
    assert not WRITABLE.get()  # reset after the run
    # the same numbers either way
    np.testing.assert_array_equal(plain.outcome, hooked.outcome)
    for k, a in _float_outputs(plain).items():
        np.testing.assert_array_equal(a, _float_outputs(hooked)[k], err_msg=k)


def _float_outputs(t: Any) -> dict[str, np.ndarray]:
    out = {"decided_day": t.decided_day, "spent": t.spent}
    out.update({f"trace:{k}": a for k, a in t.traces.items()})
    for country, metrics in t.losses.items():
        out.update({f"loss:{country}:{m}": a for m, a in metrics.items()})
    out.update(
        {
            f"extra:{k}": a
            for k, a in t.extra.items()
            if isinstance(a, np.ndarray) and a.dtype.kind == "f"
        }
    )
    return out


@pytest.mark.parametrize("case", CASES)
def test_whole_campaign_same_on_both_devices(case: str) -> None:
    sc = _scenario(case)
    ref = simulate(sc, 96, SEED, PROFILES, workers=1)
    fast = simulate(sc, 96, SEED, PROFILES, workers=1, device="numba")
    np.testing.assert_array_equal(ref.outcome, fast.outcome)
    a, b = _float_outputs(ref), _float_outputs(fast)
    assert set(a) == set(b)
    differ = [k for k in a if not _close(a[k], b[k])]
    assert not differ, differ


def test_compiled_device_is_chunk_invariant() -> None:
    sc = _scenario("base")
    whole = simulate(sc, 96, SEED, device="numba", workers=1)
    parts = simulate(sc, 96, SEED, device="numba", workers=1, chunk_size=40)
    np.testing.assert_array_equal(whole.outcome, parts.outcome)
    for k, a in _float_outputs(whole).items():
        np.testing.assert_array_equal(a, _float_outputs(parts)[k], err_msg=k)


def test_compiled_device_same_on_worker_processes() -> None:
    # enough profile-replications for the pool (PARALLEL_MIN_LANES): chunks in two workers
    sc = _scenario("base")
    lanes = execute.PARALLEL_MIN_LANES
    reps = -(-lanes // len(PROFILES))
    here = simulate(sc, reps, SEED, PROFILES, device="numba", workers=1, chunk_size=reps // 2)
    pool = simulate(sc, reps, SEED, PROFILES, device="numba", workers=2, chunk_size=reps // 2)
    np.testing.assert_array_equal(here.outcome, pool.outcome)
    for k, a in _float_outputs(here).items():
        np.testing.assert_array_equal(a, _float_outputs(pool)[k], err_msg=k)


@pytest.mark.parametrize(("day", "k"), [(0, 1), (3, 7), (35, 64), (4095, 4096)])
def test_compiled_draws_equal_numpy_draws(day: int, k: int) -> None:
    a = Streams(5, 1000, 300)
    b = Streams(5, 1000, 300, kernel=KERNELS)
    assert a.uniform("air", day, k).tobytes() == b.uniform("air", day, k).tobytes()
    rows = np.arange(0, 300, 7)
    assert (
        a.subset(rows).uniform("x", day, k).tobytes()
        == b.subset(rows).uniform("x", day, k).tobytes()
    )
    # normals: the same Box-Muller on the same uniforms (C library vs NumPy log and sines)
    x, y = a.subset(rows).normal("missiles", day, k), b.subset(rows).normal("missiles", day, k)
    np.testing.assert_allclose(y, x, rtol=1e-13, atol=1e-13)
    s = np.linspace(0.1, 1.0, rows.size)[None, :]
    x = a.subset(rows).lognormal("air", day, k, s)
    y = b.subset(rows).lognormal("air", day, k, s)
    np.testing.assert_allclose(y, x, rtol=1e-13)


def test_unknown_device_is_a_user_error() -> None:
    with pytest.raises(UserError, match="cpu, numba or gpu"):
        simulate(_scenario("base"), 8, 0, device="tpu")


def test_missing_numba_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    with pytest.raises(UserError, match=r"straitsim\[fast\]"):
        array_module("numba")


@pytest.fixture
def compiled_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, per engine call, whether it ran the compiled steps."""
    calls: list[bool] = []
    real = execute.campaign.simulate

    def spy(*a: Any, **kw: Any) -> Any:
        calls.append(bool(kw.get("compiled")))
        return real(*a, **kw)

    monkeypatch.setattr(execute.campaign, "simulate", spy)
    return calls


def test_analyses_run_on_the_default_device(monkeypatch, compiled_calls) -> None:
    """An analysis inside ``device("numba")`` (or with STRAITSIM_DEVICE=numba) runs the compiled
    engine and gives the reference's answer: the same lattice outcomes, Shapley within 1e-9."""
    from straitsim.analysis.roles import role_analysis

    with execute.workers(1):
        ref = role_analysis("csis-2026", ["JPN", "AUS"], reps=64, seed=SEED)
        assert compiled_calls and not any(compiled_calls)
        compiled_calls.clear()
        with execute.device("numba"):
            fast = role_analysis("csis-2026", ["JPN", "AUS"], reps=64, seed=SEED)
        assert compiled_calls and all(compiled_calls)
        compiled_calls.clear()
        monkeypatch.setenv("STRAITSIM_DEVICE", "numba")
        env = role_analysis("csis-2026", ["JPN", "AUS"], reps=64, seed=SEED)
        assert compiled_calls and all(compiled_calls)
    for got in (fast, env):
        np.testing.assert_array_equal(
            got.lattice.trajectory.outcome, ref.lattice.trajectory.outcome
        )
        np.testing.assert_allclose(got.shapley.value, ref.shapley.value, rtol=0, atol=1e-9)


def test_unknown_default_device_is_refused_in_one_line(monkeypatch) -> None:
    monkeypatch.setenv("STRAITSIM_DEVICE", "tpu")
    with pytest.raises(UserError, match="STRAITSIM_DEVICE.*cpu, numba or gpu"):
        execute.resolve_device()
    with pytest.raises(UserError, match="unknown device"):
        execute.resolve_device("quantum")


@pytest.mark.parametrize(
    "command", ["run", "roles", "burden", "deter", "invest", "validate", "sensitivity", "outlook"]
)
def test_every_analysis_command_takes_device(command: str) -> None:
    from typer.testing import CliRunner

    from straitsim.cli import app

    r = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "--device" in r.output, command


def test_device_flag_runs_the_analysis_there(monkeypatch, compiled_calls) -> None:
    """``--device numba`` on an analysis command runs every replication compiled and prints
    the reference's answer; an unknown device is refused in one line, before any work."""
    import json

    from typer.testing import CliRunner

    from straitsim.cli import app

    monkeypatch.delenv("STRAITSIM_DEVICE", raising=False)
    args = ["roles", "csis-2026", "--allies", "JPN", "--reps", "64", "--seed", "3", "--json"]
    docs = {}
    for dev in ("cpu", "numba"):
        compiled_calls.clear()
        r = CliRunner().invoke(app, [*args, "--workers", "1", "--device", dev])
        assert r.exit_code == 0, r.output
        assert compiled_calls and all(c == (dev == "numba") for c in compiled_calls), (
            dev,
            compiled_calls,
        )
        docs[dev] = json.loads(r.stdout)
    cpu, fast = docs["cpu"], docs["numba"]
    assert cpu.keys() == fast.keys()
    np.testing.assert_allclose(_numbers(fast), _numbers(cpu), rtol=1e-9, atol=1e-9)
    compiled_calls.clear()
    r = CliRunner().invoke(app, [*args, "--device", "tpu"])
    assert r.exit_code != 0 and not compiled_calls
    assert "unknown device" in r.output and "Traceback" not in r.output


def _numbers(doc: Any) -> list[float]:
    """Every number in a JSON document, in document order."""
    if isinstance(doc, dict):
        return [x for k in doc for x in _numbers(doc[k])]
    if isinstance(doc, list):
        return [x for v in doc for x in _numbers(v)]
    if isinstance(doc, bool) or not isinstance(doc, int | float):
        return []
    return [float(doc)]
