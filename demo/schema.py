"""DDL for the demo retail database.

Tables are listed parents-first so rows can be inserted in this order with
foreign-key enforcement switched on. Dates are ISO-8601 TEXT ('YYYY-MM-DD' or
'YYYY-MM-DD HH:MM:SS') because SQLite has no date type; money is REAL in USD.
"""

from __future__ import annotations

import sqlite3

from demo.reference import (
    CHANNELS,
    LOYALTY_TIERS,
    ORDER_STATUSES,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    RETURN_REASONS,
)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


TABLES: list[tuple[str, str]] = [
    ("stores", """
CREATE TABLE stores (
    store_id INTEGER PRIMARY KEY,
    store_name TEXT NOT NULL UNIQUE,
    store_type TEXT NOT NULL CHECK (store_type IN ('physical', 'online')),
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    opened_date TEXT NOT NULL,
    square_meters INTEGER CHECK (square_meters IS NULL OR square_meters > 0)
)"""),
    ("categories", """
CREATE TABLE categories (
    category_id INTEGER PRIMARY KEY,
    category_name TEXT NOT NULL UNIQUE,
    parent_category_id INTEGER REFERENCES categories (category_id)
)"""),
    ("suppliers", """
CREATE TABLE suppliers (
    supplier_id INTEGER PRIMARY KEY,
    supplier_name TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    contact_email TEXT,
    lead_time_days INTEGER NOT NULL CHECK (lead_time_days > 0)
)"""),
    ("products", """
CREATE TABLE products (
    product_id INTEGER PRIMARY KEY,
    product_name TEXT NOT NULL UNIQUE,
    sku TEXT NOT NULL UNIQUE,
    brand TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories (category_id),
    supplier_id INTEGER NOT NULL REFERENCES suppliers (supplier_id),
    unit_price REAL NOT NULL CHECK (unit_price > 0),
    unit_cost REAL NOT NULL CHECK (unit_cost > 0),
    launch_date TEXT NOT NULL,
    discontinued_date TEXT CHECK (discontinued_date IS NULL OR discontinued_date >= launch_date)
)"""),
    ("employees", """
CREATE TABLE employees (
    employee_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    job_title TEXT NOT NULL,
    store_id INTEGER REFERENCES stores (store_id),
    manager_id INTEGER REFERENCES employees (employee_id),
    hire_date TEXT NOT NULL,
    termination_date TEXT CHECK (termination_date IS NULL OR termination_date > hire_date),
    annual_salary REAL NOT NULL CHECK (annual_salary > 0)
)"""),
    ("customers", f"""
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone TEXT,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    birth_date TEXT,
    signup_date TEXT NOT NULL,
    loyalty_tier TEXT NOT NULL CHECK (loyalty_tier IN {_in(LOYALTY_TIERS)}),
    marketing_opt_in INTEGER NOT NULL CHECK (marketing_opt_in IN (0, 1))
)"""),
    ("orders", f"""
CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    employee_id INTEGER REFERENCES employees (employee_id),
    order_date TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN {_in(CHANNELS)}),
    status TEXT NOT NULL CHECK (status IN {_in(ORDER_STATUSES)}),
    subtotal_amount REAL NOT NULL CHECK (subtotal_amount >= 0),
    discount_amount REAL NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
    total_amount REAL NOT NULL CHECK (total_amount >= 0),
    CHECK (discount_amount <= subtotal_amount)
)"""),
    ("order_items", """
CREATE TABLE order_items (
    order_item_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price REAL NOT NULL CHECK (unit_price > 0),
    line_total REAL NOT NULL CHECK (line_total >= 0),
    UNIQUE (order_id, product_id)
)"""),
    ("payments", f"""
CREATE TABLE payments (
    payment_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    payment_date TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN {_in(PAYMENT_METHODS)}),
    amount REAL NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN {_in(PAYMENT_STATUSES)})
)"""),
    ("shipments", """
CREATE TABLE shipments (
    shipment_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL UNIQUE REFERENCES orders (order_id),
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL UNIQUE,
    shipped_at TEXT NOT NULL,
    delivered_at TEXT CHECK (delivered_at IS NULL OR delivered_at > shipped_at),
    shipping_cost REAL NOT NULL CHECK (shipping_cost >= 0)
)"""),
    ("returns", f"""
CREATE TABLE returns (
    return_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    order_item_id INTEGER NOT NULL UNIQUE REFERENCES order_items (order_item_id),
    return_date TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    reason TEXT NOT NULL CHECK (reason IN {_in(RETURN_REASONS)}),
    refund_amount REAL NOT NULL CHECK (refund_amount >= 0)
)"""),
    ("reviews", """
CREATE TABLE reviews (
    review_id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    review_date TEXT NOT NULL,
    review_text TEXT,
    UNIQUE (order_id, product_id)
)"""),
    ("inventory", """
CREATE TABLE inventory (
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity_on_hand INTEGER NOT NULL CHECK (quantity_on_hand >= 0),
    reorder_level INTEGER NOT NULL CHECK (reorder_level >= 0),
    last_restocked_date TEXT,
    PRIMARY KEY (store_id, product_id)
)"""),
]

# Every FK column gets an index unless a UNIQUE/PRIMARY KEY already leads with it,
# plus the date and status columns that most questions filter or group on.
INDEXES: list[str] = [
    "CREATE INDEX idx_categories_parent ON categories (parent_category_id)",
    "CREATE INDEX idx_products_category ON products (category_id)",
    "CREATE INDEX idx_products_supplier ON products (supplier_id)",
    "CREATE INDEX idx_employees_store ON employees (store_id)",
    "CREATE INDEX idx_employees_manager ON employees (manager_id)",
    "CREATE INDEX idx_customers_city ON customers (country, city)",
    "CREATE INDEX idx_orders_customer ON orders (customer_id)",
    "CREATE INDEX idx_orders_store ON orders (store_id)",
    "CREATE INDEX idx_orders_employee ON orders (employee_id)",
    "CREATE INDEX idx_orders_date ON orders (order_date)",
    "CREATE INDEX idx_orders_status ON orders (status)",
    "CREATE INDEX idx_order_items_product ON order_items (product_id)",
    "CREATE INDEX idx_payments_order ON payments (order_id)",
    "CREATE INDEX idx_returns_order ON returns (order_id)",
    "CREATE INDEX idx_reviews_product ON reviews (product_id)",
    "CREATE INDEX idx_reviews_customer ON reviews (customer_id)",
    "CREATE INDEX idx_inventory_product ON inventory (product_id)",
]

TABLE_NAMES: list[str] = [name for name, _ in TABLES]


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index on an empty database."""
    for _, ddl in TABLES:
        conn.execute(ddl)
    for ddl in INDEXES:
        conn.execute(ddl)
