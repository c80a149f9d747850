"""Issue 15.12: the command line's own surface — help texts, placeholders, version, width."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.cli import app

cli = CliRunner()


def _help(*args: str) -> str:
    r = cli.invoke(app, [*args, "--help"])
    assert r.exit_code == 0, r.output
    return r.output


def test_version_flag():
    r = cli.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"straitsim {ss.__version__}"


def test_square_brackets_in_help_survive():
    out = " ".join(_help("sweep").split())
    assert "[roles], [set], optional [lhs]" in out
    assert "[default: ./straitsim-results.duckdb]" in " ".join(_help("results", "list").split())


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["show"],
        ["sweep"],
        ["roles"],
        ["burden"],
        ["deter"],
        ["invest"],
        ["worlds"],
        ["results", "summary"],
    ],
)
def test_no_odd_placeholders(command):
    out = _help(*command)
    options = out.split("Options:")[-1]  # a repeatable argument may still say list[str]
    assert "<bool>" not in out and "<list[" not in options
    # a flag shows no value placeholder at all
    assert re.search(r"--json\s+Print", out) or "--json" not in out


def test_show_is_not_cut_when_piped():
    p = subprocess.run(
        [sys.executable, "-m", "straitsim.cli", "show", "csis-2026"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    assert p.returncode == 0, p.stderr
    assert "…" not in p.stdout
    sc = ss.load_scenario("csis-2026")
    for name in list(sc.params)[:5] + ["air_units.usa-kadena-f15ex.arrival_day"]:
        assert name in p.stdout, name


def test_json_output_never_prints_non_finite_numbers(capsys):
    from straitsim.cli.app import print_json
    from straitsim.errors import UserError

    with pytest.raises(UserError, match="NaN or infinite"):
        print_json({"p": float("nan")})
    assert capsys.readouterr().out == ""
    print_json({"p": 0.5})
    assert '"p": 0.5' in capsys.readouterr().out


def _commands():
    import click
    import typer

    root = typer.main.get_command(app)
    ctx = click.Context(root)

    def walk(group, prefix):
        for name in group.list_commands(ctx):
            c = group.get_command(ctx, name)
            if hasattr(c, "commands"):
                yield from walk(c, [*prefix, name])
            else:
                yield [*prefix, name], c

    return list(walk(root, []))


def test_every_float_option_refuses_nan_and_infinity_before_work():
    checked = 0
    for path, c in _commands():
        args, required = list(path), []
        for p in c.params:
            if p.param_type_name == "argument":
                args.append("csis-2026" if "scenario" in p.name else "x")
            elif p.required:
                path_like = "Path" in str(p.type_descriptor.annotation)
                required += [p.opts[0], "x.toml" if path_like else "1"]
        for p in c.params:
            if p.param_type_name != "option" or p.is_flag:
                continue
            if "float" not in str(p.type_descriptor.annotation):
                continue
            for bad in ("nan", "inf", "-inf"):
                r = cli.invoke(app, [*args, *required, p.opts[0], bad])
                assert r.exit_code == 2, (path, p.opts[0], bad, r.output)
                assert p.opts[0] in r.output or p.name in r.output, r.output  # names the flag
                assert "Traceback" not in r.output
                checked += 1
    assert checked >= 12  # deter's four, the thresholds, sweep's timeout, ...
