"""The Step Functions API: the operation table, and a service that listens and runs it."""

from __future__ import annotations

import functools
import logging
import socket
from pathlib import Path
from typing import Any

from edgeworks.config.model import Limits
from edgeworks.http.server import HTTPServer
from edgeworks.states.api import (
    activities,
    executions,
    history,
    machines,
    mapruns,
    tags,
    tasks,
    teststate,
    versions,
)
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.http_app import MAX_BODY, StatesApp
from edgeworks.states.api.protocol import Dispatcher, Operation
from edgeworks.states.functions import FunctionRunner
from edgeworks.states.runtime import Clock, Engine, SystemClock
from edgeworks.states.store import Store
from edgeworks.states.store.lock import DirectoryLock

log = logging.getLogger(__name__)

_HANDLERS: dict[str, Any] = {
    "CreateStateMachine": machines.create,
    "DescribeStateMachine": versions.describe_machine,
    "ListStateMachines": machines.list_all,
    "UpdateStateMachine": machines.update,
    "DeleteStateMachine": machines.delete,
    "ValidateStateMachineDefinition": machines.validate,
    "StartExecution": executions.start,
    "StartSyncExecution": executions.start_sync,
    "DescribeExecution": executions.describe,
    "StopExecution": executions.stop,
    "ListExecutions": executions.list_all,
    "DescribeStateMachineForExecution": executions.describe_machine,
    "GetExecutionHistory": history.get,
    "TagResource": tags.tag,
    "UntagResource": tags.untag,
    "ListTagsForResource": tags.list_tags,
    "SendTaskSuccess": tasks.success,
    "SendTaskFailure": tasks.failure,
    "SendTaskHeartbeat": tasks.heartbeat,
    "TestState": teststate.test_state,
    "CreateActivity": activities.create,
    "DescribeActivity": activities.describe,
    "DeleteActivity": activities.delete,
    "ListActivities": activities.list_all,
    "GetActivityTask": activities.get_task,
    "PublishStateMachineVersion": versions.publish,
    "ListStateMachineVersions": versions.list_versions,
    "DeleteStateMachineVersion": versions.delete_version,
    "CreateStateMachineAlias": versions.create_alias,
    "DescribeStateMachineAlias": versions.describe_alias,
    "UpdateStateMachineAlias": versions.update_alias,
    "DeleteStateMachineAlias": versions.delete_alias,
    "ListStateMachineAliases": versions.list_aliases,
    "RedriveExecution": executions.redrive,
    "DescribeMapRun": mapruns.describe,
    "ListMapRuns": mapruns.list_all,
    "UpdateMapRun": mapruns.update,
}


def operations(deps: Deps) -> dict[str, Operation]:
    """Return every implemented operation bound to ``deps``."""
    return {name: functools.partial(handler, deps) for name, handler in _HANDLERS.items()}


class StatesService:
    """The workflow service: store, engine and API listener together.

    Args:
        data_dir: Where the SQLite database lives (created if missing).
        functions_dir: The folder of local functions, or None.
        clock: The engine's clock; the system clock unless a test passes another.
        account: The account of callers whose access key is not a twelve-digit id.
        region: The region of callers that send no credential scope.
        poll_seconds: How long GetActivityTask waits for a task before answering empty.
    """

    def __init__(
        self,
        data_dir: Path,
        functions_dir: Path | None = None,
        *,
        clock: Clock | None = None,
        account: str = "123456789012",
        region: str = "us-east-1",
        poll_seconds: float = 60.0,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = DirectoryLock(data_dir / "states.lock")
        self.clock = clock or SystemClock()
        self.store = Store(data_dir / "states.sqlite3")
        self.functions = FunctionRunner(functions_dir)
        self.engine = Engine(self.store, self.functions, self.clock)
        deps = Deps(self.store, self.engine, self.clock, poll_seconds)
        self.dispatcher = Dispatcher(operations(deps), account, region)
        limits = Limits(max_body_bytes=MAX_BODY)
        self._server = HTTPServer(StatesApp(self.dispatcher), limits)
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Resume unfinished executions, listen, and return the bound port."""
        self.engine.resume()
        sock = socket.create_server((host, port), reuse_port=False)
        await self._server.start(sock)
        self.port = sock.getsockname()[1]
        log.info("states API listening on %s:%d", host, self.port)
        return self.port

    async def close(self) -> None:
        """Stop listening and stop running executions; they resume on the next start."""
        await self._server.drain(timeout=2.0)
        await self.engine.close()
        self.functions.close()
        self.store.close()
        self._lock.release()
