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

__all__ = ["TAG_PATTERN", "Reference", "cited_tags", "load_references", "references", "sources_markdown"]

TAG_PATTERN = re.compile(r"\[([A-Z]+[0-9]+)\]")
_REFERENCE_FIELDS = {"text", "origin", "title", "publisher", "year", "url"}
NO_DATE = "n.d."
"""The year of a source that shows none (the usual citation mark for "no date")."""


@dataclass(frozen=True)
class Reference:
    """One source: its tag (``S23``), title, publisher, year (or ``"n.d."``), link (a web
    address, or a file in this repository), the citation text as the fact file gives it (with
    its note on the date) and the fact file it was copied from."""

    tag: str
    text: str
    origin: str
    title: str = ""
    publisher: str = ""
    year: int | str = NO_DATE
    url: str = ""


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
            raise SimError(f"expected a table with {', '.join(sorted(_REFERENCE_FIELDS))}", path=where, where=tag)
        extra = set(entry) - _REFERENCE_FIELDS
        missing = _REFERENCE_FIELDS - set(entry)
        if extra or missing:
            raise SimError(
                f"expected exactly the fields {', '.join(sorted(_REFERENCE_FIELDS))} "
                f"(unknown: {sorted(extra)}, missing: {sorted(missing)})",
                path=where,
                where=tag,
            )
        texts: dict[str, Any] = {k: entry[k] for k in ("text", "origin", "title", "publisher", "url")}
        if not all(isinstance(v, str) and v.strip() for v in texts.values()):
            raise SimError("text, origin, title, publisher and url must be non-empty text",
                           path=where, where=tag)
        year: Any = entry["year"]
        if not (year == NO_DATE or (isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100)):
            raise SimError(f'year must be a year from 1900 to 2100, or "{NO_DATE}", got {year!r}',
                           path=where, where=tag)
        refs[tag] = Reference(tag=tag, year=year, **texts)
    return MappingProxyType(refs)


@cache
def references() -> MappingProxyType[str, Reference]:
    """The package's reference list, loaded once."""
    return load_references(Path(str(files("sim") / "data" / "references.toml")))


_GROUPS = {
    "S": "The welfare funds and CODI (FACTS.md)",
    "N": "Thailand's population and vital statistics (DEMOGRAPHY.md)",
    "I": "Isan (DEMOGRAPHY.md)",
    "H": "Hospital use (DEMOGRAPHY.md)",
    "P": "Projections (DEMOGRAPHY.md)",
    "U": "United Nations (DEMOGRAPHY.md)",
    "W": "United Nations data packages (DEMOGRAPHY.md)",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def sources_markdown(refs: MappingProxyType[str, Reference] | None = None) -> str:
    """docs/sources.md: every source a parameter can cite, with title, publisher, year and link.

    Generated from ``sim/data/references.toml`` (``python -m sim.inputs.references >
    docs/sources.md``); a test keeps the two the same.
    """
    refs = references() if refs is None else refs
    lines = [
        "# Sources",
        "",
        "Every tag a parameter cites (`source = \"[S4]\"` in `sim/data/parameters.toml`, shown by",
        "`welfare-sim params`), with its title, publisher, year and link. Generated from",
        "`sim/data/references.toml` by `python -m sim.inputs.references > docs/sources.md`; do not",
        f"edit by hand. \"{NO_DATE}\" marks a source that shows no date; the note gives the date as the",
        "fact file records it (\"c.\" = inferred). Links are as read in 2025–2026; a link to a file",
        "in this repository (the CODI workshop text [S0], the provincial table [I2]) is a copy kept",
        "here because the original is not online.",
    ]
    order = {prefix: i for i, prefix in enumerate(_GROUPS)}

    def key(tag: str) -> tuple[int, int]:
        prefix, number = re.fullmatch(r"([A-Z]+)([0-9]+)", tag).groups()  # type: ignore[union-attr]
        return order.get(prefix, len(order)), int(number)

    current = None
    for tag in sorted(refs, key=key):
        ref = refs[tag]
        prefix = re.match(r"[A-Z]+", tag).group(0)  # type: ignore[union-attr]
        if prefix != current:
            current = prefix
            lines += ["", f"## {_GROUPS.get(prefix, prefix)}", "",
                      "| tag | title | publisher | year | link | as the fact file gives it |",
                      "| --- | --- | --- | --- | --- | --- |"]
        link = f"<{ref.url}>" if ref.url.startswith("http") else f"[{ref.url}](../{ref.url})"
        lines.append(f"| [{tag}] | {_cell(ref.title)} | {_cell(ref.publisher)} | {ref.year} | {link} | "
                     f"{_cell(ref.text)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(sources_markdown())
