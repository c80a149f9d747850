"""Property tests: malformed scenarios always give one clean UserError, never a crash.

Hypothesis generates wrong types, out-of-range values, unknown keys and broken TOML on top
of the built-in csis-2026; each must raise UserError whose one-line message names the file
and, for schema errors, the key path.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import straitsim as ss
from straitsim.errors import UserError

COUNT_FIELDS = [
    ("air_units", "usa-kadena-f15ex", "n"),
    ("air_units", "jpn-naha-f15j", "arrival_day"),
    ("bases", "kadena", "runways"),
    ("bases", "andersen", "shelters"),
    ("ships", "usa-cvn-a", "n"),
    ("ships", "chn-escort", "interceptors"),
    ("munitions", "usa-lrasm", "n"),
    ("launchers", "twn-coastal-hf", "n"),
    ("missiles", "srbm", "n"),
    ("ground", "TWN", "battalions"),
    ("ship_classes", "carrier", "crew"),
]
SHARE_FIELDS = [("launchers", "jpn-type12", "in_range_share")]
PARAMS = [
    "k_air",
    "us_entry_delay_days",
    "missile_reliability",
    "prc_lift_scale",
    "t_per_battalion",
]

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


not_a_number = st.one_of(
    st.text(alphabet="abcxyz -_", min_size=1, max_size=8),
    st.booleans(),
    st.lists(st.integers(0, 5), max_size=3),
    st.fixed_dictionaries({"a": st.integers(0, 3)}),
)


def check(path: Path, key_fragment: str | None) -> None:
    with pytest.raises(UserError) as e:
        ss.load_scenario(path)
    msg = str(e.value)
    assert "\n" not in msg
    assert str(path) in msg
    if key_fragment:
        assert key_fragment in msg


@SETTINGS
@given(
    field=st.sampled_from(COUNT_FIELDS),
    bad=st.one_of(
        not_a_number, st.integers(max_value=-1), st.floats(max_value=-0.001, allow_nan=False)
    ),
)
def test_counts_reject_wrong_types_and_negatives(tmp_path_factory, field, bad):
    table, rec, key = field
    f = tmp_path_factory.mktemp("bad") / "s.toml"
    f.write_text(f'extends = "csis-2026"\n[{table}.{rec}]\n{key} = {toml_value(bad)}\n')
    check(f, f"{table}.{rec}.{key}")


@SETTINGS
@given(
    field=st.sampled_from(SHARE_FIELDS),
    bad=st.floats(min_value=1.0001, max_value=1e6, allow_nan=False),
)
def test_shares_reject_out_of_range(tmp_path_factory, field, bad):
    table, rec, key = field
    f = tmp_path_factory.mktemp("bad") / "s.toml"
    f.write_text(f'extends = "csis-2026"\n[{table}.{rec}]\n{key} = {bad!r}\n')
    check(f, f"{table}.{rec}.{key}")


@SETTINGS
@given(name=st.sampled_from(PARAMS), bad=not_a_number)
def test_params_reject_non_numbers(tmp_path_factory, name, bad):
    assume(not isinstance(bad, bool))  # booleans are accepted as 0/1 knobs for parameters
    f = tmp_path_factory.mktemp("bad") / "s.toml"
    f.write_text(f'extends = "csis-2026"\n[params]\n{name} = {toml_value(bad)}\n')
    check(f, f"params.{name}")


ident = st.from_regex(r"[a-z][a-z0-9_]{2,12}", fullmatch=True)


# Keys valid somewhere in a scenario: a generated key equal to one of them is skipped.
DOCUMENTED_KEYS = set(
    (
        "n name title year lat lon host kind value unit doc source range dist actor type base "
        "fallback release carrier runways shelters notes assumed assumption extends packs roles "
        "description horizon_days strike_hosts strike_allied_bases interceptors "
        "engagements_per_day anti_ship arrival_day field_sources apron_area_km2 sources actors "
        "theatre weapons missiles munitions launchers ground catalog ship_classes "
        "missile_classes aircraft_types"
    ).split()
)


@SETTINGS
@given(
    where=st.sampled_from(
        [
            "",
            "air_units.usa-kadena-f15ex",
            "bases.kadena",
            "plan",
            "params.k_air",
            "ships.usa-cvn-a",
        ]
    ),
    key=ident,
)
def test_unknown_keys_rejected(tmp_path_factory, where, key):
    known = {"", "air_units", "bases", "plan", "params", "ships"}
    assume(key not in DOCUMENTED_KEYS | known)
    f = tmp_path_factory.mktemp("bad") / "s.toml"
    body = f"{key} = 1\n" if not where else f"[{where}]\n{key} = 1\n"
    f.write_text('extends = "csis-2026"\n' + body)
    check(f, key)


VALID = (
    'extends = "csis-2026"\nname = "x"\n[params]\nk_air = 0.01\n[munitions.usa-lrasm]\nn = 500\n'
)


@SETTINGS
@given(
    cut=st.integers(1, len(VALID) - 1),
    junk=st.sampled_from(['"', "[", "=", "]]", "{", "\\", "= =", "[[x", "'''"]),
)
def test_broken_toml_is_a_clean_error(tmp_path_factory, cut, junk):
    text = VALID[:cut] + junk + VALID[cut:]
    try:
        tomllib.loads(text)
        assume(False)  # still valid TOML: not this test's case
    except tomllib.TOMLDecodeError:
        pass
    f = tmp_path_factory.mktemp("bad") / "s.toml"
    f.write_text(text)
    check(f, None)
