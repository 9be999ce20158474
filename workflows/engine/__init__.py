"""The only package that imports SpiffWorkflow: run cases, deploy versions, human tasks, deadlines.

Feature packages use the names below; the modules inside are the engine's own business.
"""

from workflows.engine.contracts import ProcessContract, TaskContract  # noqa: F401
from workflows.engine.runtime import (  # noqa: F401
    TASK_ROWS,
    can_act,
    cancel,
    complete_task,
    fire_due_timers,
    inspect,
    lock_instance,
    progress,
    recompute_deadlines,
    recusal,
    start,
    task_data,
)
from workflows.engine.versions import (  # noqa: F401
    Deployed,
    DeployRejected,
    check,
    current_period,
    deploy,
    latest_version,
    task_period,
    verify,
)
