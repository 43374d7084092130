"""Joins that pair one entity's key with another's: a doubt with the right path."""


from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run


def table(name, *columns):
    return TableInfo(name, [ColumnInfo(c, "INTEGER") for c in columns])


def papers():
    """Keys named by convention only, no declared ones, as in many real databases."""
    return SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=[
        table("author", "aid", "name", "oid"),
        table("organization", "oid", "name", "continent"),
        table("domain_author", "aid", "did"),
        table("student", "student_id", "advisor_id", "name"),
        table("instructor", "instructor_id", "name"),
        table("enrolment", "student_id", "instructor_id"),
        table("employees", "emp_id", "manager_id"),
        table("customers", "id", "name"),
        table("sales", "id", "customer_id", "amount"),
        table("refunds", "id", "customer_id", "amount"),
    ])


def doubts(sql):
    return run("mismatched_keys", sql, papers())


def test_an_organisation_key_paired_with_an_author_key_is_doubted_with_the_bridge():
    found = doubts("SELECT o.name FROM organization AS o JOIN domain_author AS da ON o.oid = da.aid")
    assert len(found) == 1
    assert "o.oid = da.aid" in found[0] and "through author" in found[0]
    assert "author.aid = domain_author.aid" in found[0]


def test_the_right_links_are_left_alone():
    assert doubts("SELECT a.name FROM author AS a JOIN organization AS o ON a.oid = o.oid") == []
    assert doubts("SELECT c.name FROM customers AS c JOIN sales AS s ON s.customer_id = c.id") == []
    # a role key only one table holds names a second link to the same entity
    assert doubts("SELECT s.name FROM student AS s JOIN instructor AS i ON s.advisor_id = i.instructor_id") == []
    assert doubts("SELECT e.emp_id FROM employees AS e JOIN employees AS m ON e.manager_id = m.emp_id") == []


def test_validation_raises_it_as_a_doubt_not_an_error():
    result = validate_sql("SELECT o.name, da.did FROM organization AS o JOIN domain_author AS da ON o.oid = da.aid",
                          papers())
    assert result.errors == [] and any("keys of different things" in d for d in result.doubts)
