"""placeholder: handlers for calls_arrays"""
from __future__ import annotations

import numpy as np

from .calls import register, register_method  # noqa: F401
