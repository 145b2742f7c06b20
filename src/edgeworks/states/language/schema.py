"""Which fields each state type accepts in each query language, and of which kind.

Tables only: :mod:`validate` walks them (States Language: State Types; the guide's table of
fields per state for JSONPath and JSONata).
"""

from __future__ import annotations

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")

# Field kinds: "string", "boolean", "seconds" (non-negative integer), "number", "object",
# "array", "path" (JSONPath), "definite_path" (JSONPath naming one value),
# "nullable_path" (JSONPath or null), "dynamic" (JSONPath or
# intrinsic call), "reference" (reference path or null), "template" (any JSON with ".$"
# keys), "any", "timestamp", "positive" (integer >= 0), "expression:<kind>" (a JSONata
# string, or a value of <kind>).
# QueryLanguage is checked by query_language.resolve_language, with the service's messages.
COMMON = {"Type": "string", "Comment": "string", "QueryLanguage": "any"}
TRANSITION = {"Next": "string", "End": "boolean"}
JSONPATH_IO = {"InputPath": "nullable_path", "OutputPath": "nullable_path"}
JSONATA_IO = {"Output": "any"}
ASSIGN = {"Assign": "object"}
ERRORS = {"Retry": "array", "Catch": "array"}

_JSONPATH_TYPES: dict[str, dict[str, str]] = {
    "Pass": {
        **TRANSITION,
        **JSONPATH_IO,
        **ASSIGN,
        "Parameters": "template",
        "Result": "any",
        "ResultPath": "reference",
    },
    "Task": {
        **TRANSITION,
        **JSONPATH_IO,
        **ASSIGN,
        **ERRORS,
        "Resource": "string",
        "Parameters": "template",
        "ResultSelector": "template",
        "ResultPath": "reference",
        "TimeoutSeconds": "positive",
        "TimeoutSecondsPath": "definite_path",
        "HeartbeatSeconds": "positive",
        "HeartbeatSecondsPath": "definite_path",
        "Credentials": "template",
    },
    "Choice": {**JSONPATH_IO, **ASSIGN, "Choices": "array", "Default": "string"},
    "Wait": {
        **TRANSITION,
        **JSONPATH_IO,
        **ASSIGN,
        "Seconds": "seconds",
        "Timestamp": "timestamp",
        "SecondsPath": "definite_path",
        "TimestampPath": "definite_path",
    },
    "Succeed": {**JSONPATH_IO},
    "Fail": {
        "Error": "string",
        "Cause": "string",
        "ErrorPath": "dynamic",
        "CausePath": "dynamic",
    },
    "Parallel": {
        **TRANSITION,
        **JSONPATH_IO,
        **ASSIGN,
        **ERRORS,
        "Branches": "array",
        "Parameters": "template",
        "ResultSelector": "template",
        "ResultPath": "reference",
    },
    "Map": {
        **TRANSITION,
        **JSONPATH_IO,
        **ASSIGN,
        **ERRORS,
        "ItemProcessor": "object",
        "Iterator": "object",
        "ItemsPath": "definite_path",
        "ItemSelector": "template",
        "Parameters": "template",
        "MaxConcurrency": "positive",
        "MaxConcurrencyPath": "definite_path",
        "ResultSelector": "template",
        "ResultPath": "reference",
        "Label": "string",
        "ItemReader": "object",
        "ItemBatcher": "object",
        "ResultWriter": "object",
        "ToleratedFailureCount": "positive",
        "ToleratedFailureCountPath": "definite_path",
        "ToleratedFailurePercentage": "number",
        "ToleratedFailurePercentagePath": "definite_path",
    },
}

_JSONATA_TYPES: dict[str, dict[str, str]] = {
    "Pass": {**TRANSITION, **JSONATA_IO, **ASSIGN},
    "Task": {
        **TRANSITION,
        **JSONATA_IO,
        **ASSIGN,
        **ERRORS,
        "Resource": "string",
        "Arguments": "any",
        "TimeoutSeconds": "expression:positive",
        "HeartbeatSeconds": "expression:positive",
        "Credentials": "any",
    },
    "Choice": {**JSONATA_IO, **ASSIGN, "Choices": "array", "Default": "string"},
    "Wait": {
        **TRANSITION,
        **JSONATA_IO,
        **ASSIGN,
        "Seconds": "expression:seconds",
        "Timestamp": "expression:timestamp",
    },
    "Succeed": {**JSONATA_IO},
    "Fail": {"Error": "string", "Cause": "string"},
    "Parallel": {
        **TRANSITION,
        **JSONATA_IO,
        **ASSIGN,
        **ERRORS,
        "Branches": "array",
        "Arguments": "any",
    },
    "Map": {
        **TRANSITION,
        **JSONATA_IO,
        **ASSIGN,
        **ERRORS,
        "ItemProcessor": "object",
        "Items": "expression:array",
        "ItemSelector": "any",
        "MaxConcurrency": "expression:positive",
        "Label": "string",
        "ItemReader": "object",
        "ItemBatcher": "object",
        "ResultWriter": "object",
        "ToleratedFailureCount": "expression:positive",
        "ToleratedFailurePercentage": "expression:number",
    },
}


def fields_for(state_type: str, query_language: str) -> dict[str, str]:
    """Return the accepted fields of ``state_type`` in ``query_language`` with their kinds."""
    table = _JSONATA_TYPES if query_language == "JSONata" else _JSONPATH_TYPES
    return {**COMMON, **table[state_type]}


def accepted_anywhere(state_type: str) -> frozenset[str]:
    """Return every field ``state_type`` accepts in either query language."""
    both = {**_JSONPATH_TYPES[state_type], **_JSONATA_TYPES[state_type]}
    return frozenset({*COMMON, *both})


RETRIER_FIELDS = {
    "ErrorEquals": "array",
    "IntervalSeconds": "positive",
    "MaxAttempts": "positive",
    "BackoffRate": "number",
    "MaxDelaySeconds": "positive",
    "JitterStrategy": "string",
    "Comment": "string",
}
CATCHER_FIELDS_JSONPATH = {
    "ErrorEquals": "array",
    "Next": "string",
    "ResultPath": "reference",
    "Assign": "object",
    "Comment": "string",
}
CATCHER_FIELDS_JSONATA = {
    "ErrorEquals": "array",
    "Next": "string",
    "Output": "any",
    "Assign": "object",
    "Comment": "string",
}
MACHINE_FIELDS = {
    "StartAt": "string",
    "States": "object",
    "Comment": "string",
    "Version": "string",
    "TimeoutSeconds": "positive",
    "QueryLanguage": "any",
}
# Branches and item processors are not states: they take no QueryLanguage of their own and
# follow the state machine's (not the enclosing state's).
BRANCH_FIELDS = {"StartAt": "string", "States": "object", "Comment": "string"}
PROCESSOR_FIELDS = {**BRANCH_FIELDS, "ProcessorConfig": "object"}


# Distributed Map parts (the guide: ItemReader, ItemBatcher, ResultWriter).
ITEM_BATCHER_FIELDS = {
    "MaxItemsPerBatch": "expression:positive",
    "MaxItemsPerBatchPath": "definite_path",
    "MaxInputBytesPerBatch": "expression:positive",
    "MaxInputBytesPerBatchPath": "definite_path",
    "BatchInput": "any",
}
ITEM_READER_FIELDS = {
    "Resource": "string",
    "ReaderConfig": "object",
    "Parameters": "template",
    "Arguments": "any",
}
RESULT_WRITER_FIELDS = {
    "Resource": "string",
    "WriterConfig": "object",
    "Parameters": "template",
    "Arguments": "any",
}
