"""Passwords in one place: scrypt hashing, the rules a new password must meet, and one-time passwords."""

from __future__ import annotations

import functools
import secrets
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_KINDS = 3  # of: upper-case letters, lower-case letters, digits, other characters
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"
# no 0/O, 1/l/I: a one-time password is read aloud or copied from a screen
_OTP_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ" + "abcdefghjkmnpqrstuvwxyz"
_OTP_DIGITS = "23456789"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@functools.cache
def _dummy_hash() -> str:
    """A real hash of a random password with the same parameters, computed once per process."""
    return hash_password(secrets.token_urlsafe(24))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without a hash (unknown or inactive person) spend the same scrypt time and refuse."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


@functools.cache
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _kinds(password: str) -> int:
    return sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def password_problems(password: str, username: str) -> list[str]:
    """Why a new password is refused, each saying what to do instead; empty when it may be used."""
    if len(password) < MIN_LENGTH:
        return [f"新密码至少 {MIN_LENGTH} 位（现有 {len(password)} 位），请设置更长的密码"]
    if len(password) > MAX_LENGTH:
        return [f"新密码不能超过 {MAX_LENGTH} 位"]
    problems = []
    if password != password.strip():
        problems.append("新密码的开头和结尾不能是空格")
    if _kinds(password) < MIN_KINDS:
        problems.append("新密码须包含大写字母、小写字母、数字、符号中的至少三类")
    name = (username or "").strip().lower()
    if name and (password.lower() == name or (len(name) >= 3 and name in password.lower())):
        problems.append("新密码不能与用户名相同，也不能包含用户名")
    if password.lower() in _common():
        problems.append("该密码属于最常见的密码，容易被猜中，请换一个")
    return problems


def one_time_password() -> str:
    """Three groups of four, e.g. Kp7m-Xq4r-Tz9w: upper, lower, digit and symbol, so it passes the rules itself."""
    while True:
        text = "".join(secrets.choice(_OTP_LETTERS + _OTP_DIGITS) for _ in range(12))
        if _kinds(text) == 3:
            return "-".join(text[i : i + 4] for i in range(0, 12, 4))
