"""The `dbgpt` command."""

from __future__ import annotations

import typer

from server.cli import model, serve, sql
from server.cli.doctor import doctor

app = typer.Typer(
    help="DB-GPT: a local, private database assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve.serve)
app.command()(serve.controller)
app.command()(serve.worker)
app.command()(sql.sql)
app.command()(doctor)
app.add_typer(model.app, name="model")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
