import sqlite3

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo


def school():
    return SchemaInfo(dialect="sqlite", engine="x", server_version="1", tables=[
        TableInfo("student_record", [ColumnInfo("student_id", "INTEGER"), ColumnInfo("course_id", "INTEGER"),
                                     ColumnInfo("grade", "TEXT"), ColumnInfo("how", "TEXT")]),
        TableInfo("course", [ColumnInfo("course_id", "INTEGER"), ColumnInfo("name", "TEXT")]),
    ])


def test_an_invented_table_whose_columns_the_query_has_is_dropped():
    result = validate_sql("SELECT DISTINCT T1.student_id FROM student_record AS T1 "
                          "JOIN course_record AS T2 ON T1.course_id = T2.course_id "
                          "WHERE T1.how = 'in-person' AND T2.grade IN ('A', 'C')", school())
    assert result.ok, result.errors
    assert "course_record" not in result.sql and "T1.grade" in result.sql
    assert any("course_record does not exist" in fix for fix in result.fixes)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE student_record (student_id INTEGER, course_id INTEGER, grade TEXT, how TEXT)")
    db.executemany("INSERT INTO student_record VALUES (?, ?, ?, ?)",
                   [(1, 10, "A", "in-person"), (2, 10, "B", "in-person"), (3, 11, "C", "online")])
    assert db.execute(result.sql).fetchall() == [(1,)]


def test_a_column_only_the_invented_table_could_have_keeps_the_error():
    result = validate_sql("SELECT T2.credits FROM student_record T1 JOIN course_record T2 "
                          "ON T1.course_id = T2.course_id", school())
    assert not result.ok and "table course_record does not exist" in result.errors[0]


def test_a_column_two_real_tables_hold_goes_to_the_join_partner():
    result = validate_sql("SELECT T3.name, T2.course_id FROM student_record T1 JOIN course T3 "
                          "ON T1.course_id = T3.course_id JOIN enrolment T2 ON T2.course_id = T3.course_id",
                          school())
    assert result.ok, result.errors
    assert "T3.course_id" in result.sql.split("FROM")[0]


def test_an_invented_table_joined_by_more_than_equalities_keeps_the_error():
    result = validate_sql("SELECT T1.student_id FROM student_record T1 JOIN course_record T2 "
                          "ON T1.course_id = T2.course_id AND T2.year > 2020", school())
    assert not result.ok and "table course_record does not exist" in result.errors[0]
