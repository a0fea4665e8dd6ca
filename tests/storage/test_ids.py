"""Snowflake ids: 64-bit, time-sortable, exposed as numeric strings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.ids import MAX_ID, IdGenerator, id_at, parse_id, time_of


def test_ids_increase_strictly_even_within_one_millisecond() -> None:
    generator = IdGenerator(clock=lambda: 1_700_000_000.0)
    ids = [generator.next_id() for _ in range(100_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_ids_keep_increasing_when_the_clock_steps_back() -> None:
    moments = iter([1_700_000_010.0, 1_700_000_000.0, 1_700_000_005.0])
    generator = IdGenerator(clock=lambda: next(moments))
    first, second, third = generator.next_id(), generator.next_id(), generator.next_id()
    assert first < second < third


def test_ids_sort_by_time_and_carry_it() -> None:
    earlier = IdGenerator(clock=lambda: 1_700_000_000.0).next_id()
    later = IdGenerator(clock=lambda: 1_700_000_000.002).next_id()
    assert earlier < later
    assert time_of(earlier) == datetime.fromtimestamp(1_700_000_000, UTC)
    assert id_at(time_of(later)) <= later < id_at(time_of(later)) + (1 << 16)


def test_ids_fit_a_signed_64_bit_column_for_centuries() -> None:
    generator = IdGenerator(clock=lambda: datetime(2200, 1, 1, tzinfo=UTC).timestamp())
    assert 0 < generator.next_id() <= MAX_ID


@pytest.mark.parametrize("text", ["", "0", "-1", "1.5", "abc", "١٢٣", "99999999999999999999", str(MAX_ID + 1)])
def test_parse_id_refuses_anything_but_a_positive_63_bit_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_id(text)


def test_parse_id_accepts_numeric_strings() -> None:
    assert parse_id("117677149284491568") == 117677149284491568


def test_processes_on_different_nodes_never_mint_the_same_id() -> None:
    frozen = 1_700_000_000.0
    first, second = IdGenerator(clock=lambda: frozen), IdGenerator(clock=lambda: frozen)
    first.assign_node(3)
    second.assign_node(4)
    minted_first = [first.next_id() for _ in range(5000)]
    minted_second = [second.next_id() for _ in range(5000)]
    # Both busy in the same frozen millisecond, and beyond it: still no id in common
    assert not set(minted_first) & set(minted_second)
    assert minted_first == sorted(minted_first) and len(set(minted_first)) == 5000


def test_assigning_a_node_keeps_ids_increasing() -> None:
    generator = IdGenerator()
    before = [generator.next_id() for _ in range(100)]
    generator.assign_node(7)
    after = [generator.next_id() for _ in range(100)]
    assert before + after == sorted(before + after) and len(set(before + after)) == 200
