"""The app's estimates source for its routes: its store, and the estimate cache kept on the app
for every request of the process (SURVEY_ESTIMATE_CACHE_MB)."""

from __future__ import annotations

from flask import current_app

from service.estimates.cache import EstimateCache
from service.estimates.service import EstimatesSource, sized_cache
from service.store import get_store


def estimate_cache() -> EstimateCache:
    if "estimate_cache" not in current_app.extensions:
        current_app.extensions["estimate_cache"] = sized_cache(current_app.config)
    cache: EstimateCache = current_app.extensions["estimate_cache"]
    return cache


def estimates_source() -> EstimatesSource:
    return EstimatesSource(get_store(), estimate_cache())
