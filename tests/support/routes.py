"""Every route an app answers, read from the app itself, so tests follow the code.

FastAPI keeps included routers as branches; `iter_route_contexts` flattens
them with the prefix and the router-wide dependencies applied. Mounted
FastAPI sub-applications (the OpenAI-compatible API at /v1) are walked too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

# Plausible values for path parameters, by name.
PATH_VALUES = {"name": "demo", "job_id": "0123456789ab", "example_id": "1", "key_id": "abcdefghijkl",
               "conversation_id": "0123456789abcdef", "n": "1"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with {parameters}
    calls: frozenset[Callable]  # every dependency callable, however deep

    @property
    def url(self) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], self.path)

    def needs(self, dependency: Callable) -> bool:
        return dependency in self.calls

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _calls(dependant) -> Iterator[Callable]:
    if dependant is None:
        return
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def every_route(app, prefix: str = "") -> Iterator[Route]:
    """The app's routes with their methods (HEAD left out), mounts of FastAPI apps walked into."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.route, Mount):
            inner = context.route.app
            if hasattr(inner, "openapi"):  # a FastAPI sub-application
                yield from every_route(inner, prefix + context.route.path)
            continue
        calls = frozenset(_calls(getattr(context, "dependant", None)))
        for method in sorted((context.methods or set()) - {"HEAD"}):
            yield Route(method, prefix + context.path, calls)


def static_mounts(app) -> dict[str, object]:
    """Mounts that serve files (not FastAPI apps): path -> ASGI app."""
    return {c.route.path: c.route.app for c in iter_route_contexts(app.routes)
            if isinstance(c.route, Mount) and not hasattr(c.route.app, "openapi")}
