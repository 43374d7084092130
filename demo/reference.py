"""Fixed reference data the demo generator draws from.

Everything here is plain Python literals (lists and tuples, never sets) so that
iteration order, and therefore the generated database, is the same on every run.
"""

from __future__ import annotations

import datetime as dt

# The data covers two full calendar years; "today" for the shop is DATA_END.
DATA_START = dt.date(2023, 1, 1)
DATA_END = dt.date(2024, 12, 31)

# Country share of the customer base, then (city, metro population in millions).
# Population only sets the weight of a city inside its country.
COUNTRIES: list[tuple[str, float, list[tuple[str, float]]]] = [
    ("United States", 55.0, [
        ("New York", 19.5), ("Los Angeles", 13.0), ("Chicago", 9.4), ("Dallas", 7.6),
        ("Houston", 7.1), ("Philadelphia", 6.2), ("Atlanta", 6.1), ("Miami", 6.1),
        ("Boston", 4.9), ("Phoenix", 4.9), ("San Francisco", 4.6), ("Seattle", 4.0),
        ("Minneapolis", 3.7), ("San Diego", 3.3), ("Denver", 3.0), ("San Antonio", 2.6),
        ("Portland", 2.5), ("Austin", 2.4),
    ]),
    ("United Kingdom", 15.0, [
        ("London", 9.5), ("Manchester", 2.8), ("Birmingham", 2.6), ("Leeds", 1.9),
        ("Glasgow", 1.7), ("Edinburgh", 0.9), ("Bristol", 0.7),
    ]),
    ("Canada", 10.0, [
        ("Toronto", 6.2), ("Montreal", 4.3), ("Vancouver", 2.6), ("Calgary", 1.5),
        ("Ottawa", 1.4),
    ]),
    ("Australia", 8.0, [
        ("Sydney", 5.3), ("Melbourne", 5.1), ("Brisbane", 2.6), ("Perth", 2.1),
    ]),
    ("Germany", 7.0, [
        ("Berlin", 3.7), ("Hamburg", 1.9), ("Munich", 1.5), ("Cologne", 1.1),
        ("Frankfurt", 0.8),
    ]),
    ("France", 5.0, [
        ("Paris", 11.0), ("Lyon", 2.3), ("Marseille", 1.9), ("Toulouse", 1.4),
    ]),
]

# (store_name, store_type, city, country, opened_date, square_meters)
# The online store is the web shop; it ships from a warehouse and has no floor area.
STORES: list[tuple[str, str, str, str, str, int | None]] = [
    ("Online Store", "online", "New York", "United States", "2018-03-01", None),
    ("New York Fifth Avenue", "physical", "New York", "United States", "2016-05-14", 2400),
    ("Los Angeles Grove", "physical", "Los Angeles", "United States", "2017-09-02", 1850),
    ("Chicago Magnificent Mile", "physical", "Chicago", "United States", "2018-04-21", 1600),
    ("Houston Galleria", "physical", "Houston", "United States", "2019-11-09", 1400),
    ("Seattle Pike Street", "physical", "Seattle", "United States", "2020-06-27", 1100),
    ("Miami Brickell", "physical", "Miami", "United States", "2023-09-16", 1250),
    ("Toronto Eaton Centre", "physical", "Toronto", "Canada", "2019-03-30", 1500),
    ("London Oxford Street", "physical", "London", "United Kingdom", "2018-10-13", 2100),
    ("Manchester Arndale", "physical", "Manchester", "United Kingdom", "2021-02-20", 900),
    ("Berlin Kurfuerstendamm", "physical", "Berlin", "Germany", "2020-09-05", 1300),
    ("Sydney Pitt Street", "physical", "Sydney", "Australia", "2022-04-09", 1200),
]

# Category tree: top level -> leaves. Each leaf: (name, (low, high) list price in USD,
# nouns used to compose product names). Clothing is flagged because it is returned more.
CATEGORIES: list[tuple[str, list[tuple[str, tuple[float, float], list[str]]]]] = [
    ("Electronics", [
        ("Smartphones", (199, 1199), ["Smartphone", "Phone", "5G Phone"]),
        ("Laptops", (499, 2299), ["Laptop", "Ultrabook", "Notebook", "Chromebook"]),
        ("Audio", (19, 399), ["Earbuds", "Headphones", "Bluetooth Speaker", "Soundbar"]),
        ("Accessories", (9, 89), ["USB-C Cable", "Phone Case", "Power Bank", "Charger", "Mouse"]),
    ]),
    ("Home & Kitchen", [
        ("Cookware", (19, 249), ["Frying Pan", "Saucepan", "Dutch Oven", "Knife Set", "Wok"]),
        ("Small Appliances", (29, 499), ["Coffee Maker", "Blender", "Air Fryer", "Toaster", "Kettle"]),
        ("Furniture", (79, 1299), ["Desk", "Bookshelf", "Armchair", "Side Table", "Bed Frame"]),
        ("Home Decor", (9, 149), ["Vase", "Table Lamp", "Throw Pillow", "Wall Clock", "Candle"]),
    ]),
    ("Clothing", [
        ("Men's Clothing", (15, 249), ["T-Shirt", "Jeans", "Hoodie", "Jacket", "Chinos"]),
        ("Women's Clothing", (15, 279), ["Dress", "Blouse", "Cardigan", "Skirt", "Coat"]),
        ("Kids' Clothing", (9, 79), ["Pajamas", "Romper", "Rain Jacket", "Leggings", "Sweater"]),
        ("Shoes", (29, 219), ["Sneakers", "Running Shoes", "Boots", "Sandals", "Loafers"]),
    ]),
    ("Sports & Outdoors", [
        ("Fitness", (12, 899), ["Yoga Mat", "Dumbbell Set", "Exercise Bike", "Kettlebell"]),
        ("Camping", (19, 499), ["Tent", "Sleeping Bag", "Camp Stove", "Backpack", "Headlamp"]),
        ("Cycling", (15, 1499), ["Road Bike", "Bike Helmet", "Bike Light", "Cycling Gloves"]),
    ]),
    ("Books & Media", [
        ("Fiction", (8, 32), ["Novel", "Thriller", "Short Stories", "Fantasy Saga"]),
        ("Non-Fiction", (10, 45), ["Cookbook", "Biography", "Travel Guide", "History"]),
        ("Music & Movies", (9, 59), ["Vinyl Record", "Blu-ray", "Box Set"]),
    ]),
    ("Beauty & Health", [
        ("Skincare", (8, 89), ["Moisturizer", "Serum", "Sunscreen", "Face Wash"]),
        ("Haircare", (7, 199), ["Shampoo", "Conditioner", "Hair Dryer", "Hair Oil"]),
        ("Vitamins & Supplements", (9, 59), ["Multivitamin", "Vitamin D", "Protein Powder", "Omega-3"]),
    ]),
    ("Toys & Games", [
        ("Board Games", (14, 89), ["Board Game", "Card Game", "Strategy Game"]),
        ("Building Toys", (12, 199), ["Building Set", "Construction Kit", "Marble Run"]),
        ("Puzzles", (9, 49), ["Jigsaw Puzzle", "3D Puzzle", "Puzzle Box"]),
    ]),
]
RETURN_PRONE_TOP = "Clothing"

ADJECTIVES = [
    "Classic", "Pro", "Essential", "Compact", "Premium", "Eco", "Ultra", "Everyday",
    "Deluxe", "Lite", "Signature", "Max", "Urban", "Heritage", "Smart", "Studio",
]

# Brands per top-level category; suppliers are separate companies that stock them.
BRANDS: dict[str, list[str]] = {
    "Electronics": ["Voltix", "Nordtek", "Auralis", "Pixelon", "Zentro"],
    "Home & Kitchen": ["Hearthware", "Casa Linea", "Brightwood", "Kochmeister"],
    "Clothing": ["Northloom", "Rue Dorée", "Kite & Co", "Trailside", "Urbanthread"],
    "Sports & Outdoors": ["Summitline", "Pacefield", "Ridgeback", "Cyclon"],
    "Books & Media": ["Harbor Press", "Lantern Books", "Groove Records"],
    "Beauty & Health": ["Dermaveil", "Botanica Lab", "Vitalis", "Lumière"],
    "Toys & Games": ["Brickly", "Meeple House", "Puzzlecraft"],
}

# (supplier_name, country, lead_time_days, top-level category it supplies);
# contact emails are derived from the name.
SUPPLIERS: list[tuple[str, str, int, str]] = [
    ("Shenzhen Brightstar Electronics", "China", 35, "Electronics"),
    ("Pacific Rim Components", "Taiwan", 28, "Electronics"),
    ("Seoul Digital Trading", "South Korea", 25, "Electronics"),
    ("Great Lakes Distribution", "United States", 7, "Electronics"),
    ("Atlantic Home Goods", "United States", 10, "Home & Kitchen"),
    ("Rhein Kuechen GmbH", "Germany", 14, "Home & Kitchen"),
    ("Nordic Furniture Works", "Sweden", 21, "Home & Kitchen"),
    ("Porto Textiles", "Portugal", 18, "Clothing"),
    ("Dhaka Apparel Group", "Bangladesh", 40, "Clothing"),
    ("Anatolia Garment Co", "Turkey", 20, "Clothing"),
    ("Ho Chi Minh Footwear", "Vietnam", 38, "Clothing"),
    ("Rocky Mountain Outfitters", "United States", 9, "Sports & Outdoors"),
    ("Taichung Cycle Parts", "Taiwan", 30, "Sports & Outdoors"),
    ("Penguin Lane Publishing", "United Kingdom", 12, "Books & Media"),
    ("Midwest Book Distributors", "United States", 6, "Books & Media"),
    ("Lyon Cosmetiques", "France", 15, "Beauty & Health"),
    ("Green Valley Nutrition", "Canada", 11, "Beauty & Health"),
    ("Melbourne Wellness Supply", "Australia", 19, "Beauty & Health"),
    ("Osaka Toy Company", "Japan", 26, "Toys & Games"),
    ("Bavaria Spielwaren", "Germany", 16, "Toys & Games"),
]

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
    "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy",
    "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily", "Andrew", "Michelle",
    "Joshua", "Amanda", "Kevin", "Melissa", "Brian", "Stephanie", "George", "Rebecca",
    "Oliver", "Amelia", "Harry", "Isla", "Jack", "Olivia", "Noah", "Ava",
    "Liam", "Chloe", "Lucas", "Emma", "Leon", "Mia", "Felix", "Hannah",
    "Louis", "Camille", "Hugo", "Manon", "Arjun", "Priya", "Wei", "Mei",
    "Carlos", "Sofia", "Diego", "Lucia", "Omar", "Fatima", "Yuki", "Aiko",
    "Ethan", "Grace", "Samuel", "Zoe", "Mateo", "Nora", "Ryan", "Leah",
]

LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Evans", "Roberts", "Hughes", "Edwards", "Murphy", "Patel", "Khan", "Campbell",
    "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
    "Dubois", "Laurent", "Bernard", "Moreau", "Lefebvre", "Fontaine", "Tremblay", "Roy",
    "Gagnon", "Chen", "Wang", "Kim", "Park", "Tanaka", "Singh", "Kumar",
    "O'Brien", "Kelly", "Walsh", "MacDonald", "Stewart", "Fraser", "Cohen", "Rossi",
]

EMAIL_DOMAINS: dict[str, list[str]] = {
    "United States": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"],
    "United Kingdom": ["gmail.com", "outlook.com", "hotmail.co.uk", "btinternet.com"],
    "Canada": ["gmail.com", "outlook.com", "yahoo.ca", "icloud.com"],
    "Australia": ["gmail.com", "outlook.com", "bigpond.com", "icloud.com"],
    "Germany": ["gmail.com", "web.de", "gmx.de", "t-online.de"],
    "France": ["gmail.com", "orange.fr", "free.fr", "laposte.net"],
}

# Phone pattern per country; each '#' becomes a random digit.
PHONE_FORMATS: dict[str, str] = {
    "United States": "+1-###-555-####",
    "Canada": "+1-###-555-####",
    "United Kingdom": "+44 7### ######",
    "Australia": "+61 4## ### ###",
    "Germany": "+49 15# #######",
    "France": "+33 6 ## ## ## ##",
}

# Carriers per destination country: (carrier, weight, min transit days, max transit days,
# base cost in USD). The online store ships from a warehouse in each region.
CARRIERS: dict[str, list[tuple[str, float, int, int, float]]] = {
    "United States": [("UPS", 40, 1, 5, 8.5), ("FedEx", 30, 1, 4, 9.9), ("USPS", 30, 2, 7, 6.2)],
    "Canada": [("Canada Post", 60, 2, 8, 9.0), ("UPS", 25, 1, 5, 12.5), ("FedEx", 15, 1, 4, 13.9)],
    "United Kingdom": [("Royal Mail", 55, 1, 4, 4.8), ("DHL", 30, 1, 3, 7.4), ("UPS", 15, 1, 3, 8.9)],
    "Germany": [("DHL", 70, 1, 3, 5.5), ("UPS", 30, 1, 4, 8.2)],
    "France": [("La Poste", 55, 2, 5, 6.1), ("DHL", 45, 1, 3, 7.9)],
    "Australia": [("Australia Post", 70, 2, 8, 9.5), ("DHL", 30, 1, 5, 14.0)],
}

ORDER_STATUSES = ("pending", "shipped", "delivered", "cancelled", "returned")
PAYMENT_METHODS = (
    "credit_card", "debit_card", "paypal", "mobile_wallet", "gift_card", "bank_transfer", "cash",
)
PAYMENT_STATUSES = ("completed", "failed", "refunded")
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
RETURN_REASONS = (
    "wrong_size", "damaged_in_transit", "defective", "not_as_described", "changed_mind",
    "arrived_late",
)
CHANNELS = ("online", "in_store")

# Relative order volume per calendar month (index 0 = January): holiday peak,
# January/February lull.
MONTH_WEIGHTS = [0.74, 0.70, 0.84, 0.87, 0.92, 0.90, 0.95, 1.00, 0.90, 0.98, 1.35, 1.60]
# Monday..Sunday
WEEKDAY_WEIGHTS = [0.92, 0.90, 0.94, 0.98, 1.08, 1.14, 1.04]

REVIEW_TEXTS: dict[int, list[str]] = {
    1: ["Stopped working after a week.", "Very poor quality, would not buy again.",
        "Nothing like the pictures.", "Arrived broken and support was slow."],
    2: ["Disappointing for the price.", "Works, but feels cheap.",
        "Smaller than expected.", "Had to return the first one."],
    3: ["It's okay, does the job.", "Average quality, fair price.",
        "Decent, but there are better options.", "Fine for occasional use."],
    4: ["Good value, happy with it.", "Works well, minor quibbles.",
        "Nice quality, fast delivery.", "Would recommend to friends."],
    5: ["Excellent, exactly what I needed!", "Love it, great quality.",
        "Best purchase this year.", "Perfect, bought a second one as a gift."],
}
