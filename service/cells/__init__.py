"""Sufficient statistics per round and cell, kept at every write (docs/design.md §7).

Writes go through `writes.record`; estimates (and later weighting and change) read
`reading.read_cells`, O(cells), never the submissions; `recount.rebuild` recounts from them.
"""
