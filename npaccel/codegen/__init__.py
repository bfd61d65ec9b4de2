"""Code generation: a renderer per target turns scheduled kernels into source text."""
