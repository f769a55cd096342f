"""Document ids: stable across versions of a file and across machines (its place under the
ingested folder, not its absolute path), plus the older absolute-path ids to migrate from."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePath


def doc_id_for(path: Path, root: Path | None = None, namespace: str = "") -> str:
    """Stable id of the document at ``path`` (its versions share it): a hash of its place
    under ``root`` (the folder being ingested; by default the file's own folder), so the
    same file from two machines is one document. ``namespace`` keeps apart files of the
    same name from different kinds of source (uploads vs a corpus folder)."""
    relative = _relative(path, path.parent if root is None else root)
    key = f"rel:{namespace}{relative.as_posix()}"
    return "d" + hashlib.sha1(key.encode()).hexdigest()[:15]


def _relative(path: Path, root: Path) -> PurePath:
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root))


def legacy_doc_id(path: Path) -> str:
    """The id older versions gave ``path`` (a hash of its absolute path), to migrate from."""
    return "d" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:15]


def corpus_root(path: Path, folders: list[Path]) -> Path:
    """The folder ``path`` is ingested as part of: the outermost given folder holding it,
    else its own folder (a file named on its own)."""
    holding = [f for f in folders if path.is_relative_to(f)]
    return min(holding, key=lambda f: len(f.parts)) if holding else path.parent


def attachment_id(path: Path, index: int, name: str) -> str:
    """Stable id of an email's ``index``-th attachment (same shape as ``doc_id_for``)."""
    key = f"{path.resolve()}#{index}:{name}"
    return "d" + hashlib.sha1(key.encode()).hexdigest()[:15]
