"""The web dashboard: a FastAPI app (:mod:`straitsim.web.app`) and its offline static page.

Importing this package needs nothing beyond the core install; the app itself needs the
``web`` extra (FastAPI, uvicorn, plotly). ``straitsim serve`` starts it on 127.0.0.1.
"""
