-- Change capture for the incremental rollup, and reports stored in parts.
--
-- rollup_dirty lists the keys of every synced row the rollup reads that was written since the
-- rollup last took the list: a Jira issue by id (its own row, status changes, fix versions,
-- sprints), a link by id, a pull request by repo and number (its row, reviews, Jira keys), a
-- GitHub issue by id. The store's write methods add one row per transaction, in that
-- transaction, with the keys it wrote as JSON arrays: a trigger per row written cost a third
-- of a Jira page write, one row per page costs next to nothing. A key may be listed by many
-- rows; the reader merges them. The store's TestCaptureCoversEveryWrite holds every write path
-- to this. The small tables (versions, sprints, GitHub milestones, sync runs) are read whole
-- by every rollup and need no capture.
CREATE TABLE rollup_dirty (
  seq            INTEGER PRIMARY KEY,
  issues         TEXT,   -- JSON array of Jira issue ids, NULL for none
  links          TEXT,   -- JSON array of Jira issue link ids
  prs            TEXT,   -- JSON array of [repo, number] pairs
  github_issues  TEXT    -- JSON array of GitHub issue ids
);

-- The one capture left to a trigger: a review that an upsert moves to another pull request
-- lists the one it left. A sync never does this (a page's reviews replace those stored for its
-- pull requests, so the upsert updates only a review stored under another one), and an UPDATE
-- trigger costs the page's inserts nothing, where looking for such reviews cost 2% of a page.
CREATE TRIGGER rollup_review_moved AFTER UPDATE OF repo, number ON github_reviews
WHEN OLD.repo IS NOT NEW.repo OR OLD.number IS NOT NEW.number BEGIN
  INSERT INTO rollup_dirty (prs) VALUES (json_array(json_array(OLD.repo, OLD.number)));
END;

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
