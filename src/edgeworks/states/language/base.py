"""The fields every state shares, and the scope a state runs in.

Every state type has its own module with a frozen dataclass derived from :class:`State`. The
data-flow fields live here because the same rules apply to every type that accepts them
(States Language: Input and Output Processing); a type that does not accept a field keeps its
default, which is the identity.
"""

from __future__ import annotations

import enum
import random
import uuid as uuidlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from edgeworks.states.language import timestamps

if TYPE_CHECKING:
    from edgeworks.states.language.catch import Catcher
    from edgeworks.states.language.retry import Retrier

JSONPATH = "JSONPath"
JSONATA = "JSONata"


class Absent(enum.Enum):
    """Marks a field that the definition leaves out, where JSON null has its own meaning."""

    ABSENT = 0


ABSENT = Absent.ABSENT


@dataclass(frozen=True)
class State:
    """Fields shared by all state types.

    ``input_path``, ``output_path`` and ``result_path`` are ``"$"`` when absent and ``None`` when
    the definition sets them to null (States Language: InputPath, ResultPath and OutputPath).
    """

    name: str
    type: str
    query_language: str = JSONPATH
    comment: str | None = None
    next: str | None = None
    end: bool = False
    input_path: str | None = "$"
    output_path: str | None = "$"
    parameters: Any = ABSENT
    result_selector: Any = ABSENT
    result_path: str | None = "$"
    arguments: Any = ABSENT
    output: Any = ABSENT
    assign: Mapping[str, Any] | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_jsonata(self) -> bool:
        """Whether this state evaluates its fields as JSONata."""
        return self.query_language == JSONATA


def _context_time(context: Mapping[str, Any]) -> datetime | None:
    for section, key in (("State", "EnteredTime"), ("Execution", "StartTime")):
        part = context.get(section)
        value = part.get(key) if isinstance(part, Mapping) else None
        moment = timestamps.parse(value) if isinstance(value, str) else None
        if moment is not None:
            return moment
    return None


def _uuid_from(rng: random.Random) -> Callable[[], str]:
    return lambda: str(uuidlib.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Scope:
    """What a state sees besides its input: the context object, variables and entropy.

    The core never reads a clock or an unseeded random source. The runtime passes a
    ``random.Random`` seeded per state entry so that a replay evaluates to the same values;
    ``uuid`` defaults to version-4 ids drawn from that source.
    """

    context: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    random: random.Random = field(default_factory=lambda: random.Random(0))
    uuid: Callable[[], str] | None = None
    now: datetime | None = None

    def now_millis(self) -> int:
        """The evaluation time for JSONata ``$now()``/``$millis()``, in epoch milliseconds.

        ``now`` when given, else the context's State.EnteredTime, else Execution.StartTime
        (so a replay sees the same time), else the epoch.
        """
        moment = self.now or _context_time(self.context)
        return int(moment.timestamp() * 1000) if moment is not None else 0

    def new_uuid(self) -> str:
        """Return a fresh version-4 UUID string from the passed-in sources."""
        if self.uuid is not None:
            return self.uuid()
        return _uuid_from(self.random)()
