"""Per-PSU cells: what each submission adds to the sums that estimates are computed from."""
