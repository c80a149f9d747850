"""Beliefs from text and files: ``--belief`` strings and belief TOML files, checked.

A file holds either independent marginals per ally or a joint table of profiles; every
probability and rung is checked against the scenario's ladders, and every problem is one
:class:`~straitsim.errors.UserError` naming the file and key. The
:class:`~straitsim.analysis.beliefs.Belief` itself lives in :mod:`straitsim.analysis.beliefs`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from straitsim.analysis.beliefs import (
    Belief,
    Profile,
    _check_p,
    _check_rung,
    _ladders,
    check_probabilities,
)
from straitsim.errors import UserError
from straitsim.scenario.load import read_toml
from straitsim.scenario.schema import Scenario


def parse_belief(text: str) -> tuple[str, dict[str, float]]:
    """Parse one ``--belief`` value: ``JPN=neutral:0.3,bases:0.5,full:0.2``.

    Rungs not named have probability 0. Probabilities are validated (non-negative, sum 1).
    """
    if "=" not in text:
        raise UserError(
            "bad --belief value",
            key="--belief",
            expected="ALLY=RUNG:P,RUNG:P,...",
            found=repr(text),
        )
    ally, body = (s.strip() for s in text.split("=", 1))
    probs: dict[str, float] = {}
    for item in body.split(","):
        rung, sep, num = item.partition(":")
        rung, num = rung.strip(), num.strip()
        if not sep or not rung:
            raise UserError(
                "bad --belief value",
                key=f"--belief {ally}",
                expected="RUNG:PROBABILITY pairs separated by commas",
                found=repr(item),
            )
        if rung in probs:
            raise UserError(
                "rung given twice",
                key=f"--belief {ally}",
                expected="each rung once",
                found=repr(rung),
            )
        try:
            probs[rung] = float(num)
        except ValueError:
            raise UserError(
                "bad probability",
                key=f"--belief {ally}.{rung}",
                expected="a number in [0, 1]",
                found=repr(num),
            ) from None
    if not ally:
        raise UserError(
            "bad --belief value", key="--belief", expected="ALLY=RUNG:P,...", found=repr(text)
        )
    return ally.upper(), check_probabilities(probs, key=f"--belief {ally.upper()}")


def load_beliefs(path: str | Path, sc: Scenario | None = None) -> Belief:
    """Read a belief from TOML: a joint table ``[[profile]]`` and/or ``[independent.ALLY]``.

    ::

        # Beijing's joint belief over Japan's and Australia's roles
        [[profile]]
        JPN = "neutral"
        AUS = "neutral"
        p = 0.3

        [[profile]]
        JPN = "full"
        AUS = "full"
        p = 0.7

        # an independent belief over another ally
        [independent.USA]
        none = 0.2
        full = 0.8

    Every ``[[profile]]`` names the same allies; ``p`` values are non-negative and sum to 1
    (within 1e-9). With a scenario, allies and rungs are checked against its ladders.
    """
    file = str(path)
    data = read_toml(Path(path), file)
    unknown = sorted(set(data) - {"profile", "independent", "title", "description"})
    if unknown:
        raise UserError(
            "unknown key",
            file=file,
            key=unknown[0],
            expected="profile, independent, title or description",
            found=repr(unknown[0]),
        )
    belief = Belief((), {(): 1.0})
    rows = data.get("profile", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise UserError(
            "bad joint table",
            file=file,
            key="profile",
            expected="[[profile]] tables",
            found=type(rows).__name__,
        )
    if rows:
        belief = _joint_from_rows(rows, file)
    indep = data.get("independent", {})
    if not isinstance(indep, dict):
        raise UserError(
            "bad independent beliefs",
            file=file,
            key="independent",
            expected="[independent.ALLY] tables",
            found=type(indep).__name__,
        )
    for ally, probs in indep.items():
        if not isinstance(probs, dict):
            raise UserError(
                "bad independent belief",
                file=file,
                key=f"independent.{ally}",
                expected="a table RUNG = PROBABILITY",
                found=repr(probs),
            )
        checked = check_probabilities(probs, file=file, key=f"independent.{ally}")
        try:
            belief = belief.product(Belief.independent({ally.upper(): checked}))
        except UserError as exc:
            raise UserError(
                exc.detail,
                file=file,
                key=f"independent.{ally}",
                expected="each ally once",
                found=exc.found,
            ) from None
    if not belief.allies:
        raise UserError(
            "empty belief",
            file=file,
            expected="[[profile]] or [independent.ALLY] tables",
            found="neither",
        )
    if sc is not None:
        lad = _ladders(sc)
        for i, row in enumerate(rows):
            for k, rung in row.items():
                if k != "p":
                    _check_rung(lad, k.upper(), rung, file, f"profile[{i}].{k}")
        for ally, probs in indep.items():
            for rung in probs:
                _check_rung(lad, ally.upper(), rung, file, f"independent.{ally}.{rung}")
    return belief


def _joint_from_rows(rows: list[dict[str, Any]], file: str) -> Belief:
    allies = tuple(k for k in rows[0] if k != "p")
    if not allies:
        raise UserError(
            "joint profile names no ally",
            file=file,
            key="profile[0]",
            expected='ALLY = "RUNG" entries and p',
            found=repr(rows[0]),
        )
    table: dict[Profile, float] = {}
    for i, row in enumerate(rows):
        key = f"profile[{i}]"
        if "p" not in row:
            raise UserError(
                "missing probability",
                file=file,
                key=f"{key}.p",
                expected="p = PROBABILITY",
                found="nothing",
            )
        names = tuple(k for k in row if k != "p")
        if set(names) != set(allies):
            raise UserError(
                "profiles name different allies",
                file=file,
                key=key,
                expected="the allies " + ", ".join(allies),
                found=", ".join(names),
            )
        for a in allies:
            if not isinstance(row[a], str):
                raise UserError(
                    "bad rung",
                    file=file,
                    key=f"{key}.{a}",
                    expected="a rung name",
                    found=repr(row[a]),
                )
        prof = tuple(str(row[a]) for a in allies)
        if prof in table:
            raise UserError(
                "profile listed twice",
                file=file,
                key=key,
                expected="each profile once",
                found=", ".join(f"{a}={r}" for a, r in zip(allies, prof, strict=True)),
            )
        table[prof] = _check_p(row["p"], file, f"{key}.p")
    check_probabilities({str(i): p for i, p in enumerate(table.values())}, file=file, key="profile")
    return Belief(tuple(a.upper() for a in allies), table)
