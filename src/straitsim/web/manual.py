"""The documentation the dashboard links to, served at ``/manual/`` (docs/dashboard.md).

The dashboard's labels link to the definitions of their numbers, as pages of the docs with
GitHub-style anchors (``model.md#59-outcome``). The server offers, in this order:

1. the built documentation site (``mkdocs build``: ``model.html#59-outcome``) from the
   folder named by ``STRAITSIM_DOCS_SITE``, else from ``site/`` of the source checkout;
2. else the Markdown pages themselves from the folder named by ``STRAITSIM_DOCS``, else
   from ``docs/`` of the source checkout (the browser shows them as text);
3. else nothing (an installed package ships no docs): the labels stay plain text.

Everything is local: the links work offline.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

CHECKOUT = Path(__file__).resolve().parents[3]  # src/straitsim/web/manual.py -> the checkout


def manual_dir(checkout: Path = CHECKOUT) -> tuple[Path, str] | None:
    """Return the folder to serve at ``/manual/`` and its kind (``site`` or ``markdown``)."""
    env = os.environ.get("STRAITSIM_DOCS_SITE")
    sites = ([Path(env)] if env else []) + [checkout / "site"]
    for site in sites:
        if (site / "index.html").is_file() and (site / "model.html").is_file():
            return site, "site"
    docs_env = os.environ.get("STRAITSIM_DOCS")
    for docs in ([Path(docs_env)] if docs_env else []) + [checkout / "docs"]:
        if (docs / "model.md").is_file():
            return docs, "markdown"
    return None


def mount_manual(app: FastAPI, checkout: Path = CHECKOUT) -> str | None:
    """Serve the docs at ``/manual/`` if there are any; return their kind, or None.

    ``GET /manual.json`` says which (``{"kind": "site" | "markdown" | null}``), so the page
    knows how to spell its links without probing for files.
    """
    found = manual_dir(checkout)
    kind = None if found is None else found[1]

    @app.get("/manual.json", include_in_schema=False)
    def manual_kind() -> dict[str, str | None]:
        return {"kind": kind}

    if found is not None:
        folder = found[0]
        app.mount("/manual", StaticFiles(directory=folder, html=kind == "site"), name="manual")
    return kind
