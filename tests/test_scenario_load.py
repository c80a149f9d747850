"""Scenario files: built-ins, extends, packs, overrides, and one clear line per error."""

from __future__ import annotations

from pathlib import Path

import pytest

import straitsim as ss
from straitsim.errors import UserError
from straitsim.scenario.describe import describe
from straitsim.scenario.load import builtin_scenarios, iter_records


def test_builtins_resolve():
    names = builtin_scenarios()
    assert {"csis-2026", "base-2027"} <= set(names)
    for name in names:
        sc = ss.load_scenario(name)
        assert sc.name == name


def test_csis_roles_are_the_base_case(csis):
    assert csis.roles["JPN"] == "bases"
    assert csis.roles["AUS"] == "regional"
    assert csis.roles["PHL"] == "neutral"
    assert csis.roles["KOR"] == "release"


def test_role_ladders_have_the_required_rungs(csis):
    rungs = {a: list(x.rungs) for a, x in csis.actors.items()}
    assert rungs["JPN"] == ["neutral", "bases", "defensive", "full"]
    assert rungs["AUS"] == ["neutral", "access", "regional", "full"]
    assert rungs["PHL"] == ["neutral", "access", "full"]
    assert rungs["KOR"] == ["neutral", "release"]
    assert rungs["USA"] == ["none", "full"]


def test_extends_and_override(tmp_path: Path):
    f = tmp_path / "mine.toml"
    f.write_text(
        'extends = "csis-2026"\nname = "mine"\ntitle = "Mine"\n'
        "[params]\nus_entry_delay_days = 7\n"
        "[munitions.usa-lrasm]\nn = 900\n"
    )
    sc = ss.load_scenario(f)
    assert sc.params["us_entry_delay_days"].value == 7
    assert sc.munitions["usa-lrasm"].n == 900
    assert sc.munitions["usa-jassm-er"].n == 3650  # inherited


def test_base_2027_differs_from_2026():
    a, b = ss.load_scenario("csis-2026"), ss.load_scenario("base-2027")
    assert b.year == 2027 and b.munitions["usa-lrasm"].n > a.munitions["usa-lrasm"].n


def test_set_fixes_uncertain_parameter(csis):
    assert csis.params["k_air"].dist is not None
    sc = ss.load_scenario("csis-2026", sets=["k_air=0.02"])
    assert sc.params["k_air"].value == 0.02 and sc.params["k_air"].dist is None


def test_set_dotted_path_and_bool():
    sc = ss.load_scenario(
        "csis-2026", sets=["air_units.usa-kadena-f15ex.n=48", "jassm_er_maritime=false"]
    )
    assert sc.air_units["usa-kadena-f15ex"].n == 48
    assert sc.params["jassm_er_maritime"].value == 0.0


def test_every_number_is_cited(csis):
    d = describe(csis)
    for row in d["data"]:
        assert row["source"] or row["assumption"], row["key"]
        if row["source"]:
            assert row["source"] in csis.sources
    for p in d["params"]:
        assert p["source"] or p["assumption"], p["key"]
    assert sum(1 for _ in iter_records(csis)) > 100


@pytest.mark.parametrize(
    "text,key,fragment",
    [
        ('extends = "csis-2026"\n[params]\nk_air = "fast"\n', "params.k_air.value", "valid number"),
        ('extends = "csis-2026"\nbogus = 1\n', "bogus", "unknown key"),
        (
            'extends = "csis-2026"\n[air_units.usa-kadena-f15ex]\nn = -3\n',
            "air_units.usa-kadena-f15ex.n",
            "greater than or equal",
        ),
        (
            'extends = "csis-2026"\n[air_units.usa-kadena-f15ex]\nn = true\n',
            "air_units.usa-kadena-f15ex.n",
            "true/false",
        ),
        (
            'extends = "csis-2026"\n[air_units.usa-kadena-f15ex]\nbase = "atlantis"\n',
            "air_units.usa-kadena-f15ex.base",
            "unknown base",
        ),
        ('extends = "csis-2026"\n[roles]\nJPN = "maybe"\n', "roles.JPN", "unknown rung"),
        ('extends = "csis-2026"\nhorizon_days = 0\n', "horizon_days", "greater than or equal"),
        (
            'extends = "csis-2026"\n[air_units.new]\nactor = "USA"\ntype = "F-35A"\n'
            'base = "kadena"\nfallback = "kadena"\nn = 5\n',
            "air_units.new.n",
            "without a source",
        ),
    ],
)
def test_errors_name_file_key_expected_found(tmp_path: Path, text, key, fragment):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(UserError) as e:
        ss.load_scenario(f)
    msg = str(e.value)
    assert str(f) in msg
    assert key in msg
    assert fragment in msg
    assert "\n" not in msg


def test_broken_toml_and_missing_file(tmp_path: Path):
    f = tmp_path / "broken.toml"
    f.write_text('extends = "csis-2026\n')
    with pytest.raises(UserError, match="not valid TOML"):
        ss.load_scenario(f)
    with pytest.raises(UserError, match="file not found"):
        ss.load_scenario(tmp_path / "absent.toml")
    with pytest.raises(UserError, match="no such scenario"):
        ss.load_scenario("no-such-builtin")


def test_bad_overrides():
    with pytest.raises(UserError, match="unknown key"):
        ss.load_scenario("csis-2026", sets=["foo.bar=1"])
    with pytest.raises(UserError, match="KEY=VALUE"):
        ss.load_scenario("csis-2026", sets=["novalue"])
    with pytest.raises(UserError, match="unknown rung"):
        ss.load_scenario("csis-2026", roles={"JPN": "maybe"})
    with pytest.raises(UserError, match="unknown parameter"):
        ss.load_scenario("csis-2026", sets=["params.nope=1"])


def test_loader_names_stay_importable_from_scenario_load():
    # load.py is split by job (toml_io, overrides, checks); its public names stay importable
    import straitsim.scenario.checks as checks
    import straitsim.scenario.load as load
    import straitsim.scenario.overrides as overrides
    import straitsim.scenario.toml_io as toml_io

    for name in load.__all__:
        obj = getattr(load, name)
        owners = [m for m in (checks, overrides, toml_io, load) if getattr(m, name, None) is obj]
        assert owners, name
    assert load.read_toml is toml_io.read_toml and load.validate is checks.validate
    assert load.apply_sets is overrides.apply_sets


def test_parts_come_from_the_data(csis, tmp_path: Path):
    # the bundled actors: one aggressor, one defender, one principal ally
    assert [csis.actor_playing(p) for p in ("aggressor", "defender", "principal")] == [
        "CHN",
        "TWN",
        "USA",
    ]
    assert csis.ladder_allies() == ("JPN", "AUS", "PHL", "KOR")
    assert csis.headline_allies() == ("JPN", "AUS")
    # a second actor in a fixed part is refused, naming the part and the actors
    f = tmp_path / "two.toml"
    f.write_text('extends = "csis-2026"\nname = "two"\n\n[actors.JPN]\npart = "aggressor"\n')
    with pytest.raises(UserError, match=r"2 actors play the part aggressor.*'CHN', 'JPN'"):
        ss.load_scenario(f)
