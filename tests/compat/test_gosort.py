"""compat.gosort against Go's sort.Sort (src/sort/sort.go and src/sort/zsortinterface.go of the Go
that builds chamber v3.1.4, Go 1.25: pdqsort since Go 1.19, breakPatterns' xorshift with the
shifts 13, 7, 17 since Go 1.24). The expected orders were derived by executing Go's code by
hand, step by step (the traces are in the comments); elements are labels, ``key[label]`` is
what ``Less`` compares."""

from __future__ import annotations

from hypothesis import given, strategies as st

from pychamber.compat import gosort


def go_sort(keys: list[int]) -> list[int]:
    labels = list(range(len(keys)))
    gosort.sort(labels, lambda x, y: keys[x] < keys[y])
    return labels


def test_13_alternating_keys_one_partition_then_insertion_sort():
    # keys 2,1,2,1,...,2 (13). limit = bits.Len(13) = 4. choosePivot(0,13): i,j,k = 3,6,9;
    # median(3,6,9): order2(6,9) swaps once -> pivot 9, unknownHint, so no partialInsertionSort.
    # partition(0,13,9): swap(0,9) puts label 9 (key 1) first; every element is >= 1, so j runs
    # down to 0: mid 0, alreadyPartitioned. leftLen 0 < 13/8: wasBalanced = false; a = 1.
    # length 12 <= 12: insertionSort(1,13), stable, over 1,2,...,8,0(at 9),10,11,12.
    keys = [2 if i % 2 == 0 else 1 for i in range(13)]
    assert go_sort(keys) == [9, 1, 3, 5, 7, 11, 2, 4, 6, 8, 0, 10, 12]
    assert sorted(range(13), key=keys.__getitem__) != go_sort(keys)  # not what a stable sort gives


def test_14_alternating_keys_break_patterns():
    # keys 2,1,2,1,... (14). choosePivot(0,14): i,j,k = 3,6,9 -> pivot 9 (one swap). partition as
    # above: label 9 first, mid 0, unbalanced; a = 1, length 13.
    # breakPatterns(1,14): random = xorshift(13), modulus = 16, idx 6..8; Next() gives
    # 0x3469ba34d (&15 = 13 -> 13-13 = 0), 0xd0034d2e5c01e74b (11), 0x2f93b3f190a35645 (5):
    # swap(6,1), swap(7,12), swap(8,6). limit 3.
    # choosePivot(1,14): i,j,k = 4,7,10, all key 2 -> pivot 7, increasingHint, but wasBalanced is
    # false. a-1 = 0 holds key 1 < pivot: no partitionEqual. partition(1,14,7) (pivot label 12)
    # swaps (2,13), (4,12), (6,11), (7,8), then (7,1): mid 7; both sides (6 and 6 elements, all
    # equal) go through insertionSort unchanged.
    keys = [2 if i % 2 == 0 else 1 for i in range(14)]
    assert go_sort(keys) == [9, 1, 13, 3, 7, 5, 11, 12, 6, 0, 10, 8, 4, 2]


def test_14_with_go_1_19_to_1_23_xorshift_differs():
    # the shifts changed in Go 1.24 (golang/go#70144): the old ones scatter other elements
    keys = [2 if i % 2 == 0 else 1 for i in range(14)]
    labels = list(range(14))
    gosort.sort(labels, lambda x, y: keys[x] < keys[y], xorshift=(13, 17, 5))
    assert labels != go_sort(keys)
    assert [keys[x] for x in labels] == sorted(keys)


def test_a_long_non_increasing_run_is_reversed_ties_included():
    # n = 50 >= shortestNinther: choosePivot takes the ninther over 11,12,13 / 24,25,26 / 36,37,38;
    # strictly decreasing there, each of the 4 medians swaps 3 times: 12 = maxSwaps ->
    # decreasingHint: reverseRange(0,50), then partialInsertionSort finds it sorted. Equal keys
    # (labels 0/1, 30/31, 48/49) therefore come out in reverse input order.
    keys = [50 - i for i in range(50)]
    keys[1], keys[31], keys[49] = keys[0], keys[30], keys[48]
    assert go_sort(keys) == list(range(49, -1, -1))


def test_up_to_12_elements_is_insertion_sort_hence_stable():
    keys = [3, 1, 2, 1, 3, 2, 1, 2, 3, 1, 2, 3]
    assert go_sort(keys) == sorted(range(12), key=keys.__getitem__)


@given(st.lists(st.integers(0, 5), max_size=300))
def test_it_sorts_and_is_deterministic(keys):
    out = go_sort(keys)
    assert sorted(out) == list(range(len(keys)))
    assert [keys[x] for x in out] == sorted(keys)
    assert go_sort(keys) == out


def test_the_heapsort_fallback_sorts():
    # many equal keys after unbalanced partitions exhaust limit (bits.Len(n)) on adversarial input
    keys = [(i * 7919) % 13 for i in range(2000)] + list(range(2000, 0, -1))
    assert [keys[x] for x in go_sort(keys)] == sorted(keys)
