"""Who wrote what, when: one append-only entry per write (docs/design.md §11)."""
