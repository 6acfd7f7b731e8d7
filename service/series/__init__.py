"""Series of rounds and the change between two of them (docs/design.md §10)."""
