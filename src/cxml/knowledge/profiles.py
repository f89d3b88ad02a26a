"""Group profiles: each article group as the mean of the past tickets it answered.

A past ticket is written the way customers write, in their language; an article the way the help centre does,
often in one language only. The mean of the (language-centred) vectors of the tickets an article group resolved
is a query-side description of the group that a new ticket in the same language matches well, also when the
group's article exists only in another language (its Finnish tickets, linked to the English article by the agents
who answered them, describe it in Finnish). The learned ranker reads a candidate's cosine to its profile
(``profile``) and the gap to the query's best (``profile_gap``).

Measured on validation splits of the demo help centre (four draws: feedback seeds 2/4/6/8, held-out seeds
3/5/7/9; half the bilingual groups English-only, Finnish tickets relinked to the English version), the ranker
with these two features against the same ranker without them: top-1 after feedback 76.3 % vs 75.2 % on all
held-out tickets; the Finnish tickets of English-only groups 62.7 % vs 56.1 % (the same tickets when their
Finnish version exists: 73.7 % vs 72.2 %). The centred profile alone, without the ranker, ranks the right group
first for 71 % of those Finnish tickets on one draw (seeds 2/3, English-only groups drawn with seed 1), where the
ranker without it had 63 %.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["GroupProfiles", "build_profiles", "profile_features"]

_CHUNK = 65_536  # stored tickets read at a time while the sums are built


@dataclass(frozen=True)
class GroupProfiles:
    """Per article group, the sum and count of its resolved tickets' centred unit vectors.

    Attributes
    ----------
    sums : ndarray of shape (n_groups, dim), float64
    counts : ndarray of shape (n_groups,), int64
    groups : ndarray of shape (n_tickets,), int64
        The group each stored ticket counts for (-1: none).
    rows_of_key : dict
        Ticket key -> its counted rows (a ticket left out of its own evidence is left out of its group's profile).
    row_vectors : callable
        Stored rows -> their vectors in the profiles' space (read again when a ticket is left out, rather than
        kept: a history of a million tickets would hold its vectors twice).
    """

    sums: np.ndarray
    counts: np.ndarray
    groups: np.ndarray
    rows_of_key: Mapping[object, np.ndarray]
    row_vectors: Callable[[np.ndarray], np.ndarray]


def build_profiles(row_vectors: Callable[[np.ndarray], np.ndarray], groups: np.ndarray, labels: np.ndarray,
                   keys: np.ndarray, n_groups: int, dim: int) -> GroupProfiles:
    """Profiles from stored tickets.

    Parameters
    ----------
    row_vectors : callable
        Stored rows -> the tickets' vectors, in the space the queries are compared in (centred by language where
        the base centres its queries).
    groups : ndarray of shape (n_tickets,)
        Each ticket's article group (-1: none).
    labels : ndarray of shape (n_tickets,)
        1 resolved / accepted, -1 dismissed, 0 no article: only positive labels describe a group.
    keys : ndarray of shape (n_tickets,)
        Ticket keys (ids).
    n_groups : int
    dim : int
    """
    groups = np.asarray(groups, np.int64)
    counted = (groups >= 0) & (np.asarray(labels) > 0)
    sums = np.zeros((int(n_groups), int(dim)))
    rows = np.flatnonzero(counted)
    for start in range(0, len(rows), _CHUNK):  # memory stays flat on a long history
        part = rows[start:start + _CHUNK]
        np.add.at(sums, groups[part], np.asarray(row_vectors(part), np.float64))
    counts = np.bincount(groups[counted], minlength=int(n_groups)).astype(np.int64)
    rows_of_key: dict[object, list[int]] = {}
    for i in rows.tolist():
        rows_of_key.setdefault(keys[i], []).append(i)
    return GroupProfiles(sums, counts, np.where(counted, groups, -1),
                         {k: np.asarray(v, np.int64) for k, v in rows_of_key.items()}, row_vectors)


def profile_features(profiles: GroupProfiles, queries: np.ndarray, candidates: Sequence[np.ndarray],
                     exclude_tickets: Sequence[object | None] | None = None,
                     exclude_groups: Sequence[int | None] | None = None) -> list[dict[str, np.ndarray]]:
    """Each query's cosine to the profile of each of its candidate groups.

    Parameters
    ----------
    profiles : GroupProfiles
    queries : ndarray of shape (n_queries, dim)
        Unit query vectors in the profiles' space.
    candidates : sequence of ndarray
        Per query, its candidate groups.
    exclude_tickets : sequence, optional
        Per query, a ticket key whose own contribution is taken out (a ticket scored while the ranker learns
        never describes its own group).
    exclude_groups : sequence, optional
        Per query, a group whose profile is dropped (a simulated knowledge gap has no past tickets).

    Returns
    -------
    list of dict
        ``profile`` (the cosine; for a group with no resolved ticket, the query's lowest profile cosine, or 0)
        and ``profile_gap`` (its difference to the query's best).
    """
    out = []
    for i, groups in enumerate(candidates):
        groups = np.asarray(groups, np.int64)
        sums = profiles.sums[groups]  # fancy indexing: copies, changed below for this query only
        counts = profiles.counts[groups]
        key = None if exclude_tickets is None else exclude_tickets[i]
        own = profiles.rows_of_key.get(key, np.zeros(0, np.int64)) if key is not None else np.zeros(0, np.int64)
        if len(own):
            for r, v in zip(own.tolist(), np.asarray(profiles.row_vectors(own), np.float64), strict=True):
                at = np.flatnonzero(groups == profiles.groups[r])
                sums[at] -= v
                counts[at] -= 1
        gone = None if exclude_groups is None else exclude_groups[i]
        if gone is not None:
            counts[groups == gone] = 0
        norms = np.linalg.norm(sums, axis=1)
        have = (counts > 0) & (norms > 1e-12)
        cos = np.zeros(len(groups))
        cos[have] = (sums[have] @ np.asarray(queries[i], np.float64)) / norms[have]
        cos[~have] = cos[have].min() if have.any() else 0.0
        out.append({"profile": cos, "profile_gap": cos - (cos.max() if len(cos) else 0.0)})
    return out
