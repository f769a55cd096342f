"""Import gradio without regenerating its type stubs: the biggest single cost of the app's start.

Why: gradio 6.31 (pinned) runs ``gradio.component_meta.create_or_modify_pyi`` for every
component class it defines, at every import: it reads the component's source file, parses it
with ``ast`` and rewrites the ``.pyi`` stub beside it in site-packages. That is a tool for
gradio's own developers; nothing at run time reads those stubs. Measured here (cProfile of
``import gradio``): about 2.0 of 3.8 s. A journalist waiting for the first page pays for it on
every start, so before gradio is imported a finder wraps the loading of that one module and
replaces the stub writer with a function that does nothing.

If a gradio release renames or drops the function, nothing is replaced and gradio imports as
it always did (only slower).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

TARGET = "gradio.component_meta"
STUB_WRITER = "create_or_modify_pyi"


def _skip_stubs(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for gradio's ``.pyi`` writer: the running app never reads the stubs."""


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        if callable(getattr(module, STUB_WRITER, None)):
            setattr(module, STUB_WRITER, _skip_stubs)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Loader(spec.loader)
                return spec
        return None


def skip_stub_writing() -> None:
    """Arrange for gradio to skip its stub writer, if gradio is not imported yet (else it is
    too late: ``stub_writing_skipped`` says which happened)."""
    if TARGET not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def stub_writing_skipped() -> bool:
    """Did the gradio in this process load without its stub writer?"""
    loaded = sys.modules.get(TARGET)
    return loaded is not None and getattr(loaded, STUB_WRITER, None) is _skip_stubs
