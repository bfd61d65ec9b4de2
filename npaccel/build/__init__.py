"""Compiler drivers: source text -> shared object, CompileError on failure.

- toolchain: find the C compiler, probe OpenMP, the flags and the CPU signature (cache key parts)
- cc: build C99+OpenMP source into a shared object
- nvcc: build CUDA C source into a shared object
- devices: cheap "is there an NVIDIA GPU here" checks (no CUDA import)
- driver: runs a compiler command, keeps the source and raises CompileError on failure
- probe_memo: remembers compiler probes on disk so new processes skip them
"""
