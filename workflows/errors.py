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


def unknown_choice(name: str, value: str, choices) -> str:
    """One wording wherever a parameter has fixed choices: the value sent and every value allowed, code（label）."""
    shown = value if len(value) <= 50 else value[:50] + "…"
    listed = "、".join(f"{code}（{label}）" for code, label in choices)
    return f"参数 {name} 的值“{shown}”无效，可选：{listed}"
