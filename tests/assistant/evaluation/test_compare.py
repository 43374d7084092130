"""The comparator on hand-made result pairs: the rules of SOURCE.md, one by one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assistant.evaluation.compare import match_any, normalize_value, results_match


def test_values_normalise_numbers_nulls_and_dates():
    assert normalize_value(3) == normalize_value(3.0) == normalize_value(Decimal("3.00"))
    assert normalize_value(1 / 3) == normalize_value(Decimal("0.33333333333333333"))
    assert normalize_value(0.1 + 0.2) == normalize_value(0.3)
    assert normalize_value(0.33) != normalize_value(1 / 3)
    assert normalize_value(-0.0) == normalize_value(0)
    assert normalize_value(True) == normalize_value(1)
    assert normalize_value(None) is None
    assert normalize_value(float("nan")) == normalize_value(Decimal("NaN"))
    assert normalize_value(dt.date(2023, 4, 1)) == "2023-04-01"
    assert normalize_value(dt.datetime(2023, 4, 1, 9, 30)) == "2023-04-01 09:30:00"
    assert normalize_value("2023-04-01T09:30:00") == normalize_value("2023-04-01 09:30:00")
    assert normalize_value("Abc") != normalize_value("abc")  # text is compared exactly


def test_row_order_is_ignored_unless_ordered():
    gold = [(1, "a"), (2, "b"), (3, "c")]
    pred = [(3, "c"), (1, "a"), (2, "b")]
    assert results_match(gold, pred)
    assert not results_match(gold, pred, ordered=True)
    assert results_match(gold, list(gold), ordered=True)


def test_ordered_rows_may_permute_within_ties_of_the_order_keys():
    # ORDER BY count DESC (column 1): the two rows tied on 5 may come either way.
    gold = [("x", 7), ("y", 5), ("z", 5), ("w", 1)]
    tie_swapped = [("x", 7), ("z", 5), ("y", 5), ("w", 1)]
    out_of_order = [("y", 5), ("x", 7), ("z", 5), ("w", 1)]
    assert results_match(gold, tie_swapped, ordered=True, order_keys=[1])
    assert not results_match(gold, out_of_order, ordered=True, order_keys=[1])
    # Keys unknown (ORDER BY a column not selected): the sequence must be exact.
    assert not results_match(gold, tie_swapped, ordered=True, order_keys=None)


def test_ordered_keys_follow_the_column_matching():
    # Prediction puts the key column first and adds a column; ties still permute.
    gold = [("x", 7), ("y", 5), ("z", 5)]
    pred = [(7, "x", 0), (5, "z", 0), (5, "y", 0)]
    assert results_match(gold, pred, ordered=True, order_keys=[1])
    assert not results_match(gold, list(reversed(pred)), ordered=True, order_keys=[1])


def test_extra_predicted_columns_are_tolerated_missing_ones_are_not():
    gold = [("alice",), ("bob",)]
    assert results_match(gold, [(1, "alice", 9.5), (2, "bob", 7.0)])
    assert not results_match([("alice", 1), ("bob", 2)], [("alice",), ("bob",)])


def test_columns_match_by_content_in_any_position():
    gold = [("alice", 10, 1.5), ("bob", 20, 2.5)]
    pred = [(2.5, "bob", 20), (1.5, "alice", 10)]
    assert results_match(gold, pred)


def test_columns_must_align_row_by_row_not_just_as_value_sets():
    gold = [(1, "a"), (2, "b")]
    assert not results_match(gold, [(1, "b"), (2, "a")])


def test_equal_content_columns_find_the_assignment_that_aligns():
    # Columns 0 and 1 of the prediction hold the same values; only column 1
    # lines up with the gold. A greedy first-fit match would pick column 0.
    gold = [(1, "a"), (2, "b"), (3, "c")]
    pred = [(2, 1, "a"), (1, 2, "b"), (3, 3, "c")]
    assert results_match(gold, pred)


def test_each_predicted_column_serves_one_distinct_gold_column():
    # Gold columns differ row by row; a prediction repeating one column can't cover both.
    gold = [(1, 2), (2, 1)]
    assert not results_match(gold, [(1, 1), (2, 2)])
    assert not results_match(gold, [(1,), (2,)])


def test_identical_gold_columns_are_one_piece_of_information():
    gold = [("alice", "alice"), ("bob", "bob")]
    assert results_match(gold, [("alice",), ("bob",)])


def test_rows_are_a_multiset():
    gold = [(1,), (1,), (2,)]
    assert results_match(gold, [(2,), (1,), (1,)])
    assert not results_match(gold, [(1,), (2,), (2,)])
    assert not results_match(gold, [(1,), (2,)])
    assert not results_match(gold, [(1,), (1,), (2,), (2,)])


def test_nulls_equal_nulls_only():
    gold = [(None, "a"), (3, "b")]
    assert results_match(gold, [("b", 3.0), ("a", None)])
    assert not results_match(gold, [(0, "a"), (3, "b")])


def test_ints_floats_and_decimals_compare_by_value():
    gold = [(Decimal("2.50"), 4), (Decimal("0.3333333333333333"), 10)]
    assert results_match(gold, [(2.5, 4.0), (1 / 3, 10)])
    assert not results_match(gold, [(2.5, 4), (0.33, 10)])


def test_dates_compare_with_their_string_form():
    assert results_match([(dt.date(2023, 1, 31),)], [("2023-01-31",)])


def test_empty_results():
    assert results_match([], [])
    assert not results_match([], [(1,)])
    assert not results_match([(1,)], [])


def test_any_gold_alternative_may_match():
    by_name = ([("alice", 3), ("bob", 1)], False, None)
    by_id = ([(10, 3), (20, 1)], False, None)
    assert match_any([by_name, by_id], [(20, 1), (10, 3)]) == 1
    assert match_any([by_name, by_id], [("alice", 3), ("bob", 1), ("carol", 0)]) is None
    assert match_any([by_name, by_id], [("bob", 1, 20), ("alice", 3, 10)]) == 0


def test_scalar_answers():
    assert results_match([(42,)], [(42.0,)])
    assert results_match([(0.125,)], [("x", 0.12500000001)])
    assert not results_match([(42,)], [(43,)])
