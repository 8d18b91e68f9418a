"""A consumer's round size follows the recent cost per record, so a round takes about its target
and an urgent record fetched in the next round waits for at most one."""

from __future__ import annotations

from pidesk.shared.messaging.consumer import IdempotentConsumer


def consumer() -> IdempotentConsumer:
    return IdempotentConsumer(
        name="t",
        group_id="g",
        handlers={},
        sessions=None,  # type: ignore[arg-type]
        processed_model=None,  # type: ignore[arg-type]
        consumer_factory=None,  # type: ignore[arg-type]
        producer_factory=None,  # type: ignore[arg-type]
    )


def test_rounds_take_everything_until_costs_are_known_then_about_the_target() -> None:
    c = consumer()
    assert c.round_size() == 500
    c._learn(500, 1.0)  # 2 ms each
    assert c.round_size() == 125  # 0.25 s / 2 ms
    c._learn(500, 8.0)  # slow records: 16 ms each
    assert c.round_size() == 40  # 0.25 s / 6.2 ms (the cost per record, smoothed)
    for _ in range(30):
        c._learn(100, 0.02)  # they got cheap: 0.2 ms each
    assert c.round_size() == 500, "never more than one fetch allows"
    for _ in range(20):
        c._learn(10, 10.0)  # a second each
    assert c.round_size() == 10, "never fewer than the floor"
    c._learn(0, 5.0)
    assert c.round_size() == 10, "an empty round teaches nothing"
