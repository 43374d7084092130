"""Date and time helpers for the generator.

Internally a day is its proleptic ordinal (date.toordinal()) and a moment is
seconds since ordinal 0, so arithmetic is plain integers; strings are made only
when rows are written.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from functools import lru_cache

from demo.reference import DATA_END, DATA_START, MONTH_WEIGHTS, WEEKDAY_WEIGHTS

DAY = 86_400
HOUR = 3_600
START_DAY = DATA_START.toordinal()
END_DAY = DATA_END.toordinal()
END_TS = (END_DAY + 1) * DAY - 1  # last second of the data period


def ordinal(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


@lru_cache(maxsize=None)
def day_str(day: int) -> str:
    return dt.date.fromordinal(day).isoformat()


def ts_str(ts: int) -> str:
    secs = ts % DAY
    return f"{day_str(ts // DAY)} {secs // HOUR:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"


def _special_day_factor(day: dt.date) -> float:
    """Black Friday, Cyber Monday and Christmas shape the holiday peak."""
    if day.month == 11:
        # Black Friday is the day after the fourth Thursday of November.
        first = dt.date(day.year, 11, 1)
        thanksgiving = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
        if day == thanksgiving + dt.timedelta(days=1):
            return 3.2
        if day == thanksgiving + dt.timedelta(days=4):
            return 2.4
        if thanksgiving < day <= thanksgiving + dt.timedelta(days=3):
            return 1.6
    if day.month == 12:
        if day.day == 25:
            return 0.25
        if 26 <= day.day <= 28:
            return 1.4  # post-Christmas sales
    return 1.0


def is_promo_day(day: int) -> bool:
    """Black Friday weekend through Cyber Monday, when most orders get a coupon."""
    return _special_day_factor(dt.date.fromordinal(day)) > 1.5


class DaySampler:
    """Samples order days with seasonality, weekday rhythm and modest yearly growth."""

    def __init__(self) -> None:
        self.days = list(range(START_DAY, END_DAY + 1))
        weights = []
        for day in self.days:
            d = dt.date.fromordinal(day)
            growth = 1.0 + 0.08 * (day - START_DAY) / 365
            weights.append(
                MONTH_WEIGHTS[d.month - 1] * WEEKDAY_WEIGHTS[d.weekday()] * growth
                * _special_day_factor(d)
            )
        self.cum = list(itertools.accumulate(weights))

    def mass_from(self, first_day: int) -> float:
        """Share of all order volume that falls on or after first_day."""
        i = max(0, first_day - START_DAY)
        before = self.cum[i - 1] if i > 0 else 0.0
        return (self.cum[-1] - before) / self.cum[-1]

    def sample(self, rng: random.Random, first_day: int = START_DAY) -> int:
        """A day >= first_day drawn from the seasonal weights."""
        i = max(0, first_day - START_DAY)
        lo = self.cum[i - 1] if i > 0 else 0.0
        x = lo + rng.random() * (self.cum[-1] - lo)
        return self.days[min(bisect.bisect_left(self.cum, x), len(self.days) - 1)]


# Hour-of-day weights: online peaks in the evening, stores follow opening hours.
ONLINE_HOURS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 4, 4.5,
                5, 5, 4.5, 4.5, 5, 5.5, 6.5, 7.5, 8, 7, 5, 2.5]
STORE_HOURS = [0] * 9 + [2, 4, 5.5, 7, 7, 6, 6, 6.5, 7.5, 7, 5, 2.5] + [0] * 3
_ONLINE_CUM = list(itertools.accumulate(ONLINE_HOURS))
_STORE_CUM = list(itertools.accumulate(STORE_HOURS))


def time_of_day(rng: random.Random, in_store: bool) -> int:
    """Seconds after midnight for an order placed online or at a till."""
    cum = _STORE_CUM if in_store else _ONLINE_CUM
    hour = rng.choices(range(24), cum_weights=cum)[0]
    return hour * HOUR + rng.randrange(HOUR)


def daytime(rng: random.Random, day: int, first_hour: int = 8, last_hour: int = 20) -> int:
    """A moment on `day` during working hours (deliveries, returns desks)."""
    return day * DAY + rng.randint(first_hour * HOUR, last_hour * HOUR)
