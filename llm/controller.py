"""Run FastChat's own controller in this process.

FastChat keeps the controller in a module global that its `__main__` sets;
we set the same global, so the routes and dispatch are FastChat's, unchanged.
"""

from __future__ import annotations

import uvicorn


def serve_controller(host: str, port: int, dispatch_method: str = "shortest_queue") -> None:
    from fastchat.serve import controller as fastchat_controller

    fastchat_controller.controller = fastchat_controller.Controller(dispatch_method)
    uvicorn.run(fastchat_controller.app, host=host, port=port, log_level="warning")
