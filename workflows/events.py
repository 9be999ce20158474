"""Domain events: the engine and BPMN scripts publish, feature packages listen.

Who hears what is listed once, in workflows/bootstrap.py, and handed over by `configure`. Listeners run
inside the publisher's transaction, so what they write commits or rolls back with the step that caused it.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

Listener = Callable[..., None]
_listeners: dict[str, tuple[Listener, ...]] | None = None


class NotConfigured(RuntimeError):
    """Publishing before bootstrap would silently drop every reaction: a grant, a record, a notice."""


def configure(listeners: dict[str, tuple[Listener, ...]]) -> None:
    global _listeners
    _listeners = dict(listeners)


def publish(session: Session, name: str, **payload) -> None:
    """Call fn(session, event=name, **payload) for every listener of `name`."""
    if _listeners is None:
        raise NotConfigured("workflows.bootstrap.bootstrap() must run before any case moves")
    for listener in _listeners.get(name, ()):
        listener(session, event=name, **payload)
