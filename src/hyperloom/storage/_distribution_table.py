"""Each distinct distribution of a study stored once: trial rows hold {name: distribution_id}
instead of a copy of every distribution, so a Choice of a 1 MB option costs 1 MB per study, not
per trial. Rows of schema version 1 ({name: distribution dict}) are read as they are."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..space import Distribution, distribution_from_dict
from . import _schema as S
from ._codec import dumps, loads
from ._errors import CorruptStorageError, StorageError
from ._frozen import FrozenDict

T = TypeVar("T")
Runner = Callable[[Callable[[sa.Connection], T]], T]
_D = S.distributions.c


class DistributionTable:
    """Stores and reads a SQL storage's distributions, caching both ways. Ids are never reused,
    so what was read once stays valid; `write` and `read` run a function in a transaction."""

    def __init__(self, write: Runner, read: Runner, limit: int = 4096) -> None:
        self._write, self._read = write, read
        self._ids: dict[int, dict[Distribution, int]] = {}  # study_id -> {distribution: id}
        self._by_id: dict[int, Distribution] = {}
        self._decoded: dict[str, FrozenDict] = {}  # trial column text -> {name: distribution}
        self._limit = limit

    # -- writing ------------------------------------------------------------------------------
    def refs(self, study_id: int, dists: dict[str, Distribution]) -> dict[str, int]:
        """{name: distribution_id} for `dists`, storing those the study does not have yet (in a
        transaction of their own: one that is rolled back must not leave ids in the cache)."""
        known = self._ids.setdefault(study_id, {})
        missing = [d for d in dists.values() if d not in known]
        if missing:
            known.update(self._store(study_id, missing))
        return {name: known[d] for name, d in dists.items()}

    def encode(self, study_id: int, dists: dict[str, Distribution]) -> str:
        return dumps(self.refs(study_id, dists))

    def _store(self, study_id: int, dists: list[Distribution]) -> dict[Distribution, int]:
        bodies: dict[str, str] = {}
        by_digest: dict[str, Distribution] = {}
        for d in dists:
            body = dumps(d.to_dict())
            bodies[_digest(body)], by_digest[_digest(body)] = body, d

        def insert_missing(conn: sa.Connection) -> dict[str, int]:
            have = _ids_of(conn, study_id, bodies)
            new = [{"study_id": study_id, "digest": g, "body": b}
                   for g, b in bodies.items() if g not in have]
            if new:
                conn.execute(S.distributions.insert(), new)
                have = _ids_of(conn, study_id, bodies)
            return have

        for _ in range(len(bodies)):  # each conflict means one more of them is stored already
            try:
                ids = self._write(insert_missing)
                break
            except IntegrityError:  # another writer stored it first: theirs is as good
                continue
        else:
            ids = self._write(insert_missing)
        for digest, dist_id in ids.items():
            self._by_id.setdefault(dist_id, distribution_from_dict(loads(bodies[digest])))
        return {by_digest[g]: dist_id for g, dist_id in ids.items()}

    def forget_study(self, study_id: int) -> None:
        self._ids.pop(study_id, None)

    # -- reading ------------------------------------------------------------------------------
    def decode_many(self, texts: list[str], conn: sa.Connection | None = None) -> list[FrozenDict]:
        """The {name: distribution} of each trial column text; equal texts share one read-only
        dict. Distributions not seen before are fetched in one query (on `conn` if given)."""
        decoded = self._decoded
        unseen = {t for t in texts if t not in decoded}
        if not unseen:
            return [decoded[t] for t in texts]
        fresh = {t: loads(t) for t in unseen}
        self._fetch(_unknown_ids(fresh.values(), self._by_id), conn)
        made = {t: FrozenDict({n: self._resolve(r) for n, r in refs.items()})
                for t, refs in fresh.items()}
        if len(decoded) < self._limit:
            decoded.update(made)
        return [made[t] if t in made else decoded[t] for t in texts]

    def decode(self, text: str, conn: sa.Connection | None = None) -> FrozenDict:
        return self.decode_many([text], conn)[0]

    def _resolve(self, ref: Any) -> Distribution:
        if type(ref) is not int:
            return _stored_distribution(ref, "a trial")  # a schema-1 row: the distribution
        try:
            return self._by_id[ref]
        except KeyError:
            raise StorageError(f"a trial names distribution {ref}, which is not in "
                               f"{S.distributions.name} (was its study deleted while the trial "
                               "was written?)") from None

    def _fetch(self, ids: set[int], conn: sa.Connection | None) -> None:
        if not ids:
            return

        def select(c: sa.Connection) -> list[Any]:
            return c.execute(sa.select(_D.distribution_id, _D.body)
                             .where(_D.distribution_id.in_(sorted(ids)))).all()
        rows = select(conn) if conn is not None else self._read(select)
        for dist_id, body in rows:
            self._by_id[dist_id] = _stored_distribution(loads(body), f"distribution {dist_id}")


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def _ids_of(conn: sa.Connection, study_id: int, digests: Iterable[str]) -> dict[str, int]:
    return dict(conn.execute(sa.select(_D.digest, _D.distribution_id)
                             .where(_D.study_id == study_id, _D.digest.in_(list(digests))))
                .all())


def _unknown_ids(refs: Iterable[dict[str, Any]], known: dict[int, Distribution]) -> set[int]:
    return {r for one in refs for r in one.values() if type(r) is int and r not in known}


def _stored_distribution(data: Any, where: str) -> Distribution:
    """A stored distribution, or one clear error for a row no version of hyperloom wrote."""
    try:
        return distribution_from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise CorruptStorageError(f"{where} in {S.distributions.name} cannot be read ({exc}); "
                                  "the database was not written by hyperloom or was altered, and "
                                  "is left untouched") from None
