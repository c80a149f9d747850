"""``straitsim serve``: the dashboard and JSON API on a local port."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from straitsim.analysis.run import run as run_scenario
from straitsim.cli.app import app, console, user_errors
from straitsim.cli.options import WorkersOpt
from straitsim.engine.backend import array_module
from straitsim.errors import UserError
from straitsim.runners.execute import resolve_workers, warm_up
from straitsim.scenario.compile import compile_params
from straitsim.scenario.load import load_scenario


@app.command()
@user_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")
    ] = 8000,
    max_reps: Annotated[
        int, typer.Option("--max-reps", min=1, help="Most replications one run may ask for.")
    ] = 20_000,
    max_lattice_work: Annotated[
        int,
        typer.Option(
            "--max-lattice-work", min=1, help="Most profiles x replications per lattice request."
        ),
    ] = 100_000,
    max_active: Annotated[
        int,
        typer.Option(
            "--max-active",
            min=1,
            max=64,
            help="Model requests admitted at once (one computes, the rest wait; 429 beyond).",
        ),
    ] = 4,
    device: Annotated[
        str,
        typer.Option(
            "--device",
            help="Engine of /api/run: cpu (NumPy, the reference) or numba (compiled steps, the "
            "same numbers, the fast choice; the fast extra).",
        ),
    ] = "cpu",
    workers: WorkersOpt = "auto",
) -> None:
    """Serve the dashboard (offline page + JSON API; OpenAPI schema at /openapi.json)."""
    try:
        import uvicorn

        from straitsim.web.app import create_app
        from straitsim.web.models import Limits
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UserError(
            "the dashboard needs the web extra",
            expected="pip install 'straitsim[web]'",
            found=f"missing module {exc.name}",
        ) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(
            f"[yellow]warning:[/] serving on {host}: anyone who can reach it can run the model"
        )
    array_module(device)  # a clear error now, before serving, if the device is unusable
    web_app = create_app(
        Limits(max_reps=max_reps, max_lattice_work=max_lattice_work, max_active=max_active),
        device=device,
    )
    n = resolve_workers(workers, "--workers")
    os.environ["STRAITSIM_WORKERS"] = str(n)  # the default in every request's thread
    if device == "numba":  # load (or compile) the steps here and in every worker now
        run_scenario("csis-2026", 64, 0, device=device, workers=1)
        warm_up(n, compile_params(load_scenario("csis-2026")), compiled=True)
    else:
        warm_up(n)  # the worker processes start now, not on the first request
    console.print(f"straitsim dashboard on http://{host}:{port}/  (Ctrl-C stops it)")
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="warning")
    except OSError as exc:
        raise UserError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", key="--port"
        ) from None
