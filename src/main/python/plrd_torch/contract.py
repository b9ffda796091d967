"""The worker contract as dev.plrd.plan.WorkerContract states it: exit codes, the result JSON, the failures."""
import json
import os

from . import atomic

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID_INPUT = 2
# 3 is the JVM's out-of-memory exit in WorkerContract, so the gate has its own code there: 10
EXIT_GATE_FAILED = 10
EXIT_NON_FINITE = 11
# what a process stopped by SIGTERM exits with, as the JVM does after its shutdown hooks
EXIT_TERMINATED = 128 + 15

TERMINATION_GRACE_ENV = "PLRD_TERMINATION_GRACE_SECONDS"


class InvalidInput(Exception):
    """Input that no retry can fix: exit 2, reason InvalidInput."""


class GateFailed(Exception):
    """The evaluation gate refused the member: exit 10, reason EvaluationGateFailed."""


class NonFiniteLoss(Exception):
    """The model computes NaN or infinity: exit 11, reason NonFiniteLoss."""


class Stopped(Exception):
    """SIGTERM stopped training after its state was saved: the next attempt resumes."""


def write_result(payload, result, report):
    """The result JSON (StageOutputs or {error, reason}) to --result, written in place as the kubelet provides that
    file, and atomically to --report. Fields that are None are left out, as the Java worker leaves out nulls."""
    text = json.dumps({k: v for k, v in payload.items() if v is not None}, separators=(",", ":"))
    if result:
        with open(result, "w", encoding="utf-8") as f:
            f.write(text)
    if report:
        os.makedirs(os.path.dirname(os.path.abspath(report)), exist_ok=True)
        atomic.write_bytes(report, text.encode("utf-8"))


def failure(reason, message):
    return {"error": message, "reason": reason}
