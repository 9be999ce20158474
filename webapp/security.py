"""Who is asking: the logged-in person (pages) or the token's person (API), and role checks."""

from __future__ import annotations

import unicodedata
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from webapp.extensions import db, login_manager
from webapp.params import parse_id
from workflows.models import ROLE_LABELS_BY_CODE, Person
from workflows.organisation.accounts import may_keep_session


class AppUser(UserMixin):
    """Flask-Login's view of a Person; the domain model stays free of Flask."""

    def __init__(self, person: Person):
        self.person = person
        self.id = person.id

    def has_role(self, role: str, unit_id: int | None = None) -> bool:
        return self.person.has_role(role, unit_id)


EXPIRED_POST = "您的登录已过期，刚才的提交未保存，请重新登录后再提交"
GENERATION_KEY = "_generation"  # the person's session_generation when this cookie was issued


@login_manager.user_loader
def _load_user(user_id: str):
    """A session is honoured only while its person is active and has not ended their sessions since."""
    person_id = parse_id(user_id)
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or not may_keep_session(person) or session.get(GENERATION_KEY) != person.session_generation:
        return None
    return AppUser(person)


def start_session(person: Person) -> None:
    """Log the person in with their current generation, so a later end_sessions refuses this cookie."""
    login_user(AppUser(person))
    session[GENERATION_KEY] = person.session_generation


def end_session() -> None:
    """Forget the login in this browser (end_sessions has already refused it everywhere)."""
    logout_user()
    session.pop(GENERATION_KEY, None)


def safe_next(target: str | None, default: str) -> str:
    """A redirect target taken from the request, kept only when it is a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(unicodedata.category(ch) == "Cc" for ch in target):
        return default  # browsers read \ as / and drop tabs and newlines: "/\t/evil" becomes "//evil"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


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
    return [ROLE_LABELS_BY_CODE.get(r, r) for r in roles]


def login_required_blueprint(bp) -> None:
    """Every view of the blueprint needs a logged-in person."""
    bp.before_request(login_required(lambda: None))


@login_manager.unauthorized_handler
def _unauthorized():
    """To the login page, then back: a page asked for comes back; a form sent without a login was NOT saved,
    so the person is told so and returns to the page the form was on."""
    if request.path.startswith("/api/"):
        abort(401)
    if request.method in ("GET", "HEAD"):
        flash(login_manager.login_message, login_manager.login_message_category)
        back = request.full_path.rstrip("?")
    else:
        flash(EXPIRED_POST, "danger")
        back = form_page()
    return redirect(url_for("auth.login", next=safe_next(back, url_for("home.workbench"))))


def form_page() -> str:
    """The same-site page a POST came from (its Referer), else the POST's own address when it has a page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    try:
        current_app.url_map.bind(request.host).match(request.path, method="GET")
    except Exception:  # noqa: BLE001 - no page at this address (405/404/redirect): go home
        return url_for("home.workbench")
    return request.full_path.rstrip("?")
