"""scipy.special's compiled functions (``stdtrit``, ``betaincinv``, ``ndtri``) without the cost
of ``import scipy.special``.

Importing the package runs its array-API layer (``_support_alternative_backends``), which
imports numpy.ma, numpy.random, numpy.testing and numpy.f2py: about 0.2 s, more than a third
of the CLI's 0.5 s for a province and its districts on 1M rows (docs/benchmarks.md). The
functions themselves live in the compiled module ``scipy.special._ufuncs``, which needs none of
that: it is loaded under a bare stand-in for its package, which is then taken out again, so a
later ``import scipy.special`` runs in full and finds the same module (the same function
objects, hence the same numbers). When scipy.special is already imported, or if scipy's layout
changes, the package is imported as usual.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def _compiled_functions() -> ModuleType:
    """``scipy.special._ufuncs``, importing as little of scipy as it needs."""
    if "scipy.special" not in sys.modules:
        try:
            return _without_package("scipy.special", "_ufuncs")
        except (ImportError, AttributeError):
            pass
    return importlib.import_module("scipy.special")


def _without_package(package: str, name: str) -> ModuleType:
    """Import ``package.name`` without running ``package/__init__.py``.

    Imports happen at start-up in one thread; the stand-in is in ``sys.modules`` only while
    the compiled module loads (its own imports are siblings such as ``_ufuncs_cxx``).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(package)
    stand_in = ModuleType(package)
    stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules[package] = stand_in
    try:
        return importlib.import_module(f"{package}.{name}")
    finally:
        if sys.modules.get(package) is stand_in:
            del sys.modules[package]


_FUNCTIONS = _compiled_functions()

stdtrit = _FUNCTIONS.stdtrit
"""Student t quantile ``stdtrit(df, p)`` (what ``scipy.stats.t.ppf`` calls)."""

betaincinv = _FUNCTIONS.betaincinv
"""Inverse regularised incomplete beta ``betaincinv(a, b, p)`` (``scipy.stats.beta.ppf``)."""

ndtri = _FUNCTIONS.ndtri
"""Standard normal quantile (``scipy.stats.norm.ppf``)."""
