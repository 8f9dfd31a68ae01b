"""The reference lists parameters cite: ``[S#]`` (FACTS.md), ``[N#] [W#] [H#] [P#] [I#] [U#]``.

A policymaker reading ``source = "[S23]"`` next to a benefit amount must be able to find what
[S23] is; this module loads ``sim/data/references.toml`` so the CLI, the manifests and the
tests can resolve every tag a parameter cites.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sim.errors import SimError

__all__ = ["TAG_PATTERN", "Reference", "cited_tags", "load_references", "references"]

TAG_PATTERN = re.compile(r"\[([A-Z]+[0-9]+)\]")
_REFERENCE_FIELDS = {"text", "origin"}


@dataclass(frozen=True)
class Reference:
    """One source: its tag (``S23``), full citation text and the fact file it was copied from."""

    tag: str
    text: str
    origin: str


def cited_tags(source: str) -> list[str]:
    """The tags (without brackets) a ``source`` string cites, in order, e.g. ``["S4", "S8"]``."""
    return TAG_PATTERN.findall(source)


def load_references(path: str | Path) -> MappingProxyType[str, Reference]:
    """Read a reference file (tables ``[S0]``, ``[S1]`` … each with ``text`` and ``origin``)."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise SimError(f"cannot read the reference list: {err}", path=where) from err
    refs: dict[str, Reference] = {}
    for tag, entry in data.items():
        if not re.fullmatch(r"[A-Z]+[0-9]+", tag):
            raise SimError("reference tags look like S0, N12 or W2", path=where, where=tag)
        if not isinstance(entry, dict):
            raise SimError("expected a table with text and origin", path=where, where=tag)
        extra = set(entry) - _REFERENCE_FIELDS
        missing = _REFERENCE_FIELDS - set(entry)
        if extra or missing:
            raise SimError(
                f"expected exactly the fields text and origin (unknown: {sorted(extra)}, "
                f"missing: {sorted(missing)})",
                path=where,
                where=tag,
            )
        text: Any = entry["text"]
        origin: Any = entry["origin"]
        if not isinstance(text, str) or not text.strip() or not isinstance(origin, str):
            raise SimError("text and origin must be non-empty text", path=where, where=tag)
        refs[tag] = Reference(tag=tag, text=text, origin=origin)
    return MappingProxyType(refs)


@cache
def references() -> MappingProxyType[str, Reference]:
    """The package's reference list, loaded once."""
    return load_references(Path(str(files("sim") / "data" / "references.toml")))
