"""Frontend: Python source (gast) -> program IR, specialised on an argument signature."""
