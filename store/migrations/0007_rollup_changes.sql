-- Change capture for the incremental rollup, and reports stored in parts.
--
-- rollup_dirty names every synced row the rollup reads that was written since the rollup last
-- took the list. The store's write methods fill it in the transaction of the write, with one
-- statement per page (no triggers: they cost a third of a Jira page write); the store's
-- TestCaptureCoversEveryWrite holds every write path to that. A key is recorded once however
-- often its rows are written (a keyed table): a Jira issue by id (its own row, status changes,
-- fix versions, sprints), a link by id, a pull request by repo and number (its row, reviews,
-- Jira keys), a GitHub issue by id. The small tables (versions, sprints, GitHub milestones,
-- sync runs) are read whole by every rollup and need no capture.
CREATE TABLE rollup_dirty (
  kind  TEXT NOT NULL,              -- jira_issue | jira_link | pr | github_issue
  repo  TEXT NOT NULL DEFAULT '',   -- the pull request's repo; '' for the others
  id    INTEGER NOT NULL,           -- issue or link id, pull request number
  PRIMARY KEY (kind, repo, id)
) WITHOUT ROWID;

-- One row: bumped whenever the list is cleared without being read (a full rollup), so that an
-- incremental rollup that did not clear it knows it missed changes.
CREATE TABLE rollup_capture (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  generation  INTEGER NOT NULL
);
INSERT INTO rollup_capture (id, generation) VALUES (1, 1);

-- Reports in parts: a report's JSON is rollup_reports.report_json with the bodies of its
-- rollup_report_parts inserted at their offsets (in seq order, offsets into report_json). A
-- report without parts is report_json alone. Parts are content-addressed, shared by the
-- reports that use them, and deleted with the last report that uses them.
CREATE TABLE rollup_parts (
  id    INTEGER PRIMARY KEY,
  hash  TEXT NOT NULL UNIQUE,   -- sha256 of body, hex
  body  TEXT NOT NULL
);

CREATE TABLE rollup_report_parts (
  report_id  INTEGER NOT NULL REFERENCES rollup_reports (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  offset     INTEGER NOT NULL,  -- byte offset in the report's report_json
  part_id    INTEGER NOT NULL REFERENCES rollup_parts (id),
  PRIMARY KEY (report_id, seq)
) WITHOUT ROWID;
CREATE INDEX rollup_report_parts_part ON rollup_report_parts (part_id);
