"""The `dbgpt` command."""

from __future__ import annotations

import os

import typer

from server.cli import db, model, serve, sql
from server.cli import knowledge as knowledge_cli
from server.cli.ask import ask
from server.cli import eval as eval_cli
from server.cli import diagnose as diagnose_cli
from server.cli.describe import describe
from server.cli.doctor import doctor
from server.cli.mcp import mcp
from server.cli import users as users_cli

app = typer.Typer(
    help="DB-GPT: a local, private database assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve.serve)
app.command()(serve.api)
app.command()(serve.controller)
app.command()(serve.worker)
app.command()(sql.sql)
app.command(name="diagnose")(diagnose_cli.diagnose)
app.command()(doctor)
app.command()(db.run)
eval_cli.register(app, sql.make_predictor)
app.command()(ask)
app.command()(mcp)
app.add_typer(model.app, name="model")
knowledge_cli.app.command()(describe)
app.add_typer(knowledge_cli.app, name="knowledge")
app.add_typer(db.app, name="db")
app.add_typer(users_cli.user_app, name="user")
app.add_typer(users_cli.key_app, name="key")
app.command()(users_cli.audit)
app.command(name="login-url")(users_cli.login_url)


def main() -> None:
    # Everything a dbgpt process writes (databases, the Chroma store, logs,
    # models, keys) is its owner's alone; child processes inherit this.
    os.umask(0o077)
    app()


if __name__ == "__main__":
    main()
