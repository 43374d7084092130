"""Product reviews left by customers after they received their order."""

from __future__ import annotations

import random

from demo.reference import REVIEW_TEXTS
from demo.sales import Order
from demo.timeline import DAY, END_DAY, day_str


def build_reviews(rng: random.Random, orders: list[Order]) -> list[tuple]:
    """About one line in nine gets a review; returned items are reviewed more, and worse."""
    drafts = []
    for order in orders:
        if order.received is None:
            continue
        for line in order.lines:
            returned = line.order_item_id in order.returned_item_ids
            if rng.random() >= (0.3 if returned else 0.11):
                continue
            day = order.received // DAY + rng.randint(2, 45)
            if day > END_DAY:
                continue
            score = 4.25 + line.product.quality + rng.gauss(0.0, 1.0) - (1.8 if returned else 0.0)
            rating = min(5, max(1, round(score)))
            if rng.random() < 0.05:
                rating = 1  # angry one-star reviews make real ratings J-shaped
            # Many reviewers leave only stars.
            text = rng.choice(REVIEW_TEXTS[rating]) if rng.random() > 0.35 else None
            drafts.append((day, order.order_id, line.product.product_id,
                           order.customer.customer_id, rating, text))
    drafts.sort(key=lambda d: (d[0], d[1], d[2]))
    return [(review_id, product_id, customer_id, order_id, rating, day_str(day), text)
            for review_id, (day, order_id, product_id, customer_id, rating, text)
            in enumerate(drafts, start=1)]
