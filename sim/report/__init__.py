"""Report: writes and draws what it is given — Parquet and manifests, figures, labels, fonts.

Owns atomic file writing, run manifests, Thai and English labels (Buddhist Era years in
Thai), the Thai font, and the figure families in :mod:`sim.report.plots`. It runs nothing: a
study that needs a simulation or a sweep lives in :mod:`sim.studies`. It may import the
layers below (inputs, world, allocation, model).
"""
