"""Retriers: whether a failed state runs again, and after how long (States Language: Retry).

The first retrier whose ErrorEquals matches the error decides; once it has used its
MaxAttempts, the error goes on to the catchers even if a later retrier would match too. The
runtime keeps one attempt count per retrier and passes them in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from edgeworks.states.language.matching import matches

DEFAULT_INTERVAL_SECONDS = 1
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF_RATE = 2.0


@dataclass(frozen=True)
class Retrier:
    """One entry of a state's Retry list."""

    error_equals: tuple[str, ...]
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_rate: float = DEFAULT_BACKOFF_RATE
    max_delay_seconds: int | None = None
    jitter_strategy: str = "NONE"
    comment: str | None = None


@dataclass(frozen=True)
class RetryDecision:
    """Run the state again after ``delay_seconds``; count it against retrier ``index``."""

    index: int
    delay_seconds: float


def decide(
    retriers: Sequence[Retrier],
    error: str,
    attempts: Sequence[int],
    rng: random.Random | None = None,
) -> RetryDecision | None:
    """Return the retry to make for ``error``, or None when the error goes on to Catch.

    Args:
        retriers: the state's Retry list, in order.
        error: the error name of the failure.
        attempts: retries already made per retrier (same order; missing counts are 0).
        rng: the random source for JitterStrategy FULL.
    """
    for index, retrier in enumerate(retriers):
        if not matches(retrier.error_equals, error):
            continue
        done = attempts[index] if index < len(attempts) else 0
        if done >= retrier.max_attempts:
            return None
        return RetryDecision(index, delay_for(retrier, done, rng))
    return None


def delay_for(retrier: Retrier, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0).

    IntervalSeconds times BackoffRate to the power of the attempt, capped by MaxDelaySeconds;
    JitterStrategy FULL draws uniformly between 0 and that value.
    """
    delay = retrier.interval_seconds * retrier.backoff_rate**attempt
    if retrier.max_delay_seconds is not None:
        delay = min(delay, float(retrier.max_delay_seconds))
    if retrier.jitter_strategy == "FULL":
        delay = (rng or random.Random(0)).uniform(0.0, delay)
    return float(delay)
