"""Every knob is live (issue 13): each parameter with a range (or a switch, or a distribution)
and each role rung moves at least one headline output by more than three unpaired standard
errors between the ends of its range, in its documented direction.

Headline outputs: P(PRC success), P(PRC victory), PRC battalions landed, each country's
aircraft and ships lost and personnel killed (CSIS reports each side's dead; the validation
cases check them), and the day the war is decided (``decision_day``: when the campaign's
state settles, the capital falls or Taiwan capitulates; published games report it, e.g. how
long Taiwan alone holds out). A parameter's documented direction is its ``expected_sign`` in
the data (e.g. ``{ prc_success = 1 }``): one of the named outputs must move beyond 3 SE in
that direction, and none may move beyond 3 SE against it. Spreads (unit ``log-sd``) must
change the standard deviation of an output instead, judged on ``SPREAD_REPS`` replications:
a standard deviation is estimated less precisely than a mean, and daily luck reaches a
campaign's total only as about ``sigma / sqrt(days)``, so a real but small widening needs the
larger sample to stand out. Each end is one batched call over several
role profiles (common random numbers). Knobs that only act when a switch is on are tested with
it on (``CONTEXT``). Knobs still dead are listed in ``DEAD`` with the reason, and
docs/model.md (section 8) names them; the test checks they are still dead, so the list stays
honest.

Run with ``-s`` to print the knob -> effect table. The runs use the compiled engine where numba
is installed: the same model within 1e-9 (tests/test_jit_conformance.py), so the same z, in
about a third of the time.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import straitsim as ss

Z = 3.0
REPS = 300
SPREAD_REPS = 4000  # spreads: a small widening (daily air luck: about 7% in the sd) needs more
SEED = 17
FAST_DEVICE = "numba" if importlib.util.find_spec("numba") else "cpu"
PROFILES = [{}, {"JPN": "neutral"}, {"JPN": "defensive"}, {"USA": "none"}]
# switches a knob needs to act at all
CONTEXT: dict[str, dict[str, float]] = {
    "dispersal_share": {"civil_airports_access": 1},
    "civil_find_share": {"civil_airports_access": 1},
    "mainland_strike_share": {"us_strikes_mainland": 1},
    "launcher_suppression_per_missile": {"us_strikes_mainland": 1},
    "prc_shelter_share": {"us_strikes_mainland": 1},
    "us_self_defence": {"us_entry_delay_days": 14, "prc_preemption_probability": 1},
    "prc_preemption_probability": {"us_entry_delay_days": 14},
    # weather knobs act on bad days: a winter launch has many
    "bad_weather_offload_factor": {"launch_month": 1},
    "bad_weather_sortie_factor": {"launch_month": 1},
    # lift and the beach decide wars the US joins late: ports are taken in some of them, and
    # the civilian lift through a taken port turns stalemates toward the PRC into victories
    **dict.fromkeys(
        ("roro_tpd", "roro_loss_rate", "beach_loss_share"), {"us_entry_delay_days": 14}
    ),
    # typhoons strike mostly in summer (an August launch, the peak month), and decide the
    # landing where the US joins late
    **dict.fromkeys(
        ("typhoon_rate", "typhoon_days"), {"launch_month": 8, "us_entry_delay_days": 14}
    ),
    # at full resolve Taiwan fights on until the capital falls; its breaking point matters
    # where its resolve is in doubt (a CSIS knob, within its range)
    "capitulation_will": {"roc_will_to_resist": 0.7},
    # runway cuts matter where runways stay closed: repair at the slow end of its distribution
    # (2 days); at the usual day most cuts are repaired before they cost many sorties (z 2.4)
    "missiles_per_runway_cut": {"dur_runway_repair_days": 2},
    # a captured port matters where the US joins late and the PRC takes one in some wars
    **dict.fromkeys(
        ("port_repair_days", "port_strike_rate", "port_offload_tpd"),
        {"us_entry_delay_days": 14},
    ),
    # the air bridge matters where the lodgement outfights the defence and takes the airfield:
    # where the US joins late (P(PRC victory) z +4.1 with Japan neutral; 2.3 at the scenario's
    # own US timing)
    "airlift_tpd": {"us_entry_delay_days": 14},
    # what the defender wrecks before a port falls matters where ports fall: with the US three
    # weeks late (the end of its range) a port is taken in most wars; 14 days late, in few of
    # them, and repair makes up the difference before most verdicts (z -2.4)
    "port_demolition_share": {"us_entry_delay_days": 21},
}
# knobs no mechanism makes live yet (reported, not faked): name -> why. Non-strict xfail:
# once a mechanism makes one live, its test passes and the entry should go. None at present:
# the last one, `air_sigma`, widens PRC aircraft lost by about 7% between the ends of its
# range (spread z about 4.6 on SPREAD_REPS replications; 1.4 on 300, where it was listed).
DEAD: dict[str, str] = {}
# rung steps no mechanism makes live yet: (actor, lower, higher) -> why (none at present)
DEAD_RUNGS: dict[tuple[str, str, str], str] = {}


def headlines(t, i: int) -> dict[str, np.ndarray]:
    """Headline outputs of profile ``i`` of trajectory ``t``, per replication."""
    out = {
        "prc_success": (t.outcome[i] >= 3).astype(float),
        "prc_victory": (t.outcome[i] == 4).astype(float),
        "battalions_landed": t.losses["CHN"]["battalions_landed"][i],
        "decision_day": t.decided_day[i].astype(float),
    }
    for a, d in t.losses.items():
        out[f"aircraft_lost.{a}"] = d["aircraft"][i]
        out[f"ships_lost.{a}"] = d["ships"][i]
        out[f"killed.{a}"] = d["personnel_killed"][i]
    return out


def z_mean(a: np.ndarray, b: np.ndarray) -> float:
    """(mean b - mean a) in unpaired standard errors (0 when neither varies nor moves)."""
    d = float(b.mean() - a.mean())
    se = float(np.hypot(a.std(ddof=1), b.std(ddof=1)) / np.sqrt(a.size))
    if se == 0:
        return 0.0 if d == 0 else float(np.sign(d)) * np.inf
    return d / se


def z_spread(a: np.ndarray, b: np.ndarray) -> float:
    """(sd b - sd a) in standard errors of a standard deviation (sd / sqrt(2n))."""
    sa, sb = a.std(ddof=1), b.std(ddof=1)
    se = float(np.hypot(sa, sb) / np.sqrt(2 * a.size))
    return 0.0 if se == 0 else float(sb - sa) / se


def ends(prm) -> tuple[float, float] | None:
    if prm.range is not None:
        return prm.range
    if prm.unit == "bool":
        return (0.0, 1.0)
    if prm.dist is not None:
        return (prm.dist.low, prm.dist.high)
    return None


def effects(name: str, lo: float, hi: float) -> dict[tuple[int, str], float]:
    """z of every (profile, output) between the two ends of ``name``'s range."""
    ctx = CONTEXT.get(name, {})
    spread = ss.load_scenario("csis-2026").params[name].unit == "log-sd"
    reps = SPREAD_REPS if spread else REPS
    runs = []
    for x in (lo, hi):
        sc = ss.load_scenario("csis-2026", sets={**ctx, name: x})
        runs.append(ss.simulate(sc, reps=reps, seed=SEED, profiles=PROFILES, device=FAST_DEVICE))
    zf = z_spread if spread else z_mean
    out = {}
    for i in range(len(PROFILES)):
        ha, hb = headlines(runs[0], i), headlines(runs[1], i)
        for k in ha:
            out[(i, k)] = zf(ha[k], hb[k])
    return out


def knobs() -> list[str]:
    sc = ss.load_scenario("csis-2026")
    return [n for n, prm in sc.params.items() if ends(prm) is not None]


def _best(z: dict[tuple[int, str], float]) -> tuple[tuple[int, str], float]:
    return max(z.items(), key=lambda kv: abs(kv[1]))


@pytest.mark.slow
@pytest.mark.parametrize("name", knobs())
def test_knob_moves_a_headline_output_in_its_documented_direction(name):
    prm = ss.load_scenario("csis-2026").params[name]
    lo, hi = ends(prm)
    z = effects(name, lo, hi)
    (i, out), zb = _best(z)
    where = PROFILES[i] or "scenario roles"
    print(f"\n| `{name}` | {lo:g} -> {hi:g} | {out} ({where}) | {zb:+.1f} |")
    if name in DEAD:  # the list stays honest: a knob a mechanism made live must leave it
        assert abs(zb) <= Z, f"{name} is live now (z {zb:+.1f}): remove it from DEAD"
        pytest.xfail(DEAD[name])
    assert abs(zb) > Z, f"{name} moves no headline output beyond {Z} SE"
    for output, sign in prm.expected_sign.items():
        zs = [z[(j, output)] for j in range(len(PROFILES))]
        assert min(sign * v for v in zs) >= -Z, (name, output, "moves against its sign", zs)
    if prm.expected_sign:
        assert any(
            sign * z[(j, output)] > Z
            for output, sign in prm.expected_sign.items()
            for j in range(len(PROFILES))
        ), (name, "moves none of its documented outputs in its direction")


def _rung_pairs() -> list[tuple[str, str, str]]:
    sc = ss.load_scenario("csis-2026")
    pairs = []
    for code, actor in sc.actors.items():
        rungs = list(actor.rungs)
        pairs += [(code, a, b) for a, b in zip(rungs, rungs[1:], strict=False)]
    return pairs


@pytest.mark.slow
@pytest.mark.parametrize(("actor", "lower", "higher"), _rung_pairs())
def test_each_rung_step_moves_a_headline_output(actor, lower, higher):
    """A rung step must move a headline output in one of the knob test's role contexts.

    The contexts are :data:`PROFILES` (the scenario's roles, Japan neutral or defensive, the
    US out) with the actor's own role set to each rung: where the allies' bases are few (Japan
    neutral) a distant ally's access counts for more than beside Japan's.
    """
    sc = ss.load_scenario("csis-2026")
    bases = [b for b in PROFILES if actor not in b] or [{}]
    profiles = [{**b, actor: r} for b in bases for r in (lower, higher)]
    t = ss.simulate(sc, reps=REPS, seed=SEED, profiles=profiles, device=FAST_DEVICE)
    z = {}
    for i in range(len(bases)):
        ha, hb = headlines(t, 2 * i), headlines(t, 2 * i + 1)
        z.update({(i, k): z_mean(ha[k], hb[k]) for k in ha})
    (i, out), zb = max(z.items(), key=lambda kv: abs(kv[1]))
    where = bases[i] or "scenario roles"
    print(f"\n| {actor} `{lower}` -> `{higher}` | {out} ({where}) | {zb:+.1f} |")
    if (actor, lower, higher) in DEAD_RUNGS:  # as DEAD: a live rung step must leave the list
        assert abs(zb) <= Z, f"{actor} {lower} -> {higher} is live now (z {zb:+.1f})"
        pytest.xfail(DEAD_RUNGS[(actor, lower, higher)])
    # no direction: rungs are not ordered by help to Taiwan (Japan's `defensive` rung fights
    # from day 0 but only at home; `bases` fights in the theatre once attacked)
    assert abs(zb) > Z, (actor, lower, higher, "moves no headline output")


def test_expected_signs_name_headline_outputs(csis):
    outputs = set(headlines_template(csis))
    for name, prm in csis.params.items():
        for output in prm.expected_sign:
            assert output in outputs, (name, output)
        if prm.expected_sign:
            assert ends(prm) is not None, f"{name}: a sign needs a range to act over"


# parameters with a range, a distribution or a switch that need no ``expected_sign``: name ->
# why. Spreads are judged by the spread they make, not by a direction; the rest have no
# documented direction yet and are named here so the list stays visible.
UNSIGNED: dict[str, str] = {
    **dict.fromkeys(
        ("campaign_shock_sigma", "air_sigma", "salvo_sigma"),
        "a spread (log-sd): it widens outputs and has no direction",
    ),
    "bad_weather_sortie_factor": "weather knob whose direction is not yet documented: more "
    "sorties in bad weather help both air forces, and the PRC's fleet loses fewer ships (z "
    "about -11)",
}


def test_every_ranged_parameter_documents_its_direction(csis):
    missing = [
        name
        for name, prm in csis.params.items()
        if ends(prm) is not None and not prm.expected_sign and name not in UNSIGNED
    ]
    assert not missing, f"parameters with a range but no expected_sign: {missing}"
    stale = [n for n in UNSIGNED if n in csis.params and csis.params[n].expected_sign]
    assert not stale, f"UNSIGNED lists parameters that now have a sign: {stale}"


def headlines_template(sc) -> list[str]:
    names = ["prc_success", "prc_victory", "battalions_landed", "decision_day"]
    for a in sc.actors:
        names += [f"aircraft_lost.{a}", f"ships_lost.{a}", f"killed.{a}"]
    return names


def test_the_z_statistics_are_not_vacuous():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, 400)
    assert abs(z_mean(a, a)) == 0
    assert z_mean(a, a + 0.5) > Z
    assert abs(z_spread(a, a + 3.0)) < 1e-9
    assert z_spread(a, 2.0 * a) > Z
