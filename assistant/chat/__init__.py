"""Anything that is not a question about data, SQL, schema or documents: the model answers, with no data access."""

from assistant.chat.answer import stream_chat

__all__ = ["stream_chat"]
