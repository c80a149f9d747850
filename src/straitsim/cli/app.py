"""The Typer application object and the error boundary shared by every command."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape

from straitsim.errors import UserError
from straitsim.limits import check_number, check_out_dir

app = typer.Typer(
    name="straitsim",
    help=(
        "Open campaign model of a cross-Strait invasion: outcomes, allied roles, attribution,"
        " deterrence."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    """Print one error line and exit."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def user_errors(fn: F) -> F:
    """Turn :class:`UserError` (and bad numeric input) into one line and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_options(kwargs)
            return fn(*args, **kwargs)
        except UserError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def _flag(name: str) -> str:
    ctx = click.get_current_context(silent=True)
    for p in ctx.command.params if ctx is not None else ():
        if p.name == name and getattr(p, "opts", None):
            return str(p.opts[0])
    return "--" + name.rstrip("_").replace("_", "-")


def check_options(kwargs: dict[str, Any]) -> None:
    """Run the checks every command shares, before any work.

    No option is NaN or infinite (click reads ``inf`` and ``nan`` as floats, and its ranges
    let NaN through), and ``--out`` is a folder that can be written.
    """
    for name, value in kwargs.items():
        items = value if isinstance(value, list | tuple) else [value]
        for v in items:
            if isinstance(v, float) and not math.isfinite(v):
                check_number(v, _flag(name))
        if name == "out" and isinstance(value, Path):
            check_out_dir(value, _flag(name))


def print_json(doc: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=False, allow_nan=False) + "\n")


def main() -> int:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    return 0
