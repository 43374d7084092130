"""Generate every row of the demo database from a seed, in memory.

Each part gets its own random stream derived from the seed, so changing how, say,
reviews are generated does not reshuffle the orders.
"""

from __future__ import annotations

import random

from demo.catalog import build_catalog
from demo.fulfilment import fulfil
from demo.people import Customer, build_customers, build_employees
from demo.reviews import build_reviews
from demo.sales import Order, build_orders, order_rows
from demo.schema import TABLE_NAMES

# Lifetime net spend (USD, after discounts and refunds) needed for each tier.
_TIERS = [(3_000, "platinum"), (1_000, "gold"), (250, "silver"), (0, "bronze")]


def generate(seed: int) -> dict[str, list[tuple]]:
    """All rows keyed by table name, tables in insertion (parents-first) order."""
    def stream(part: str) -> random.Random:
        return random.Random(f"dbgpt-demo/{seed}/{part}")  # str seeds hash via SHA-512

    catalog = build_catalog(stream("catalog"))
    customers = build_customers(stream("customers"))
    employees, employee_rows = build_employees(stream("employees"), catalog.stores)
    orders = build_orders(stream("orders"), catalog, customers, employees)
    after_sale = fulfil(stream("fulfilment"), orders)
    orders_table, items_table = order_rows(orders)
    tables = {
        **catalog.rows,
        "employees": employee_rows,
        "customers": _customer_rows(customers, orders),
        "orders": orders_table,
        "order_items": items_table,
        **after_sale,
        "reviews": build_reviews(stream("reviews"), orders),
    }
    return {name: tables[name] for name in TABLE_NAMES}


def _customer_rows(customers: list[Customer], orders: list[Order]) -> list[tuple]:
    """Customer rows with the loyalty tier their spending earned."""
    spend = {c.customer_id: 0 for c in customers}
    for order in orders:
        if order.status in ("shipped", "delivered", "returned"):
            spend[order.customer.customer_id] += order.total - order.refunded
    rows = []
    for c in customers:
        dollars = spend[c.customer_id] / 100
        tier = next(name for threshold, name in _TIERS if dollars >= threshold)
        rows.append(c.row[:9] + (tier,) + c.row[9:])
    return rows
