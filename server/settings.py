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

    # The OpenAI-compatible API (/v1): bearer keys; empty = no key needed.
    api_keys: list[str] = Field(default_factory=list)

    # Databases.
    default_db: str = "demo"
    row_limit: int = Field(1000, ge=1)
    query_timeout_s: float = Field(30.0, gt=0)
    max_question_chars: int = 2000

    # Secrets: the Fernet key that encrypts stored passwords; default a key
    # file in the data dir, created on first use, readable by its owner only.
    secret_key: str | None = None

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
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def logs_path(self) -> Path:
        return self.data_dir / "logs"

    @property
    def resolved_controller_url(self) -> str:
        return self.controller_url or f"http://{self.host}:{self.controller_port}"

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.models_path, self.logs_path):
            path.mkdir(parents=True, exist_ok=True)
