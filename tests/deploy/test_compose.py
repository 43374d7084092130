"""deploy/compose.yaml and deploy/Dockerfile against the product they deploy.

No container engine runs on this machine, so the images are not built here.
What can drift without one is checked: the compose file is valid for
docker-compose, each service's command is a `dbgpt` command line our CLI
accepts, each DBGPT_* variable is a setting whose value parses, every part
reads the cluster secret from a compose secret that git never holds, and the
image holds every package the project installs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import click
import pytest
import typer
import yaml

from server.cli.main import app
from server.settings import Settings
from tests.support.helpers import REPO, missing

DEPLOY = REPO / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def test_docker_compose_accepts_the_file_with_every_profile():
    program = shutil.which("docker-compose")
    if program is None:
        missing("docker-compose is not installed (make system-deps installs it)")
    for profile in ([], ["--profile", "gpu"]):
        checked = subprocess.run([program, "-f", str(DEPLOY / "compose.yaml"), *profile, "config", "-q"],
                                 capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr


def parse_cli(argv: list[str]) -> click.Context:
    """Parse a `dbgpt ...` command line the way the CLI would, without running it."""
    assert argv[0] == "dbgpt"
    group = typer.main.get_command(app)
    command = group.get_command(click.Context(group), argv[1])
    assert command is not None, f"no `dbgpt {argv[1]}` command"
    return command.make_context(argv[1], list(argv[2:]))


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_runs_a_command_line_the_cli_accepts(name):
    params = parse_cli(SERVICES[name]["command"]).params
    if "host" in params:
        assert params["host"] == "0.0.0.0", "a service in a container listens on every address"


def test_the_workers_and_the_api_find_the_controller_by_its_service_name():
    port = parse_cli(SERVICES["controller"]["command"]).params["port"]
    url = f"http://controller:{port}"
    for name in ("worker", "worker-gpu"):
        assert parse_cli(SERVICES[name]["command"]).params["controller_url"] == url
    assert SERVICES["api"]["environment"]["DBGPT_CONTROLLER_URL"] == url


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_dbgpt_variable_is_a_setting_whose_value_parses(name, monkeypatch):
    variables = {k: str(v) for k, v in (SERVICES[name].get("environment") or {}).items()}
    for key in variables:
        if key.startswith("DBGPT_"):
            assert key.removeprefix("DBGPT_").lower() in Settings.model_fields, f"{key} is no setting"
    for key in [k for k in os.environ if k.startswith("DBGPT_")]:
        monkeypatch.delenv(key)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    Settings()  # raises on a value that does not parse


def test_every_part_reads_the_cluster_secret_from_a_compose_secret_git_never_holds():
    [(name, secret)] = COMPOSE["secrets"].items()
    for service_name, service in SERVICES.items():
        assert name in service.get("secrets", []), f"{service_name} lacks the cluster secret"
        environment = service["environment"]
        assert environment["DBGPT_CLUSTER_SECRET_FILE"] == f"/run/secrets/{name}", service_name
        assert "DBGPT_CLUSTER_SECRET" not in environment, "a secret's value does not belong in the file"
    path = (DEPLOY / secret["file"]).resolve()
    assert path.parent == DEPLOY / "secrets"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO, capture_output=True)
    assert ignored.returncode == 0, f"{path} could be committed"
    assert f"> deploy/secrets/{path.name}" in (REPO / "docs" / "deploy.md").read_text(), "how to make it"


def test_the_image_sets_only_real_settings_and_copies_every_package():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for key in re.findall(r"\b(DBGPT_[A-Z_]+)=", dockerfile):
        if key != "DBGPT_CPU_LEVEL":  # read by scripts/llama-cpp-wheel.sh, not a setting
            assert key.removeprefix("DBGPT_").lower() in Settings.model_fields, f"{key} is no setting"
    copied = set(re.findall(r"^COPY (\S+) \1$", dockerfile, flags=re.MULTILINE))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = packages | {"ui", "scripts"}
    assert needed <= copied, f"not copied into the image: {sorted(needed - copied)}"


def test_the_api_is_published_on_this_machine_only():
    assert all(port.startswith("127.0.0.1:") for port in SERVICES["api"]["ports"])
    assert all("ports" not in service for name, service in SERVICES.items() if name != "api")
