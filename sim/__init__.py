"""welfare-sim: Thailand's community welfare funds, their members, and the development budget.

The data path:

    scenario TOML -> resolved parameters (with sources) -> geography + starting state
      -> each year: policy allocates development budget to units (rule | zone_share | LP)
         -> units turn money into effort -> each month: members, claims, money (arrays)
            -> yearly records -> Parquet + manifest -> compare / sweep / plots / export
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("welfare-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

from sim import _moved  # noqa: E402  (old module paths keep working for one release)

_moved.install()
