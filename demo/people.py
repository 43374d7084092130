"""Customers and employees."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from demo.catalog import Store
from demo.reference import COUNTRIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, PHONE_FORMATS
from demo.timeline import END_DAY, START_DAY, day_str, ordinal

N_CUSTOMERS = 5_500
COMPANY_DOMAIN = "lumenretail.com"


@dataclass(slots=True)
class Customer:
    customer_id: int
    city: str
    country: str
    signup_day: int
    activity: float  # relative share of orders; Zipf-like so a few customers buy a lot
    row: tuple  # every column except loyalty_tier, which depends on spend


@dataclass(slots=True)
class Employee:
    employee_id: int
    store_id: int | None
    sells: bool  # rings up in-store orders
    hire_day: int
    end_day: int | None


def _pick_city(rng: random.Random) -> tuple[str, str]:
    country, _, cities = rng.choices(COUNTRIES, weights=[c[1] for c in COUNTRIES])[0]
    city = rng.choices(cities, weights=[c[1] for c in cities])[0][0]
    return city, country


def _unique_email(local: str, domain: str, taken: set[str]) -> str:
    """local@domain, or local2@, local3@... when a namesake already has it."""
    candidate = f"{local}@{domain}"
    for n in itertools.count(2):
        if candidate not in taken:
            break
        candidate = f"{local}{n}@{domain}"
    taken.add(candidate)
    return candidate


def _customer_email(rng: random.Random, first: str, last: str, domain: str,
                    taken: set[str]) -> str:
    first, last = first.lower(), last.lower().replace("'", "")
    local = rng.choice([f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}",
                        f"{first}_{last}", f"{first}.{last}{rng.randint(1, 99)}"])
    return _unique_email(local, domain, taken)


def _phone(rng: random.Random, country: str) -> str:
    return "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in PHONE_FORMATS[country])


def build_customers(rng: random.Random) -> list[Customer]:
    customers = []
    taken: set[str] = set()  # membership only; never iterated
    ranks = list(range(N_CUSTOMERS))
    rng.shuffle(ranks)
    for customer_id, rank in zip(range(1, N_CUSTOMERS + 1), ranks):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, country = _pick_city(rng)
        email = _customer_email(rng, first, last, rng.choice(EMAIL_DOMAINS[country]), taken)
        phone = _phone(rng, country) if rng.random() > 0.22 else None  # optional at signup
        # Existing members before the data period, then steady sign-ups during it.
        if rng.random() < 0.6:
            signup = rng.randint(ordinal("2019-06-01"), START_DAY - 1)
        else:
            signup = rng.randint(START_DAY, END_DAY - 2)
        birth = None
        if rng.random() > 0.3:  # birth date is optional, about a third skip it
            age_days = int(rng.triangular(18, 82, 34) * 365.25)
            birth = day_str(signup - age_days)
        opt_in = 1 if rng.random() < 0.42 else 0
        row = (customer_id, first, last, email, phone, city, country, birth,
               day_str(signup), opt_in)
        customers.append(Customer(customer_id, city, country, signup,
                                  (rank + 40) ** -0.9, row))
    return customers


# (title, base salary USD); country pay levels differ.
_SALARY = {
    "Head of Retail": 185_000, "Regional Manager": 135_000, "E-commerce Manager": 98_000,
    "Store Manager": 72_000, "Assistant Store Manager": 52_000, "Sales Associate": 34_000,
    "Cashier": 30_000, "Customer Service Representative": 38_000, "Warehouse Associate": 36_000,
}
_PAY_LEVEL = {"United States": 1.0, "Canada": 0.9, "United Kingdom": 0.86,
              "Germany": 0.9, "Australia": 0.95}
_SELLING_TITLES = ("Sales Associate", "Cashier", "Assistant Store Manager")


def build_employees(rng: random.Random, stores: list[Store]) -> tuple[list[Employee], list[tuple]]:
    employees: list[Employee] = []
    rows: list[tuple] = []
    taken: set[str] = set()

    def hire(title: str, store: Store | None, manager: int | None, hire_day: int,
             end_day: int | None = None) -> int:
        employee_id = len(employees) + 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = first.lower() + "." + last.lower().replace("'", "")
        email = _unique_email(local, COMPANY_DOMAIN, taken)
        level = _PAY_LEVEL.get(store.country if store else "United States", 1.0)
        salary = round(_SALARY[title] * level * rng.uniform(0.9, 1.15), -2)
        store_id = store.store_id if store else None
        employees.append(Employee(employee_id, store_id, title in _SELLING_TITLES, hire_day, end_day))
        rows.append((employee_id, first, last, email, title, store_id, manager, day_str(hire_day),
                     day_str(end_day) if end_day else None, float(salary)))
        return employee_id

    # Head office staff have no store (store_id NULL); the head has no manager.
    head = hire("Head of Retail", None, None, ordinal("2016-02-01"))
    regional = {
        "north_america": hire("Regional Manager", None, head, ordinal("2017-05-15")),
        "international": hire("Regional Manager", None, head, ordinal("2018-08-01")),
    }
    for store in stores:
        region = "north_america" if store.country in ("United States", "Canada") else "international"
        opened = store.opened_day
        if store.store_type == "online":
            boss = hire("E-commerce Manager", store, regional[region], opened - 60)
            staff = [("Customer Service Representative", 5), ("Warehouse Associate", 4)]
        else:
            boss = hire("Store Manager", store, regional[region], opened - rng.randint(30, 120))
            hire("Assistant Store Manager", store, boss, opened - rng.randint(10, 60))
            staff = [("Sales Associate", rng.randint(4, 7)), ("Cashier", rng.randint(1, 3))]
        for title, count in staff:
            for i in range(count):
                if i < 2:  # core staff, there since opening, keep every store covered
                    hire(title, store, boss, opened - rng.randint(1, 30))
                    continue
                hired = rng.randint(max(opened, START_DAY - 700), END_DAY - 45)
                left = None
                if rng.random() < 0.25 and hired + 90 < END_DAY:
                    left = rng.randint(hired + 90, END_DAY)
                hire(title, store, boss, hired, left)
    return employees, rows

