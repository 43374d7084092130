"""Earlier turns of text-to-SQL conversations, so follow-ups have context.

Held in memory, bounded: the most recent conversations, a few turns each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from assistant.sqlgen.full import Turn


class Conversations:
    def __init__(self, max_conversations: int = 1000, max_turns: int = 4):
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self._turns: OrderedDict[str, list[Turn]] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, conversation_id: str | None) -> list[Turn]:
        if conversation_id is None:
            return []
        with self._lock:
            return list(self._turns.get(conversation_id, []))

    def add(self, conversation_id: str | None, turn: Turn) -> None:
        if conversation_id is None:
            return
        with self._lock:
            turns = self._turns.pop(conversation_id, [])
            turns = (turns + [turn])[-self.max_turns:]
            self._turns[conversation_id] = turns
            while len(self._turns) > self.max_conversations:
                self._turns.popitem(last=False)
