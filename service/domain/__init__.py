"""The typed domain core (docs/design.md "Architecture"): a round, a cell key and the domain's
errors, parsed once where they are read. Nothing here knows HTTP, Flask or pymongo."""
