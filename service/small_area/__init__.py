"""Commune estimates planners can use: Fay–Herriot small-area estimation (docs/design.md §14)."""
