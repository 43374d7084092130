"""QA prompts are data: one template file per prompt, rendered with named variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

HERE = Path(__file__).parent


@cache
def _template(name: str) -> Template:
    return Template((HERE / f"{name}.txt").read_text(encoding="utf-8"))


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.txt"))


def render(name: str, **variables: str) -> str:
    """Render a template; a missing variable is an error, never a blank."""
    return _template(name).substitute(**variables).strip()
