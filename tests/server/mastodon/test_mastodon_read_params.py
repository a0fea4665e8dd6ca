"""read_params over real HTTP bodies: urlencoded, multipart, JSON, and what Mastodon.py sends."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
import requests
from mastodon import Mastodon
from requests.adapters import BaseAdapter
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.errors import InsideoutError
from server.edge.errors import error_response
from server.edge.pagination import PageRequest, link_header
from server.edge.params import ParamValue, read_params
from server.edge.version import VERSION, api_versions

BASE = "https://insideout.test"


async def _plain(value: ParamValue) -> Any:
    """Parameters as JSON, files replaced by a summary of what arrived."""
    if isinstance(value, UploadFile):
        return {"file": value.filename, "type": value.content_type, "bytes": (await value.read()).decode("latin-1")}
    if isinstance(value, dict):
        return {key: await _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [await _plain(item) for item in value]
    return value


class Recorder:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def echo(self, request: Request) -> Response:
        try:
            params = await read_params(request)
        except InsideoutError as exc:
            return error_response(exc)
        try:
            self.seen.append({"method": request.method, "path": request.url.path, "params": await _plain(params.data)})
        finally:
            await params.aclose()
        return JSONResponse({"id": "1"})

    async def instance(self, request: Request) -> Response:
        return JSONResponse({"uri": "insideout.test", "domain": "insideout.test", "version": VERSION,
                             "api_versions": api_versions()})  # fmt: skip

    async def timeline(self, request: Request) -> Response:
        """Ids 1..10, paginated the Mastodon way."""
        page = PageRequest.from_params(await read_params(request))
        ids = page.select(list(range(10, 0, -1)))
        header = link_header(str(request.url), ids)
        return JSONResponse([{"id": str(item)} for item in ids], headers={"Link": header} if header else None)

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(
            routes=[
                Route("/api/v1/instance/", self.instance),
                Route("/api/v2/instance/", self.instance),
                Route("/api/v1/timelines/home", self.timeline),
                Route("/api/v1/things/{thing_id}", self.echo, methods=methods),
                Route("/{rest:path}", self.echo, methods=methods),
            ]
        )

    @property
    def last(self) -> dict[str, Any]:
        params = self.seen[-1]["params"]
        assert isinstance(params, dict)
        return params


async def _send(recorder: Recorder, method: str, url: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=recorder.app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        return await client.request(method, url, **kwargs)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.mark.anyio
async def test_query_string(recorder: Recorder) -> None:
    url = "/api/v1/notifications?types[]=mention&types[]=poll&limit=5&exclude_types%5B%5D=follow"
    await _send(recorder, "GET", url)
    assert recorder.last == {
        "types": ["mention", "poll"], "limit": "5", "exclude_types": ["follow"], "rest": "api/v1/notifications"
    }  # fmt: skip


@pytest.mark.anyio
async def test_urlencoded_body(recorder: Recorder) -> None:
    body = "status=caf%C3%A9+time&media_ids[]=1&media_ids[]=2&poll[options][]=a&poll[options][]=b&poll[expires_in]=60"
    await _send(recorder, "POST", "/api/v1/statuses", content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})  # fmt: skip
    assert recorder.last == {
        "status": "caf\u00e9 time",
        "media_ids": ["1", "2"],
        "poll": {"options": ["a", "b"], "expires_in": "60"},
        "rest": "api/v1/statuses",
    }


@pytest.mark.anyio
async def test_multipart_with_files_and_brackets(recorder: Recorder) -> None:
    files = {"file": ("cat.png", b"\x89PNG data", "image/png"), "header": ("h.jpg", b"jpeg", "image/jpeg")}
    data = {"description": "a cat", "focus": "0.1,-0.2", "fields_attributes[0][name]": "Pronouns",
            "fields_attributes[0][value]": "they/them", "source[privacy]": "unlisted"}  # fmt: skip
    await _send(recorder, "POST", "/api/v2/media", data=data, files=files)
    assert recorder.last == {
        "description": "a cat",
        "focus": "0.1,-0.2",
        "fields_attributes": {"0": {"name": "Pronouns", "value": "they/them"}},
        "source": {"privacy": "unlisted"},
        "file": {"file": "cat.png", "type": "image/png", "bytes": "\x89PNG data"},
        "header": {"file": "h.jpg", "type": "image/jpeg", "bytes": "jpeg"},
        "rest": "api/v2/media",
    }


@pytest.mark.anyio
async def test_multipart_repeated_list_field(recorder: Recorder) -> None:
    await _send(recorder, "POST", "/x", data={"ids[]": ["1", "2"]}, files={"f": ("a.txt", b"a", "text/plain")})
    assert recorder.last["ids"] == ["1", "2"]


@pytest.mark.anyio
async def test_json_body(recorder: Recorder) -> None:
    body = {"status": "hi", "poll": {"options": ["a", "b"], "expires_in": 300, "multiple": True},
            "fields_attributes": [{"name": "a", "value": "b"}], "media_ids": []}  # fmt: skip
    await _send(recorder, "POST", "/api/v1/statuses", json=body)
    assert recorder.last == {**body, "rest": "api/v1/statuses"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/activity+json"]
)
async def test_json_content_type_variants(recorder: Recorder, content_type: str) -> None:
    await _send(recorder, "POST", "/x", content=b'{"a": 1}', headers={"Content-Type": content_type})
    assert recorder.last["a"] == 1


@pytest.mark.anyio
async def test_malformed_json_is_a_400(recorder: Recorder) -> None:
    response = await _send(recorder, "POST", "/x", content=b'{"status": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["error"] and "JSON" in body["error"]
    assert recorder.seen == []


@pytest.mark.anyio
async def test_malformed_multipart_is_a_400(recorder: Recorder) -> None:
    response = await _send(recorder, "POST", "/x", content=b"--nope\r\ngarbage",
                           headers={"Content-Type": "multipart/form-data"})  # fmt: skip
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.anyio
async def test_conflicting_brackets_are_a_400(recorder: Recorder) -> None:
    response = await _send(recorder, "GET", "/x?a=1&a[]=2")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid parameter: a")


@pytest.mark.anyio
async def test_body_beats_query_and_path_beats_both(recorder: Recorder) -> None:
    await _send(recorder, "PUT", "/api/v1/things/42?thing_id=1&limit=5&status=q", data={"status": "b", "thing_id": "2"})
    assert recorder.last == {"thing_id": "42", "limit": "5", "status": "b"}


@pytest.mark.anyio
async def test_unknown_content_type_body_is_ignored(recorder: Recorder) -> None:
    await _send(recorder, "POST", "/x?a=1", content=b"a=2", headers={"Content-Type": "text/plain"})
    assert recorder.last == {"a": "1", "rest": "x"}


@pytest.mark.anyio
async def test_delete_with_form_body(recorder: Recorder) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    await _send(recorder, "DELETE", "/x", content=b"ids[]=1", headers=form)
    assert recorder.last["ids"] == ["1"]


@pytest.mark.anyio
async def test_empty_file_part_counts_as_no_file(recorder: Recorder) -> None:
    seen: list[object] = []

    async def handler(request: Request) -> Response:
        params = await read_params(request)
        seen.append(params.get_file("avatar"))
        await params.aclose()
        return Response()

    transport = httpx.ASGITransport(app=Starlette(routes=[Route("/", handler, methods=["POST"])]))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await client.post("/", files={"avatar": ("", b"", "application/octet-stream")}, data={"x": "1"})
    assert seen == [None]


# --- Mastodon.py, encoding its requests itself ------------------------------------------------


class AsgiAdapter(BaseAdapter):
    """A requests transport that hands Mastodon.py's prepared requests to the ASGI app."""

    def __init__(self, app: Starlette) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        async def forward() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app)) as client:
                body = request.body
                assert body is None or isinstance(body, (bytes, str))
                headers = {key: str(value) for key, value in request.headers.items()}
                return await client.request(request.method or "GET", request.url or "", headers=headers, content=body)

        answer = anyio.run(forward)
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(answer.headers)
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def client(recorder: Recorder) -> Mastodon:
    session = requests.Session()
    session.mount("https://", AsgiAdapter(recorder.app()))
    return Mastodon(api_base_url=BASE, access_token="token", version_check_mode="none", session=session)


def test_mastodon_py_status_with_media(client: Mastodon, recorder: Recorder) -> None:
    client.status_post("hello", media_ids=["10", "11"], sensitive=True, visibility="unlisted", spoiler_text="cw")
    assert recorder.last == {"status": "hello", "media_ids": ["10", "11"], "sensitive": "1", "visibility": "unlisted",
                             "spoiler_text": "cw", "rest": "api/v1/statuses"}  # fmt: skip


def test_mastodon_py_poll_goes_as_json(client: Mastodon, recorder: Recorder) -> None:
    client.status_post("pick", poll=client.make_poll(["a", "b"], expires_in=300, multiple=True))
    params = recorder.last
    assert params["poll"] == {"options": ["a", "b"], "expires_in": 300, "multiple": True, "hide_totals": False}
    assert params["sensitive"] == "0"


def test_mastodon_py_profile_fields(client: Mastodon, recorder: Recorder) -> None:
    client.account_update_credentials(display_name="Ada", fields=[("Pronouns", "she/her"), ("Team", "Infra")])
    assert recorder.seen[-1]["method"] == "PATCH"
    assert recorder.last["fields_attributes"] == {"0": {"name": "Pronouns", "value": "she/her"},
                                                  "1": {"name": "Team", "value": "Infra"}}  # fmt: skip


def test_mastodon_py_relationships_ids(client: Mastodon, recorder: Recorder) -> None:
    client.account_relationships(["1", "2"])
    assert recorder.last["id"] == ["1", "2"]


def test_mastodon_py_notification_types(client: Mastodon, recorder: Recorder) -> None:
    client.notifications(types=["mention", "follow"], limit=5, max_id="99")
    assert recorder.last == {
        "types": ["mention", "follow"], "limit": "5", "max_id": "99", "rest": "api/v1/notifications"
    }  # fmt: skip


def test_mastodon_py_media_upload(client: Mastodon, recorder: Recorder) -> None:
    client.media_post(b"GIF89a-bytes", mime_type="image/gif", description="alt", focus=(0.5, -0.5))
    params = recorder.last
    assert params["description"] == "alt" and params["focus"] == "0.5,-0.5"
    assert params["file"]["type"] == "image/gif" and params["file"]["bytes"] == "GIF89a-bytes"


def test_mastodon_py_push_alerts(client: Mastodon, recorder: Recorder) -> None:
    keys = {"pubkey": b"\x04" + b"k" * 64, "auth": b"a" * 16}
    client.push_subscription_set("https://push.example/x", keys, follow_events=True, mention_events=False)
    params = recorder.last
    assert params["subscription"]["endpoint"] == "https://push.example/x"
    assert set(params["subscription"]["keys"]) == {"p256dh", "auth"}
    assert params["data"]["alerts"] == {"follow": "1", "mention": "0"}
    assert params["policy"] == "all"


def test_mastodon_py_reads_the_version(client: Mastodon) -> None:
    assert client.retrieve_mastodon_version() == "4.3.0"
    assert (client.mastodon_major, client.mastodon_minor, client.mastodon_patch) == (4, 3, 0)
    assert client.mastodon_api_version == 2
    assert client.verify_minimum_version("4.3.0", cached=True)


def test_mastodon_py_pages_through_link_headers(client: Mastodon) -> None:
    first = client.timeline_home(limit=3)
    assert [status["id"] for status in first] == ["10", "9", "8"]
    second = client.fetch_next(first)
    assert second is not None and [status["id"] for status in second] == ["7", "6", "5"]
    everything = client.fetch_remaining(first)
    assert [status["id"] for status in everything] == [str(item) for item in range(10, 0, -1)]
    back = client.fetch_previous(second)
    assert back is not None and [status["id"] for status in back] == ["10", "9", "8"]
    newer = client.timeline_home(min_id="2", limit=2)
    assert [status["id"] for status in newer] == ["4", "3"]
