"""Benchmark of the samples under NumPy, numexpr, Numba and npaccel.

``python -m benchmarks.run [--quick] [--samples a,b]``; see docs/benchmarks.md for what is
measured and how. Importing this package is cheap: engines are imported when used.
"""
