from assistant.sqlgen.question_terms import unnamed_terms, warning
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

CLINICS = SchemaInfo("sqlite", "SQLite", "3", [
    TableInfo("clinics", [ColumnInfo("clinic_id", "INTEGER"), ColumnInfo("city", "TEXT")]),
    TableInfo("patients", [ColumnInfo("patient_id", "INTEGER"), ColumnInfo("clinic_id", "INTEGER"),
                           ColumnInfo("status", "TEXT", values=["admitted", "discharged"], comment="care stage")]),
    TableInfo("sbTransaction", [ColumnInfo("sbTxId", "INTEGER")]),
])


def test_what_the_question_counts_must_be_named_by_the_database():
    assert unnamed_terms("How many visits are there per city?", CLINICS) == ["visits"]
    assert unnamed_terms("How many patients per clinic?", CLINICS) == []
    assert unnamed_terms("Which city has the most clinics?", CLINICS) == []


def test_values_comments_plurals_and_run_together_names_count_as_named():
    assert unnamed_terms("number of discharged patients by city", CLINICS) == []
    assert unnamed_terms("how many stages of care are there", CLINICS) == []  # the comment
    assert unnamed_terms("the number of transactions each year", CLINICS) == []
    assert unnamed_terms("how many reviews", CLINICS, matched_values=["Great reviews"]) == []


def test_words_of_order_and_quantity_are_not_things():
    assert unnamed_terms("Which are the top 3 cities by number of patients, in descending order?", CLINICS) == []
    assert unnamed_terms("how many distinct patients are not discharged", CLINICS) == []


def test_the_warning_names_each_term():
    assert "'visits'" in warning(["visits"]) and "'doctors'" in warning(["visits", "doctors"])


def test_answerable_questions_of_the_defog_set_are_almost_never_warned_about():
    """Every defog question is answerable from its database: a warning there is a false alarm."""
    import csv

    from assistant.evaluation import EvalDatabases
    from tests.support.helpers import DEFOG

    warned, schemas = [], {}
    with EvalDatabases(DEFOG / "sqlite") as databases, open(DEFOG / "questions_sqlite.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
        for row in rows:
            schema = schemas.setdefault(row["db_name"], databases.get(row["db_name"]).introspect())
            if unnamed_terms(row["question"], schema):
                warned.append(row["question"])
    assert len(rows) == 174 and len(warned) <= 2, warned
