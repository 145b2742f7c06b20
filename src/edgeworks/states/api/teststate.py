"""TestState: run one state of a definition on a given input, without an execution.

The definition is either one state's JSON, or a whole machine together with ``stateName``.
A single state's transitions (Next, Default, Choices, Catch) may name states that are not
there; they are stood in for so that the state validates on its own, as the service allows.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

from edgeworks.states.api import inputs
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.protocol import Caller
from edgeworks.states.errors import ApiError, validation
from edgeworks.states.language import (
    ABSENT,
    DefinitionError,
    Scope,
    StateMachine,
    parse_definition,
)
from edgeworks.states.runtime.context import Run, iso
from edgeworks.states.runtime.journal import Journal
from edgeworks.states.runtime.single import Mock, Trial, run_one

LEVELS = ("INFO", "DEBUG", "TRACE")
_TEST_NAME = "TestState"


async def test_state(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """TestState."""
    definition = inputs.required_str(body, "definition")
    level = inputs.choice(body, "inspectionLevel", LEVELS, "INFO")
    data = json.loads(inputs.json_text(body, "input", "InvalidExecutionInput"))
    variables = _object(body, "variables")
    state = _state(definition, inputs.optional_str(body, "stateName"))
    retries = _retries(body)

    run = _run(deps, caller)
    scope = Scope(
        context=_object(body, "context") or _context(run, state.name),
        variables=variables,
        random=random.Random(0),
    )
    trial = await run_one(state, data, scope, run, mock=_mock(body), retries=retries)
    return _answer(trial, level or "INFO")


def _state(definition: str, name: str | None) -> Any:
    try:
        document = json.loads(definition)
    except json.JSONDecodeError as exc:
        raise ApiError("InvalidDefinition", f"Invalid State Machine Definition: '{exc}'") from exc
    if not isinstance(document, dict):
        raise ApiError("InvalidDefinition", "Invalid State Machine Definition: not an object")
    if name is None and "States" not in document:
        document = _wrapped(document)
        name = _TEST_NAME
    machine = _parsed(document)
    if name is None:
        name = machine.start_at
    if name not in machine.states:
        raise validation("stateName", name, "Member must name a state of the definition")
    return machine.states[name]


def _wrapped(state: dict[str, Any]) -> dict[str, Any]:
    targets = {state.get("Next"), state.get("Default")}
    for rule in state.get("Choices", []) + state.get("Catch", []):
        if isinstance(rule, dict):
            targets.add(rule.get("Next"))
    states: dict[str, Any] = {t: {"Type": "Succeed"} for t in targets if isinstance(t, str)}
    states[_TEST_NAME] = state
    return {"StartAt": _TEST_NAME, "States": states}


def _parsed(document: dict[str, Any]) -> StateMachine:
    try:
        return parse_definition(document)
    except DefinitionError as exc:
        raise ApiError("InvalidDefinition", exc.message()) from exc


def _object(body: dict[str, Any], member: str) -> dict[str, Any]:
    text = inputs.optional_str(body, member)
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation(member, text[:200], f"Member must be JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise validation(member, text[:200], "Member must be a JSON object")
    return value


def _retries(body: dict[str, Any]) -> int:
    config = body.get("stateConfiguration") or {}
    count = config.get("retrierRetryCount", 0) if isinstance(config, dict) else 0
    if not isinstance(count, int) or count < 0:
        raise validation("stateConfiguration.retrierRetryCount", count, "Member must be >= 0")
    return count


def _mock(body: dict[str, Any]) -> Mock:
    found = body.get("mock") or {}
    if not isinstance(found, dict):
        raise validation("mock", found, "Member must be an object")
    mock = Mock()
    if found.get("result") is not None:
        try:
            mock.result = json.loads(found["result"])
        except (TypeError, json.JSONDecodeError) as exc:
            raise validation("mock.result", found["result"], "Member must be JSON") from exc
    failure = found.get("errorOutput")
    if isinstance(failure, dict):
        mock.error = str(failure.get("error") or "")
        mock.cause = failure.get("cause")
    return mock


def _run(deps: Deps, caller: Caller) -> Run:
    arn = f"arn:aws:states:{caller.region}:{caller.account}:execution:{_TEST_NAME}:{uuid.uuid4()}"
    machine = f"arn:aws:states:{caller.region}:{caller.account}:stateMachine:{_TEST_NAME}"
    engine = deps.engine
    return Run(
        arn=arn,
        name=arn.rsplit(":", 1)[1],
        machine_arn=machine,
        machine_name=_TEST_NAME,
        role_arn="",
        input={},
        started=deps.clock.now(),
        region=caller.region,
        account=caller.account,
        journal=Journal(arn, None),
        clock=deps.clock,
        functions=engine.functions,
        callbacks=engine.callbacks,
        children=engine,
        activities=engine.activities,
        durable=False,
    )


def _context(run: Run, name: str) -> dict[str, Any]:
    context = run.context()
    context["State"] = {"EnteredTime": iso(run.started), "Name": name, "RetryCount": 0}
    return context


def _answer(trial: Trial, level: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"status": trial.status}
    if trial.output is not ABSENT:
        answer["output"] = json.dumps(trial.output, separators=(",", ":"))
    if trial.next_state is not None:
        answer["nextState"] = trial.next_state
    if trial.error is not None:
        answer["error"] = trial.error
    if trial.cause is not None:
        answer["cause"] = trial.cause
    if level != "INFO":
        inspection: dict[str, Any] = {
            k: json.dumps(v, separators=(",", ":")) for k, v in trial.stages.items()
        }
        if trial.error_details:
            inspection["errorDetails"] = trial.error_details
        answer["inspectionData"] = inspection
    return answer
