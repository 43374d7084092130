"""Chat turns to one prompt string, and stop strings over streamed text.

Shared by the engines that build their own prompt (transformers, vLLM):
llama.cpp renders chat turns itself. A model's own chat template wins; a
model without one (vicuna and most LLaMA derivatives) gets a FastChat
conversation template, vicuna v1.1 by default.
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONV_TEMPLATE = "vicuna_v1.1"


def render_chat(messages: list[dict[str, Any]], tokenizer, conv_template: str | None = None) -> str:
    """The prompt for `messages`, ending where the assistant's answer begins."""
    if conv_template is None and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return render_conversation(messages, conv_template or DEFAULT_CONV_TEMPLATE)


def render_conversation(messages: list[dict[str, Any]], template: str) -> str:
    from fastchat.conversation import get_conv_template

    conv = get_conv_template(template)
    system = [m["content"] for m in messages if m["role"] in ("system", "developer")]
    if system:
        conv.set_system_message("\n".join(system))
    for message in messages:
        if message["role"] == "user":
            conv.append_message(conv.roles[0], message["content"])
        elif message["role"] == "assistant":
            conv.append_message(conv.roles[1], message["content"])
    conv.append_message(conv.roles[1], None)
    return conv.get_prompt()


def conversation_stop(template: str | None) -> list[str]:
    """Stop strings a FastChat template needs besides the model's EOS token."""
    if template is None:
        return []
    from fastchat.conversation import get_conv_template

    stop = get_conv_template(template).stop_str
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else list(stop)


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """(text safe to show, whether a stop string was reached).

    Text that ends with the beginning of a stop string is held back: the next
    token may complete it, and a shown prefix cannot be taken back.
    """
    if not stops:
        return text, False
    first = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    if first >= 0:
        return text[:first], True
    hold = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:size]):
                hold = max(hold, size)
                break
    return text[: len(text) - hold], False
