"""Fonts for figures: the packaged Thai font, registered with matplotlib on first use.

Matplotlib's default font (DejaVu Sans) has no Thai letters, so a Thai figure drawn with it
shows empty boxes. The `fontpkg-noto-sans-thai` package ships Noto Sans Thai (Thai and Latin
letters) as a file inside the package; registering that file makes Thai figures work on any
machine that installed welfare-sim, without a system font. If the font cannot be found, Thai
figures fall back to English with a warning rather than printing boxes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FONT_SUFFIXES = (".ttf", ".otf")
FALLBACK_FAMILY = "DejaVu Sans"  # matplotlib's own font: glyphs Noto Sans Thai lacks (≥, −)
LANGS = ("en", "th")

_registered: dict[Path, str] = {}


class ThaiFontMissingWarning(UserWarning):
    """No Thai font could be registered: Thai figures are drawn in English instead."""


def font_files() -> list[Path]:
    """The .ttf/.otf files of the packaged Thai font (empty if the package is missing)."""
    try:
        import fontpkg_noto_sans_thai as pkg
    except ImportError:
        return []
    root = Path(pkg.ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())


def register_thai_font() -> str | None:
    """Register the packaged Thai font with matplotlib; return its family name, or None.

    Idempotent: each file is added to matplotlib's font manager once per process.
    """
    from matplotlib import font_manager

    family = None
    for path in font_files():
        if path not in _registered:
            try:
                font_manager.fontManager.addfont(str(path))
                _registered[path] = font_manager.FontProperties(fname=str(path)).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
        family = family or _registered[path]
    return family


def thai_font_path() -> Path | None:
    """The file matplotlib uses for the Thai family (None if no Thai font is registered)."""
    family = register_thai_font()
    if family is None:
        return None
    for path, name in _registered.items():
        if name == family:
            return path
    return None


def resolve_lang(lang: str) -> str:
    """The language a figure can actually be drawn in: "th" needs the Thai font.

    Warns (ThaiFontMissingWarning) and returns "en" when Thai is asked for but no Thai font
    can be registered, so a figure never shows empty boxes.
    """
    from sim.errors import SimError

    if lang not in LANGS:
        raise SimError(f"unknown language {lang!r}; choose en or th", where="lang")
    if lang == "th" and register_thai_font() is None:
        warnings.warn(
            "no Thai font found (package fontpkg-noto-sans-thai); drawing the figure in English",
            ThaiFontMissingWarning,
            stacklevel=3,
        )
        return "en"
    return lang


def font_family(lang: str) -> list[str]:
    """matplotlib's `font.family` list for a language (Thai first, DejaVu for the rest)."""
    if lang == "th":
        family = register_thai_font()
        if family is not None:
            return [family, FALLBACK_FAMILY]
    return [FALLBACK_FAMILY]


@contextmanager
def font_context(lang: str) -> Iterator[str]:
    """Draw with the right font for `lang`; yields the language actually used."""
    import matplotlib as mpl

    used = resolve_lang(lang)
    with mpl.rc_context({"font.family": font_family(used)}):
        yield used


def apply_font(fig, lang: str) -> None:
    """Fix the font of every text already in `fig`, so drawing it later (a notebook shows
    figures after the plotting call returned) still uses the Thai font.

    Tick labels created at draw time copy the first tick's font, so drawing once first and
    then setting the family on every text covers them too.
    """
    from matplotlib.text import Text

    family = font_family(lang)
    fig.draw_without_rendering()
    for text in fig.findobj(Text):
        text.set_fontfamily(family)
