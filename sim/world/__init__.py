"""World: the real places — geography from ``geothai``, zones, population, fund registries.

Owns provinces, districts and sub-districts (DOPA codes, Thai and English names), the default
and user-supplied zone maps, the population split across sub-districts, and a user's fund
registry read into a starting state. It may import :mod:`sim.inputs` and :mod:`sim.errors`,
nothing above.
"""
