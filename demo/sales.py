"""Orders and their line items: who bought what, where, when and for how much.

Amounts are integer cents while generating, so totals add up exactly; they are
divided by 100 only when rows are written.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from demo.catalog import Catalog, Product, Store
from demo.people import Customer, Employee
from demo.timeline import DAY, START_DAY, DaySampler, is_promo_day, time_of_day, ts_str

N_ORDERS = 12_500

_BASKET_SIZES = [1, 2, 3, 4, 5, 6, 7, 8]
_BASKET_WEIGHTS = [45, 25, 14, 8, 4, 2, 1, 1]
_QUANTITIES = [1, 2, 3, 4, 5, 6]
_QUANTITY_WEIGHTS = [78, 15, 4, 1.5, 1, 0.5]
# List prices were raised on 1 January 2024; 2023 orders paid 5% less.
_PRICE_RISE_DAY = START_DAY + 365


@dataclass(slots=True)
class Line:
    order_item_id: int
    product: Product
    quantity: int
    unit_cents: int

    @property
    def cents(self) -> int:
        return self.quantity * self.unit_cents


@dataclass(slots=True)
class Order:
    order_id: int
    customer: Customer
    store: Store
    channel: str
    placed: int  # timestamp the order was placed
    employee_id: int | None = None
    lines: list[Line] = field(default_factory=list)
    subtotal: int = 0
    discount: int = 0
    status: str = "pending"
    received: int | None = None  # when the customer got the goods
    refunded: int = 0  # cents refunded through returns
    returned_item_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.subtotal - self.discount

    def row(self) -> tuple:
        return (self.order_id, self.customer.customer_id, self.store.store_id, self.employee_id,
                ts_str(self.placed), self.channel, self.status, self.subtotal / 100,
                self.discount / 100, self.total / 100)


def build_orders(rng: random.Random, catalog: Catalog, customers: list[Customer],
                 employees: list[Employee]) -> list[Order]:
    """Orders in chronological order (order_id follows order_date), with lines and prices."""
    orders = _draft_orders(rng, catalog, customers)
    sellers = _sellers_by_store(employees)
    cum_popularity = list(itertools.accumulate(p.popularity for p in catalog.products))
    item_ids = itertools.count(1)
    for order in orders:
        day = order.placed // DAY
        if order.channel == "in_store":
            order.employee_id = _seller(rng, sellers[order.store.store_id], day)
        size = rng.choices(_BASKET_SIZES, weights=_BASKET_WEIGHTS)[0]
        for product in _pick_products(rng, catalog.products, cum_popularity, day, size):
            qty = 1 if product.list_cents > 30_000 else rng.choices(
                _QUANTITIES, weights=_QUANTITY_WEIGHTS)[0]
            unit = product.list_cents if day >= _PRICE_RISE_DAY else round(product.list_cents * 0.95)
            order.lines.append(Line(next(item_ids), product, qty, unit))
        order.subtotal = sum(line.cents for line in order.lines)
        order.discount = order.subtotal * _discount_percent(rng, order, day) // 100
    return orders


def _draft_orders(rng: random.Random, catalog: Catalog, customers: list[Customer]) -> list[Order]:
    sampler = DaySampler()
    # Customers who joined late have less time to order; scale their share accordingly.
    first_days = [max(c.signup_day, START_DAY) for c in customers]
    weights = [c.activity * sampler.mass_from(d) for c, d in zip(customers, first_days)]
    first_day_of = {c.customer_id: d for c, d in zip(customers, first_days)}
    physical = [s for s in catalog.stores if s.store_type == "physical"]
    home_store = {(s.country, s.city): s for s in physical}
    flagship: dict[str, Store] = {}
    for s in physical:  # first store listed per country is its flagship
        flagship.setdefault(s.country, s)
    online = catalog.online_store

    drafts = []
    for customer in rng.choices(customers, weights=weights, k=N_ORDERS):
        day = sampler.sample(rng, first_day_of[customer.customer_id])
        store = online
        home = home_store.get((customer.country, customer.city))
        visit = flagship.get(customer.country)
        if home and home.opened_day <= day and rng.random() < 0.5:
            store = home
        elif visit and visit.opened_day <= day and rng.random() < 0.06:
            store = visit  # shopping while in the big city
        in_store = store is not online
        placed = day * DAY + time_of_day(rng, in_store)
        drafts.append((placed, customer.customer_id, customer, store,
                       "in_store" if in_store else "online"))
    drafts.sort(key=lambda d: (d[0], d[1]))
    return [Order(order_id, customer, store, channel, placed)
            for order_id, (placed, _, customer, store, channel) in enumerate(drafts, start=1)]


def _sellers_by_store(employees: list[Employee]) -> dict[int, list[Employee]]:
    by_store: dict[int, list[Employee]] = {}
    for e in employees:
        if e.store_id is not None and e.sells:
            by_store.setdefault(e.store_id, []).append(e)
    return by_store


def _seller(rng: random.Random, staff: list[Employee], day: int) -> int:
    """Someone employed at the store that day (core staff guarantee one exists)."""
    on_duty = [e for e in staff if e.hire_day <= day and (e.end_day is None or e.end_day > day)]
    return rng.choice(on_duty or staff).employee_id


def _pick_products(rng: random.Random, products: list[Product], cum: list[float], day: int,
                   size: int) -> list[Product]:
    """Distinct products on sale that day, popular ones more often."""
    chosen: list[Product] = []
    for _ in range(size * 6):
        product = rng.choices(products, cum_weights=cum)[0]
        on_sale = product.launch_day <= day and (product.end_day is None or product.end_day > day)
        if on_sale and product not in chosen:
            chosen.append(product)
            if len(chosen) == size:
                break
    if not chosen:  # extremely unlikely; fall back to the first product on sale
        chosen.append(next(p for p in products if p.launch_day <= day
                           and (p.end_day is None or p.end_day > day)))
    return chosen


def _discount_percent(rng: random.Random, order: Order, day: int) -> int:
    if is_promo_day(day):
        return 20 if rng.random() < 0.7 else 0  # Black Friday to Cyber Monday coupon
    if order.channel == "online":
        return rng.choice((5, 10, 15)) if rng.random() < 0.15 else 0  # newsletter codes
    return 10 if rng.random() < 0.08 else 0  # loyalty card at the till


def order_rows(orders: list[Order]) -> tuple[list[tuple], list[tuple]]:
    """Rows for the orders and order_items tables."""
    items = [(line.order_item_id, o.order_id, line.product.product_id, line.quantity,
              line.unit_cents / 100, line.cents / 100) for o in orders for line in o.lines]
    return [o.row() for o in orders], items
