"""Prompt templates are files in this folder (versioned), loaded by name and checked at load.

Why files: a newsroom reviews and versions what the model is told like any other editorial
rule, and the audit record names the prompt version used for each answer. The templates ship
inside the package (package data), so an installed wheel finds them too; the repository's
top-level ``prompts/`` is a symlink to this folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PROMPTS_DIR = Path(__file__).resolve().parent
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class PromptError(ValueError):
    """A prompt file is missing, malformed, or its placeholders do not match its header."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str

    @property
    def label(self) -> str:
        return f"{self.name}.v{self.version}"

    def render(self, **values: str) -> tuple[str, str]:
        """(system, user) with placeholders filled; values are inserted as-is, once."""
        return _fill(self.system, values), _fill(self.user, values)


def _fill(template: str, values: dict[str, str]) -> str:
    # One pass, so a value containing "{question}" is never expanded again.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def load_prompt(name: str, version: int | None = None, folder: Path = PROMPTS_DIR) -> Prompt:
    """The prompt ``name`` at ``version`` (default: the highest version on disk)."""
    files = sorted(folder.glob(f"{name}.v*.md"), key=lambda p: int(p.stem.rsplit(".v", 1)[1]))
    if version is not None:
        files = [p for p in files if p.stem == f"{name}.v{version}"]
    if not files:
        raise PromptError(f"no prompt '{name}' in {folder}")
    path = files[-1]
    raw = path.read_text(encoding="utf-8")
    try:
        _, header, body = raw.split("---", 2)
        meta = yaml.safe_load(header)
    except ValueError as exc:
        raise PromptError(f"{path.name}: missing front matter") from exc
    parts = _SECTION.split(body)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"}:
        raise PromptError(f"{path.name}: needs exactly a [system] and a [user] section")
    declared = set(meta.get("placeholders", []))
    used = set(_PLACEHOLDER.findall(sections["system"] + sections["user"]))
    if declared != used:
        raise PromptError(f"{path.name}: uses {sorted(used)} but declares {sorted(declared)}")
    return Prompt(str(meta["name"]), int(meta["version"]), sections["system"], sections["user"])
