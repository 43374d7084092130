from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from knowledge.redaction import without_sensitive_values


def _schema() -> SchemaInfo:
    patient = TableInfo("Patient", [ColumnInfo("id", "INTEGER", primary_key=True),
                                    ColumnInfo("Diagnosis", "TEXT", values=["flu", "asthma"], value_rows=9)],
                        sample_rows=[[1, "flu"], [2, "asthma"]])
    ward = TableInfo("ward", [ColumnInfo("name", "TEXT", values=["north"], value_rows=4)], sample_rows=[["north"]])
    return SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=[patient, ward])


def test_a_sensitive_column_keeps_its_name_and_loses_its_values_and_cells():
    schema = _schema()
    shown = without_sensitive_values(schema, frozenset({("patient", "diagnosis")}))
    patient = shown.tables[0]
    assert [c.name for c in patient.columns] == ["id", "Diagnosis"]
    assert patient.columns[1].values is None and patient.columns[1].value_rows == 0
    assert patient.sample_rows == [[1, None], [2, None]]
    assert shown.tables[1] is schema.tables[1]  # other tables untouched
    # the stored schema (a connector may cache it) is not changed
    assert schema.tables[0].columns[1].values == ["flu", "asthma"]
    assert schema.tables[0].sample_rows[0] == [1, "flu"]


def test_no_sensitive_column_is_the_same_schema():
    schema = _schema()
    assert without_sensitive_values(schema, frozenset()) is schema
