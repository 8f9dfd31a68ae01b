"""Inputs: what the user says — parameters with their sources, scenario files, references.

Owns the parameter file (``sim/data/parameters.toml``) and its loader, scenario files with
``extends`` and ``[[schedule]]``, and the reference list behind every source tag. The lowest
layer: it may import only :mod:`sim.errors`.
"""
