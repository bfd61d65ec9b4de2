"""Runtime: load kernel libraries with cffi, marshal arguments, call."""
