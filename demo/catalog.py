"""Stores, category tree, suppliers, products and the store inventory snapshot."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from demo.reference import ADJECTIVES, BRANDS, CATEGORIES, RETURN_PRONE_TOP, STORES, SUPPLIERS
from demo.timeline import END_DAY, START_DAY, day_str, ordinal

PRODUCTS_PER_LEAF = (13, 21)


@dataclass(slots=True)
class Store:
    store_id: int
    store_type: str
    city: str
    country: str
    opened_day: int


@dataclass(slots=True)
class Product:
    product_id: int
    list_cents: int  # current list price in cents
    launch_day: int
    end_day: int | None  # discontinued from this day on
    popularity: float  # relative chance of being picked for an order line
    quality: float  # shifts review ratings; hidden, not stored
    return_prone: bool


@dataclass
class Catalog:
    stores: list[Store]
    products: list[Product]
    rows: dict[str, list[tuple]]

    @property
    def online_store(self) -> Store:
        return next(s for s in self.stores if s.store_type == "online")


_TLD = {"Germany": "de", "United Kingdom": "co.uk", "France": "fr", "Japan": "co.jp",
        "Canada": "ca", "Australia": "com.au"}


def _supplier_email(name: str, country: str) -> str:
    slug = "".join(re.sub(r"[^a-z0-9]", "", w.lower()) for w in name.split()[:2])
    return f"orders@{slug}.{_TLD.get(country, 'com')}"


def _charm_cents(price: float) -> int:
    """Retail-style prices: 8.99, 49.99, 499.99."""
    if price < 20:
        return int(price) * 100 + 99
    if price < 200:
        return round(price) * 100 - 1
    return round(price / 10) * 1000 - 1


def _code(text: str) -> str:
    return re.sub(r"[^A-Za-z]", "", text)[:3].upper()


def build_catalog(rng: random.Random) -> Catalog:
    rows: dict[str, list[tuple]] = {}

    stores = []
    rows["stores"] = []
    for store_id, (name, kind, city, country, opened, sqm) in enumerate(STORES, start=1):
        stores.append(Store(store_id, kind, city, country, ordinal(opened)))
        rows["stores"].append((store_id, name, kind, city, country, opened, sqm))

    rows["suppliers"] = []
    suppliers_by_top: dict[str, list[int]] = {}
    for supplier_id, (name, country, lead, top) in enumerate(SUPPLIERS, start=1):
        # Some suppliers only ever gave a phone number or a sales rep's card.
        email = _supplier_email(name, country) if rng.random() > 0.15 else None
        rows["suppliers"].append((supplier_id, name, country, email, lead))
        suppliers_by_top.setdefault(top, []).append(supplier_id)

    rows["categories"] = []
    leaves: list[tuple[int, str, str, tuple[float, float], list[str]]] = []
    category_id = 0
    for top, subs in CATEGORIES:
        category_id += 1
        top_id = category_id
        rows["categories"].append((top_id, top, None))
        for leaf, price_range, nouns in subs:
            category_id += 1
            rows["categories"].append((category_id, leaf, top_id))
            leaves.append((category_id, top, leaf, price_range, nouns))

    # A brand is sourced from one supplier, as with real distribution deals.
    brand_supplier = {
        brand: rng.choice(suppliers_by_top[top]) for top, brands in BRANDS.items() for brand in brands
    }

    products: list[Product] = []
    rows["products"] = []
    names: set[str] = set()  # membership only; never iterated
    for leaf_id, top, leaf, (lo, hi), nouns in leaves:
        for _ in range(rng.randint(*PRODUCTS_PER_LEAF)):
            product_id = len(products) + 1
            brand = rng.choice(BRANDS[top])
            name = f"{brand} {rng.choice(ADJECTIVES)} {rng.choice(nouns)}"
            generation = 2
            while name in names:  # same composed name: sell it as a newer model
                name = f"{name.rsplit(' Gen ', 1)[0]} Gen {generation}"
                generation += 1
            names.add(name)
            cents = _charm_cents(math.exp(rng.uniform(math.log(lo), math.log(hi))))
            cost = max(1, round(cents * rng.uniform(0.40, 0.68)))
            if rng.random() < 0.78:
                launch = rng.randint(ordinal("2019-01-01"), START_DAY - 1)
            else:
                launch = rng.randint(START_DAY, END_DAY - 30)
            end = None
            if launch < END_DAY - 200 and rng.random() < 0.07:
                end = rng.randint(max(launch + 120, START_DAY + 60), END_DAY - 14)
            sku = f"{_code(top)}-{_code(leaf)}-{product_id:04d}"
            rows["products"].append((
                product_id, name, sku, brand, leaf_id, brand_supplier[brand],
                cents / 100, cost / 100, day_str(launch), day_str(end) if end else None,
            ))
            products.append(Product(product_id, cents, launch, end, 0.0,
                                    rng.gauss(0.0, 0.45), top == RETURN_PRONE_TOP))

    # Zipf-like popularity over a shuffled ranking, damped for expensive items so
    # laptops do not sell like phone cases.
    ranks = list(range(len(products)))
    rng.shuffle(ranks)
    for product, rank in zip(products, ranks):
        product.popularity = (rank + 8) ** -1.05 * (product.list_cents / 100) ** -0.25

    rows["inventory"] = _inventory(rng, stores, products, ranks)
    return Catalog(stores, products, rows)


def _inventory(rng: random.Random, stores: list[Store], products: list[Product],
               ranks: list[int]) -> list[tuple]:
    """Stock on hand at the end of the data period; stores carry a popular subset."""
    n = len(products)
    top_popularity = max(p.popularity for p in products)
    rows = []
    for store in stores:
        online = store.store_type == "online"
        for product, rank in zip(products, ranks):
            if not online and rng.random() > 0.35 + 0.6 * (1 - rank / n):
                continue
            scale = (8 + 110 * (product.popularity / top_popularity) ** 0.5) * (4 if online else 1)
            qty = int(rng.expovariate(1 / scale))
            if product.end_day is not None:
                qty = qty // 10  # discontinued: only leftovers
            elif rng.random() < 0.05:
                qty = 0  # out of stock
            reorder = rng.randint(20, 80) if online else rng.randint(4, 25)
            # NULL: stocked once at opening and never replenished since.
            restocked = None if rng.random() < 0.04 else day_str(END_DAY - rng.randint(0, 75))
            rows.append((store.store_id, product.product_id, qty, reorder, restocked))
    return rows
