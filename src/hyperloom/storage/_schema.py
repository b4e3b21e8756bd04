"""The SQL schema (SQLAlchemy Core). Bump SCHEMA_VERSION on any change and add a migration.

Versions: 1, distributions stored inline in every trial row; 2, each distinct distribution of
a study stored once in `hyperloom_distributions`, trial rows naming it by id. Version 2 reads
both forms, so a version-1 database is upgraded by adding the table (no row is rewritten)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 2

metadata = MetaData()

meta = Table(
    "hyperloom_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

studies = Table(
    "hyperloom_studies", metadata,
    Column("study_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(512), nullable=False, unique=True),
    Column("directions", Text, nullable=False),  # JSON list of "minimize" / "maximize"
    Column("next_number", Integer, nullable=False, default=0),  # gap-free trial numbering
    Column("user_attrs", Text, nullable=False, default="{}"),
    Column("system_attrs", Text, nullable=False, default="{}"),
    Column("created_at", Float, nullable=False),
)

trials = Table(
    "hyperloom_trials", metadata,
    Column("trial_id", Integer, primary_key=True, autoincrement=True),
    Column("study_id", Integer, ForeignKey("hyperloom_studies.study_id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("state", SmallInteger, nullable=False),
    Column("values_json", Text),  # JSON list of floats, NULL unless COMPLETE
    Column("params", Text, nullable=False, default="{}"),  # JSON {name: stored value}
    # JSON {name: distribution_id} (version 1 rows: {name: distribution dict})
    Column("distributions", Text, nullable=False, default="{}"),
    Column("intermediate", Text, nullable=False, default="{}"),  # JSON {step: value}
    Column("user_attrs", Text, nullable=False, default="{}"),
    Column("system_attrs", Text, nullable=False, default="{}"),
    Column("datetime_start", Float),
    Column("datetime_complete", Float),
    Column("heartbeat", Float),
    UniqueConstraint("study_id", "number", name="uq_hyperloom_trial_number"),
    Index("ix_hyperloom_trials_study_state", "study_id", "state"),
    Index("ix_hyperloom_trials_study_id", "study_id", "trial_id"),
)

distributions = Table(
    "hyperloom_distributions", metadata,
    Column("distribution_id", Integer, primary_key=True, autoincrement=True),
    Column("study_id", Integer, ForeignKey("hyperloom_studies.study_id"), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of `body`: unique within a study
    Column("body", Text, nullable=False),  # JSON of Distribution.to_dict()
    UniqueConstraint("study_id", "digest", name="uq_hyperloom_distribution_digest"),
    # Ids are never reused (SQLite AUTOINCREMENT), so a reader may cache them for good.
    sqlite_autoincrement=True,
)

claims = Table(
    "hyperloom_claims", metadata,
    Column("study_id", Integer, ForeignKey("hyperloom_studies.study_id"), primary_key=True),
    Column("key", String(255), primary_key=True),
)

TABLE_NAMES = {t.name for t in metadata.sorted_tables}
