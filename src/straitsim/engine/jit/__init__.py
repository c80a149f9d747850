"""Compiled (numba) versions of the engine's costliest daily steps.

The NumPy modules in :mod:`straitsim.engine` are the reference. Each module here offers the
same step function (``state, params, values, day, rng -> changed fields``) computed by
numba kernels row by row over (profile, replication), with the same random draws (the NumPy
:class:`~straitsim.engine.random.Streams`), so results equal the reference within 1e-9 and
give the same outcome categories (tests/test_jit_conformance.py). :mod:`.registry` maps
step names to these functions; steps without a compiled version run the NumPy module.
"""
