"""An outsider's crawl of one instance: every public route, every id we know, and every link it answers with.

``probes`` turns the app's own route table into concrete URLs (so a new
route is crawled without anyone remembering to add it), with each URL
marked as naming something visible, hidden or missing. ``Crawler`` fetches
them in one ``Mode`` (an ``Accept`` header, signed by a peer or not),
follows the links it finds breadth-first up to a bound, and reports:

* leaks: anything ``World.leaks`` recognises, in any body or header;
* differences between a hidden object's answer and a missing one's on the
  same route (status, headers but ``Date``/``X-Request-Id``, body).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from activitypub.signatures import sign_cavage
from federation.instance_actor import InstanceActor

Kind = Literal["visible", "hidden", "missing"]
VOLATILE = frozenset({"date", "x-request-id"})
AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
HTML = "text/html"
PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")
HREF = re.compile(r"""(?:href|src)=["']([^"']+)["']""")
LINK_HEADER = re.compile(r"<([^>]+)>")
FAKE_TOKEN = "A" * 32
STATIC_NAMES: tuple[tuple[str, Kind], ...] = (("app.css", "visible"), ("app.js", "visible"), ("x.js", "missing"))
# A hashtag staff use inside, and one nobody used: to an outsider both are a sign-in page.
TAG_NAMES: tuple[tuple[str, Kind], ...] = (("outside", "hidden"), ("canary", "hidden"), ("neverused", "missing"))
CAPABILITY_PARAMS = {"token": FAKE_TOKEN, "name": "original.png", "size": "small"}
# Extra query strings worth asking on a route (pages of collections).
QUERY_VARIANTS = {
    "/users/{username}/outbox": ("", "?page=true"),
    "/users/{username}/followers": ("", "?page=true"),
    "/users/{username}/following": ("", "?page=true"),
    "/users/{username}/statuses/{ref}/replies": ("", "?only_other_accounts=true&page=true"),
}
# Bearer-token APIs: every route answers an outsider 401 before reading anything (the API's and
# SCIM's own token tests hold them to it: tests/server/api, tests/server/scim).
NOT_CRAWLED_PREFIXES = ("/api/", "/oauth/", "/scim/")


@dataclass(frozen=True)
class Mode:
    accept: str
    signer: InstanceActor | None = None
    bearer: str | None = None
    """An app-only token: an app, no user, which counts as an outsider everywhere."""

    def __str__(self) -> str:
        token = " with an app-only token" if self.bearer else ""
        return f"{'signed' if self.signer else 'unsigned'} {self.accept}{token}"


@dataclass(frozen=True)
class Probe:
    path: str
    route: str
    kind: Kind


@dataclass(frozen=True)
class Target:
    """A status URL part: its author's username, its ref, and what an outsider should make of it."""

    username: str
    ref: str
    kind: Kind


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        headers = tuple(sorted((k, v) for k, v in response.headers.multi_items() if k.lower() not in VOLATILE))
        return cls(response.status_code, headers, response.content)


@dataclass
class Report:
    fetched: int = 0
    leaks: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)


def crawled_routes(app: Starlette) -> list[Route]:
    """The outside (non-API) GET routes of the app."""
    return [
        route for route in app.routes
        if isinstance(route, Route) and "GET" in (route.methods or set())
        and not route.path.startswith(NOT_CRAWLED_PREFIXES)
    ]


def probes(app: Starlette, usernames: dict[str, Kind], statuses: Sequence[Target], domain: str) -> list[Probe]:
    found: list[Probe] = []
    for route in crawled_routes(app):
        for query in QUERY_VARIANTS.get(route.path, ("",)):
            found += _route_probes(route.path, query, usernames, statuses)
    for username, kind in usernames.items():
        for resource in (f"acct:{username}@{domain}", f"http://{domain}/users/{username}", f"http://{domain}/@{username}"):
            found.append(Probe(f"/.well-known/webfinger?resource={resource}", f"webfinger {resource.split(':')[0]}",
                               kind))
    return found


def _route_probes(path: str, query: str, usernames: dict[str, Kind], statuses: Sequence[Target]) -> list[Probe]:
    params = set(PARAM.findall(path))
    key = path + query
    if params == {"username", "ref"}:
        return [Probe(_fill(path, username=t.username, ref=t.ref) + query, key, t.kind) for t in statuses]
    if params == {"username"}:
        return [Probe(_fill(path, username=name) + query, key, kind) for name, kind in usernames.items()]
    if params == {"version"}:
        versions: tuple[tuple[str, Kind], ...] = (("2.0", "visible"), ("9.9", "missing"))
        return [Probe(_fill(path, version=v) + query, key, k) for v, k in versions]
    if params == {"id"}:  # the staff web app's posts, lists and polls: a signed-out visitor is sent to sign in
        return [Probe(_fill(path, id=t.ref) + query, key, t.kind) for t in statuses]
    if params in ({"slug"}, {"acct"}):  # departments and people in the staff web app
        name_param = next(iter(params))
        return [Probe(_fill(path, **{name_param: name}) + query, key, kind) for name, kind in usernames.items()]
    if params == {"name"}:  # hashtags in the staff web app, the web app's two static files
        names = STATIC_NAMES if path.startswith("/static/") else TAG_NAMES
        return [Probe(_fill(path, name=name) + query, key, kind) for name, kind in names]
    if params == {"tag"}:  # a hashtag's campaign on the admin analytics pages
        return [Probe(_fill(path, tag=name) + query, key, kind) for name, kind in TAG_NAMES]
    if "token" in params:  # capability URLs: the real tokens are the permission, so only a guessed one
        values = {name: CAPABILITY_PARAMS.get(name, "x") for name in params}
        return [Probe(_fill(path, **values) + query, key, "missing")]
    assert not params, f"extend tests/integration/crawl.py for the route {path}"
    return [Probe(path + query, key, "visible")]


def _fill(path: str, **values: str) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


class Crawler:
    def __init__(self, client: httpx.AsyncClient, base_url: str, leaks: Callable[[str], list[str]],
                 *, bound: int = 300) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._leaks = leaks
        self._bound = bound

    async def get(self, path: str, mode: Mode) -> httpx.Response:
        url = self._base + path
        headers = {"Accept": mode.accept, "Host": urlsplit(self._base).netloc}
        if mode.signer is not None:
            headers |= sign_cavage("GET", url, headers, b"", mode.signer.key_id, mode.signer.private_key)
        if mode.bearer is not None:
            headers["Authorization"] = f"Bearer {mode.bearer}"
        return await self._client.get(url, headers=headers)

    async def post(self, path: str, document: dict[str, Any], mode: Mode) -> httpx.Response:
        """A delivery to one of our inboxes, as a peer sends it (signed when the mode has a signer)."""
        url, body = self._base + path, json.dumps(document).encode()
        headers = {"Content-Type": AP, "Host": urlsplit(self._base).netloc}
        if mode.signer is not None:
            headers |= sign_cavage("POST", url, headers, body, mode.signer.key_id, mode.signer.private_key)
        return await self._client.post(url, content=body, headers=headers)

    async def crawl(self, seeds: Sequence[Probe], mode: Mode) -> Report:
        report = Report()
        queue: deque[Probe] = deque(seeds)
        seen = {probe.path for probe in seeds}
        baseline: dict[str, tuple[str, Answer]] = {}
        while queue and report.fetched < len(seeds) + self._bound:
            probe = queue.popleft()
            response = await self.get(probe.path, mode)
            report.fetched += 1
            answer = report.answers[probe.path] = Answer.of(response)
            # What the answer echoes of the asked path is the asker's own input, not a leak.
            echoed = _without_echo(answer, probe.path)
            text = "\n".join([echoed.body.decode("utf-8", "replace"), *(f"{k}: {v}" for k, v in echoed.headers)])
            report.leaks += [f"{mode} GET {probe.path}: {leak}" for leak in self._leaks(text)]
            if probe.kind != "visible":
                self._compare(probe, answer, baseline, mode, report)
            for link in self._links(response):
                if link not in seen:
                    seen.add(link)
                    queue.append(Probe(link, "(followed link)", "visible"))
        assert not queue, f"{mode}: crawl bound (seeds + {self._bound}) reached with {len(queue)} links left"
        return report

    @staticmethod
    def _compare(probe: Probe, answer: Answer, baseline: dict[str, tuple[str, Answer]], mode: Mode,
                 report: Report) -> None:
        # A page may echo the address it was asked for (the sign-in redirect's ``next``): that tells the
        # asker nothing new, so the answers are compared with the asked path blanked out.
        answer = _without_echo(answer, probe.path)
        first = baseline.setdefault(probe.route, (probe.path, answer))
        if answer != first[1]:
            report.differences.append(
                f"{mode} {probe.route}: {probe.path} -> {answer.status} {answer.body[:80]!r} {answer.headers}"
                f" but {first[0]} -> {first[1].status} {first[1].body[:80]!r} {first[1].headers}")

    def _links(self, response: httpx.Response) -> Iterator[str]:
        """Local links in the answer, as paths: from JSON strings, HTML attributes and ``Link`` headers."""
        candidates = LINK_HEADER.findall(response.headers.get("link", ""))
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            try:
                candidates += list(_strings(json.loads(response.content)))
            except ValueError:
                pass
        elif "html" in content_type:
            candidates += HREF.findall(response.text)
        for candidate in candidates:
            if candidate.startswith(self._base + "/"):
                path = candidate[len(self._base):].split("#", 1)[0]
                if not path.startswith(NOT_CRAWLED_PREFIXES):
                    yield path


def _without_echo(answer: Answer, path: str) -> Answer:
    echoes = sorted({path, quote(path, safe=""), quote(path, safe="/")}, key=len, reverse=True)

    def blank(text: str) -> str:
        for echo in echoes:
            text = text.replace(echo, "<asked path>")
        return text

    headers = tuple((k, blank(v)) for k, v in answer.headers)
    body = blank(answer.body.decode("utf-8", "replace")).encode()
    return Answer(answer.status, headers, body)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
