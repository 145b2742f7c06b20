"""Build typed states from a definition that has passed validation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from edgeworks.states.language.base import ABSENT, JSONPATH, State
from edgeworks.states.language.catch import Catcher
from edgeworks.states.language.choice import ChoiceState
from edgeworks.states.language.choice_rules import parse_branch
from edgeworks.states.language.fail import FailState
from edgeworks.states.language.machine import StateMachine
from edgeworks.states.language.map_state import INLINE, MapState
from edgeworks.states.language.parallel import ParallelState
from edgeworks.states.language.pass_state import PassState
from edgeworks.states.language.retry import Retrier
from edgeworks.states.language.succeed import SucceedState
from edgeworks.states.language.task import TaskState
from edgeworks.states.language.wait import WaitState

Raw = Mapping[str, Any]


def build_machine(raw: Raw, outer_language: str | None) -> StateMachine:
    """Build a machine (top level, branch or item processor) and all its states."""
    language = raw.get("QueryLanguage", outer_language or JSONPATH)
    states = {name: build_state(name, state, language) for name, state in raw["States"].items()}
    return StateMachine(
        start_at=raw["StartAt"],
        states=states,
        query_language=language,
        timeout_seconds=raw.get("TimeoutSeconds"),
        comment=raw.get("Comment"),
        version=raw.get("Version"),
        raw=raw,
    )


def build_state(name: str, raw: Raw, machine_language: str) -> State:
    """Build one typed state."""
    language = raw.get("QueryLanguage", machine_language)
    common = _common(name, raw, language)
    builder = _BUILDERS[raw["Type"]]
    # Branches and item processors follow the machine's query language, not the state's.
    return builder(common, raw, machine_language)


def _common(name: str, raw: Raw, language: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": raw["Type"],
        "query_language": language,
        "comment": raw.get("Comment"),
        "next": raw.get("Next"),
        "end": raw.get("End") is True,
        "input_path": raw.get("InputPath", "$"),
        "output_path": raw.get("OutputPath", "$"),
        "parameters": raw.get("Parameters", ABSENT),
        "result_selector": raw.get("ResultSelector", ABSENT),
        "result_path": raw.get("ResultPath", "$"),
        "arguments": raw.get("Arguments", ABSENT),
        "output": raw.get("Output", ABSENT),
        "assign": raw.get("Assign"),
        "retry": tuple(_retrier(r) for r in raw.get("Retry", [])),
        "catch": tuple(_catcher(c, i) for i, c in enumerate(raw.get("Catch", []))),
        "raw": raw,
    }


def _retrier(raw: Raw) -> Retrier:
    return Retrier(
        error_equals=tuple(raw["ErrorEquals"]),
        interval_seconds=raw.get("IntervalSeconds", 1),
        max_attempts=raw.get("MaxAttempts", 3),
        backoff_rate=float(raw.get("BackoffRate", 2.0)),
        max_delay_seconds=raw.get("MaxDelaySeconds"),
        jitter_strategy=raw.get("JitterStrategy", "NONE"),
        comment=raw.get("Comment"),
    )


def _catcher(raw: Raw, index: int) -> Catcher:
    return Catcher(
        error_equals=tuple(raw["ErrorEquals"]),
        next=raw["Next"],
        result_path=raw.get("ResultPath", "$"),
        output=raw.get("Output", ABSENT),
        assign=raw.get("Assign"),
        comment=raw.get("Comment"),
        index=index,
    )


def _pass(common: dict[str, Any], raw: Raw, language: str) -> State:
    return PassState(**common, result=raw.get("Result", ABSENT))


def _task(common: dict[str, Any], raw: Raw, language: str) -> State:
    return TaskState(
        **common,
        resource=raw["Resource"],
        timeout_seconds=raw.get("TimeoutSeconds", ABSENT),
        timeout_seconds_path=raw.get("TimeoutSecondsPath"),
        heartbeat_seconds=raw.get("HeartbeatSeconds", ABSENT),
        heartbeat_seconds_path=raw.get("HeartbeatSecondsPath"),
        credentials=raw.get("Credentials", ABSENT),
    )


def _choice(common: dict[str, Any], raw: Raw, language: str) -> State:
    branches = tuple(parse_branch(entry, i) for i, entry in enumerate(raw["Choices"]))
    return ChoiceState(**common, choices=branches, default=raw.get("Default"))


def _wait(common: dict[str, Any], raw: Raw, language: str) -> State:
    return WaitState(
        **common,
        seconds=raw.get("Seconds", ABSENT),
        timestamp=raw.get("Timestamp", ABSENT),
        seconds_path=raw.get("SecondsPath"),
        timestamp_path=raw.get("TimestampPath"),
    )


def _succeed(common: dict[str, Any], raw: Raw, language: str) -> State:
    return SucceedState(**common)


def _fail(common: dict[str, Any], raw: Raw, language: str) -> State:
    return FailState(
        **common,
        error=raw.get("Error"),
        cause=raw.get("Cause"),
        error_path=raw.get("ErrorPath"),
        cause_path=raw.get("CausePath"),
    )


def _parallel(common: dict[str, Any], raw: Raw, language: str) -> State:
    branches = tuple(build_machine(b, language) for b in raw["Branches"])
    return ParallelState(**common, branches=branches)


def _map(common: dict[str, Any], raw: Raw, language: str) -> State:
    processor_raw = raw.get("ItemProcessor") or raw["Iterator"]
    config = processor_raw.get("ProcessorConfig", {})
    # Map's legacy Parameters field is its ItemSelector (the guide: Map state fields).
    selector = raw.get("ItemSelector", raw.get("Parameters", ABSENT))
    common["parameters"] = ABSENT
    return MapState(
        **common,
        processor=build_machine(processor_raw, language),
        mode=config.get("Mode", INLINE),
        execution_type=config.get("ExecutionType"),
        items_path=raw.get("ItemsPath", "$"),
        items=raw.get("Items", ABSENT),
        item_selector=selector,
        max_concurrency=raw.get("MaxConcurrency", 0),
        max_concurrency_path=raw.get("MaxConcurrencyPath"),
        label=raw.get("Label"),
        item_reader=raw.get("ItemReader"),
        item_batcher=raw.get("ItemBatcher"),
        result_writer=raw.get("ResultWriter"),
        tolerated_failure_count=raw.get("ToleratedFailureCount", ABSENT),
        tolerated_failure_count_path=raw.get("ToleratedFailureCountPath"),
        tolerated_failure_percentage=raw.get("ToleratedFailurePercentage", ABSENT),
        tolerated_failure_percentage_path=raw.get("ToleratedFailurePercentagePath"),
    )


_BUILDERS: dict[str, Callable[[dict[str, Any], Raw, str], State]] = {
    "Pass": _pass,
    "Task": _task,
    "Choice": _choice,
    "Wait": _wait,
    "Succeed": _succeed,
    "Fail": _fail,
    "Parallel": _parallel,
    "Map": _map,
}
