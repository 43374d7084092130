"""knowledge/service.py: knowledge is kept per connection name, never per URL."""

import pytest

from knowledge.service import Knowledge, connection_name
from server.settings import Settings


def test_a_url_is_never_a_key(tmp_path):
    knowledge = Knowledge(Settings(data_dir=tmp_path))
    url = "postgresql://u:s3cret@h/d"
    try:
        for call in (lambda: knowledge.set_sensitive(url, "t", "c"), lambda: knowledge.sensitive(url),
                     lambda: knowledge.values(url), lambda: knowledge.has_examples(url),
                     lambda: knowledge.examples(url), lambda: knowledge.schema_index(url)):
            with pytest.raises(ValueError, match="not per URL"):
                call()
        knowledge.set_sensitive("warehouse", "staff", "ssn")
        assert knowledge.sensitive("warehouse") == {("staff", "ssn")}
    finally:
        knowledge.close()
    assert b"s3cret" not in (tmp_path / "knowledge" / "registry.sqlite").read_bytes()


def test_a_name_is_its_own_key():
    assert connection_name("url:0123456789abcdef") == "url:0123456789abcdef"


def test_the_value_index_keeps_the_budget_the_settings_give(tmp_path):
    knowledge = Knowledge(Settings(data_dir=tmp_path, value_index_values_per_column=7,
                                   value_index_bytes_per_database=9_000))
    try:
        budget = knowledge.values("warehouse").budget
        assert (budget.values_per_column, budget.bytes_per_database) == (7, 9_000)
        assert knowledge.values("warehouse") is knowledge.values("warehouse")
    finally:
        knowledge.close()
