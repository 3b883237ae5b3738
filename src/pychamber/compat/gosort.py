"""Go's ``sort.Sort``: pattern-defeating quicksort (Go 1.19 and later), step for step, so that
elements that compare equal end in the order Go leaves them in.

chamber's ``list`` sorts its secrets with ``sort.Sort(ByName)`` and then, per flag,
``sort.Sort(ByTime)``, ``ByUser``, ``ByVersion`` (cmd/list.go). ``sort.Sort`` is not stable, but it
is deterministic: the same input order and the same ``Less`` give the same output, and that
order is what chamber prints for rows with equal times, users or versions. Python's stable
sort gives a different one as soon as pdqsort does more than insertion sort (more than 12
rows), so :func:`sort` reproduces Go's: ``src/sort/sort.go`` (``Sort``, ``xorshift``,
``nextPowerOfTwo``) and ``src/sort/zsortinterface.go`` (``pdqsort``, ``insertionSort``,
``heapSort``, ``partition``, ``partitionEqual``, ``partialInsertionSort``, ``breakPatterns``,
``choosePivot``, ``median``, ``medianAdjacent``, ``reverseRange``).

chamber v3.1.4's release binaries are built with Go 1.25 (its Dockerfile and release
workflow); since Go 1.24 ``breakPatterns``' xorshift uses the 64-bit shifts 13, 7, 17
(golang/go#70144; Go 1.19 to 1.23 used 13, 17, 5): :data:`XORSHIFT`.

Pure: the list is sorted in place with ``less(x, y)`` on its elements.
"""

from __future__ import annotations

from typing import Callable, Generic, List, TypeVar

T = TypeVar("T")

#: The shifts of ``xorshift.Next`` (left, right, left) in the Go that builds chamber v3.1.4.
XORSHIFT = (13, 7, 17)
_MASK64 = (1 << 64) - 1

_UNKNOWN, _INCREASING, _DECREASING = 0, 1, 2  # sortedHint


def sort(data: List[T], less: Callable[[T, T], bool], xorshift: tuple[int, int, int] = XORSHIFT) -> None:
    """``sort.Sort`` of ``data`` in place, ``less`` being the Interface's ``Less``."""
    n = len(data)
    if n <= 1:
        return
    _Sorter(data, less, xorshift).pdqsort(0, n, n.bit_length())  # limit := bits.Len(uint(n))


class _Sorter(Generic[T]):
    def __init__(self, data: List[T], less: Callable[[T, T], bool], shifts: tuple[int, int, int]):
        self.data = data
        self._less = less
        self.shifts = shifts

    def less(self, i: int, j: int) -> bool:
        return self._less(self.data[i], self.data[j])

    def swap(self, i: int, j: int) -> None:
        d = self.data
        d[i], d[j] = d[j], d[i]

    # --- zsortinterface.go -----------------------------------------------------------------------
    def insertion_sort(self, a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and self.less(j, j - 1):
                self.swap(j, j - 1)
                j -= 1

    def sift_down(self, lo: int, hi: int, first: int) -> None:
        root = lo
        while True:
            child = 2 * root + 1
            if child >= hi:
                return
            if child + 1 < hi and self.less(first + child, first + child + 1):
                child += 1
            if not self.less(first + root, first + child):
                return
            self.swap(first + root, first + child)
            root = child

    def heap_sort(self, a: int, b: int) -> None:
        first, lo, hi = a, 0, b - a
        for i in range((hi - 1) // 2, -1, -1):
            self.sift_down(i, hi, first)
        for i in range(hi - 1, -1, -1):
            self.swap(first, first + i)
            self.sift_down(lo, i, first)

    def pdqsort(self, a: int, b: int, limit: int) -> None:
        max_insertion = 12
        was_balanced = True
        was_partitioned = True
        while True:
            length = b - a
            if length <= max_insertion:
                self.insertion_sort(a, b)
                return
            if limit == 0:
                self.heap_sort(a, b)
                return
            if not was_balanced:
                self.break_patterns(a, b)
                limit -= 1
            pivot, hint = self.choose_pivot(a, b)
            if hint == _DECREASING:
                self.reverse_range(a, b)
                pivot = (b - 1) - (pivot - a)
                hint = _INCREASING
            if was_balanced and was_partitioned and hint == _INCREASING:
                if self.partial_insertion_sort(a, b):
                    return
            if a > 0 and not self.less(a - 1, pivot):
                a = self.partition_equal(a, b, pivot)
                continue
            mid, already = self.partition(a, b, pivot)
            was_partitioned = already
            left_len, right_len = mid - a, b - mid
            balance_threshold = length // 8
            if left_len < right_len:
                was_balanced = left_len >= balance_threshold
                self.pdqsort(a, mid, limit)
                a = mid + 1
            else:
                was_balanced = right_len >= balance_threshold
                self.pdqsort(mid + 1, b, limit)
                b = mid

    def partition(self, a: int, b: int, pivot: int) -> tuple[int, bool]:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while i <= j and self.less(i, a):
            i += 1
        while i <= j and not self.less(j, a):
            j -= 1
        if i > j:
            self.swap(j, a)
            return j, True
        self.swap(i, j)
        i += 1
        j -= 1
        while True:
            while i <= j and self.less(i, a):
                i += 1
            while i <= j and not self.less(j, a):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i += 1
            j -= 1
        self.swap(j, a)
        return j, False

    def partition_equal(self, a: int, b: int, pivot: int) -> int:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while True:
            while i <= j and not self.less(a, i):
                i += 1
            while i <= j and self.less(a, j):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i += 1
            j -= 1
        return i

    def partial_insertion_sort(self, a: int, b: int) -> bool:
        max_steps, shortest_shifting = 5, 50
        i = a + 1
        for _ in range(max_steps):
            while i < b and not self.less(i, i - 1):
                i += 1
            if i == b:
                return True
            if b - a < shortest_shifting:
                return False
            self.swap(i, i - 1)
            if i - a >= 2:  # shift the smaller one to the left (Go's loop runs down to 1, not a+1)
                j = i - 1
                while j >= 1:
                    if not self.less(j, j - 1):
                        break
                    self.swap(j, j - 1)
                    j -= 1
            if b - i >= 2:  # shift the greater one to the right
                j = i + 1
                while j < b:
                    if not self.less(j, j - 1):
                        break
                    self.swap(j, j - 1)
                    j += 1
        return False

    def break_patterns(self, a: int, b: int) -> None:
        length = b - a
        if length >= 8:
            random = length  # xorshift(length)
            modulus = 1 << length.bit_length()  # nextPowerOfTwo
            l1, r, l2 = self.shifts
            base = a + (length // 4) * 2
            for idx in range(base - 1, base + 2):
                random ^= (random << l1) & _MASK64
                random ^= random >> r
                random ^= (random << l2) & _MASK64
                other = random & (modulus - 1)
                if other >= length:
                    other -= length
                self.swap(idx, a + other)

    def choose_pivot(self, a: int, b: int) -> tuple[int, int]:
        shortest_ninther, max_swaps = 50, 4 * 3
        n = b - a
        swaps = [0]
        i = a + n // 4 * 1
        j = a + n // 4 * 2
        k = a + n // 4 * 3
        if n >= 8:
            if n >= shortest_ninther:
                i = self.median_adjacent(i, swaps)
                j = self.median_adjacent(j, swaps)
                k = self.median_adjacent(k, swaps)
            j = self.median(i, j, k, swaps)
        if swaps[0] == 0:
            return j, _INCREASING
        if swaps[0] == max_swaps:
            return j, _DECREASING
        return j, _UNKNOWN

    def order2(self, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
        if self.less(b, a):
            swaps[0] += 1
            return b, a
        return a, b

    def median(self, a: int, b: int, c: int, swaps: list[int]) -> int:
        a, b = self.order2(a, b, swaps)
        b, c = self.order2(b, c, swaps)
        a, b = self.order2(a, b, swaps)
        return b

    def median_adjacent(self, a: int, swaps: list[int]) -> int:
        return self.median(a - 1, a, a + 1, swaps)

    def reverse_range(self, a: int, b: int) -> None:
        i, j = a, b - 1
        while i < j:
            self.swap(i, j)
            i += 1
            j -= 1
