"""Data dictionary: one sentence per table and per column of the demo database.

Descriptions name allowed values, units and formats, since that is what turns a
business question into the right SQL. tests/demo checks it matches the schema.
"""

from __future__ import annotations

import copy

_D = "ISO date 'YYYY-MM-DD'"
_TS = "ISO timestamp 'YYYY-MM-DD HH:MM:SS'"

_DICTIONARY: dict = {"tables": {
    "stores": {
        "description": "Shops of the retailer: physical stores plus one online store (the web shop).",
        "columns": {
            "store_id": "Unique identifier of the store.",
            "store_name": "Name of the store, e.g. 'London Oxford Street' or 'Online Store'.",
            "store_type": "Kind of store: 'physical' or 'online'.",
            "city": "City where the store is located (for the online store, its head office).",
            "country": "Country where the store is located.",
            "opened_date": f"Date the store opened, {_D}.",
            "square_meters": "Sales floor area in square meters; NULL for the online store.",
        },
    },
    "categories": {
        "description": "Product categories in a two-level tree: top-level departments and their subcategories.",
        "columns": {
            "category_id": "Unique identifier of the category.",
            "category_name": "Name of the category, e.g. 'Electronics' or 'Laptops'.",
            "parent_category_id": "Department this subcategory belongs to (categories.category_id); NULL for a top-level department.",
        },
    },
    "suppliers": {
        "description": "Companies the retailer buys its products from.",
        "columns": {
            "supplier_id": "Unique identifier of the supplier.",
            "supplier_name": "Company name of the supplier.",
            "country": "Country the supplier is based in.",
            "contact_email": "Purchasing contact e-mail address; NULL when unknown.",
            "lead_time_days": "Usual number of days between placing a purchase order and receiving the goods.",
        },
    },
    "products": {
        "description": "Products the retailer sells, with current list price and cost.",
        "columns": {
            "product_id": "Unique identifier of the product.",
            "product_name": "Name of the product as shown to customers.",
            "sku": "Stock keeping unit code, unique per product.",
            "brand": "Brand of the product.",
            "category_id": "Subcategory of the product (categories.category_id).",
            "supplier_id": "Supplier the product is bought from (suppliers.supplier_id).",
            "unit_price": "Current list price of one unit in USD.",
            "unit_cost": "Purchase cost of one unit in USD, used for margin.",
            "launch_date": f"Date the product went on sale, {_D}.",
            "discontinued_date": f"Date the product stopped being sold, {_D}; NULL if still sold.",
        },
    },
    "employees": {
        "description": "Staff of the stores and head office, with their reporting line.",
        "columns": {
            "employee_id": "Unique identifier of the employee.",
            "first_name": "Employee's first name.",
            "last_name": "Employee's last name.",
            "email": "Employee's work e-mail address.",
            "job_title": "Job title, e.g. 'Store Manager', 'Sales Associate', 'Cashier'.",
            "store_id": "Store the employee works at (stores.store_id); NULL for head office staff.",
            "manager_id": "Employee's direct manager (employees.employee_id); NULL for the head of retail.",
            "hire_date": f"Date the employee was hired, {_D}.",
            "termination_date": f"Date the employee left, {_D}; NULL if still employed.",
            "annual_salary": "Gross yearly salary in USD.",
        },
    },
    "customers": {
        "description": "People who have signed up as customers, whether or not they have ordered yet.",
        "columns": {
            "customer_id": "Unique identifier of the customer.",
            "first_name": "Customer's first name.",
            "last_name": "Customer's last name.",
            "email": "Customer's e-mail address, unique per customer.",
            "phone": "Customer's phone number in international format; NULL if not given.",
            "city": "City the customer lives in.",
            "country": "Country the customer lives in.",
            "birth_date": f"Customer's date of birth, {_D}; NULL if not given.",
            "signup_date": f"Date the customer created their account, {_D}.",
            "loyalty_tier": "Loyalty level earned by net spending: 'bronze', 'silver', 'gold' or 'platinum'.",
            "marketing_opt_in": "1 if the customer agreed to receive marketing e-mails, else 0.",
        },
    },
    "orders": {
        "description": "Customer orders placed online or in a store, one row per order.",
        "columns": {
            "order_id": "Unique identifier of the order; increases with order_date.",
            "customer_id": "Customer who placed the order (customers.customer_id).",
            "store_id": "Store that took the order (stores.store_id); online orders belong to the online store.",
            "employee_id": "Employee who served the customer (employees.employee_id); NULL for online orders.",
            "order_date": f"When the order was placed, {_TS}.",
            "channel": "Where the order was placed: 'online' or 'in_store'.",
            "status": "Order status: 'pending', 'shipped', 'delivered', 'cancelled' or 'returned'.",
            "subtotal_amount": "Sum of the order's line totals in USD, before discount.",
            "discount_amount": "Coupon or promotion discount on the whole order in USD.",
            "total_amount": "Amount charged in USD: subtotal_amount minus discount_amount.",
        },
    },
    "order_items": {
        "description": "Line items of orders: which products were bought, how many and at what price.",
        "columns": {
            "order_item_id": "Unique identifier of the order line.",
            "order_id": "Order the line belongs to (orders.order_id).",
            "product_id": "Product bought (products.product_id).",
            "quantity": "Number of units bought.",
            "unit_price": "Price per unit charged on this order in USD (may differ from today's list price).",
            "line_total": "quantity times unit_price in USD, before the order-level discount.",
        },
    },
    "payments": {
        "description": "Payment transactions for orders, including declined and refunded ones; an order can have several.",
        "columns": {
            "payment_id": "Unique identifier of the payment.",
            "order_id": "Order being paid (orders.order_id).",
            "payment_date": f"When the payment was made, {_TS}.",
            "method": "Payment method: 'credit_card', 'debit_card', 'paypal', 'mobile_wallet', 'gift_card', 'bank_transfer' or 'cash'.",
            "amount": "Amount of this payment in USD.",
            "status": "Payment outcome: 'completed', 'failed' (declined) or 'refunded' (order cancelled).",
        },
    },
    "shipments": {
        "description": "Parcels sent to customers for online orders, one per shipped order.",
        "columns": {
            "shipment_id": "Unique identifier of the shipment.",
            "order_id": "Order shipped (orders.order_id).",
            "carrier": "Delivery company, e.g. 'UPS', 'FedEx', 'DHL', 'USPS', 'Royal Mail'.",
            "tracking_number": "Carrier's tracking number for the parcel.",
            "shipped_at": f"When the parcel left the warehouse, {_TS}.",
            "delivered_at": f"When the parcel was delivered, {_TS}; NULL if not delivered yet.",
            "shipping_cost": "What the retailer paid the carrier in USD.",
        },
    },
    "returns": {
        "description": "Items customers sent or brought back, one row per returned order line.",
        "columns": {
            "return_id": "Unique identifier of the return.",
            "order_id": "Order the returned item came from (orders.order_id).",
            "order_item_id": "Order line returned (order_items.order_item_id).",
            "return_date": f"Date the return was received, {_D}.",
            "quantity": "Number of units returned.",
            "reason": "Reason given: 'wrong_size', 'damaged_in_transit', 'defective', 'not_as_described', 'changed_mind' or 'arrived_late'.",
            "refund_amount": "Amount refunded to the customer in USD, after the order discount.",
        },
    },
    "reviews": {
        "description": "Product ratings and reviews written by customers after receiving their order.",
        "columns": {
            "review_id": "Unique identifier of the review.",
            "product_id": "Product reviewed (products.product_id).",
            "customer_id": "Customer who wrote the review (customers.customer_id).",
            "order_id": "Order in which the customer bought the product (orders.order_id).",
            "rating": "Star rating from 1 (worst) to 5 (best).",
            "review_date": f"Date the review was posted, {_D}.",
            "review_text": "Written comment; NULL when the customer left only a star rating.",
        },
    },
    "inventory": {
        "description": "Current stock of each product at each store that carries it (snapshot at the end of the data).",
        "columns": {
            "store_id": "Store holding the stock (stores.store_id).",
            "product_id": "Product in stock (products.product_id).",
            "quantity_on_hand": "Units currently in stock; 0 means out of stock.",
            "reorder_level": "Stock level at or below which the product should be reordered.",
            "last_restocked_date": f"Date of the last delivery of this product to the store, {_D}; NULL if never restocked.",
        },
    },
}}


def demo_dictionary() -> dict:
    """The data dictionary as a fresh dict (callers may modify it)."""
    return copy.deepcopy(_DICTIONARY)
