"""The jinja2 environment of the admin pages: autoescaped, strict, templates shipped with the package.

Built on first use, so importing this module reads nothing.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("server.admin", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
