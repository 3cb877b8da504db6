"""Storage: the TinyDB file (atomic, locked) and the content-addressed evidence store."""
