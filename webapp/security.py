"""Who is asking: the logged-in person (pages) or the token's person (API), and role checks."""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import UserMixin, current_user

from webapp.extensions import db, login_manager
from webapp.params import parse_id
from workflows.models import Person


class AppUser(UserMixin):
    """Flask-Login's view of a Person; the domain model stays free of Flask."""

    def __init__(self, person: Person):
        self.person = person
        self.id = person.id

    def has_role(self, role: str, unit_id: int | None = None) -> bool:
        return self.person.has_role(role, unit_id)


@login_manager.user_loader
def _load_user(user_id: str):
    person_id = parse_id(user_id)
    person = db.session.get(Person, person_id) if person_id else None
    return AppUser(person) if person is not None and person.active else None


def current_person() -> Person:
    """The acting person for this request, from the API token or the login session."""
    if "api_person" in g:
        return g.api_person
    return current_user.person


def role_required(*roles: str):
    """The person must hold one of these roles in some unit (unit checks happen in the services)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(current_user.has_role(r) for r in roles):
                abort(403, description="此页面仅限以下角色访问：" + "、".join(_labels(roles)))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _labels(roles):
    from workflows.models import ROLE_LABELS_BY_CODE

    return [ROLE_LABELS_BY_CODE.get(r, r) for r in roles]


def login_required_blueprint(bp) -> None:
    """Every view of the blueprint needs a logged-in person."""
    from flask_login import login_required

    bp.before_request(login_required(lambda: None))
