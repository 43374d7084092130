"""What the rules share: which tables a column can come from (scope.py), how
two tables join (joins.py), what a column's stored values look like
(values.py), and how dates are written and compared (dates.py)."""
