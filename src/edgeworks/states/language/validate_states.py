"""The schema pass for one state: fields per type and query language, and the rules the
service adds for each type (States Language: State Types; the guide's error-handling rules)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language import errors, schema
from edgeworks.states.language.base import JSONATA, JSONPATH
from edgeworks.states.language.checks import FieldChecker, Where
from edgeworks.states.language.query_language import resolve_language
from edgeworks.states.language.validate_rules import check_choices

MachineCheck = Callable[[FieldChecker, Mapping[str, Any], Where, str | None], None]

REQUIRED = {"Task": ("Resource",), "Choice": ("Choices",), "Parallel": ("Branches",)}
TEMPLATES = ("Parameters", "ResultSelector", "ItemSelector", "Credentials")
JSONATA_FIELDS = ("Arguments", "Output", "Items", "ItemSelector", "Credentials", "Error", "Cause")
EXCLUSIVE = (
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ("Error", "ErrorPath"),
    ("Cause", "CausePath"),
    ("MaxConcurrency", "MaxConcurrencyPath"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ("ItemProcessor", "Iterator"),
    ("ItemSelector", "Parameters"),
)


@dataclass(frozen=True)
class Site:
    """The state being checked: where it is, how to name it, and its query language."""

    checker: FieldChecker
    raw: Mapping[str, Any]
    where: Where
    owner: str
    language: str
    machine_language: str
    downgraded: bool = False

    def add(
        self, message: str, *field: str | int, code: str = dg.SCHEMA_VALIDATION_FAILED
    ) -> None:
        """Record a diagnostic about this state (or one of its fields)."""
        self.checker.add(code, message, (*self.where, *field))


def check_state(
    checker: FieldChecker,
    name: str,
    raw: Any,
    where: Where,
    machine_language: str,
    *,
    check_machine: MachineCheck,
) -> None:
    """Check one state of a machine and recurse into its branches or item processor."""
    owner = f"state '{name}'"
    if not isinstance(raw, dict):
        checker.add(dg.SCHEMA_VALIDATION_FAILED, f"The {owner} must be a JSON object", where)
        return
    state_type = raw.get("Type")
    if "Type" not in raw:
        checker.add(dg.SCHEMA_VALIDATION_FAILED, "These fields are required: [Type]", where)
        return
    if state_type not in schema.STATE_TYPES:
        # Worded like the service's other enum diagnostics.
        message = f"Value should be one of the following: [{', '.join(schema.STATE_TYPES)}]"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, "Type"))
        return
    language = resolve_language(checker, raw, (*where, "QueryLanguage"), machine_language)
    # The guide: a state may use JSONata in a JSONPath machine, never the reverse.
    downgraded = machine_language == JSONATA and raw.get("QueryLanguage") == JSONPATH
    if downgraded:
        message = (
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
        )
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, where)
    site = Site(checker, raw, where, owner, language, machine_language, downgraded)

    kinds = schema.fields_for(state_type, site.language)
    anywhere = schema.accepted_anywhere(state_type)
    other = [k for k in raw if k not in kinds and k in anywhere]
    for field in other if not downgraded else []:
        site.add(_other_language(site.language, field))
    own = {k: v for k, v in raw.items() if k not in other}
    checker.fields(own, kinds, where, owner, REQUIRED.get(state_type, ()))
    _check_transition(site, state_type)
    _check_exclusive(site)
    _check_data_fields(site)
    _check_type_rules(site, state_type, check_machine)


def _other_language(language: str, field: str) -> str:
    other = JSONPATH if language == JSONATA else JSONATA
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


def _check_transition(site: Site, state_type: str) -> None:
    if state_type in ("Choice", "Succeed", "Fail"):
        return
    has_next = "Next" in site.raw
    if has_next and "End" in site.raw:
        site.add(f"The {site.owner} cannot have both 'Next' and 'End'", "End")
    elif not has_next and site.raw.get("End") is not True:
        site.add(f"The {site.owner} must have either 'Next' or 'End': true")


def _check_exclusive(site: Site) -> None:
    for first, second in EXCLUSIVE:
        if first in site.raw and second in site.raw:
            site.add(f"The {site.owner} cannot have both '{first}' and '{second}'", second)


def _check_data_fields(site: Site) -> None:
    jsonata = site.language == JSONATA
    if "Assign" in site.raw:
        site.checker.assign(site.raw["Assign"], (*site.where, "Assign"), site.owner, jsonata)
    fields = JSONATA_FIELDS if jsonata else TEMPLATES
    for field in fields:
        if field not in site.raw:
            continue
        if jsonata:
            site.checker.jsonata_template(site.raw[field], (*site.where, field))
        else:
            site.checker.template(site.raw[field], (*site.where, field))


def _check_type_rules(site: Site, state_type: str, check_machine: MachineCheck) -> None:
    if state_type in ("Task", "Parallel", "Map"):
        _check_errors(site)
    if state_type == "Choice":
        check_choices(site.checker, site.raw, site.where, site.owner, site.language)
    elif state_type == "Wait":
        _check_wait(site)
    elif state_type == "Task":
        _check_task(site)
    elif state_type == "Parallel":
        branches = site.raw.get("Branches")
        for index, branch in enumerate(branches if isinstance(branches, list) else []):
            _check_sub_machine(site, branch, ("Branches", index), check_machine)
    elif state_type == "Map":
        _check_map(site, check_machine)


def _check_sub_machine(
    site: Site, raw: Any, field: tuple[str | int, ...], check_machine: MachineCheck
) -> None:
    if not isinstance(raw, dict):
        site.add(f"Each of {field[0]} of {site.owner} must be a JSON object", *field)
        return
    check_machine(site.checker, raw, (*site.where, *field), site.machine_language)


def _check_wait(site: Site) -> None:
    fields = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")
    if sum(f in site.raw for f in fields) != 1:
        site.add(
            f"The {site.owner} must have exactly one of 'Seconds', 'Timestamp', "
            "'SecondsPath' or 'TimestampPath'"
        )


# arn:partition:service:region:account:resource; service integrations leave region and
# account empty (arn:aws:states:::lambda:invoke).
_RESOURCE_ARN = re.compile(r"arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d*:.+\Z")


def _check_task(site: Site) -> None:
    resource = site.raw.get("Resource")
    if isinstance(resource, str) and not _RESOURCE_ARN.match(resource):
        site.add("Value is not a valid resource ARN", "Resource")
    timeout, heartbeat = site.raw.get("TimeoutSeconds"), site.raw.get("HeartbeatSeconds")
    if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
        message = f"The 'HeartbeatSeconds' of {site.owner} must be smaller than 'TimeoutSeconds'"
        site.add(message, "HeartbeatSeconds")
    for field in ("TimeoutSeconds", "HeartbeatSeconds"):
        if site.raw.get(field) == 0:
            site.add(f"The '{field}' of {site.owner} must be at least 1", field)


# The guide: a Map Label has at most 40 characters and none of these (nor whitespace or
# control characters), because it becomes part of map run ARNs.
_LABEL_FORBIDDEN = set('<>{}[]?*"#%\\^|~`$&,;:/')
MAX_LABEL_LENGTH = 40


def _check_label(site: Site) -> None:
    label = site.raw.get("Label")
    if not isinstance(label, str):
        return
    bad = any(c in _LABEL_FORBIDDEN or c.isspace() or ord(c) < 32 for c in label)
    if bad or len(label) > MAX_LABEL_LENGTH:
        message = (
            f"The 'Label' of {site.owner} must have at most {MAX_LABEL_LENGTH} characters and "
            "no whitespace, control or special characters"
        )
        site.add(message, "Label")


def _check_distributed_parts(site: Site) -> None:
    for field, kinds in (
        ("ItemBatcher", schema.ITEM_BATCHER_FIELDS),
        ("ItemReader", schema.ITEM_READER_FIELDS),
        ("ResultWriter", schema.RESULT_WRITER_FIELDS),
    ):
        part = site.raw.get(field)
        if isinstance(part, dict):
            site.checker.fields(part, kinds, (*site.where, field), f"{field} of {site.owner}")
    percentage = site.raw.get("ToleratedFailurePercentage")
    if isinstance(percentage, int | float) and not 0 <= percentage <= 100:
        message = f"The 'ToleratedFailurePercentage' of {site.owner} must be from 0 to 100"
        site.add(message, "ToleratedFailurePercentage")


def _check_map(site: Site, check_machine: MachineCheck) -> None:
    _check_label(site)
    _check_distributed_parts(site)
    field = "ItemProcessor" if "ItemProcessor" in site.raw else "Iterator"
    processor = site.raw.get(field)
    if processor is None:
        site.add("These fields are required: [ItemProcessor]")
        return
    if not isinstance(processor, dict):
        return
    config = processor.get("ProcessorConfig", {})
    mode = config.get("Mode", "INLINE") if isinstance(config, dict) else None
    if mode not in ("INLINE", "DISTRIBUTED"):
        message = f"The 'ProcessorConfig.Mode' of {site.owner} must be INLINE or DISTRIBUTED"
        site.add(message, field, "ProcessorConfig")
    _check_sub_machine(site, processor, (field,), check_machine)


def _check_errors(site: Site) -> None:
    jsonata = site.language == JSONATA
    catcher_fields = schema.CATCHER_FIELDS_JSONATA if jsonata else schema.CATCHER_FIELDS_JSONPATH
    for field, kinds, required in (
        ("Retry", schema.RETRIER_FIELDS, ("ErrorEquals",)),
        ("Catch", catcher_fields, ("ErrorEquals", "Next")),
    ):
        entries = site.raw.get(field)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            what = f"{field}[{index}] of {site.owner}"
            if not isinstance(entry, dict):
                site.add(f"The {what} must be an object", field, index)
                continue
            site.checker.fields(entry, kinds, (*site.where, field, index), what, required)
            _check_error_equals(site, entry, (field, index), last=index == len(entries) - 1)
            if field == "Catch":
                _check_catcher(site, entry, (field, index))
            else:
                _check_retrier(site, entry, (field, index))


def _check_catcher(site: Site, entry: Mapping[str, Any], at: tuple[str | int, ...]) -> None:
    what = f"{at[0]}[{at[1]}] of {site.owner}"
    where = (*site.where, *at)
    jsonata = site.language == JSONATA
    if "Assign" in entry:
        site.checker.assign(entry["Assign"], (*where, "Assign"), what, jsonata, error_output=True)
    if "Output" in entry:
        site.checker.jsonata_template(entry["Output"], (*where, "Output"), error_output=True)


def _check_retrier(site: Site, entry: Mapping[str, Any], at: tuple[str | int, ...]) -> None:
    what = f"{at[0]}[{at[1]}] of {site.owner}"
    rate = entry.get("BackoffRate")
    if isinstance(rate, int | float) and not isinstance(rate, bool) and rate < 1.0:
        site.add(f"The 'BackoffRate' of {what} must be at least 1.0", *at, "BackoffRate")
    jitter = entry.get("JitterStrategy", "NONE")
    if jitter not in ("FULL", "NONE"):
        message = f"The 'JitterStrategy' of {what} must be FULL or NONE, not {jitter}"
        site.add(message, *at, "JitterStrategy")
    for field in ("IntervalSeconds", "MaxDelaySeconds"):
        if entry.get(field) == 0:
            site.add(f"The '{field}' of {what} must be at least 1", *at, field)


def _check_error_equals(
    site: Site, entry: Mapping[str, Any], at: tuple[str | int, ...], *, last: bool
) -> None:
    names = entry.get("ErrorEquals")
    if not isinstance(names, list):
        return
    what = f"{at[0]}[{at[1]}] of {site.owner}"
    if not names or not all(isinstance(n, str) for n in names):
        site.add(f"The 'ErrorEquals' of {what} must be a non-empty array of strings", *at)
        return
    # States Language: Error names; States.ALL must appear alone, in the last entry.
    if errors.ALL in names and (len(names) > 1 or not last):
        message = f"The error name States.ALL in {what} must appear alone and in the last entry"
        site.add(message, *at, "ErrorEquals")
    for name in names:
        if name.startswith("States.") and name not in errors.KNOWN_NAMES:
            message = f"The error name '{name}' in {what} is not a known States error name"
            site.add(message, *at, "ErrorEquals")
