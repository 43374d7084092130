"""docker-compose.yml, deploy/Dockerfile and deploy/Caddyfile against the product they deploy.

No container engine runs on this machine, so the images are not built here.
What can drift without one is checked: docker-compose accepts the file with
every profile; each DB-GPT service's command is a `dbgpt` command line our CLI
accepts; each DBGPT_* variable is a setting whose value parses; every address
a service is given (controller, metadata database, Chroma, the proxy's
upstream, healthchecks) names a service and the port it listens on; every
service has a healthcheck and waits for the healthy ones it needs; secrets
come from files git never holds; data lives in named volumes; the images
are pinned and hold every package the project installs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from urllib.parse import urlparse

import click
import pytest
import typer
import yaml
from sqlalchemy.engine import make_url

from server.cli.main import app
from server.settings import Settings
from tests.support.helpers import REPO, missing

COMPOSE_FILE = REPO / "docker-compose.yml"
DEPLOY = REPO / "deploy"
PROFILES = ([], ["--profile", "gpu"], ["--profile", "vllm"])
UVICORN = {"FORWARDED_ALLOW_IPS"}  # read by uvicorn itself (docs/security.md)


def interpolate(value):
    """`${NAME:-default}` as compose resolves it with NAME unset."""
    if isinstance(value, str):
        return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    return value


COMPOSE = interpolate(yaml.safe_load(COMPOSE_FILE.read_text()))
SERVICES = {name: s for name, s in COMPOSE["services"].items()}
DBGPT = sorted(name for name, s in SERVICES.items() if s.get("image", "").startswith("dbgpt"))
SECRET_SETTINGS = {"cluster_secret": "DBGPT_CLUSTER_SECRET_FILE", "secret_key": "DBGPT_SECRET_KEY_FILE",
                   "admin_password": "DBGPT_ADMIN_PASSWORD_FILE", "postgres_password": "DBGPT_METADATA_PASSWORD_FILE"}


def test_docker_compose_accepts_the_file_with_every_profile():
    program = shutil.which("docker-compose")
    if program is None:
        missing("docker-compose is not installed (make system-deps installs it)")
    for profile in PROFILES:
        checked = subprocess.run([program, "-f", str(COMPOSE_FILE), *profile, "config", "-q"],
                                 capture_output=True, text=True, timeout=60, cwd=REPO)
        assert checked.returncode == 0, checked.stderr


def parse_cli(argv: list[str]) -> click.Context:
    """Parse a `dbgpt ...` command line the way the CLI would, without running it."""
    assert argv[0] == "dbgpt"
    group = typer.main.get_command(app)
    command = group.get_command(click.Context(group), argv[1])
    assert command is not None, f"no `dbgpt {argv[1]}` command"
    return command.make_context(argv[1], list(argv[2:]))


def port_of(name: str) -> int:
    """The port a service listens on, from its own command line or its image's documented port."""
    command = SERVICES[name].get("command")
    if command and command[0] == "dbgpt":
        return parse_cli(command).params["port"]
    return {"chroma": 8000, "postgres": 5432}[name]


@pytest.mark.parametrize("name", DBGPT)
def test_each_dbgpt_service_runs_a_command_line_the_cli_accepts(name):
    params = parse_cli(SERVICES[name]["command"]).params
    assert params["host"] == "0.0.0.0", "a service in a container listens on every address"
    if params.get("attn_implementation"):
        assert params["attn_implementation"] in ("sdpa", "flash_attention_2")


def test_the_workers_and_the_api_find_the_controller_by_its_service_name():
    url = f"http://controller:{port_of('controller')}"
    workers = [n for n in DBGPT if SERVICES[n]["command"][1] == "worker"]
    assert {"worker", "worker-gpu", "worker-vllm"} <= set(workers)
    for name in workers:
        assert parse_cli(SERVICES[name]["command"]).params["controller_url"] == url
    assert SERVICES["api"]["environment"]["DBGPT_CONTROLLER_URL"] == url


def test_the_profiles_are_the_gpu_engines():
    backends = {parse_cli(SERVICES[n]["command"]).params["backend"]: SERVICES[n].get("profiles") for n in DBGPT
                if SERVICES[n]["command"][1] == "worker"}
    assert backends == {"llamacpp": None, "transformers": ["gpu"], "vllm": ["vllm"]}
    for name in ("worker-gpu", "worker-vllm"):
        assert SERVICES[name]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]


@pytest.mark.parametrize("name", DBGPT)
def test_each_dbgpt_variable_is_a_setting_whose_value_parses(name, monkeypatch):
    variables = {k: str(v) for k, v in (SERVICES[name].get("environment") or {}).items()}
    for key in variables:
        if key in UVICORN:
            continue
        assert key.startswith("DBGPT_") and key.removeprefix("DBGPT_").lower() in Settings.model_fields, \
            f"{key} is no setting"
    for key in [k for k in os.environ if k.startswith("DBGPT_")]:
        monkeypatch.delenv(key)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    Settings()  # raises on a value that does not parse


def test_the_api_reaches_the_metadata_database_and_chroma_by_their_services():
    api = SERVICES["api"]["environment"]
    metadata = make_url(api["DBGPT_METADATA_URL"])
    postgres = SERVICES["postgres"]["environment"]
    assert (metadata.get_backend_name(), metadata.host, metadata.port) == ("postgresql", "postgres", port_of("postgres"))
    assert (metadata.username, metadata.database) == (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    assert metadata.password is None, "the password comes from its secret file"
    chroma = urlparse(api["DBGPT_CHROMA_URL"])
    assert (chroma.hostname, chroma.port) == ("chroma", port_of("chroma"))
    tomllib_pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    [client] = [p.split("==")[1] for p in tomllib_pins if p.startswith("chromadb==")]
    assert SERVICES["chroma"]["image"] == f"chromadb/chroma:{client}", "the server matches the client we pin"


def test_every_part_reads_its_secrets_from_compose_secrets_git_never_holds():
    secrets = COMPOSE["secrets"]
    assert set(secrets) == set(SECRET_SETTINGS)
    deploy_doc = (REPO / "docs" / "deploy.md").read_text()
    for name, secret in secrets.items():
        path = (REPO / secret["file"]).resolve()
        assert path.parent == DEPLOY / "secrets"
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO, capture_output=True)
        assert ignored.returncode == 0, f"{path} could be committed"
        assert f"> deploy/secrets/{name}" in deploy_doc, f"docs/deploy.md says how to make {name}"
    for service_name, service in SERVICES.items():
        environment = service.get("environment") or {}
        for name in service.get("secrets", []):
            if service_name in DBGPT:
                assert environment[SECRET_SETTINGS[name]] == f"/run/secrets/{name}", (service_name, name)
        for key, value in environment.items():
            assert key not in ("DBGPT_CLUSTER_SECRET", "DBGPT_SECRET_KEY", "POSTGRES_PASSWORD"), \
                "a secret's value does not belong in the file"
            if key.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in service["secrets"], (service_name, key)
    for name in DBGPT:
        assert "cluster_secret" in SERVICES[name]["secrets"], f"{name} lacks the cluster secret"
    assert set(SERVICES["api"]["secrets"]) == set(SECRET_SETTINGS)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_a_healthcheck_and_waits_for_healthy_services(name):
    service = SERVICES[name]
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD" and len(test) > 1
    own_ports = re.findall(r"127\.0\.0\.1['\",/:\s]*(\d+)", " ".join(test))
    if name in DBGPT or name in ("chroma",):
        assert own_ports and {int(p) for p in own_ports} == {port_of(name)}, "the healthcheck asks its own port"
    for needed, condition in (service.get("depends_on") or {}).items():
        assert needed in SERVICES
        assert condition == {"condition": "service_healthy"}, f"{name} waits for {needed} to be healthy"


def test_the_api_waits_for_what_it_needs():
    assert set(SERVICES["api"]["depends_on"]) == {"controller", "postgres", "chroma"}
    assert set(SERVICES["proxy"]["depends_on"]) == {"api"}


def test_state_lives_in_named_volumes_and_only_config_is_mounted_from_the_folder():
    named = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert volume.endswith(":ro"), f"{name}: a folder of this checkout is mounted read-only"
                assert (REPO / source).resolve().parent == DEPLOY or (REPO / source).resolve() == DEPLOY / "Caddyfile"
            else:
                assert source in named, f"{name}: {source} is no named volume"
    for name in ("api", "chroma", "postgres"):
        assert SERVICES[name]["volumes"], f"{name} keeps its state in a volume"


def test_only_the_proxy_is_published_and_on_this_machine_by_default():
    assert [n for n, s in SERVICES.items() if "ports" in s] == ["proxy"]
    inside = set()
    for port in SERVICES["proxy"]["ports"]:
        host, published, container = port.split(":")
        assert host == "127.0.0.1", "published wider only when DBGPT_BIND says so"
        assert int(published) > 1024
        inside.add(int(container))
    assert inside == {80, 443}
    assert "api" not in [n for n, s in SERVICES.items() if "ports" in s]


def test_the_proxy_spreads_requests_over_every_api_replica_and_serves_tls_only_from_given_files():
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    upstream = re.search(r"dynamic a \{\s*name (\S+)\s*port (\d+)", caddyfile)
    assert upstream and (upstream[1], int(upstream[2])) == ("api", port_of("api"))
    assert "auto_https disable_certs" in caddyfile, "no certificate is ever asked for over the network"
    proxy = SERVICES["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert "./deploy/certs:/certs:ro" in proxy["volumes"]
    assert {"{$DBGPT_SITE::80}", "{$DBGPT_TLS}"} <= set(re.findall(r"\{\$[A-Z_]+(?::[^}]*)?\}", caddyfile))
    assert set(proxy["environment"]) == {"DBGPT_SITE", "DBGPT_TLS"}
    assert (DEPLOY / "certs" / ".gitignore").exists(), "the certificate folder exists, its keys are never committed"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned(name):
    image = SERVICES[name]["image"]
    if name in DBGPT:
        assert image in ("dbgpt:latest", "dbgpt-gpu:latest"), "built here from deploy/Dockerfile"
        return
    assert re.search(r":\d+\.\d+(\.\d+)?(-[a-z]+)?$", image), f"{image} names an exact version"


def test_the_image_sets_only_real_settings_and_copies_every_package():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    script = (REPO / "scripts" / "llama-cpp-wheel.sh").read_text()
    for key in re.findall(r"\b(DBGPT_[A-Z_]+)=", dockerfile):
        if key not in script:  # DBGPT_CPU_LEVEL and DBGPT_WHEEL_CACHE are the wheel script's
            assert key.removeprefix("DBGPT_").lower() in Settings.model_fields, f"{key} is no setting"
    copied = set(re.findall(r"^COPY (\S+) \1$", dockerfile, flags=re.MULTILINE))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = packages | {"ui", "scripts"}
    assert needed <= copied, f"not copied into the image: {sorted(needed - copied)}"
    targets = {s["build"].get("target") for s in SERVICES.values() if "build" in s}
    assert targets <= set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, flags=re.MULTILINE)) | {None}


def test_llama_cpp_is_compiled_in_a_stage_that_sees_only_its_pin_and_script():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stage = dockerfile.split("FROM python:3.11-slim-bookworm AS llama", 1)[1].split("\nFROM ", 1)[0]
    assert re.findall(r"^COPY (\S+)", stage, flags=re.MULTILINE) == ["pyproject.toml", "scripts/llama-cpp-wheel.sh"]
    assert "llama-cpp-wheel.sh" in stage
    assert "COPY --from=llama" in dockerfile
    assert "make venv" not in dockerfile, "the rest installs from pyproject.toml, the wheel already built"


def test_the_docs_and_the_makefile_name_the_compose_file_where_it_is():
    assert not (DEPLOY / "compose.yaml").exists()
    for path in ("Makefile", "README.md", "docs/deploy.md", "docs/architecture.md"):
        text = (REPO / path).read_text()
        assert "deploy/compose.yaml" not in text, path
    assert "docker-compose.yml" in (REPO / "Makefile").read_text()
