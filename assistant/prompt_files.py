"""Prompts are data: one template file per prompt, rendered with named variables.

Each skill keeps its templates in its own `prompts/` folder and exposes this
folder's `names` and `render` there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template


class PromptFolder:
    def __init__(self, folder: Path):
        self.folder = folder
        self._template = cache(self._load)

    def _load(self, name: str) -> Template:
        return Template((self.folder / f"{name}.txt").read_text(encoding="utf-8"))

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.txt"))

    def render(self, name: str, **variables: str) -> str:
        """Render a template; a missing variable is an error, never a blank."""
        return self._template(name).substitute(**variables).strip()
