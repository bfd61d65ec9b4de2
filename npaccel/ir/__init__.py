"""Immutable program IR: symbolic dims, the op table, graph nodes, printer and hash."""
