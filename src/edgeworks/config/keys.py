"""Cache keys and origin request parts, from a behaviour's policies.

A cache key is bytes built from, in order and separated by NUL (which no valid request line or
field can carry): the method class (``GET`` and ``HEAD`` share one, since a HEAD is answered
from a GET entry), the lower-cased ``Host``, the path, then one section per family the cache
policy selects (query strings, headers, cookies) and the normalised ``Accept-Encoding`` when the
policy enables gzip or Brotli. A section starts with its family letter and a colon (``q:``,
``h:``, ``c:``, ``e:``) so keys from different selections never collide.

Canonical order: query-string pairs and cookies are sorted by name, so ``?a=1&b=2`` and
``?b=2&a=1`` share an entry; pairs with the same name keep the order they were sent in, since
origins may read repeated parameters as an ordered list. Headers are sorted by name; each
value is kept byte for byte as the viewer sent it. Query-string and cookie names are compared
as sent (case-sensitive, not percent-decoded); header names are lower-case.

Policies compile once into a small plan (sets of byte names), so the per-request work is a few
set look-ups and one join.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeworks.config.model import Behavior, CachePolicy, OriginRequestPolicy, Selection
from edgeworks.http.headers import Headers, hop_by_hop_names

SEP = b"\x00"

# Viewer fields that reach the origin even when no policy names them: the body's description,
# the conditional and range fields and the request's cache directives, as CloudFront does for
# custom origins (developer guide, "Request and response behavior for custom origins").
# Authorization is not among them: a policy must name it, whatever the method.
DEFAULT_FORWARDED: frozenset[bytes] = frozenset(
    {
        b"cache-control",
        b"pragma",
        b"content-length",
        b"content-type",
        b"content-encoding",
        b"content-md5",
        b"if-match",
        b"if-modified-since",
        b"if-none-match",
        b"if-range",
        b"if-unmodified-since",
        b"range",
    }
)

# Fields the key and the forwarded set treat apart from the header family: Host is always in the
# key and set per origin; cookies and Accept-Encoding have their own rules.
_APART: frozenset[bytes] = frozenset({b"host", b"cookie", b"accept-encoding"})


@dataclass(frozen=True, slots=True)
class Members:
    """A compiled selection: ``every`` selects all names except ``names``; else only ``names``."""

    every: bool
    names: frozenset[bytes]

    @property
    def empty(self) -> bool:
        """True when the selection can select nothing."""
        return not self.every and not self.names

    def __contains__(self, name: object) -> bool:
        return (name not in self.names) if self.every else (name in self.names)


NOTHING = Members(False, frozenset())
EVERYTHING = Members(True, frozenset())


def compile_selection(selection: Selection, lower: bool = False) -> Members:
    """Return the compiled form of a policy selection.

    Args:
        selection: The policy's behaviour and names for one family.
        lower: Lower-case the names (header names are case-insensitive).
    """
    names = frozenset((n.lower() if lower else n).encode() for n in selection.names)
    if selection.behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
        return EVERYTHING
    if selection.behavior == "allExcept":
        return Members(True, names)
    if selection.behavior == "whitelist":
        return Members(False, names)
    return NOTHING


@dataclass(frozen=True, slots=True)
class KeyPlan:
    """A cache policy compiled for the per-request work."""

    query: Members
    headers: Members
    cookies: Members
    encodings: tuple[bytes, ...]


_plans: dict[int, tuple[CachePolicy, KeyPlan]] = {}
_MAX_PLANS = 256


def key_plan(policy: CachePolicy) -> KeyPlan:
    """Return the compiled plan of ``policy``, compiling it on first use."""
    found = _plans.get(id(policy))
    if found is not None and found[0] is policy:
        return found[1]
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    encodings = tuple(
        name
        for name, enabled in (
            (b"br", policy.accept_encoding_brotli),
            (b"gzip", policy.accept_encoding_gzip),
        )
        if enabled
    )
    plan = KeyPlan(
        compile_selection(policy.query_strings),
        compile_selection(policy.headers, lower=True),
        compile_selection(policy.cookies),
        encodings,
    )
    _plans[id(policy)] = (policy, plan)
    return plan


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")


def query_pairs(query: bytes) -> list[tuple[bytes, bytes]]:
    """Split a raw query string into ``(name, piece)`` in order; ``piece`` is ``name=value``."""
    return [(piece.partition(b"=")[0], piece) for piece in query.split(b"&") if piece]


def cookie_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Return every cookie the viewer sent as ``(name, "name=value")`` in order (RFC 6265 §5.4)."""
    pairs = []
    for key, value in headers:
        if key == b"cookie":
            for raw in value.split(b";"):
                piece = raw.strip()
                if piece:
                    pairs.append((piece.partition(b"=")[0].strip(), piece))
    return pairs


def accepted_encodings(headers: Headers, offered: tuple[bytes, ...]) -> bytes:
    """Return the normalised ``Accept-Encoding``: the offered codings the viewer accepts.

    CloudFront keeps only ``br`` and ``gzip`` (those its cache policy enables) and drops codings
    with ``q=0`` (RFC 9110 §12.5.3); the result is ``b"br,gzip"``, ``b"gzip"``, ``b"br"`` or empty.
    """
    accepted: set[bytes] = set()
    for key, value in headers:
        if key == b"accept-encoding":
            for item in value.split(b","):
                coding, _, params = item.partition(b";")
                if not _refused(params):
                    accepted.add(coding.strip().lower())
    if b"*" in accepted:
        return b",".join(offered)
    return b",".join(name for name in offered if name in accepted)


def _refused(params: bytes) -> bool:
    for param in params.split(b";"):
        name, _, weight = param.partition(b"=")
        if name.strip().lower() == b"q":
            try:
                return float(weight.strip() or b"1") == 0.0
            except ValueError:
                return True
    return False


def _method_class(method: str | bytes) -> bytes:
    raw = _bytes(method)
    return b"GET" if raw in (b"GET", b"HEAD") else raw


def cache_key(  # noqa: PLR0917 - positional order is the documented seam with the edge
    policy: CachePolicy,
    method: str | bytes,
    host: str | bytes,
    path: str | bytes,
    query: bytes,
    headers: Headers,
) -> bytes:
    """Return the cache key of a request under ``policy``.

    Args:
        policy: The matched behaviour's cache policy.
        method: The request method; ``GET`` and ``HEAD`` share a key.
        host: The viewer's ``Host`` (lower-cased for the key).
        path: The request path without the query.
        query: The raw query string, without ``?``.
        headers: The viewer's request fields.

    Returns:
        Deterministic bytes: equal for requests the policy treats as the same object.
    """
    plan = key_plan(policy)
    parts = [_method_class(method), _bytes(host).lower(), _bytes(path)]
    if not plan.query.empty:
        chosen = [p for p in query_pairs(query) if p[0] in plan.query]
        chosen.sort(key=_first)
        parts.append(b"q:" + b"&".join(piece for _, piece in chosen))
    if not plan.headers.empty:
        parts.append(b"h:" + _header_section(plan.headers, headers))
    if not plan.cookies.empty:
        chosen = [p for p in cookie_pairs(headers) if p[0] in plan.cookies]
        chosen.sort(key=_first)
        parts.append(b"c:" + b";".join(piece for _, piece in chosen))
    if plan.encodings:
        parts.append(b"e:" + accepted_encodings(headers, plan.encodings))
    return SEP.join(parts)


def _first(pair: tuple[bytes, bytes]) -> bytes:
    return pair[0]


def _header_section(members: Members, headers: Headers) -> bytes:
    chosen = [(k, v) for k, v in headers if k in members and k not in _APART]
    chosen.sort(key=_first)
    return b"\n".join(k + b":" + v for k, v in chosen)


@dataclass(frozen=True, slots=True)
class OriginRequestParts:
    """What of the viewer's request goes to the origin.

    Attributes:
        query: The query string to send (raw, without ``?``), possibly empty.
        headers: End-to-end viewer fields to forward; ``host`` only when a policy forwards the
            viewer's Host, otherwise the caller sets the origin's own.
    """

    query: bytes
    headers: Headers


def origin_request_parts(behavior: Behavior, query: bytes, headers: Headers) -> OriginRequestParts:
    """Return the query and headers to forward: cache-key members plus the request policy's.

    Fields in neither policy are dropped, except CloudFront's defaults (``DEFAULT_FORWARDED``);
    hop-by-hop fields never pass (RFC 9110 §7.6.1).

    Args:
        behavior: The matched behaviour (cache policy and origin request policy).
        query: The viewer's raw query string, without ``?``.
        headers: The viewer's request fields.
    """
    plan = key_plan(behavior.cache_policy)
    request = _request_plan(behavior.origin_request_policy)
    return OriginRequestParts(
        _forward_query(plan.query, request.query, query),
        _forward_headers(plan, request, headers),
    )


def _request_plan(policy: OriginRequestPolicy | None) -> KeyPlan:
    if policy is None:
        return KeyPlan(NOTHING, NOTHING, NOTHING, ())
    return KeyPlan(
        compile_selection(policy.query_strings),
        compile_selection(policy.headers, lower=True),
        compile_selection(policy.cookies),
        (),
    )


def _either(first: Members, second: Members, name: bytes) -> bool:
    return name in first or name in second


def _forward_query(key: Members, request: Members, query: bytes) -> bytes:
    if EVERYTHING in (key, request):
        return query
    pairs = query_pairs(query)
    return b"&".join(piece for name, piece in pairs if _either(key, request, name))


def _forward_headers(plan: KeyPlan, request: KeyPlan, headers: Headers) -> Headers:
    drop = hop_by_hop_names(headers)
    forwarded: Headers = []
    for name, value in headers:
        if name in drop or name in (b"cookie", b"accept-encoding"):
            continue
        if name in DEFAULT_FORWARDED or _either(plan.headers, request.headers, name):
            forwarded.append((name, value))
    # CloudFront forwards the normalised Accept-Encoding when the cache policy enables
    # compression; otherwise the viewer's field passes only if a policy selects it.
    if plan.encodings:
        accepted = accepted_encodings(headers, plan.encodings)
        if accepted:
            forwarded.append((b"accept-encoding", accepted))
    elif _either(plan.headers, request.headers, b"accept-encoding"):
        forwarded.extend((k, v) for k, v in headers if k == b"accept-encoding")
    cookies = _forward_cookies(plan.cookies, request.cookies, headers)
    if cookies:
        forwarded.append((b"cookie", cookies))
    return forwarded


def _forward_cookies(key: Members, request: Members, headers: Headers) -> bytes:
    pairs = cookie_pairs(headers)
    return b"; ".join(piece for name, piece in pairs if _either(key, request, name))
