"""``/api/v1/polls``: read a poll and vote in it, both only where its status is visible."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, InvalidInput
from server.edge.params import Params, path_id, read_params, to_int
from server.mastodon.auth import require_user
from server.mastodon.common import state
from server.present.attached import poll_entities
from server.services.poll_spec import PollSpec
from storage.media import Poll
from storage.models import Account, Status


async def _entity(request: Request, poll: Poll, status: Status, viewer: Account) -> Response:
    seen = await state(request).services.attached.polls([poll], viewer.id)
    entities = poll_entities(seen.values(), {status.id: status.account_id}, viewer.id)
    return JSONResponse(entities[poll.id])


def poll_spec_from(params: Params | None) -> PollSpec | None:
    """``poll[options][]``, ``poll[expires_in]``, ``poll[multiple]``, ``poll[hide_totals]`` (form or JSON)."""
    if params is None:
        return None
    return PollSpec(
        options=tuple(params.get_str_list("options")), expires_in=params.get_int("expires_in"),
        multiple=bool(params.get_bool("multiple", False)), hide_totals=bool(params.get_bool("hide_totals", False)),
    )


def attachment_extra(params: Params) -> dict[str, object]:
    """What ``StatusDraft.extra`` carries for media and polls."""
    extra: dict[str, object] = {"media_ids_given": "media_ids" in params}
    poll = poll_spec_from(params.get_dict("poll"))
    if poll is not None:
        extra["poll"] = poll
    return extra


def choices_of(params: Params) -> list[int]:
    raw = params.get_list("choices")
    if not raw or all(item == "" for item in raw):
        raise BadRequest("param is missing or the value is empty: choices")
    choices = []
    for item in raw:
        try:
            number = to_int(item, "choices")
        except BadRequest:
            raise InvalidInput("Validation failed: The chosen vote option does not exist") from None
        if number is not None:
            choices.append(number)
    return choices


async def show_poll(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    poll, status = await state(request).services.polls.visible(viewer.reader, path_id(request))
    return await _entity(request, poll, status, viewer.account)


async def vote(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    poll, status = await state(request).services.polls.vote(viewer.account, path_id(request), choices_of(params),
                                                            reader=viewer.reader)
    return await _entity(request, poll, status, viewer.account)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/polls/{id}", show_poll, methods=["GET"]),
        Route("/api/v1/polls/{id}/votes", vote, methods=["POST"]),
    ]
