"""The attack corpus through the product's own door: POST /api/v1/sql/run,
on all four engines. Every statement is refused (400, with its rule), fails,
times out, or runs harmlessly; the data and catalog are unchanged after, and
no file an attack aims to write exists."""

from __future__ import annotations

from pathlib import Path

from server.app import create_app
from server.settings import Settings
from tests.support.auth import signed_in

from .attack_corpus import ATTACKS, FILE_TARGETS, RULES
from .test_attack_corpus import _clear_targets


class NoModel:
    model = "none"

    async def ready(self):
        return False


def test_attacks_through_the_api_change_nothing(shop, tmp_path):
    _clear_targets()
    before = shop.snapshot()
    # An admin naming the database by URL, where the server allows it: the widest door there is.
    settings = Settings(data_dir=tmp_path / "data", query_timeout_s=1.5, allow_urls=True,
                        file_roots=[Path(shop.url.split("///", 1)[-1]).parent] if "///" in shop.url else [])
    statuses: dict[int, int] = {}
    wrong: list[str] = []
    with signed_in(create_app(settings, llm=NoModel()), settings) as client:
        for _dialects, sql in ATTACKS:
            response = client.post("/api/v1/sql/run", json={"db": shop.url, "sql": sql, "row_limit": 5})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            body = response.json()
            expected = RULES.get((shop.dialect, sql))
            if expected and (response.status_code != 400 or body.get("rule") != expected):
                wrong.append(f"{sql!r}: {response.status_code} {body}")
            if response.status_code == 400 and body.get("kind") == "refused" and not body.get("rule"):
                wrong.append(f"{sql!r}: a refusal without its rule")
            assert response.status_code in (200, 400, 408), (sql, response.text)
    assert not wrong, "\n".join(wrong[:10])
    assert shop.snapshot() == before
    assert not [t for t in FILE_TARGETS if Path(t).exists()]
    assert statuses.get(400, 0) > len(ATTACKS) * 0.7
