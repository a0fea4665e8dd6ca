"""Request parameters the way Rails gives them to Mastodon.

Query string, form body (urlencoded or multipart) and JSON body merge into
one nested structure. Form and query keys use Rack's bracket syntax::

    media_ids[]=1&media_ids[]=2         {"media_ids": ["1", "2"]}
    poll[options][]=a&poll[expires_in]=60
                                        {"poll": {"options": ["a"], "expires_in": "60"}}
    fields_attributes[0][name]=x        {"fields_attributes": {"0": {"name": "x"}}}
    data[alerts][admin.sign_up]=1       {"data": {"alerts": {"admin.sign_up": "1"}}}
    a[][k]=1&a[][k]=2                   {"a": [{"k": "1"}, {"k": "2"}]}

JSON keys are taken literally. A JSON body goes through the one reader of
untrusted JSON (``activitypub.json_reader``): at most ``MAX_DEPTH`` deep, as
bracket keys are, and at most ``MAX_JSON_BYTES`` long. As in Rails the body
wins over the query string and path parameters win over both (a shallow
merge). A scalar key repeated without brackets keeps its last value.
Booleans follow ``ActiveModel::Type::Boolean``: blank is absent, ``0 f false
off`` (any case) are false, anything else is true.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final, TypeAlias
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request

from activitypub.errors import BadRequest, InvalidInput, NotFound, PayloadTooLarge
from activitypub.json_reader import Rejection, UntrustedJsonError, loads_untrusted
from storage.ids import parse_id

ParamValue: TypeAlias = "str | int | float | bool | None | UploadFile | list[ParamValue] | dict[str, ParamValue]"
ParamDict: TypeAlias = dict[str, ParamValue]

FALSE_VALUES: Final = frozenset({"0", "f", "false", "off"})
MAX_DEPTH: Final = 32
MAX_FIELDS: Final = 4096
MAX_JSON_BYTES: Final = 1_000_000  # a status, a filter, a profile: kilobytes; uploads are multipart
MAX_ID: Final = (1 << 63) - 1
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_MAX_INT_DIGITS: Final = 20


# --- Rack's bracket syntax ------------------------------------------------------------


def split_key(key: str) -> list[str]:
    """``poll[options][]`` -> ``["poll", "options", ""]``; a key Rack cannot split stays whole."""
    match = _KEY.match(key)
    if match is None:
        return [key]
    segments = [match.group(1), *_SEGMENT.findall(match.group(2))]
    if len(segments) > MAX_DEPTH:
        raise BadRequest("Parameters are nested too deeply", detail=key)
    return segments


def nest(pairs: Iterable[tuple[str, str | UploadFile]]) -> ParamDict:
    """Build the nested structure from ``(key, value)`` pairs in request order."""
    root: ParamDict = {}
    for key, value in pairs:
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            # No text column (PostgreSQL's least of all) holds a NUL, and no client means one.
            raise BadRequest("Parameters must not contain NUL characters", detail=key)
        _assign(root, split_key(key), value, key)
    return root


def _assign(container: ParamDict, path: list[str], value: ParamValue, key: str) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        container[head] = value
        return
    if rest[0] == "":
        items = container.setdefault(head, [])
        if not isinstance(items, list):
            raise _conflict(key)
        _append(items, rest[1:], value, key)
        return
    child = container.setdefault(head, {})
    if not isinstance(child, dict):
        raise _conflict(key)
    _assign(child, rest, value, key)


def _append(items: list[ParamValue], rest: list[str], value: ParamValue, key: str) -> None:
    if not rest:
        items.append(value)
        return
    if rest[0] == "":
        raise BadRequest("Nested arrays are not supported in parameters", detail=key)
    # Rack: keep filling the last hash until it already has this key.
    last = items[-1] if items else None
    if isinstance(last, dict) and not _has_path(last, rest):
        _assign(last, rest, value, key)
        return
    fresh: ParamDict = {}
    _assign(fresh, rest, value, key)
    items.append(fresh)


def _has_path(container: ParamDict, path: list[str]) -> bool:
    """Rack's ``params_hash_has_key?``: a path through a list never counts as present."""
    if "" in path:
        return False
    node: ParamValue = container
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return False
        node = node[segment]
    return True


def _conflict(key: str) -> BadRequest:
    return BadRequest(f"Invalid parameter: {key} mixes a value, a list and a hash", detail=key)


# --- conversions -----------------------------------------------------------------------


def to_bool(value: ParamValue, name: str = "value") -> bool | None:
    """Rails' boolean cast: blank -> None, 0/f/false/off -> False, anything else True."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        if value == "":
            return None
        return value.lower() not in FALSE_VALUES
    raise BadRequest(f"{name} must be a boolean")


def to_int(value: ParamValue, name: str = "value") -> int | None:
    """An integer from a decimal string or a JSON number; blank -> None."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise BadRequest(f"{name} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.match(text) and len(text) <= _MAX_INT_DIGITS:
            return int(text)
    raise BadRequest(f"{name} must be an integer")


def to_id(value: ParamValue, name: str = "id") -> int | None:
    """A Mastodon id: a numeric string (or JSON integer) within a signed 64-bit column."""
    number = to_int(value, name)
    if number is not None and not 0 <= number <= MAX_ID:
        raise BadRequest(f"{name} is not a valid id")
    return number


def as_list(value: ParamValue) -> list[ParamValue]:
    """A list from a list, an index-keyed hash (``a[0]=..``), a scalar, or nothing."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if all(key.isascii() and key.isdigit() for key in value):
            return [value[key] for key in sorted(value, key=int)]
        return [value]
    return [value]


def as_dict(value: ParamValue, name: str) -> ParamDict | None:
    """A hash from a hash, or from a JSON array (keyed ``"0"``, ``"1"``..) as Rails nested attributes do."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    raise BadRequest(f"{name} must be a hash")


# --- the typed wrapper -------------------------------------------------------------------


class Params:
    """Typed access to merged parameters; every error names the parameter."""

    def __init__(self, data: Mapping[str, ParamValue] | None = None, *, prefix: str = "") -> None:
        self.data: ParamDict = dict(data or {})
        self._prefix = prefix

    def __contains__(self, name: object) -> bool:
        return name in self.data

    def __repr__(self) -> str:
        return f"Params({self.data!r})"

    def _name(self, name: str) -> str:
        return f"{self._prefix}[{name}]" if self._prefix else name

    def get(self, name: str) -> ParamValue:
        return self.data.get(name)

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise BadRequest(f"{self._name(name)} must be a string")

    def require_str(self, name: str) -> str:
        """A present, non-blank string, or Rails' ``ParameterMissing`` (400)."""
        value = self.get_str(name)
        if value is None or value.strip() == "":
            raise BadRequest(f"param is missing or the value is empty: {self._name(name)}")
        return value

    def get_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = to_bool(self.data.get(name), self._name(name))
        return default if value is None else value

    def get_int(
        self, name: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """An integer; malformed -> BadRequest (400), out of range -> InvalidInput (422)."""
        value = to_int(self.data.get(name), self._name(name))
        if value is None:
            return default
        if minimum is not None and value < minimum:
            raise InvalidInput(f"{self._name(name)} must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise InvalidInput(f"{self._name(name)} must be at most {maximum}")
        return value

    def get_id(self, name: str) -> int | None:
        return to_id(self.data.get(name), self._name(name))

    def get_list(self, name: str) -> list[ParamValue]:
        """``name[]=..`` values, a JSON array, an index-keyed hash, or a lone scalar as one item."""
        return as_list(self.data.get(name))

    def get_str_list(self, name: str) -> list[str]:
        result: list[str] = []
        for item in self.get_list(name):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise BadRequest(f"{self._name(name)} must be a list of strings")
            if item != "":
                result.append(str(item))
        return result

    def get_id_list(self, name: str) -> list[int]:
        """Ids from ``name[]`` (or ``name``); blanks dropped, order kept, duplicates removed."""
        ids: list[int] = []
        for item in self.get_list(name):
            number = to_id(item, self._name(name))
            if number is not None and number not in ids:
                ids.append(number)
        return ids

    def get_dict(self, name: str) -> Params | None:
        """A nested hash as ``Params``; a JSON array becomes a hash keyed by index."""
        value = as_dict(self.data.get(name), self._name(name))
        return None if value is None else Params(value, prefix=self._name(name))

    def get_indexed(self, name: str) -> list[Params]:
        """Rails nested attributes (``fields_attributes[0][name]=..`` or a JSON array), in index order."""
        result: list[Params] = []
        for index, item in enumerate(self.get_list(name)):
            if not isinstance(item, dict):
                raise BadRequest(f"{self._name(name)} must be a list of hashes")
            result.append(Params(item, prefix=f"{self._name(name)}[{index}]"))
        return result

    def get_file(self, name: str) -> UploadFile | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, UploadFile):
            # Rack drops a file part with an empty filename: no file was chosen.
            return value if value.filename else None
        raise BadRequest(f"{self._name(name)} must be a file")

    def files(self) -> list[UploadFile]:
        """Every uploaded file, however deeply nested."""
        found: list[UploadFile] = []
        pending: list[ParamValue] = [self.data]
        while pending:
            value = pending.pop()
            if isinstance(value, UploadFile):
                found.append(value)
            elif isinstance(value, dict):
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return found

    async def aclose(self) -> None:
        """Close the uploaded files' spools (Starlette does not do it for a handler)."""
        for upload in self.files():
            await upload.close()


# --- reading a Starlette request -----------------------------------------------------------


def parse_query(query: str) -> ParamDict:
    """A query string (or urlencoded body) with Rack's bracket syntax."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise BadRequest("Too many parameters") from exc
    return nest(pairs)


def parse_json_body(body: bytes) -> ParamDict:
    """A JSON body; an object is the parameters, anything else lands in ``_json`` as in Rails."""
    if not body.strip():
        return {}
    try:
        document = loads_untrusted(body, max_depth=MAX_DEPTH, max_bytes=MAX_JSON_BYTES)
    except UntrustedJsonError as exc:
        if exc.reason is Rejection.TOO_LARGE:
            raise PayloadTooLarge("Error occurred while parsing request parameters: JSON body too large") from exc
        problem = "JSON nested too deeply" if exc.reason is Rejection.TOO_DEEP else "malformed JSON"
        raise BadRequest(f"Error occurred while parsing request parameters: {problem}", detail=str(exc)) from exc
    if isinstance(document, dict):
        return document
    return {"_json": document}


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body_params(request: Request) -> ParamDict:
    """The body's parameters by content type; other types are ignored, as Rails does."""
    kind = media_type(request)
    if kind == "application/json" or kind.endswith("+json"):
        return parse_json_body(await request.body())
    if kind == "application/x-www-form-urlencoded":
        body = await request.body()
        try:
            return parse_query(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BadRequest("Error occurred while parsing request parameters: invalid UTF-8") from exc
    if kind == "multipart/form-data":
        try:
            form = await request.form()
        except Exception as exc:  # MultiPartException, or HTTPException(400) inside an app
            raise BadRequest("Error occurred while parsing request parameters: malformed multipart body") from exc
        return nest(form.multi_items())
    return {}


async def read_params(request: Request) -> Params:
    """Query, body and path parameters merged like Rails' ``params``.

    Multipart uploads stay ``UploadFile``s; the handler closes them with
    ``await params.aclose()`` (or ``await request.close()``) when done.
    """
    data = parse_query(request.url.query)
    data.update(await read_body_params(request))
    data.update({key: str(value) for key, value in request.path_params.items()})
    return Params(data)


def path_id(request: Request, name: str = "id") -> int:
    """A path id; anything that is not one is simply not found, as Mastodon answers."""
    try:
        return parse_id(request.path_params[name])
    except ValueError:
        raise NotFound() from None
