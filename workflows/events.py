"""Domain events: the engine and BPMN scripts publish, domain modules and notifications listen.

Listeners run inside the publisher's transaction, so what they write commits or rolls
back with the step that caused it.
"""
from __future__ import annotations

import importlib
from collections import defaultdict
from typing import Callable

from sqlalchemy.orm import Session

_listeners: dict[str, list[Callable]] = defaultdict(list)
_LISTENING_MODULES = ("workflows.reminders", "workflows.demands", "workflows.catalog_changes", "workflows.reviews")
_loaded = False


def subscribe(name: str):
    """Decorator: call fn(session, **payload) whenever `name` is published."""

    def decorator(fn: Callable) -> Callable:
        if fn not in _listeners[name]:
            _listeners[name].append(fn)
        return fn

    return decorator


def publish(session: Session, name: str, **payload) -> None:
    load_listeners()
    for listener in list(_listeners.get(name, [])) + list(_listeners.get("*", [])):
        listener(session, event=name, **payload)


def load_listeners() -> None:
    """Import the modules that subscribe, whatever the entry point (web, CLI, sweep, tests)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _LISTENING_MODULES:
            importlib.import_module(module)
