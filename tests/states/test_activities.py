"""Activities: workers poll with GetActivityTask and answer with SendTask*."""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.states.harness import finished, history, machine, wait_for
from tests.states.test_api_machines import error_of


def activity_machine(sfn: Any, name: str = "review", **task: Any) -> tuple[str, str]:
    activity = sfn.create_activity(name=name)["activityArn"]
    definition = {
        "StartAt": "Review",
        "States": {"Review": {"Type": "Task", "Resource": activity, "End": True, **task}},
    }
    return activity, machine(sfn, definition)


def test_activity_lifecycle(sfn: Any) -> None:
    first = sfn.create_activity(name="approve")
    again = sfn.create_activity(name="approve")
    sfn.create_activity(name="other")

    described = sfn.describe_activity(activityArn=first["activityArn"])
    listed = sfn.list_activities(maxResults=1)
    sfn.delete_activity(activityArn=first["activityArn"])
    gone = error_of(sfn.describe_activity, activityArn=first["activityArn"])

    assert first["activityArn"] == "arn:aws:states:us-east-1:123456789012:activity:approve"
    assert again["creationDate"] == first["creationDate"]
    assert described["name"] == "approve"
    assert len(listed["activities"]) == 1 and "nextToken" in listed
    assert gone["Code"] == "ActivityDoesNotExist"


def test_worker_answer_completes_the_execution(sfn: Any) -> None:
    activity, arn = activity_machine(sfn, Parameters={"doc.$": "$.doc"})
    execution = sfn.start_execution(stateMachineArn=arn, input='{"doc": 7}')["executionArn"]

    task: dict[str, Any] = {}
    wait_for(
        lambda: (
            task.update(sfn.get_activity_task(activityArn=activity, workerName="w"))
            or "taskToken" in task
        ),
        what="a task",
    )
    sfn.send_task_success(taskToken=task["taskToken"], output='{"approved": true}')
    done = finished(sfn, execution)
    events = history(sfn, execution)
    kinds = [e["type"] for e in events]

    assert events[3]["activityStartedEventDetails"] == {"workerName": "w"}
    assert json.loads(task["input"]) == {"doc": 7}
    assert json.loads(done["output"]) == {"approved": True}
    assert kinds[2:6] == [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
    ]


def test_a_waiting_worker_gets_a_task_scheduled_later(sfn: Any, service: Any) -> None:
    activity, arn = activity_machine(sfn)
    got: dict[str, Any] = {}
    from tests.states.harness import client

    def poll() -> None:
        # A worker polls again when a poll ends empty, as real workers do.
        worker_client = client(service.url)
        for _ in range(20):
            got.update(worker_client.get_activity_task(activityArn=activity))
            if "taskToken" in got:
                return

    worker = threading.Thread(target=poll)
    worker.start()
    execution = sfn.start_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"]
    worker.join(timeout=30)

    sfn.send_task_failure(taskToken=got["taskToken"], error="Rejected", cause="no")
    done = finished(sfn, execution)

    assert (done["status"], done["error"]) == ("FAILED", "Rejected")
    assert "ActivityFailed" in [e["type"] for e in history(sfn, execution)]


def test_no_task_answers_empty_after_the_poll(sfn: Any) -> None:
    activity = sfn.create_activity(name="idle")["activityArn"]

    answer = sfn.get_activity_task(activityArn=activity)

    assert "taskToken" not in answer


def test_activities_carry_tags(sfn: Any) -> None:
    activity = sfn.create_activity(name="tagged", tags=[{"key": "team", "value": "ops"}])[
        "activityArn"
    ]

    sfn.tag_resource(resourceArn=activity, tags=[{"key": "tier", "value": "1"}])
    tags = sfn.list_tags_for_resource(resourceArn=activity)["tags"]

    assert tags == [{"key": "team", "value": "ops"}, {"key": "tier", "value": "1"}]


def test_an_activity_without_heartbeats_times_out(
    timed_sfn: Any, timed_service: Any, clock: Any
) -> None:
    from tests.states.harness import advance_when_due

    activity, arn = activity_machine(timed_sfn, HeartbeatSeconds=5, TimeoutSeconds=100)
    execution = timed_sfn.start_execution(stateMachineArn=arn)["executionArn"]
    task: dict[str, Any] = {}
    wait_for(
        lambda: (
            task.update(timed_sfn.get_activity_task(activityArn=activity)) or "taskToken" in task
        ),
        what="a task",
    )

    advance_when_due(clock, 5, 4)
    timed_sfn.send_task_heartbeat(taskToken=task["taskToken"])
    # The first limit (5 s) passes quietly, the heartbeat at 4 s having moved it to 9 s.
    advance_when_due(clock, 1)
    alive = timed_sfn.describe_execution(executionArn=execution)["status"]
    advance_when_due(clock, 4)
    done = finished(timed_sfn, execution)
    kinds = [e["type"] for e in history(timed_sfn, execution)]

    assert alive == "RUNNING"
    assert (done["status"], done["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert "ActivityTimedOut" in kinds
