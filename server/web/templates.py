"""The jinja2 environment of the public pages: autoescaped, templates shipped with the package.

Built on first use, so importing this module reads nothing. Only values
wrapped in ``Markup`` by the caller (sanitised post HTML) skip escaping.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("server.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
