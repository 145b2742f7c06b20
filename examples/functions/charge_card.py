"""Sample function: charge a card, declining test cards that end in 0000.

A declined card raises :class:`PaymentDeclined`; the history records ``PaymentDeclined`` as the
error, so a workflow retries or catches it by that name.
"""

from __future__ import annotations

import uuid
from typing import Any


class PaymentDeclined(Exception):  # noqa: N818 (workflows match this name)
    """The card was declined."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Return a receipt for ``amount`` charged to ``card``."""
    card = str(event["card"])
    if card.endswith("0000"):
        raise PaymentDeclined(f"card ending {card[-4:]} was declined")
    return {"receipt": str(uuid.uuid4()), "amount": event["amount"], "card": card[-4:]}
