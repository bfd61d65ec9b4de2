"""The package version: a leaf every stage may import (cache keys carry it)."""
__version__ = "0.1.0"
