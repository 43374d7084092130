"""The one Settings object: built once at start-up and passed down.

Values come, highest first, from constructor arguments, `DBGPT_*` environment
variables, an optional TOML file (`DBGPT_CONFIG`, else `./dbgpt.toml`), then
the defaults below. Everything the service writes lives under `data_dir`, so
two data dirs never interfere.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _config_file() -> Path:
    return Path(os.environ.get("DBGPT_CONFIG", "dbgpt.toml"))


def read_secret_file(path: Path, what: str, variable: str) -> str:
    """A secret kept in a file (a docker compose secret), surrounding whitespace removed."""
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ValueError(f"cannot read the {what} file {path} ({variable}): {exc.strerror}") from exc


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DBGPT_", extra="ignore")

    data_dir: Path = Path("data")

    # Network: the API, the FastChat controller and the first worker.
    host: str = "127.0.0.1"
    port: int = 5670
    controller_port: int = 21001
    worker_port: int = 21002
    controller_url: str | None = None  # an external controller; None = start our own

    # The model.
    model_name: str = "qwen2.5-coder-1.5b-instruct"
    model_path: Path | None = None  # a local GGUF file; skips the download
    model_dir: Path | None = None  # where models are cached; default data_dir/models
    n_ctx: int = 4096
    n_threads: int | None = None
    worker_queue_size: int = 8
    worker_heartbeat_s: int = 15  # FastChat's default is 45
    worker_expiry_s: int = 45  # the controller drops a silent worker after this
    llm_timeout_s: float = 300.0
    llm_attempts: int = Field(3, ge=1)  # workers tried for one request before giving up
    embedding_model_name: str = "all-minilm-l6-v2"  # the name an embedding worker registers

    # Access: who may reach the API and from where (docs/security.md).
    allowed_hosts: list[str] = Field(default_factory=list)  # Host header names besides loopback names and host
    session_ttl_s: int = Field(7 * 24 * 3600, ge=60)  # a browser session cookie's life
    login_token_ttl_s: int = Field(24 * 3600, ge=60)  # the one-time login URL printed at start
    # Failed sign-ins before a name (or, four times as many, an address) must wait out the window.
    login_max_failures: int = Field(5, ge=1)
    login_window_s: int = Field(15 * 60, ge=1)
    max_in_flight_per_user: int = Field(4, ge=1)  # requests one user may have running (429 beyond)
    # The secret the controller, its workers and the API's model client share: the
    # value, else the file named by cluster_secret_file (a docker compose secret),
    # else data_dir/cluster.secret, created on first use (resolve_cluster_secret).
    cluster_secret: str | None = Field(None, min_length=16)
    cluster_secret_file: Path | None = None

    # Request and result limits.
    max_body_bytes: int = Field(1_000_000, ge=1024)  # any JSON request (413 beyond)
    max_upload_bytes: int = Field(50_000_000, ge=1024)  # one multipart upload, all files together
    max_upload_files: int = Field(20, ge=1)
    max_ingest_files: int = Field(1000, ge=1)  # files one ingestion job may find in the folders it is given
    max_import_rows: int = Field(1_000_000, ge=1)  # rows of one table made from an imported file (413 beyond)
    analyst_imports: bool = False  # analysts may import files as databases, each granted to its importer

    # Databases.
    default_db: str = "demo"
    row_limit: int = Field(1000, ge=1)
    max_result_bytes: int = Field(20_000_000, ge=1024)  # a result is cut (truncated) past this size
    query_timeout_s: float = Field(30.0, gt=0)
    connect_timeout_s: float = Field(10.0, gt=0)  # every driver's connect and read timeout
    allow_urls: bool = False  # over HTTP, admins may give a SQLAlchemy URL instead of a registered name
    file_roots: list[Path] = Field(default_factory=list)  # where SQLite/DuckDB files and documents may come from
    refuse_privileged: bool = False  # refuse database accounts with dangerous privileges (superuser, FILE, ...)
    duckdb_memory_limit: str = "1GB"
    duckdb_threads: int = Field(2, ge=1)

    # Secrets: the Fernet key that encrypts stored passwords: the value, else the file
    # named by secret_key_file (a docker compose secret), else a key file in the data
    # dir, created on first use, readable by its owner only.
    secret_key: str | None = None
    secret_key_file: Path | None = None
    # The first admin's password, from a file (a compose secret): at start-up an
    # admin named `admin` is created with it when there is no admin yet.
    admin_password_file: Path | None = None

    # The metadata database (connections, users, keys, audit, the knowledge registry):
    # a SQLAlchemy URL, PostgreSQL (postgresql+psycopg://dbgpt@db:5432/dbgpt), which several API
    # processes share; None = SQLite in the data dir. Its password, when not in the URL,
    # comes from metadata_password_file (a compose secret). Migrated at start-up.
    metadata_url: str | None = None
    metadata_password_file: Path | None = None

    # Knowledge: the Chroma store, the embedding model and document ingestion.
    chroma_url: str | None = None  # a Chroma server (http://host:port); None = embedded under data_dir
    embedding_model_path: Path | None = None  # a sentence-transformers folder; None = bundled all-MiniLM-L6-v2
    embedding_from_worker: bool = False  # embed through the model workers' /worker_get_embeddings
    embed_batch_size: int = Field(64, ge=1)
    embed_threads: int = Field(1, ge=0)  # torch threads for local embeddings; 0 = torch's default
    chunk_size: int = Field(1000, ge=100)  # characters per document chunk
    chunk_overlap: int = Field(150, ge=0)
    max_document_bytes: int = Field(50_000_000, ge=1)
    schema_budget_tokens: int = Field(1000, ge=50)  # schema part of a text-to-SQL prompt
    # Sync each database's schema and value indexes in the background as soon as it is known
    # (start-up, a connection added or changed), not at its first question.
    warm_knowledge: bool = True
    # The value index (knowledge/values.py): how much of the high-cardinality text columns
    # (names, titles) it keeps at sync, most frequent values first, entity names first.
    value_index_values_per_column: int = Field(5_000, ge=0)
    value_index_bytes_per_column: int = Field(128_000, ge=0)
    value_index_values_per_database: int = Field(50_000, ge=0)
    value_index_bytes_per_database: int = Field(2_000_000, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    # Derived paths: one place decides where each thing lives.
    @property
    def models_path(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @property
    def demo_db_path(self) -> Path:
        return self.data_dir / "demo" / "shop.sqlite"

    @property
    def metadata_db_path(self) -> Path:
        return self.data_dir / "metadata.sqlite"

    @property
    def resolved_metadata_url(self) -> str:
        """The metadata database's SQLAlchemy URL, with the password from its file when one is given."""
        if self.metadata_url is None:
            return f"sqlite:///{self.metadata_db_path}"
        if self.metadata_password_file is None:
            return self.metadata_url
        from sqlalchemy.engine import make_url

        password = read_secret_file(self.metadata_password_file, "metadata password", "DBGPT_METADATA_PASSWORD_FILE")
        return make_url(self.metadata_url).set(password=password).render_as_string(hide_password=False)

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def logs_path(self) -> Path:
        return self.data_dir / "logs"

    @property
    def user_databases_path(self) -> Path:
        """Where users put (and uploads land as) SQLite and DuckDB files by default."""
        return self.data_dir / "databases"

    @property
    def uploads_path(self) -> Path:
        """Where uploaded documents are kept, one folder per knowledge space."""
        return self.data_dir / "uploads"

    @property
    def imports_path(self) -> Path:
        """Where imported files become databases: <name>/<name>.duckdb and <name>/original/."""
        return self.data_dir / "imports"

    @property
    def cluster_secret_path(self) -> Path:
        return self.data_dir / "cluster.secret"

    @property
    def resolved_file_roots(self) -> list[Path]:
        """The folders database files and documents may be read from, symlinks resolved."""
        roots = self.file_roots or [self.user_databases_path, self.demo_db_path.parent]
        return [Path(root).expanduser().resolve() for root in roots]

    @property
    def resolved_allowed_hosts(self) -> list[str]:
        """Names the Host header may carry: the configured ones, the loopback names and the bound address.

        The loopback names and the bound address stay when names are configured: the one-time login
        URL and `dbgpt serve`'s health check use them, and a page from another site (DNS rebinding)
        arrives with its own name, never these.
        """
        names = [*self.allowed_hosts, "127.0.0.1", "localhost", "::1", "[::1]"]
        if self.host not in ("0.0.0.0", "::", ""):
            names.append(self.host)
        return list(dict.fromkeys(names))

    @property
    def resolved_controller_url(self) -> str:
        return self.controller_url or f"http://{self.host}:{self.controller_port}"

    def resolve_cluster_secret(self) -> str:
        """The cluster secret (see `cluster_secret`); creates the data dir's file on first use."""
        from server.private_files import new_token, read_or_create_secret

        if self.cluster_secret:
            return self.cluster_secret
        if self.cluster_secret_file is not None:
            secret = read_secret_file(self.cluster_secret_file, "cluster secret", "DBGPT_CLUSTER_SECRET_FILE")
            where = f"the file {self.cluster_secret_file}"
        else:
            secret = read_or_create_secret(self.cluster_secret_path, new_token).decode()
            where = f"the file {self.cluster_secret_path}"
        if len(secret) < 16:
            raise ValueError(f"the cluster secret in {where} is shorter than 16 characters")
        return secret

    def resolve_secret_key(self) -> bytes:
        """The Fernet key (see `secret_key`); creates the data dir's key file on first use."""
        from server.metadata.secrets import load_or_create_key

        if self.secret_key:
            return self.secret_key.encode()
        if self.secret_key_file is not None:
            return read_secret_file(self.secret_key_file, "secret key", "DBGPT_SECRET_KEY_FILE").encode()
        return load_or_create_key(self.secret_key_path)

    def ensure_dirs(self) -> None:
        # The data dir holds keys, passwords and user data: its owner alone reads it.
        from server.private_files import private_dir

        for path in (self.data_dir, self.models_path, self.logs_path, self.user_databases_path):
            private_dir(path)
        self.data_dir.chmod(0o700)
