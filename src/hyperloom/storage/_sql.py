"""SQL storage on SQLAlchemy 2: SQLite (embedded default, WAL) and PostgreSQL (psycopg 3).

Each trial costs two commits in the common case: one to create it (taking the next gap-free
number from its study row, under that row's write lock), one to finish it (params, values and
state together, guarded by `state = RUNNING` so a trial finishes exactly once).
"""

from __future__ import annotations

import bisect
import functools
import os
import threading
import time
from collections.abc import Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..objectives import Direction
from ..space import Distribution
from . import _schema as S
from ._base import BaseStorage, StudySummary
from ._codec import decode_intermediate, dumps, loads, loads_column
from ._distribution_table import DistributionTable
from ._errors import (
    DuplicatedStudyError,
    ReadOnlyStorageError,
    StorageError,
    StudyNotFoundError,
    TrialFinishedError,
)
from ._frozen import FrozenTrial, TrialState, frozen_json_objects
from ._names import check_study_name
from ._retry import DEFAULT_RETRY_SECONDS
from ._summary import attr_json, attrs_json
from ._transactions import Transactions
from ._url import check_sqlite_file, make_engine, redact

T = TypeVar("T")
_FINISHED = (int(TrialState.COMPLETE), int(TrialState.PRUNED), int(TrialState.FAILED))
_STATES = tuple(sorted(TrialState, key=int))  # state column value -> TrialState
_ROW_COLUMNS = [S.trials.c.trial_id, S.trials.c.number, S.trials.c.state, S.trials.c.values_json,
                S.trials.c.params, S.trials.c.distributions, S.trials.c.intermediate,
                S.trials.c.user_attrs, S.trials.c.system_attrs, S.trials.c.datetime_start,
                S.trials.c.datetime_complete]


_B = sa.bindparam
_T = S.trials.c
# Statements of the per-trial hot path, built once (building them costs more than running them).
_BUMP_NUMBER = (S.studies.update().where(S.studies.c.study_id == _B("sid"))
                .values(next_number=S.studies.c.next_number + 1)
                .returning(S.studies.c.next_number))
_INSERT_TRIAL = S.trials.insert()
_FIRST_WAITING = (sa.select(_T.trial_id).where(_T.study_id == _B("sid"),
                                                _T.state == int(TrialState.WAITING))
                  .order_by(_T.trial_id).limit(8))
_ROW_BY_ID = sa.select(*_ROW_COLUMNS).where(_T.trial_id == _B("tid"))
_ROWS_FROM = (sa.select(*_ROW_COLUMNS).where(_T.study_id == _B("sid"), _T.trial_id >= _B("wm"))
              .order_by(_T.trial_id))
_SYSTEM_ATTRS_BY_ID = sa.select(_T.system_attrs, _T.state).where(_T.trial_id == _B("tid"))


@functools.lru_cache(maxsize=8)
def _finish_statement(extra: tuple[str, ...]) -> sa.Update:
    """UPDATE ... RETURNING for finishing a trial, setting the `extra` columns too."""
    return (S.trials.update()
            .where(_T.trial_id == _B("tid"), _T.state == int(TrialState.RUNNING))
            .values(state=_B("new_state"), datetime_complete=_B("done_at"), heartbeat=None,
                    values_json=_B("vals"), **{c: _B(f"new_{c}") for c in extra})
            .returning(*_ROW_COLUMNS))


class _TrialCache:
    """Finished trials of one study, which never change again: only newer rows are fetched."""

    def __init__(self) -> None:
        self.ids: set[int] = set()  # trial ids of the cached trials
        self.numbers: list[int] = []  # their numbers, ascending
        self.trials: list[FrozenTrial] = []  # in the same order
        self.watermark = 0  # every trial_id below it is finished and cached

    def add(self, trial: FrozenTrial) -> None:
        """Keep `trial` in number order; one finished by another worker out of order (a
        parallel run) goes in its place, usually near the end."""
        self.ids.add(trial.trial_id)
        if not self.numbers or trial.number > self.numbers[-1]:
            self.numbers.append(trial.number)
            self.trials.append(trial)
            return
        at = bisect.bisect(self.numbers, trial.number)
        self.numbers.insert(at, trial.number)
        self.trials.insert(at, trial)


class SQLStorage(BaseStorage):
    """Storage in a SQL database given by a SQLAlchemy URL.

    retry_seconds: how long a write or read keeps retrying while the database is locked or
    its server unreachable (a PostgreSQL restart takes about 3 s) before it raises.
    """

    def __init__(self, url: str, *, artifact_dir: str | None = None,
                 engine_kwargs: dict[str, Any] | None = None,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS) -> None:
        self.url = url
        self._shown_url = redact(url)
        self._retry_seconds = retry_seconds
        if url.startswith("sqlite"):
            check_sqlite_file(url)  # refuses foreign or corrupt files before touching them
        self._engine = make_engine(url, lock_wait=retry_seconds, **(engine_kwargs or {}))
        self._is_sqlite = self._engine.dialect.name == "sqlite"
        units = Transactions(self._engine, self._shown_url, retry_seconds)
        self._write, self._read = units.write, units.read
        self._dists = DistributionTable(self._write, self._read)
        self._trial_study: dict[int, int] = {}  # trial_id -> study_id, for trials seen here
        self._caches: dict[int, _TrialCache] = {}
        self._cache_lock = threading.Lock()
        self._artifact_dir = artifact_dir
        self._init_schema()

    def __getstate__(self) -> dict[str, Any]:
        # Process workers re-open the database themselves: engines do not cross processes.
        return {"url": self.url, "artifact_dir": self._artifact_dir,
                "retry_seconds": self._retry_seconds}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"], artifact_dir=state["artifact_dir"],  # type: ignore[misc]
                      retry_seconds=state.get("retry_seconds", DEFAULT_RETRY_SECONDS))

    def __repr__(self) -> str:
        return f"SQLStorage({self._shown_url!r})"

    @property
    def artifact_dir(self) -> str | None:
        if self._artifact_dir is None and self._is_sqlite:
            path = self._engine.url.database
            if path and path != ":memory:":
                return os.path.abspath(path) + ".artifacts"
        return self._artifact_dir

    def _init_schema(self) -> None:
        def create(conn: sa.Connection) -> None:
            if self._engine.dialect.name == "postgresql":
                # Concurrent CREATE TABLEs race in PostgreSQL's catalog: serialize them.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))
            S.metadata.create_all(conn, checkfirst=True)
            row = conn.execute(sa.select(S.meta.c.value)
                               .where(S.meta.c.key == "schema_version")).first()
            if row is None:
                conn.execute(S.meta.insert().values(key="schema_version",
                                                    value=str(S.SCHEMA_VERSION)))
            elif int(row[0]) > S.SCHEMA_VERSION:
                raise self._newer_schema(row[0])
            elif int(row[0]) < S.SCHEMA_VERSION:  # create_all added what the older one lacked
                conn.execute(S.meta.update().where(S.meta.c.key == "schema_version")
                             .values(value=str(S.SCHEMA_VERSION)))
        try:
            version = self._read(lambda c: c.execute(
                sa.select(S.meta.c.value).where(S.meta.c.key == "schema_version")).scalar())
        except (StorageError, SQLAlchemyError):
            version = None
        if version is not None and int(version) > S.SCHEMA_VERSION:
            raise self._newer_schema(version)
        if version is None or int(version) < S.SCHEMA_VERSION:
            try:
                self._write(create)
            except ReadOnlyStorageError:
                if version is None:
                    raise  # an older database that cannot be upgraded is still read as it is

    def _newer_schema(self, version: Any) -> StorageError:
        return StorageError(f"{self._shown_url} was written by a newer hyperloom (schema version "
                            f"{version}, this one reads up to {S.SCHEMA_VERSION}); upgrade hyperloom")

    def close(self) -> None:
        self._engine.dispose()

    # -- studies ------------------------------------------------------------------------------
    def create_study(self, name: str, directions: list[str]) -> int:
        check_study_name(name)

        def op(conn: sa.Connection) -> int:
            result = conn.execute(S.studies.insert().values(
                name=name, directions=dumps(list(directions)), next_number=0,
                user_attrs="{}", system_attrs="{}", created_at=time.time()))
            return int(result.inserted_primary_key[0])
        try:
            return self._write(op)
        except IntegrityError:
            raise DuplicatedStudyError(f"a study named {name!r} exists already in "
                                       f"{self._shown_url}; pass load_if_exists=True to resume "
                                       "it") from None

    def get_study_id(self, name: str) -> int:
        check_study_name(name)
        sid = self._read(lambda c: c.execute(
            sa.select(S.studies.c.study_id).where(S.studies.c.name == name)).scalar())
        if sid is None:
            names = [s.name for s in self.list_studies()]
            raise StudyNotFoundError(f"no study named {name!r} in {self._shown_url}; "
                                     f"known: {names}")
        return int(sid)

    def _study_row(self, study_id: int) -> sa.Row:
        row = self._read(lambda c: c.execute(
            sa.select(S.studies).where(S.studies.c.study_id == study_id)).first())
        if row is None:
            raise StudyNotFoundError(f"no study with id {study_id} in {self._shown_url}")
        return row

    def get_study_name(self, study_id: int) -> str:
        return self._study_row(study_id).name

    def get_study_directions(self, study_id: int) -> list[str]:
        return loads(self._study_row(study_id).directions)

    def delete_study(self, study_id: int) -> None:
        def op(conn: sa.Connection) -> None:
            conn.execute(S.trials.delete().where(S.trials.c.study_id == study_id))
            conn.execute(S.claims.delete().where(S.claims.c.study_id == study_id))
            conn.execute(S.distributions.delete().where(S.distributions.c.study_id == study_id))
            if conn.execute(S.studies.delete().where(S.studies.c.study_id == study_id)
                            ).rowcount == 0:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._shown_url}")
        self._write(op)
        self._caches.pop(study_id, None)
        self._dists.forget_study(study_id)

    def get_study_names(self) -> list[str]:
        return list(self._read(lambda c: c.execute(
            sa.select(S.studies.c.name).order_by(S.studies.c.study_id)).scalars().all()))

    def list_studies(self) -> list[StudySummary]:
        def op(conn: sa.Connection) -> list[StudySummary]:
            counts = dict(conn.execute(
                sa.select(S.trials.c.study_id, sa.func.count())
                .group_by(S.trials.c.study_id)).all())
            out = []
            for row in conn.execute(sa.select(S.studies).order_by(S.studies.c.study_id)):
                directions = loads(row.directions)
                best = None
                if len(directions) == 1:
                    vals = conn.execute(
                        sa.select(S.trials.c.values_json)
                        .where(S.trials.c.study_id == row.study_id,
                               S.trials.c.state == int(TrialState.COMPLETE))).scalars().all()
                    nums = [loads(v)[0] for v in vals if v]
                    best = [Direction(directions[0]).best(nums)] if nums else None
                out.append(StudySummary(row.study_id, row.name, directions,
                                        int(counts.get(row.study_id, 0)), best,
                                        loads(row.user_attrs)))
            return out
        return self._read(op)

    def set_study_attr(self, study_id: int, key: str, value: Any, system: bool = False) -> None:
        column = "system_attrs" if system else "user_attrs"
        text = attr_json(key, value)

        def op(conn: sa.Connection) -> None:
            current = conn.execute(sa.select(S.studies.c[column])
                                   .where(S.studies.c.study_id == study_id)).scalar()
            if current is None:
                raise StudyNotFoundError(f"no study with id {study_id}")
            attrs = loads(current)
            attrs[key] = loads(text)
            conn.execute(S.studies.update().where(S.studies.c.study_id == study_id)
                         .values({column: dumps(attrs)}))
        self._write(op)

    def get_study_attrs(self, study_id: int, system: bool = False) -> dict[str, Any]:
        row = self._study_row(study_id)
        return loads(row.system_attrs if system else row.user_attrs)

    def claim(self, study_id: int, key: str) -> bool:
        try:
            self._write(lambda c: c.execute(S.claims.insert().values(study_id=study_id, key=key)))
            return True
        except IntegrityError:
            return False

    # -- trials -------------------------------------------------------------------------------
    def create_trial(self, study_id: int, *, state: TrialState = TrialState.RUNNING,
                     params: dict[str, Any] | None = None,
                     distributions: dict[str, Distribution] | None = None,
                     system_attrs: dict[str, Any] | None = None,
                     beating: bool = False) -> tuple[int, int]:
        now = time.time()
        running = state == TrialState.RUNNING
        values = {
            "study_id": study_id, "state": int(state), "params": dumps(params or {}),
            "distributions": self._dists.encode(study_id, distributions or {}),
            "intermediate": "{}", "user_attrs": "{}", "system_attrs": attrs_json(system_attrs),
            "datetime_start": now if running else None,
            "heartbeat": now if running and beating else None,
        }

        def op(conn: sa.Connection) -> tuple[int, int]:
            # The UPDATE takes the study row's write lock: numbers are handed out one at a time.
            bumped = conn.execute(_BUMP_NUMBER, {"sid": study_id}).scalar()
            if bumped is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._shown_url}")
            number = bumped - 1
            result = conn.execute(_INSERT_TRIAL, {"number": number, **values})
            return int(result.inserted_primary_key[0]), int(number)
        trial_id, number = self._write(op)
        self._remember_study(trial_id, study_id)
        return trial_id, number

    def pop_waiting_trial(self, study_id: int, *, beating: bool = False) -> FrozenTrial | None:
        candidates = self._read(lambda c: c.execute(
            _FIRST_WAITING, {"sid": study_id}).scalars().all())

        def claim(conn: sa.Connection, trial_id: int) -> int:
            now = time.time()
            return conn.execute(
                S.trials.update()
                .where(S.trials.c.trial_id == trial_id,
                       S.trials.c.state == int(TrialState.WAITING))
                .values(state=int(TrialState.RUNNING), datetime_start=now,
                        heartbeat=now if beating else None)).rowcount

        for trial_id in candidates:
            claimed = self._write(lambda c, tid=trial_id: claim(c, tid))
            if claimed:
                self._remember_study(trial_id, study_id)
                return self.get_trial(trial_id)
        return None

    def _update_running(self, trial_id: int, conn: sa.Connection, **values: Any) -> None:
        result = conn.execute(S.trials.update()
                              .where(S.trials.c.trial_id == trial_id,
                                     S.trials.c.state == int(TrialState.RUNNING))
                              .values(**values))
        if result.rowcount == 0:
            self._raise_not_running(conn, trial_id)

    def _raise_not_running(self, conn: sa.Connection, trial_id: int) -> None:
        row = conn.execute(sa.select(S.trials.c.number, S.trials.c.state)
                           .where(S.trials.c.trial_id == trial_id)).first()
        if row is None:
            raise KeyError(f"no trial with id {trial_id}")
        raise TrialFinishedError(f"trial {row.number} is {TrialState(row.state).name} already; "
                                 "a finished trial cannot change")

    def _read_fields(self, conn: sa.Connection, trial_id: int, *columns: str) -> sa.Row:
        row = conn.execute(sa.select(*(S.trials.c[c] for c in columns), S.trials.c.state)
                           .where(S.trials.c.trial_id == trial_id)).first()
        if row is None:
            raise KeyError(f"no trial with id {trial_id}")
        if row.state != int(TrialState.RUNNING):
            self._raise_not_running(conn, trial_id)
        return row

    def set_trial_params(self, trial_id: int, params: dict[str, Any],
                         distributions: dict[str, Distribution]) -> None:
        def op(conn: sa.Connection) -> None:
            row = self._read_fields(conn, trial_id, "params", "distributions")
            merged = {**loads(row.params), **params}
            self._update_running(trial_id, conn, params=dumps(merged),
                                 distributions=dumps({**loads(row.distributions), **refs}))
        refs = self._dists.refs(self._study_of(trial_id), distributions)
        self._write(op)

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        def op(conn: sa.Connection) -> None:
            row = self._read_fields(conn, trial_id, "intermediate")
            merged = decode_intermediate(row.intermediate)
            merged[int(step)] = float(value)
            self._update_running(trial_id, conn, intermediate=dumps(merged))
        self._write(op)

    def set_trial_attr(self, trial_id: int, key: str, value: Any, system: bool = False) -> None:
        column = "system_attrs" if system else "user_attrs"
        text = attr_json(key, value)

        def op(conn: sa.Connection) -> None:
            row = self._read_fields(conn, trial_id, column)
            attrs = loads(row[0])
            attrs[key] = loads(text)
            self._update_running(trial_id, conn, **{column: dumps(attrs)})
        self._write(op)

    def finish_trial(self, trial_id: int, state: TrialState, values: list[float] | None, *,
                     params: dict[str, Any] | None = None,
                     distributions: dict[str, Distribution] | None = None,
                     system_attrs: dict[str, Any] | None = None) -> FrozenTrial:
        now = time.time()
        vals = None if values is None else [float(v) for v in values]
        bind: dict[str, Any] = {"tid": trial_id, "new_state": int(state), "done_at": now,
                                "vals": None if vals is None else dumps(vals)}
        extra: list[str] = []
        if params is not None:
            # `params` is the trial's complete set: only its own worker writes it, so it can
            # replace what is stored without reading it first.
            bind["new_params"] = dumps(params)
            bind["new_distributions"] = self._dists.encode(self._study_of(trial_id),
                                                           distributions or {})
            extra += ["params", "distributions"]

        def op(conn: sa.Connection) -> FrozenTrial:
            if system_attrs:
                row = conn.execute(_SYSTEM_ATTRS_BY_ID, {"tid": trial_id}).first()
                if row is None:
                    raise KeyError(f"no trial with id {trial_id}")
                bind["new_system_attrs"] = dumps({**loads(row[0]), **system_attrs})
                columns = (*extra, "system_attrs")
            else:
                columns = tuple(extra)
            row = conn.execute(_finish_statement(columns), bind).first()
            if row is None:
                self._raise_not_running(conn, trial_id)
            return self._to_frozen(row, conn)
        done = self._write(op)
        self._trial_study.pop(trial_id, None)
        return done

    def _to_frozen(self, row: Any, conn: sa.Connection | None = None) -> FrozenTrial:
        return self._to_frozen_many([row], conn)[0]

    def _to_frozen_many(self, rows: list[Any],
                        conn: sa.Connection | None = None) -> list[FrozenTrial]:
        """Rows -> records, decoding each JSON column of all rows in one call (loading a
        100,000-trial study is mostly JSON decoding)."""
        if not rows:
            return []
        values = loads_column([r[3] for r in rows])
        params, user, system = (frozen_json_objects([r[i] for r in rows]) for i in (4, 7, 8))
        dists = self._dists.decode_many([r[5] for r in rows], conn)
        make = FrozenTrial._from_row
        return [make(r[0], r[1], _STATES[r[2]], values[k], params[k], dists[k],
                     decode_intermediate(r[6]), user[k], system[k], r[9], r[10])
                for k, r in enumerate(rows)]

    def _remember_study(self, trial_id: int, study_id: int) -> None:
        if len(self._trial_study) > 10_000:  # trials finished by other processes: start over
            self._trial_study.clear()
        self._trial_study[trial_id] = study_id

    def _study_of(self, trial_id: int) -> int:
        """The study of a trial: remembered for trials created or claimed here, else read."""
        study_id = self._trial_study.get(trial_id)
        if study_id is None:
            study_id = self._read(lambda c: c.execute(
                sa.select(_T.study_id).where(_T.trial_id == trial_id)).scalar())
            if study_id is None:
                raise KeyError(f"no trial with id {trial_id}")
        return study_id

    def get_trial(self, trial_id: int) -> FrozenTrial:
        row = self._read(lambda c: c.execute(_ROW_BY_ID, {"tid": trial_id}).first())
        if row is None:
            raise KeyError(f"no trial with id {trial_id}")
        return self._to_frozen(row)

    def get_trials(self, study_id: int,
                   states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        with self._cache_lock:
            cache = self._caches.get(study_id)
            if cache is None:
                cache = self._caches[study_id] = _TrialCache()
                self._study_row(study_id)  # raises for an unknown study
            rows = self._read(lambda c: c.execute(
                _ROWS_FROM, {"sid": study_id, "wm": cache.watermark}).all())
            new_rows = [r for r in rows if r[2] not in _FINISHED or r[0] not in cache.ids]
            fresh: list[FrozenTrial] = []
            lowest_open = None
            for trial in self._to_frozen_many(new_rows):
                if trial.state in _FINISHED:
                    cache.add(trial)
                else:
                    fresh.append(trial)
                    if lowest_open is None:
                        lowest_open = trial.trial_id
            if rows:
                cache.watermark = lowest_open if lowest_open is not None else rows[-1][0] + 1
            trials = cache.trials + fresh
        if fresh:
            trials.sort(key=lambda t: t.number)
        if states is not None:
            wanted = frozenset(states)
            trials = [t for t in trials if t.state in wanted]
        return trials

    def get_last_trials(self, study_id: int, n: int,
                        states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        if n <= 0:
            return []
        query = sa.select(*_ROW_COLUMNS).where(_T.study_id == study_id)
        if states is not None:
            query = query.where(_T.state.in_([int(s) for s in states]))
        query = query.order_by(_T.number.desc()).limit(n)
        rows = self._read(lambda c: c.execute(query).all())
        if not rows:
            self._study_row(study_id)  # raises for an unknown study
        return self._to_frozen_many(rows[::-1])

    def n_trials(self, study_id: int, states: Iterable[TrialState] | None = None) -> int:
        query = sa.select(sa.func.count()).where(S.trials.c.study_id == study_id)
        if states is not None:
            query = query.where(S.trials.c.state.in_([int(s) for s in states]))
        return int(self._read(lambda c: c.execute(query).scalar_one()))

    # -- heartbeats ---------------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> None:
        self._write(lambda c: c.execute(
            S.trials.update().where(S.trials.c.trial_id == trial_id,
                                    S.trials.c.state == int(TrialState.RUNNING))
            .values(heartbeat=time.time())))

    def fail_stale_trials(self, study_id: int, grace_seconds: float) -> list[int]:
        limit = time.time() - grace_seconds
        stale = self._read(lambda c: c.execute(
            sa.select(S.trials.c.trial_id, S.trials.c.number)
            .where(S.trials.c.study_id == study_id, S.trials.c.state == int(TrialState.RUNNING),
                   S.trials.c.heartbeat.is_not(None), S.trials.c.heartbeat < limit)).all())
        failed = []
        for trial_id, number in stale:
            try:
                self.finish_trial(trial_id, TrialState.FAILED, None,
                                  system_attrs={"fail_reason": "heartbeat stopped"})
                failed.append(number)
            except TrialFinishedError:
                pass  # another worker got there first
        return failed

