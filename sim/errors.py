"""The one error type users see.

Every problem with a user's input (scenario, sweep file, zone map, registry, population file,
command-line argument) is raised as :class:`SimError` with a one-line message that names the
file and the place. The CLI prints it and exits with status 1, never a traceback.
"""

from __future__ import annotations


class SimError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None):
        self.path = path
        self.where = where
        prefix = ""
        if path:
            prefix = f"{path}: "
            if where:
                prefix = f"{path}: {where}: "
        elif where:
            prefix = f"{where}: "
        super().__init__(prefix + " ".join(str(message).split("\n")))
