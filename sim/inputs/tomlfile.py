"""Reading the user's TOML files (scenarios, sweeps): every way a read can fail is one line.

One reader for every TOML file a user writes, so a scenario and a sweep file report the same
mistake the same way: a missing file or a folder, a file that is not UTF-8 (with the line of
the first bad byte), invalid TOML in plain words with its line and column, a key or table set
twice (both lines named), numbers past tomllib's limits. A UTF-8 byte-order mark (as Windows
editors write) is accepted. ``scan_keys`` finds the line of each key, so that checks made
after parsing can point at a line too.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import SimError

__all__ = ["TomlFile", "read_toml", "scan_keys"]


@dataclass(frozen=True)
class TomlFile:
    """A parsed file: its tables (``data``) and its text (to find keys' lines)."""

    data: dict[str, Any]
    text: str


def read_toml(path: str | Path, kind: str, display: str | None = None) -> TomlFile:
    """Read and parse `path`; `kind` names the file in messages ("scenario file", "sweep file").

    Raises :class:`SimError` (path = `display`, default the path as given) for every problem.
    An empty file parses to empty tables: what that means is for the caller to say.
    """
    path = Path(path)
    display = str(path) if display is None else display
    if path.is_dir():
        raise SimError(f"is a directory, not a {kind}", path=display)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SimError(f"{kind} not found", path=display) from None
    except OSError as err:
        raise SimError(f"cannot read the {kind} ({err.strerror or err})", path=display) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SimError(
            f"line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x}); save the file as UTF-8",
            path=display,
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SimError(_toml_error(err, text), path=display) from None
    except (ValueError, RecursionError) as err:  # tomllib's limits: huge integers, deep nesting
        raise SimError(_toml_limit_error(err, text), path=display) from None
    return TomlFile(data, text)


# ------------------------------------------------------------------- lines of keys


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY_PART = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=(.*)$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')


def _dotted(key: str) -> str:
    return ".".join(p.strip("\"'") for p in re.findall(_KEY_PART, key))


def scan_keys(text: str) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """Line of each dotted key and table header, and those set twice (key, line, first line).

    Table headers are reported as ``[run]`` in the duplicates.

    A light line scanner, only for pointing messages at a line; values spanning several lines
    (arrays, multi-line strings) are skipped.
    """
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    table = ""
    depth = 0
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if depth > 0:
            depth += _bracket_depth(line)
            continue
        header = _HEADER.match(line)
        match = _KEY.match(line) if header is None else None
        if header:
            key = _dotted(header.group(1))
            table = key
        elif match:
            key = f"{table}.{_dotted(match.group(1))}" if table else _dotted(match.group(1))
            rest = match.group(2)
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
            if in_string is None:
                depth = max(_bracket_depth(rest), 0)
        else:
            continue
        if key in lines:
            duplicates.append((f"[{key}]" if header else key, number, lines[key]))
        else:
            lines[key] = number
    return lines, duplicates


def _bracket_depth(text: str) -> int:
    code = _STRING.sub("", text).split("#", 1)[0]
    return code.count("[") - code.count("]") + code.count("{") - code.count("}")


# ------------------------------------------------------------------------ messages


def _toml_error(err: tomllib.TOMLDecodeError, text: str) -> str:
    """tomllib's message in plain words, with the line, and the key for duplicates."""
    message = str(err)
    where = re.search(r"\(at line (\d+), column (\d+)\)", message)
    base = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    if base.startswith(("Cannot overwrite", "Cannot declare", "Cannot mutate")):
        _, duplicates = scan_keys(text)
        if duplicates:
            key, line, first = duplicates[0]
            what = "table" if key.startswith("[") else "key"
            return f"line {line}: duplicate {what} {key} (already set at line {first})"
        place = f"line {where.group(1)}: " if where else ""
        return f"{place}a key or table is defined twice ({base})"
    if where:
        return f"line {where.group(1)}, column {where.group(2)}: invalid TOML: {base}"
    return f"invalid TOML at the end of the file: {base}"


def _toml_limit_error(err: BaseException, text: str) -> str:
    """The message for a TOML text past tomllib's limits (not a TOMLDecodeError).

    A whole number of more than 4300 digits raises ValueError (Python's int-from-text limit);
    arrays or inline tables nested hundreds deep raise RecursionError.
    """
    if isinstance(err, RecursionError):
        rows = text.splitlines() or [""]
        deepest = max(range(len(rows)), key=lambda i: rows[i].count("[") + rows[i].count("{"))
        return f"line {deepest + 1}: invalid TOML: arrays or tables are nested too deeply"
    long = re.search(r"\d[\d_]{4299,}", text)
    if long is None:
        return f"invalid TOML: {' '.join(str(err).split())}"
    line = text.count("\n", 0, long.start()) + 1
    return f"line {line}: invalid TOML: a number is too long (more than 4300 digits)"
