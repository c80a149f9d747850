"""The daily campaign loop: one :class:`Campaign` object owns the step order and the hooks.

Each day runs these steps, in this order (each ``state, params, values, day, rng -> state``,
returning only the fields it changes). The order is the data :data:`STEPS`; adding a module
is one line there.

1. ``escalation`` (:mod:`~straitsim.engine.escalation`) - the day's weather and shocks; who is at
   war today, with what effort.
2. ``missile_strikes`` (:mod:`~straitsim.engine.missiles`) - PRC missiles against airbases.
3. ``air_war`` (:mod:`~straitsim.engine.air`) - sorties, air-to-air attrition, air superiority.
4. ``maritime_strike`` (:mod:`~straitsim.engine.maritime`) - allied anti-ship missiles (and
   mainland strikes where allowed).
5. ``submarine_war`` (:mod:`~straitsim.engine.submarines`) - allied submarines, PRC ASW.
6. ``counter_navy`` (:mod:`~straitsim.engine.navy`) - PRC anti-ship missiles against allied
   fleets.
7. ``landing`` (:mod:`~straitsim.engine.landing`) - lift, offload, battalions and supply ashore.
8. ``ground_war`` (:mod:`~straitsim.engine.ground`) - combat ashore, territory, ports.
9. ``outcome`` (:mod:`~straitsim.engine.outcome`) - verdicts, and the end of each replication's
   campaign.

After the steps, replications decided on an earlier day are frozen (their state is put back:
a decided replication stops changing and stays in the results), then the day's hooks run.

Hooks (lists of callables on the :class:`Campaign`, each receiving an :class:`Event`):
``before_step`` and ``after_step`` around every step, ``on_decision`` when replications are
decided, ``after_day`` once the day's state is final (the trace recorder, then the runners'
progress and any other watcher). Arrays carry a leading (profile, replication) batch. Once
at least a quarter of the replications in the batch are decided in every profile
(:data:`COMPACT_ALIVE`; at least half in the compiled loop, :data:`COMPACT_ALIVE_CARRY`;
and the batch holds at least :data:`COMPACT_MIN_REPS`), those are set
aside and the loop computes only the rest (every operation is row-wise, so this changes
nothing but the time taken);
:attr:`Event.rows` says which replications of the batch the state's rows are. The loop ends
once every replication is decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from straitsim.engine.air import air_war
from straitsim.engine.escalation import escalation
from straitsim.engine.ground import ground_war
from straitsim.engine.heap import keep_freed_memory
from straitsim.engine.landing import landing
from straitsim.engine.maritime import maritime_strike
from straitsim.engine.missiles import missile_strikes
from straitsim.engine.navy import counter_navy
from straitsim.engine.outcome import outcome
from straitsim.engine.params import Params, Values, check_fixed
from straitsim.engine.random import DrawKernels, Streams
from straitsim.engine.state import (
    PERSISTENT,
    UNDECIDED,
    WRITABLE,
    State,
    initial_state,
    sample_values,
)
from straitsim.engine.submarines import submarine_war
from straitsim.engine.trajectory import (
    FINAL_FIELDS,
    TraceRecorder,
    Trajectory,
    build_trajectory,
    check_finite,
)

# Set aside decided replications once the batch has at least this many ...
COMPACT_MIN_REPS = 32
COMPACT_ALIVE = 0.75  # ... once at most this share of its replications is still undecided
# ... or this share, where the steps skip decided replications (the compiled loop): keeping
# them costs little there, and each setting aside copies every field (docs/performance.md)
COMPACT_ALIVE_CARRY = 0.5

Step = Callable[[State, Params, Values, int, Streams], State]


def decide(s: State, p: Params, v: Values, day: int, rng: Streams) -> State:
    """Run :func:`~straitsim.engine.outcome.outcome`, judging every replication at the horizon."""
    return outcome(s, p, v, day, rng, last=day == p.n_days - 1)


STEPS: tuple[tuple[str, Step], ...] = (
    ("escalation", escalation),
    ("missile_strikes", missile_strikes),
    ("air_war", air_war),
    ("maritime_strike", maritime_strike),
    ("submarine_war", submarine_war),
    ("counter_navy", counter_navy),
    ("landing", landing),
    ("ground_war", ground_war),
    ("outcome", decide),
)
# The daily modules before the outcome step (their functions, in order).
MODULES: tuple[Step, ...] = tuple(f for name, f in STEPS if name != "outcome")
# Fields frozen for decided replications besides the persistent ones.
FROZEN_DAILY = ("today_air_sup", "today_force_ratio")


@dataclass
class Event:
    """What a hook sees.

    ``step`` is the step's name (``""`` for day and decision events); ``state`` the state
    after the step (or the day); ``before`` the state before the step (step events only);
    ``rows`` the batch positions of the state's replication rows; ``decided`` (decision events)
    a (P, rows) mask of the replications decided today.
    """

    day: int
    step: str
    state: State
    p: Params
    v: Values
    rows: np.ndarray
    before: State | None = None
    decided: Any = None


Hook = Callable[[Event], None]


def jit_steps() -> tuple[tuple[str, Step], ...]:
    """Return :data:`STEPS` with each step's compiled version where one exists.

    The ``numba`` device (:mod:`straitsim.engine.jit`). Needs numba, imported here (not by
    ``import straitsim``).
    """
    from straitsim.engine.jit.registry import JIT_STEPS  # optional: numba, the `fast` extra

    return tuple((name, JIT_STEPS.get(name, step)) for name, step in STEPS)


def compiled_loop() -> tuple[tuple[tuple[str, Step], ...], DrawKernels, bool, type[TraceRecorder]]:
    """Return the compiled steps, draws, carry-over flag and trace recorder.

    The flag: whether the steps carry decided replications over. Each compiled step leaves a
    decided replication's fields as they were (it does not compute it), so the campaign need
    not freeze them; only when every step is compiled.
    """
    from straitsim.engine.jit.registry import (  # optional: numba, the `fast` extra
        JIT_STEPS,
        CompiledTraceRecorder,
    )

    every = all(name in JIT_STEPS for name, _ in STEPS)
    return jit_steps(), jit_draws(), every, CompiledTraceRecorder


def jit_draws() -> DrawKernels:
    """Return the compiled random draws (the same uniforms as the NumPy ones). Needs numba."""
    from straitsim.engine.jit.registry import KERNELS  # optional: numba, the `fast` extra

    return KERNELS


class Campaign:
    """The daily loop over :data:`STEPS` for one compiled scenario, with hooks."""

    def __init__(
        self,
        p: Params,
        steps: Sequence[tuple[str, Step]] = STEPS,
        draws: DrawKernels | None = None,
        carry_decided: bool = False,
        recorder: type[TraceRecorder] = TraceRecorder,
    ) -> None:
        self.p = p
        self.steps = list(steps)
        self.draws = draws  # compiled random draws (the same uniforms), or None: NumPy
        # True when every step returns decided replications' fields unchanged (the compiled
        # steps: tests/test_jit_conformance.py checks it), so no freezing pass is needed
        self.carry_decided = carry_decided
        self.recorder = recorder  # the daily traces (compiled: jit.traces, the same values)
        self.before_step: list[Hook] = []
        self.after_step: list[Hook] = []
        self.on_decision: list[Hook] = []
        self.after_day: list[Hook] = []

    def run(self, n_reps: int, seed: int, rep_offset: int = 0, xp: Any = np) -> Trajectory:
        """Run replications ``rep_offset .. rep_offset + n_reps - 1`` of every profile.

        The result depends only on ``(p, seed)`` and the replication indices, so a run split
        into chunks concatenates to exactly the unsplit run.
        """
        p = self.p
        check_fixed(p)
        keep_freed_memory()  # reuse freed daily arrays (no page faults): same numbers, faster
        # compiled steps may write into the state's arrays when nothing else keeps them: no
        # freezing pass (it reads yesterday's state) and no hook that sees a step's state
        own = self.carry_decided and not (self.before_step or self.after_step)
        token = WRITABLE.set(own)
        try:
            return self._run(n_reps, seed, rep_offset, xp)
        finally:
            WRITABLE.reset(token)

    def _run(self, n_reps: int, seed: int, rep_offset: int, xp: Any) -> Trajectory:
        p = self.p
        rng = Streams(seed, rep_offset, n_reps, xp, self.draws)
        v_all = sample_values(p, rng)
        v = v_all
        s = initial_state(p, n_reps, xp)
        s["today_air_sup"] = xp.full(s["territory"].shape, 0.5)
        T = p.n_days
        compact = COMPACT_ALIVE_CARRY if self.carry_decided else COMPACT_ALIVE
        recorder = self.recorder(p, n_reps, xp)
        # `rows` holds the batch positions still computed, `final` the state of those that left.
        rows = np.arange(n_reps)
        final: State = {}
        done_day = np.full(n_reps, T - 1)
        for day in range(T):
            old = s
            s = dict(s)
            s["today_amph_sunk"] = 0.0
            for name, step in self.steps:
                if self.before_step:
                    self._call(self.before_step, Event(day, name, s, p, v, rows))
                prev = s
                s = dict(s)
                s.update(step(prev, p, v, day, rng))
                if self.after_step:
                    self._call(self.after_step, Event(day, name, s, p, v, rows, before=prev))
            if not self.carry_decided:
                s = _freeze(old, s, xp)
            if self.on_decision:
                new = (s["outcome"] != UNDECIDED) & (old["outcome"] == UNDECIDED)
                if bool(new.any()):
                    self._call(self.on_decision, Event(day, "", s, p, v, rows, decided=new))
            self._call([recorder.after_day, *self.after_day], Event(day, "", s, p, v, rows))
            alive = _np((s["outcome"] == UNDECIDED).any(axis=0))
            if not alive.any():
                done_day[rows] = day
                break
            if alive.size >= COMPACT_MIN_REPS and alive.sum() <= alive.size * compact:
                gone = np.flatnonzero(~alive)
                _keep_final(final, s, rows[gone], gone, n_reps, xp)
                done_day[rows[gone]] = day
                keep = np.flatnonzero(alive)
                R = alive.size
                s = {k: _take_reps(a, keep, R, xp) for k, a in s.items()}
                v = {k: _take_reps(a, keep, R, xp) for k, a in v.items()}
                rng = rng.subset(keep)
                rows = rows[keep]
        _keep_final(final, s, rows, np.arange(rows.size), n_reps, xp)
        traces = recorder.finish(done_day)
        # the ledger needs every replication's values: the untrimmed ones
        t = build_trajectory(final, p, v_all, traces, rep_offset)
        check_finite(t, p)
        return t

    @staticmethod
    def _call(hooks: list[Hook], ev: Event) -> None:
        for h in hooks:
            h(ev)


def simulate(
    p: Params,
    n_reps: int,
    seed: int,
    rep_offset: int = 0,
    xp: Any = np,
    on_day: Callable[[int], None] | None = None,
    compiled: bool = False,
) -> Trajectory:
    """Run every profile in ``p`` for replications ``rep_offset .. rep_offset + n_reps - 1``.

    ``on_day(day)`` is called after each simulated day (progress reporting). ``compiled``
    runs the compiled steps (:func:`jit_steps`, the ``numba`` device) where they exist.
    """
    c = Campaign(p, *compiled_loop()) if compiled else Campaign(p)
    if on_day is not None:
        c.after_day.append(lambda ev: on_day(ev.day))
    return c.run(n_reps, seed, rep_offset, xp)


def _freeze(old: State, s: State, xp: Any) -> State:
    """Put back the state of replications decided before today (they stop changing)."""
    frozen = old["outcome"] != UNDECIDED
    if not bool(frozen.any()):
        return s
    for k in PERSISTENT + FROZEN_DAILY:
        if k not in old or k not in s or isinstance(s[k], float) or s[k] is old[k]:
            continue  # (the same array: unchanged today)
        a = s[k]
        f = frozen.reshape(frozen.shape + (1,) * (a.ndim - 2))
        s[k] = xp.where(f, old[k], a)
    return s


def _per_rep(a: Any, R: int) -> bool:
    """Return True for batch arrays with a replication axis of length ``R`` (axis 1)."""
    return not isinstance(a, float | int) and getattr(a, "ndim", 0) >= 2 and a.shape[1] == R


def _take_reps(a: Any, keep: np.ndarray, R: int, xp: Any) -> Any:
    """Rows ``keep`` of the replication axis of a batch array; anything else as it is."""
    return xp.take(a, xp.asarray(keep), axis=1) if _per_rep(a, R) else a


def _keep_final(
    final: State, s: State, positions: np.ndarray, rows: np.ndarray, n_reps: int, xp: Any
) -> None:
    """Copy the ledger's fields of batch ``rows`` into full-size arrays at ``positions``.

    Only :data:`FINAL_FIELDS`: the other fields are not needed once a row leaves the batch.
    """
    R = int(s["outcome"].shape[1])
    for k in FINAL_FIELDS:
        a = s[k]
        if not _per_rep(a, R):
            continue
        if k not in final:
            final[k] = xp.zeros(a.shape[:1] + (n_reps,) + a.shape[2:], dtype=a.dtype)
        final[k][:, xp.asarray(positions)] = a[:, xp.asarray(rows)]


def _np(a: Any) -> np.ndarray:
    return np.asarray(a.get() if hasattr(a, "get") else a)
