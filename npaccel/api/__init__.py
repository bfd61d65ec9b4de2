"""User-facing API: the accelerate decorator."""
