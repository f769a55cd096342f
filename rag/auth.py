"""Who may log in to a shared deployment: RAG_AUTH and/or RAG_AUTH_FILE, parsed strictly.

Why strict: a typo in the login setting must stop the app with a message, never start it open
to everyone or with a user nobody can log in as. Messages name the entry (and user) at fault,
never a password.
"""

from __future__ import annotations

from pathlib import Path

from rag.config import Settings


class AuthConfigError(ValueError):
    """The login settings cannot be used; the message says which entry and why."""


def _pair(entry: str, where: str) -> tuple[str, str]:
    user, sep, password = entry.partition(":")
    user = user.strip()
    if not sep:
        raise AuthConfigError(f"{where}: expected user:password, found no ':'")
    if not user:
        raise AuthConfigError(f"{where}: the user name is empty")
    if not password:
        raise AuthConfigError(f"{where}: the password of user {user!r} is empty")
    if password != password.strip():
        raise AuthConfigError(
            f"{where}: the password of user {user!r} starts or ends with a space (a typo?)"
        )
    return user, password


def parse_auth(value: str) -> list[tuple[str, str]]:
    """``user:password[,user2:password2]`` (RAG_AUTH); a password may contain ':' but not ','."""
    return [
        _pair(entry.strip(), f"RAG_AUTH entry {i}")
        for i, entry in enumerate(value.split(","), start=1)
    ]


def read_auth_file(path: Path) -> list[tuple[str, str]]:
    """One ``user:password`` per line; blank lines and ``#`` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthConfigError(f"RAG_AUTH_FILE: cannot read {path} ({exc})") from exc
    pairs = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pairs.append(_pair(line.strip(), f"RAG_AUTH_FILE {path} line {n}"))
    if not pairs:
        raise AuthConfigError(f"RAG_AUTH_FILE: {path} names no users")
    return pairs


def credentials(settings: Settings) -> list[tuple[str, str]] | None:
    """The users allowed to log in, or None when login is off (neither setting given).

    Raises ``AuthConfigError`` for an unusable setting (the app must not start).
    """
    pairs: list[tuple[str, str]] = []
    if settings.auth is not None and settings.auth.strip():
        pairs += parse_auth(settings.auth)
    if settings.auth_file is not None:
        pairs += read_auth_file(settings.auth_file)
    if not pairs:
        return None
    seen: set[str] = set()
    for user, _ in pairs:
        if user in seen:
            raise AuthConfigError(f"user {user!r} is listed twice in RAG_AUTH / RAG_AUTH_FILE")
        seen.add(user)
    return pairs
