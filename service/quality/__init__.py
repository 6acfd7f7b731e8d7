"""Interview quality by enumerator, for supervisors (docs/design.md §11)."""
