"""OpenAI-compatible API over the model layer: models, chat, completions, embeddings."""

from server.api.openai.app import create_openai_app

__all__ = ["create_openai_app"]
