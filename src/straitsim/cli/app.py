"""The Typer application object and the error boundary shared by every command."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_type_hints

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup, TyperOption

from straitsim.errors import UserError
from straitsim.limits import check_number, check_out_dir
from straitsim.meta import __version__
from straitsim.store.db import check_store


class Group(TyperGroup):
    """The command group: plain placeholders for options (no ``<bool>`` on flags).

    Help texts are printed as written: no Rich markup (``[roles]`` stays ``[roles]``).
    """

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Return the command with tidy option placeholders."""
        cmd = super().get_command(ctx, cmd_name)
        for c in [cmd, *(getattr(cmd, "commands", {}) or {}).values()]:
            for p in getattr(c, "params", []):
                _placeholder(p)
        return cmd


def _placeholder(p: Any) -> None:
    if not isinstance(p, TyperOption) or p.metavar is not None or p.is_flag:
        return
    desc = getattr(p, "type_descriptor", None)
    if desc is not None and getattr(desc, "is_list", False):
        args = get_args(desc.annotation)
        if args and isinstance(args[0], type):  # list[str] -> <str>, repeatable
            p.metavar = f"<{args[0].__name__}>"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"straitsim {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    name="straitsim",
    help=(
        "Open campaign model of a cross-Strait invasion: outcomes, allied roles, attribution,"
        " deterrence."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=Group,
)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Open campaign model of a cross-Strait invasion: outcomes, roles, attribution, deterrence."""


def _console(stderr: bool = False) -> Console:
    # Output piped to a file or another program is not cut at 80 columns: tables keep their
    # natural width (up to $COLUMNS when set).
    c = Console(stderr=stderr)
    if not c.is_terminal and "COLUMNS" not in os.environ:
        c = Console(stderr=stderr, width=240)
    return c


console = _console()
err_console = _console(stderr=True)

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
            check_options(kwargs, fn)
            return fn(*args, **kwargs)
        except UserError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def _flag(fn: Callable[..., Any] | None, name: str) -> str:
    """Return how parameter ``name`` of command ``fn`` is spelled on the command line."""
    try:
        hint = get_type_hints(fn, include_extras=True).get(name) if fn is not None else None
    except Exception:  # an annotation that does not resolve: fall back to the name
        hint = None
    for meta in getattr(hint, "__metadata__", ()):
        decls = [d for d in getattr(meta, "param_decls", None) or () if d.startswith("--")]
        if decls:
            return str(decls[0])
    return "--" + name.rstrip("_").replace("_", "-")


def check_options(kwargs: dict[str, Any], fn: Callable[..., Any] | None = None) -> None:
    """Run the checks every command shares, before any work.

    No option is NaN or infinite (click reads ``inf`` and ``nan`` as floats, and its ranges
    let NaN through), ``--out`` is a folder that can be written, and ``--db`` is a results
    database straitsim made (or can create).
    """
    for name, value in kwargs.items():
        items = value if isinstance(value, list | tuple) else [value]
        for v in items:
            if isinstance(v, float) and not math.isfinite(v):
                check_number(v, _flag(fn, name))
        if name == "out" and isinstance(value, Path):
            check_out_dir(value, _flag(fn, name))
        if name == "db" and isinstance(value, Path):  # ownership and schema, nothing written
            check_store(value, _flag(fn, name))


def emit(
    doc: Any,
    out: Path | None,
    json_: bool,
    write: Callable[[Path], None],
    show: Callable[[], None],
    wrote: str,
) -> None:
    """Write ``out`` if given, then print the JSON document or the table and a note."""
    if out is not None:
        write(out)
    if json_:
        print_json(doc)
        return
    show()
    if out is not None:
        console.print(wrote)


def print_json(doc: Any) -> None:
    """Write one JSON document to stdout; a NaN or infinity in it is an error, never printed."""
    try:
        text = json.dumps(doc, indent=2, sort_keys=False, allow_nan=False)
    except ValueError:
        raise UserError(
            "the result holds a NaN or infinite number; nothing was printed",
            expected="finite results (check the overrides against `straitsim show`)",
            found="a non-finite value",
        ) from None
    sys.stdout.write(text + "\n")


def main() -> int:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    return 0
