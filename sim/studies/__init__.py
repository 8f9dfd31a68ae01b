"""Studies: the questions the engine exists to answer, each built from experiments.

Owns the province-versus-zone answer (zone-share curve, optimum, break-even frontier), the
difference-in-differences CODI could check, the LP-versus-simulation check, calibration to
the national record, the sensitivity study, next year's recommended allocation, and the
README figures. It may import every layer below (inputs, world, allocation, model, report,
experiments); only :mod:`sim.cli` sits above it.
"""
