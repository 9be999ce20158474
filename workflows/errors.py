"""Domain errors; the web layer maps each to a 4xx status with its Chinese message."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class FieldProblem(str):
    """A problem that belongs to one input field: it reads as its message and knows its field,
    so a form shows it under that field and the API names the field, without parsing the text."""

    field: str

    def __new__(cls, field: str, message: str):
        problem = super().__new__(cls, message)
        problem.field = field
        return problem


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    def __init__(self, details: list[str], message: str = "提交的内容有误，请按提示修改后重试"):
        super().__init__(message, details)

    @property
    def fields(self) -> dict[str, str]:
        """The first problem of each field that has one."""
        found: dict[str, str] = {}
        for problem in self.details:
            if isinstance(problem, FieldProblem):
                found.setdefault(problem.field, str(problem))
        return found


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class AlreadyHandled(Conflict):
    code = "already_handled"

    def __init__(self, message: str = "该任务已由他人办理，请刷新待办列表查看最新状态"):
        super().__init__(message)


class EngineStepFailed(DomainError):
    """A script or expression failed while advancing a case; the stored case is unchanged."""

    status = 422
    code = "engine_step_failed"


# Query parameters of the API and list pages by the name a person reads on the page.
PARAMETER_LABELS = {"scope": "范围", "status": "状态", "overdue": "是否逾期", "process": "流程", "sort": "排序"}


def unknown_choice(label: str, value: str, choices) -> str:
    """One wording wherever a field has fixed choices: the field as shown, the value sent and the choices by their
    Chinese names (a parameter name such as "scope" is shown by its label)."""
    label = PARAMETER_LABELS.get(label, label)
    shown = value if len(value) <= 20 else value[:20] + "…"
    listed = "、".join(str(name) for _code, name in choices)
    return f"{label}：“{shown}”不是可选的值，请从列表中选择（可选：{listed}）"
