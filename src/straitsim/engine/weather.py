"""The day's conditions: weather over the Strait and campaign-wide performance shocks.

Both are drawn once per replication and broadcast over the profile axis (common random
numbers), from named streams keyed by the global replication index (chunk invariance).

**Weather** is a two-state Markov chain of sea state per replication: a day is *bad* (sea
state too high for beach landings, low cloud and wind that cut sorties) or *good*. With
``pi`` the climatological share of bad days in the launch month (``weather_bad_day_share``,
set by :func:`~straitsim.scenario.compile.compile_params` from the scenario's
``launch_month`` and its ``weather`` table) and ``L`` the mean length of a bad spell
(``weather_bad_spell_days``), a bad day stays bad with probability ``1 - 1/L`` and a good
day turns bad with probability ``q = pi / (L (1 - pi))`` (capped at 1), so the chain's
stationary share of bad days is ``pi``; day 0 is drawn from that stationary share. One
uniform a day from stream ``weather``.

The state fields it writes, read by other modules:

* ``sea_bad`` (P, R): 1.0 on a bad day, else 0.0.
* ``sea_state_factor`` (P, R): multiplier on amphibious lift and beach and port offload
  today, ``1 - sea_bad (1 - bad_weather_offload_factor)`` (the landing module reads it).
* ``air_weather_factor`` (P, R): multiplier on sorties today,
  ``1 - sea_bad (1 - bad_weather_sortie_factor)``.

**Typhoon closures** are a rare event with a stated rate: on a day with no typhoon in the
Strait, one arrives with probability ``typhoon_rate`` (July's rate times the launch month's
``typhoon_factor`` from the climatology, set by compile: none from December to April) and
closes the Strait for
``typhoon_days`` days, today included: no amphibious lift or offload (``sea_state_factor``
0) and sorties at the bad-weather rate; the day counts as bad for the weather chain. One
uniform a day from stream ``typhoon``. Field ``typhoon_left`` (P, R): closure days left
after today; ``typhoon_onsets`` (P, R): typhoons so far.

**Campaign shocks** are mean-one lognormal multipliers, one per replication and side, with
log-sd ``campaign_shock_sigma``, the same on every day of the campaign: how well each side's
forces perform overall (training, readiness, tactics that work or fail), correlated across
days and modules. Stream ``shocks``, two normals on day 0. Fields ``shock_coalition`` and
``shock_prc`` (P, R).
"""

from __future__ import annotations

from typing import Any

from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State


def transition(v: dict[str, Any], xp: Any) -> tuple[Any, Any, Any]:
    """Stationary bad share ``pi`` and the chain's (bad -> bad, good -> bad) probabilities."""
    pi = xp.asarray(v["weather_bad_day_share"], dtype=xp.float64)
    spell = xp.maximum(xp.asarray(v["weather_bad_spell_days"], dtype=xp.float64), 1.0)
    stay = 1.0 - 1.0 / spell
    q = xp.minimum(1.0, pi / (spell * xp.maximum(1.0 - pi, 1e-12)))
    return pi, stay, q


def typhoon(s: State, bad: Any, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Lay today's typhoon closure over the weather chain's bad days ``bad`` (P, R).

    Returns ``sea_bad``, ``sea_state_factor``, ``air_weather_factor`` and the typhoon fields.
    """
    xp = rng.xp
    shape = bad.shape
    left = s.get("typhoon_left", xp.zeros(shape))
    ut = rng.uniform("typhoon", day, 1)[:, 0][None, :]
    onset = (left <= 0.0) & (ut < v["typhoon_rate"])
    days = xp.maximum(xp.round(xp.asarray(v["typhoon_days"], dtype=xp.float64)), 1.0)
    left = xp.where(onset, days, left)
    storm = left > 0.0
    bad = xp.where(storm, 1.0, bad)
    return {
        "sea_bad": bad,
        "sea_state_factor": xp.where(
            storm, 0.0, 1.0 - bad * (1.0 - v["bad_weather_offload_factor"])
        ),
        "air_weather_factor": 1.0 - bad * (1.0 - v["bad_weather_sortie_factor"]),
        "typhoon_left": xp.maximum(left - 1.0, 0.0) * 1.0,
        "typhoon_onsets": s.get("typhoon_onsets", xp.zeros(shape)) + onset,
    }


def weather(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Advance the weather chain one day and draw (on day 0) the campaign shocks."""
    xp = rng.xp
    shape = s["territory"].shape  # (P, R)
    u = rng.uniform("weather", day, 1)[:, 0][None, :]
    pi, stay, q = transition(v, xp)
    if "sea_bad" not in s:
        bad = u < pi
    else:
        bad = xp.where(s["sea_bad"] > 0.5, u < stay, u < q)
    bad = xp.broadcast_to(bad, shape) * 1.0
    out: State = typhoon(s, bad, v, day, rng)
    if "shock_prc" not in s:
        z = rng.lognormal("shocks", 0, 2, v["campaign_shock_sigma"])
        out["shock_coalition"] = xp.broadcast_to(z[:, 0][None, :], shape) * 1.0
        out["shock_prc"] = xp.broadcast_to(z[:, 1][None, :], shape) * 1.0
    return out
