-- Rollup results: one report (JSON) per rollup run, and one snapshot per milestone per day.

CREATE TABLE rollup_reports (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  as_of        TEXT NOT NULL,               -- the rollup's as-of time
  iso_week     TEXT NOT NULL,               -- ISO week of as_of, "2026-W48"
  created_at   TEXT NOT NULL,
  report_json  TEXT NOT NULL
);
CREATE INDEX rollup_reports_week ON rollup_reports (iso_week, as_of);
CREATE INDEX rollup_reports_as_of ON rollup_reports (as_of);

CREATE TABLE rollup_snapshots (
  program       TEXT NOT NULL,
  milestone     TEXT NOT NULL,
  day           TEXT NOT NULL,              -- YYYY-MM-DD (UTC)
  scope         INTEGER NOT NULL,
  done          INTEGER NOT NULL,
  in_progress   INTEGER NOT NULL,
  scope_points  REAL NOT NULL DEFAULT 0,
  done_points   REAL NOT NULL DEFAULT 0,
  p50           TEXT,
  p85           TEXT,
  p95           TEXT,
  on_time       REAL,                        -- P(on time); NULL when undefined
  status        TEXT NOT NULL,
  backfilled    INTEGER NOT NULL DEFAULT 0,  -- reconstructed from status history
  PRIMARY KEY (program, milestone, day)
);
