"""RFC 9111 as a pure core: requests, stored entries and ``now`` in, decisions out.

Nothing here reads a clock, a socket or storage. The modules follow the order in which a cache
meets a request:

- ``directives``, ``dates``, ``fields``: parsing Cache-Control, HTTP-dates, Age, Vary, ETags.
- ``request``, ``response``: the caching facts of each message (RFC 9111 §5, RFC 9213).
- ``storable``: may a response be stored (§3)? Named checks, first refusal wins.
- ``freshness``: lifetime, heuristic freshness and age (§4.2), with CloudFront's TTL clamp.
- ``reuse``: may a stored response answer (§4, §4.2.4, RFC 5861)? Named outcome states.
"""
