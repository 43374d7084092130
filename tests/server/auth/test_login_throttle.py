"""Failed sign-ins per name and per address: a guesser waits out the window, everyone else does not."""

from server.auth.login_throttle import LoginThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def throttle(clock, **kwargs):
    return LoginThrottle(max_per_name=3, max_per_client=5, window_s=60, clock=clock, **kwargs)


def test_a_name_is_refused_after_its_failures_until_the_oldest_leaves_the_window():
    clock = Clock()
    limit = throttle(clock)
    for _ in range(3):
        assert limit.retry_after("pat", "10.0.0.1") is None
        limit.failed("pat", "10.0.0.1")
        clock.now += 10
    assert limit.retry_after("pat", "10.0.0.1") == 30  # the first failure, at 1000, leaves at 1060
    assert limit.retry_after("PAT", "10.0.0.9") == 30  # any case, from anywhere
    assert limit.retry_after("sam", "10.0.0.2") is None
    clock.now = 1060.5
    assert limit.retry_after("pat", "10.0.0.1") is None


def test_an_address_guessing_many_names_is_refused_for_every_name():
    clock = Clock()
    limit = throttle(clock)
    for name in ("a", "b", "c", "d", "e"):
        limit.failed(name, "10.0.0.7")
    assert limit.retry_after("f", "10.0.0.7") == 60
    assert limit.retry_after("f", "10.0.0.8") is None


def test_a_success_clears_the_names_failures():
    limit = throttle(Clock())
    limit.failed("pat", "10.0.0.1")
    limit.failed("pat", "10.0.0.1")
    limit.succeeded("pat")
    limit.failed("pat", "10.0.0.1")
    assert limit.retry_after("pat", "10.0.0.1") is None


def test_memory_is_bounded_whatever_names_are_sprayed():
    limit = throttle(Clock(), max_keys=100)
    for i in range(1000):
        limit.failed(f"name{i}", f"10.0.{i // 250}.{i % 250}")
    assert len(limit._failures) <= 100
