"""Content-addressed on-disk store of built artefacts, and the npaccel-cache CLI.

- key: make_key(parts) -> hex sha256 of the parts' canonical JSON
- trust: whether a directory may hold files we dlopen
- store: ArtefactStore (atomic, checksummed, locked per key, LRU-capped), default_store()
- cli: the `npaccel-cache` console script
"""
