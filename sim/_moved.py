"""Old module paths (before the layout by layer, 0.1) keep working for one release.

``import sim.engine`` still gives :mod:`sim.model.engine`, with a DeprecationWarning, so that
user code, notebooks and sweep folders written before the move (their ``model`` reference is
``"sim.engine:run_spec"``, and pickled points name old modules) still run and resume. The
old paths go in 0.3. This module only maps names; it imports nothing of the package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "sim.parameters": "sim.inputs.parameters",
    "sim.scenario": "sim.inputs.scenario",
    "sim.references": "sim.inputs.references",
    "sim.geography": "sim.world.geography",
    "sim.zones": "sim.world.zones",
    "sim.population": "sim.world.population",
    "sim.registry": "sim.world.registry",
    "sim.rng": "sim.model.rng",
    "sim.state": "sim.model.state",
    "sim.benefits": "sim.model.benefits",
    "sim.monthly": "sim.model.monthly",
    "sim.yearly": "sim.model.yearly",
    "sim.development": "sim.model.development",
    "sim.policies": "sim.model.policies",
    "sim.lp_policy": "sim.model.lp_policy",
    "sim.engine": "sim.model.engine",
    "sim.metrics": "sim.model.metrics",
    "sim.outputs": "sim.report.outputs",
    "sim.plots": "sim.report.plots",
    "sim.labels": "sim.report.labels",
    "sim.fonts": "sim.report.fonts",
    "sim.compare": "sim.experiments.compare",
    "sim.zone_answer": "sim.studies.answer",
    "sim.did": "sim.studies.did",
    "sim.lp_check": "sim.studies.lp_check",
    "sim.calibration": "sim.studies.calibration",
    "sim.sensitivity_study": "sim.studies.sensitivity",
    "sim.allocate": "sim.studies.recommend",
}


def new_path(old: str) -> str:
    """The current module path of a module or a ``module:function`` reference."""
    module, sep, name = old.partition(":")
    return MOVED.get(module, module) + sep + name


class MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and hands back the module at its new path (the same object)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        name = module.__name__
        warnings.warn(f"{name} moved to {MOVED[name]}; the old path works until welfare-sim 0.3",
                      DeprecationWarning, stacklevel=2)
        sys.modules[name] = importlib.import_module(MOVED[name])


def install() -> None:
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedFinder())
