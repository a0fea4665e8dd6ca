"""The version Insideout reports to Mastodon clients.

``/api/v1/instance`` and ``/api/v2/instance`` put the Mastodon release whose
API this server follows first, then its own name in parentheses, the shape
Wildebeest and others use: ``4.3.0 (compatible; Insideout 0.1.0)``.

How clients read it:

* Mastodon.py keeps what is before the first space, then before any ``+``
  (after it, for Hometown's ``x+hometown-y``), and takes the leading
  digits of the first three dot-separated parts: ``4.3.0``. It then reads
  ``api_versions["mastodon"]`` from ``/api/v2/instance`` and warns if a
  server claiming 4.3.0 or later lacks it.
* masto.js (Elk, Phanpy) and the apps that use ``semver.coerce`` take the
  first ``major.minor.patch`` run of digits in the string: ``4.3.0``.
* megalodon picks the backend from NodeInfo's software name rather than
  from this string; a Mastodon-compatible server is treated as Mastodon.

``api_versions`` started in Mastodon 4.3.0, which reports ``{"mastodon": 2}``;
later releases raise the number as they add API features, so keep it at the
value of the release named in ``MASTODON_COMPAT``.
"""

from __future__ import annotations

from typing import Final

MASTODON_COMPAT: Final = "4.3.0"
MASTODON_API_VERSION: Final = 2
SOFTWARE_NAME: Final = "Insideout"
SOFTWARE_VERSION: Final = "0.1.0"


def version_string(compat: str = MASTODON_COMPAT, software_version: str = SOFTWARE_VERSION) -> str:
    return f"{compat} (compatible; {SOFTWARE_NAME} {software_version})"


def api_versions() -> dict[str, int]:
    """The ``api_versions`` object of ``/api/v2/instance``; a fresh dict each call."""
    return {"mastodon": MASTODON_API_VERSION}


VERSION: Final = version_string()
