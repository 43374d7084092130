"""What happened after checkout: payments, shipping, delivery, cancellations, returns.

The order status is derived from this timeline rather than drawn on its own, so
it always agrees with the other tables: an order whose parcel had not arrived by
the end of the data period is 'shipped' with delivered_at NULL, and so on.
"""

from __future__ import annotations

import random
import string

from demo.reference import CARRIERS
from demo.sales import Order
from demo.timeline import DAY, END_TS, HOUR, day_str, daytime, ts_str

_ONLINE_METHODS = ["credit_card", "debit_card", "paypal", "mobile_wallet", "gift_card",
                   "bank_transfer"]
_ONLINE_WEIGHTS = [45, 18, 20, 10, 3, 4]
_STORE_METHODS = ["credit_card", "debit_card", "cash", "mobile_wallet", "gift_card"]
_STORE_WEIGHTS = [40, 30, 18, 10, 2]
_CARD_METHODS = ["credit_card", "debit_card"]

# Reason weights for clothing (fit problems dominate) and for everything else;
# the last two reasons only make sense for parcels.
_REASONS = ["wrong_size", "not_as_described", "changed_mind", "defective",
            "damaged_in_transit", "arrived_late"]
_REASON_WEIGHTS_CLOTHING = [45, 15, 20, 8, 7, 5]
_REASON_WEIGHTS_OTHER = [0, 18, 26, 30, 18, 8]


def fulfil(rng: random.Random, orders: list[Order]) -> dict[str, list[tuple]]:
    """Set each order's status and return rows for payments, shipments and returns."""
    rows: dict[str, list[tuple]] = {"payments": [], "shipments": [], "returns": []}
    tracking_taken: set[str] = set()  # membership only; never iterated
    for order in orders:
        if order.channel == "online":
            _online(rng, order, rows, tracking_taken)
        else:
            _in_store(rng, order, rows)
        if order.received is not None:
            _maybe_return(rng, order, rows["returns"])
    return rows


def _pay(rng: random.Random, order: Order, payments: list[tuple], method: str, at: int,
         status: str = "completed") -> None:
    """Record one payment; card declines and gift-card top-ups add extra rows."""
    def add(when: int, how: str, cents: int, state: str) -> None:
        payments.append((len(payments) + 1, order.order_id, ts_str(min(when, END_TS)), how,
                         cents / 100, state))

    total = order.total
    if status != "completed":
        add(at, method, total, status)
        return
    if method in _CARD_METHODS and rng.random() < 0.03:
        add(at, method, total, "failed")  # declined; the customer tries another card
        at += rng.randint(20, 300)
        method = rng.choice([m for m in _CARD_METHODS if m != method])
    if method != "gift_card" and total >= 500 and rng.random() < 0.04:
        part = rng.randint(total // 10, total // 2)  # gift card covers part, rest by `method`
        add(at, "gift_card", part, "completed")
        add(at + rng.randint(5, 40), method, total - part, "completed")
        return
    add(at, method, total, "completed")


def _online(rng: random.Random, order: Order, rows: dict[str, list[tuple]],
            tracking_taken: set[str]) -> None:
    method = rng.choices(_ONLINE_METHODS, weights=_ONLINE_WEIGHTS)[0]
    if rng.random() < 0.06:
        order.status = "cancelled"
        # Half never went through (card declined); half were refunded on cancelling.
        _pay(rng, order, rows["payments"], method, order.placed + rng.randint(5, 90),
             rng.choice(["failed", "refunded"]))
        return
    if method == "bank_transfer":  # money arrives a day or two later
        paid = order.placed + rng.randint(1, 2) * DAY + rng.randint(0, 8 * HOUR)
    else:
        paid = order.placed + rng.randint(5, 90)
    if paid > END_TS:
        order.status = "pending"  # still awaiting the transfer
        return
    _pay(rng, order, rows["payments"], method, paid)

    # Warehouse picks and packs within a few hours to a few days of payment.
    shipped = paid + 2 * HOUR + min(int(rng.expovariate(1 / (18 * HOUR))), 5 * DAY)
    if shipped > END_TS:
        order.status = "pending"
        return
    carriers = CARRIERS[order.customer.country]
    carrier, _, fastest, slowest, base_cost = rng.choices(
        carriers, weights=[c[1] for c in carriers])[0]
    transit = fastest + int(rng.triangular(0, slowest - fastest + 0.999, 0))
    delivered = daytime(rng, shipped // DAY + transit)
    if delivered <= shipped:
        delivered = shipped + rng.randint(3 * HOUR, 10 * HOUR)
    lost = rng.random() < 0.003  # never arrived; stuck as shipped
    if lost or delivered > END_TS:
        order.status = "shipped"
        delivered_at = None
    else:
        order.status = "delivered"
        order.received = delivered
        delivered_at = ts_str(delivered)
    units = sum(line.quantity for line in order.lines)
    cost = round(base_cost * 100 * rng.uniform(0.9, 1.15)) + 60 * (units - 1)
    rows["shipments"].append((len(rows["shipments"]) + 1, order.order_id, carrier,
                              _tracking_number(rng, carrier, tracking_taken), ts_str(shipped),
                              delivered_at, cost / 100))


def _in_store(rng: random.Random, order: Order, rows: dict[str, list[tuple]]) -> None:
    if rng.random() < 0.01:
        order.status = "cancelled"  # voided at the till before payment
        return
    method = rng.choices(_STORE_METHODS, weights=_STORE_WEIGHTS)[0]
    _pay(rng, order, rows["payments"], method, order.placed + rng.randint(30, 240))
    order.status = "delivered"  # carried out of the store
    order.received = order.placed


def _maybe_return(rng: random.Random, order: Order, returns: list[tuple]) -> None:
    prone = any(line.product.return_prone for line in order.lines)
    rate = (0.14 if prone else 0.05) if order.channel == "online" else (0.10 if prone else 0.035)
    if rng.random() >= rate:
        return
    assert order.received is not None
    returned_on = order.received // DAY + rng.randint(2, 30)
    if daytime(rng, returned_on) > END_TS:
        return  # customer had not sent it back yet when the data ends
    lines = [line for line in order.lines if rng.random() < 0.6] or [rng.choice(order.lines)]
    for line in lines:
        qty = line.quantity
        if qty > 1 and rng.random() < 0.2:
            qty = rng.randint(1, qty - 1)  # kept some of them
        # The refund is the line's share of what was actually paid after the order
        # discount, rounded down so refunds never exceed the payment.
        refund = qty * line.unit_cents * order.total // order.subtotal
        weights = _REASON_WEIGHTS_CLOTHING if line.product.return_prone else _REASON_WEIGHTS_OTHER
        if order.channel == "in_store":
            weights = weights[:4] + [0, 0]
        reason = rng.choices(_REASONS, weights=weights)[0]
        returns.append((len(returns) + 1, order.order_id, line.order_item_id,
                        day_str(returned_on), qty, reason, refund / 100))
        order.refunded += refund
        order.returned_item_ids.append(line.order_item_id)
    order.status = "returned"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _tracking_number(rng: random.Random, carrier: str, taken: set[str]) -> str:
    """A number in the carrier's usual format, unique across shipments."""
    while True:
        if carrier == "UPS":
            chars = string.ascii_uppercase + string.digits
            number = "1Z" + "".join(rng.choice(chars) for _ in range(6)) + _digits(rng, 10)
        elif carrier == "FedEx":
            number = _digits(rng, 12)
        elif carrier == "USPS":
            number = "9400" + _digits(rng, 18)
        elif carrier == "Royal Mail":
            number = rng.choice(["RM", "RN", "TT"]) + _digits(rng, 9) + "GB"
        elif carrier == "Australia Post":
            number = "AP" + _digits(rng, 9) + "AU"
        elif carrier == "La Poste":
            number = "6A" + _digits(rng, 11)
        elif carrier == "Canada Post":
            number = _digits(rng, 16)
        else:  # DHL
            number = _digits(rng, 10)
        if number not in taken:
            taken.add(number)
            return number
