"""A round's weighting in the service (docs/design.md §9): its configuration, the calibrated
estimates read from cells, and the `/weights` diagnostics."""
