"""Pure passes over the IR, run in the order PIPELINE lists (see pipeline.py)."""
