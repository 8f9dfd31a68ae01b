"""Figures for policymakers, researchers and planners, in English or Thai — split by family.

Every figure says what it shows without the code beside it: a title, labelled axes with
units, and a caption naming the data source (the simulation, its scenario and replicates,
the parameter file). Uncertainty is always drawn — bands across replicates, 95% intervals of
paired differences — because a single line would overstate what the model knows.

Figures are built on :class:`matplotlib.figure.Figure` without pyplot, so the CLI and sweeps
never accumulate open figures; a notebook shows a returned figure with ``display(fig)`` (or as
a cell's last value). :func:`save_figure` writes PNG and SVG. Families: ``base`` (frame,
captions, axes), ``time`` (fans, paired differences), ``maps`` (the Isan tile map),
``sweeps`` (zone-share curve, heat map, sensitivity), ``allocation``. This package draws
what it is given, imports only the report layer and those below, and runs nothing (results folders are read in :mod:`sim.studies.figures`).
"""

from sim.report.plots.allocation import plot_allocation
from sim.report.plots.base import FAN_METRICS, ZERO_BUDGET, ZONE_SHARE, save_figure
from sim.report.plots.maps import ISAN_TILES, by_province, plot_tile_map
from sim.report.plots.sweeps import plot_heatmap, plot_sobol, plot_zone_share_curve
from sim.report.plots.time import plot_comparison, plot_differences, plot_fan, plot_horizon

__all__ = [
    "FAN_METRICS",
    "ISAN_TILES",
    "ZERO_BUDGET",
    "ZONE_SHARE",
    "by_province",
    "plot_allocation",
    "plot_comparison",
    "plot_differences",
    "plot_fan",
    "plot_heatmap",
    "plot_horizon",
    "plot_sobol",
    "plot_tile_map",
    "plot_zone_share_curve",
    "save_figure",
]
