"""Reports and plots: figures (matplotlib), the offline HTML report, Markdown summaries.

Each analysis has its own plotting module here (roles_plots, deterrence_plots, ...), so
plots are one call away from the Python API without the analysis layer importing them.
"""
