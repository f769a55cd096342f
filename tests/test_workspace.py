"""Collections kept apart on the real store and model; login settings parsed strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.auth import AuthConfigError, credentials
from rag.config import Settings
from rag.library import Library
from rag.workspace import Workspace, check_name

HARBOUR = "The harbour authority of Valparaiso inspected forty-two containers on Tuesday."
MINES = "Mining inspectors in Antofagasta closed three copper pits after a landslide."


def _upload(services, tmp_path: Path, name: str, text: str) -> None:
    temp = tmp_path / f"upload-{name}"
    temp.write_text(text, encoding="utf-8")
    report = Library(services).upload([(name, temp)])
    assert (report.added, report.failed) == (1, [])


def test_collection_names_are_checked() -> None:
    assert check_name(" case-b ") == "case-b"
    assert check_name("Venezuela.2025_leaks") == "Venezuela.2025_leaks"
    for bad in ["ab", "-case", "case-", "a b c", "x" * 64, "case/../x", "café", "case..x"]:
        with pytest.raises(ValueError, match="3-63 characters"):
            check_name(bad)
    with pytest.raises(ValueError, match="-docs"):
        check_name("case-docs")


def test_collections_are_separate_investigations(tmp_path: Path, embeddings) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    workspace = Workspace(settings, embeddings)
    assert workspace.collections() == ["newsroom"]
    default = workspace.services("newsroom")
    assert workspace.services("newsroom") is default  # built once
    ports = workspace.create("ports-case")
    assert workspace.collections() == ["newsroom", "ports-case"]
    assert ports.embeddings is default.embeddings is embeddings  # one model for all
    with pytest.raises(ValueError, match="already exists"):
        workspace.create("Ports-Case")
    with pytest.raises(ValueError, match="3-63"):
        workspace.create("x")
    with pytest.raises(KeyError):
        workspace.services("port-case")  # a typo does not start an empty investigation

    _upload(ports, tmp_path, "harbour.txt", HARBOUR)
    _upload(default, tmp_path, "mines.txt", MINES)

    question = "How many containers did the harbour authority inspect?"
    in_ports = ports.pipeline.ask(question)
    assert in_ports.grounded
    assert "forty-two containers" in in_ports.text
    in_default = default.pipeline.ask(question)
    assert all("harbour" not in p.chunk.text for p in in_default.passages)
    assert [e.title for e in Library(ports).entries()] != [
        e.title for e in Library(default).entries()
    ]
    assert len(Library(ports).entries()) == len(Library(default).entries()) == 1
    assert Library(ports).upload_dir != Library(default).upload_dir
    assert ports.settings.bm25_dir != default.settings.bm25_dir

    reopened = Workspace(settings, embeddings)  # persisted: a restart sees both cases
    assert reopened.collections() == ["newsroom", "ports-case"]
    again = reopened.services("ports-case").pipeline.ask(question)
    assert "forty-two containers" in again.text


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(data_dir=tmp_path, **kw)


def test_login_is_off_unless_configured(tmp_path: Path) -> None:
    assert credentials(_settings(tmp_path)) is None
    assert credentials(_settings(tmp_path, auth="  ")) is None


def test_login_from_setting_and_file(tmp_path: Path) -> None:
    assert credentials(_settings(tmp_path, auth="ana:s3cret")) == [("ana", "s3cret")]
    assert credentials(_settings(tmp_path, auth="ana:pa:ss, ben:x")) == [
        ("ana", "pa:ss"),
        ("ben", "x"),
    ]
    users = tmp_path / "users.txt"
    users.write_text("# newsroom logins\n\nana:one\r\nben:two:three\n", encoding="utf-8")
    assert credentials(_settings(tmp_path, auth_file=users)) == [
        ("ana", "one"),
        ("ben", "two:three"),
    ]
    both = credentials(_settings(tmp_path, auth="cy:four", auth_file=users))
    assert both == [("cy", "four"), ("ana", "one"), ("ben", "two:three")]


def test_login_settings_errors_are_clear_and_leak_no_password(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    cases = [
        ({"auth": "ana"}, "RAG_AUTH entry 1: expected user:password, found no ':'"),
        ({"auth": "ana:x,:hunter2"}, "RAG_AUTH entry 2: the user name is empty"),
        ({"auth": "ana:"}, "RAG_AUTH entry 1: the password of user 'ana' is empty"),
        ({"auth": "ana: hunter2"}, "starts or ends with a space"),
        ({"auth": "ana:hunter2,ana:x"}, "user 'ana' is listed twice"),
        ({"auth_file": tmp_path / "missing.txt"}, "RAG_AUTH_FILE: cannot read"),
        ({"auth_file": users}, f"RAG_AUTH_FILE {users} line 2: expected user:password"),
    ]
    users.write_text("ana:hunter2\nben hunter2\n", encoding="utf-8")
    for kw, message in cases:
        with pytest.raises(AuthConfigError) as err:
            credentials(_settings(tmp_path, **kw))
        assert message in str(err.value)
        assert "hunter2" not in str(err.value)
    comments = tmp_path / "empty.txt"
    comments.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(AuthConfigError, match="names no users"):
        credentials(_settings(tmp_path, auth_file=comments))


def test_login_settings_come_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RAG_AUTH", "ana:one")
    monkeypatch.setenv("RAG_AUTH_FILE", str(tmp_path / "u.txt"))
    (tmp_path / "u.txt").write_text("ben:two\n", encoding="utf-8")
    monkeypatch.setenv("RAG_UPLOAD_MAX_MB", "3.5")
    settings = Settings()
    assert credentials(settings) == [("ana", "one"), ("ben", "two")]
    assert settings.upload_max_mb == 3.5
