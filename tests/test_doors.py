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
