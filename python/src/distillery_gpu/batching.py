"""Batches by a token budget: sort by length, then cut batches whose padded size fits the budget.

Sorting within a window keeps neighbours of similar length together, so padding is a few tokens per
row instead of up to the longest article; a budget instead of a fixed count keeps memory per batch flat
whether articles are short or long.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def token_budget_batches(lengths: Sequence[int], batch_tokens: int, max_rows: int | None = None) -> Iterator[list[int]]:
    """Yields lists of indices into ``lengths``, longest first, each with ``rows * longest <= batch_tokens``.

    A row longer than the budget gets a batch of its own.

    >>> list(token_budget_batches([5, 100, 7, 90], batch_tokens=200))
    [[1, 3], [2, 0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    batch: list[int] = []
    longest = 0
    for index in order:
        length = max(int(lengths[index]), 1)
        candidate_longest = max(longest, length)
        too_many = max_rows is not None and len(batch) >= max_rows
        if batch and (candidate_longest * (len(batch) + 1) > batch_tokens or too_many):
            yield batch
            batch, candidate_longest = [], length
        batch.append(index)
        longest = candidate_longest
    if batch:
        yield batch


def padding_ratio(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Share of padded positions among all positions the batches compute."""
    padded = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    real = sum(lengths[i] for b in batches for i in b)
    return 0.0 if padded == 0 else 1 - real / padded
