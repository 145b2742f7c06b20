"""``CustomErrorResponses``: per-status error caching and replacement pages.

CloudFront's rules (API: CustomErrorResponse): ``ErrorCode`` is one of the statuses below;
``ResponsePagePath`` and ``ResponseCode`` come together or not at all; the path starts with
``/``; ``ResponseCode`` is written as a string in the API and accepted here as a number too.
"""

from __future__ import annotations

from typing import Any

from edgeworks.config.model import ErrorResponse
from edgeworks.config.reader import Reader, join, present

ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)
RESPONSE_CODES = (200, *ERROR_CODES)
FIELDS = ("ErrorCode", "ResponsePagePath", "ResponseCode", "ErrorCachingMinTTL")


def parse_error_responses(reader: Reader, value: Any, path: str) -> dict[int, ErrorResponse]:
    """Return the custom error responses by error code, noting bad and repeated codes."""
    found: dict[int, ErrorResponse] = {}
    for item_path, item in reader.items(value, path):
        response = _response(reader, item, item_path)
        if response is None:
            continue
        if response.error_code in found:
            reader.problem(join(item_path, "ErrorCode"), response.error_code, "repeated")
        found.setdefault(response.error_code, response)
    return found


def _response(reader: Reader, value: Any, path: str) -> ErrorResponse | None:
    doc = reader.mapping(value, path, FIELDS, required=("ErrorCode",))
    if doc is None:
        return None
    code = _status(reader, doc, "ErrorCode", path, ERROR_CODES)
    page = reader.text(doc, "ResponsePagePath", path)
    replacement = _status(reader, doc, "ResponseCode", path, RESPONSE_CODES)
    ttl = None
    if present(doc, "ErrorCachingMinTTL", None) is not None:
        ttl = reader.seconds(doc, "ErrorCachingMinTTL", path, 0.0)

    if page is not None and not page.startswith("/"):
        reader.problem(join(path, "ResponsePagePath"), page, "must start with '/'")
    has_page = present(doc, "ResponsePagePath", None) is not None
    if has_page != (present(doc, "ResponseCode", None) is not None):
        reader.problem(path, value, "ResponsePagePath and ResponseCode go together")
    if code is None:
        return None
    return ErrorResponse(code, ttl, page, replacement)


def _status(
    reader: Reader, doc: dict[str, Any], key: str, path: str, allowed: tuple[int, ...]
) -> int | None:
    value = present(doc, key, None)
    if value is None:
        return None
    number = int(value) if isinstance(value, str) and value.isdecimal() else value
    if isinstance(number, bool) or number not in allowed:
        listed = ", ".join(map(str, allowed))
        reader.problem(join(path, key), value, f"must be one of: {listed}")
        return None
    return int(number)
