"""Drive the authorize pages like a browser: read the form, keep cookies, submit, follow."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("action", "")))
        elif tag == "input" and self.forms and values.get("type") == "hidden":
            self.forms[-1].fields[values["name"]] = values.get("value", "")
        elif tag == "button" and self.forms and "name" in values:
            self.forms[-1].buttons[values["value"]] = values["name"]


def only_form(html: str) -> Form:
    parser = FormParser()
    parser.feed(html)
    assert len(parser.forms) == 1, html
    return parser.forms[0]


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class Browser:
    """A cookie-keeping client that never follows redirects on its own."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def open(self, url: str) -> httpx.Response:
        return self.client.get(url)

    def submit(self, form: Form, **values: str) -> httpx.Response:
        data = dict(form.fields)
        for name, value in values.items():
            if value in form.buttons:
                data[form.buttons[value]] = value
            else:
                data[name] = value
        return self.client.post(form.action, data=data)

    def sign_in(self, page: httpx.Response, login: str, password: str) -> httpx.Response:
        """Submit the sign-in form on ``page``; on success, load the consent page it redirects to."""
        response = self.submit(only_form(page.text), login=login, password=password)
        if response.status_code == 303:
            return self.open(response.headers["location"])
        return response

    def consent(self, page: httpx.Response, decision: str = "approve") -> httpx.Response:
        return self.submit(only_form(page.text), decision=decision)
