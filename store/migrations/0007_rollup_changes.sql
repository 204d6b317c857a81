-- Change capture for the incremental rollup, and reports stored in parts.
--
-- rollup_dirty names every synced row the rollup reads that was written since the rollup last
-- took the list: triggers fill it on every insert, update and delete, so no write path can be
-- missed. A key is recorded once however often its rows are written (a keyed table): a Jira
-- issue by id (its own row, status changes, fix versions, sprints), a link by id, a pull
-- request by repo and number (its row, reviews, Jira keys), a GitHub issue by id.
-- The small tables (versions, sprints, GitHub milestones, sync runs) are read whole by every
-- rollup and need no capture.
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

-- The triggers test before they insert rather than INSERT OR IGNORE: a trigger's own conflict
-- clause is overridden by that of the statement firing it (the sync's upserts), which would
-- fail on a key already listed.
CREATE TRIGGER rollup_jira_issues_ins AFTER INSERT ON jira_issues BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.id);
END;
CREATE TRIGGER rollup_jira_issues_upd AFTER UPDATE ON jira_issues BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.id);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.id);
END;
CREATE TRIGGER rollup_jira_issues_del AFTER DELETE ON jira_issues BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.id);
END;

CREATE TRIGGER rollup_jira_status_changes_ins AFTER INSERT ON jira_status_changes BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.issue_id);
END;
CREATE TRIGGER rollup_jira_status_changes_upd AFTER UPDATE ON jira_status_changes BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.issue_id);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.issue_id);
END;
CREATE TRIGGER rollup_jira_status_changes_del AFTER DELETE ON jira_status_changes BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.issue_id);
END;

CREATE TRIGGER rollup_jira_issue_versions_ins AFTER INSERT ON jira_issue_versions BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.issue_id);
END;
CREATE TRIGGER rollup_jira_issue_versions_upd AFTER UPDATE ON jira_issue_versions BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.issue_id);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.issue_id);
END;
CREATE TRIGGER rollup_jira_issue_versions_del AFTER DELETE ON jira_issue_versions BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.issue_id);
END;

CREATE TRIGGER rollup_jira_issue_sprints_ins AFTER INSERT ON jira_issue_sprints BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.issue_id);
END;
CREATE TRIGGER rollup_jira_issue_sprints_upd AFTER UPDATE ON jira_issue_sprints BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', NEW.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = NEW.issue_id);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.issue_id);
END;
CREATE TRIGGER rollup_jira_issue_sprints_del AFTER DELETE ON jira_issue_sprints BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_issue', '', OLD.issue_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_issue' AND repo = '' AND id = OLD.issue_id);
END;

CREATE TRIGGER rollup_jira_issue_links_ins AFTER INSERT ON jira_issue_links BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_link', '', NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_link' AND repo = '' AND id = NEW.id);
END;
CREATE TRIGGER rollup_jira_issue_links_upd AFTER UPDATE ON jira_issue_links BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_link', '', NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_link' AND repo = '' AND id = NEW.id);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_link', '', OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_link' AND repo = '' AND id = OLD.id);
END;
CREATE TRIGGER rollup_jira_issue_links_del AFTER DELETE ON jira_issue_links BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'jira_link', '', OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'jira_link' AND repo = '' AND id = OLD.id);
END;

CREATE TRIGGER rollup_github_pull_requests_ins AFTER INSERT ON github_pull_requests BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', NEW.repo, NEW.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = NEW.repo AND id = NEW.number);
END;
CREATE TRIGGER rollup_github_pull_requests_upd AFTER UPDATE ON github_pull_requests BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', NEW.repo, NEW.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = NEW.repo AND id = NEW.number);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', OLD.repo, OLD.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = OLD.repo AND id = OLD.number);
END;
CREATE TRIGGER rollup_github_pull_requests_del AFTER DELETE ON github_pull_requests BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', OLD.repo, OLD.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = OLD.repo AND id = OLD.number);
END;

CREATE TRIGGER rollup_github_reviews_ins AFTER INSERT ON github_reviews BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', NEW.repo, NEW.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = NEW.repo AND id = NEW.number);
END;
CREATE TRIGGER rollup_github_reviews_upd AFTER UPDATE ON github_reviews BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', NEW.repo, NEW.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = NEW.repo AND id = NEW.number);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', OLD.repo, OLD.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = OLD.repo AND id = OLD.number);
END;
CREATE TRIGGER rollup_github_reviews_del AFTER DELETE ON github_reviews BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', OLD.repo, OLD.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = OLD.repo AND id = OLD.number);
END;

CREATE TRIGGER rollup_pr_issue_links_ins AFTER INSERT ON pr_issue_links BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', NEW.repo, NEW.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = NEW.repo AND id = NEW.number);
END;
CREATE TRIGGER rollup_pr_issue_links_upd AFTER UPDATE ON pr_issue_links BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', NEW.repo, NEW.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = NEW.repo AND id = NEW.number);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', OLD.repo, OLD.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = OLD.repo AND id = OLD.number);
END;
CREATE TRIGGER rollup_pr_issue_links_del AFTER DELETE ON pr_issue_links BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'pr', OLD.repo, OLD.number
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'pr' AND repo = OLD.repo AND id = OLD.number);
END;

CREATE TRIGGER rollup_github_issues_ins AFTER INSERT ON github_issues BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'github_issue', '', NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'github_issue' AND repo = '' AND id = NEW.id);
END;
CREATE TRIGGER rollup_github_issues_upd AFTER UPDATE ON github_issues BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'github_issue', '', NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'github_issue' AND repo = '' AND id = NEW.id);
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'github_issue', '', OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'github_issue' AND repo = '' AND id = OLD.id);
END;
CREATE TRIGGER rollup_github_issues_del AFTER DELETE ON github_issues BEGIN
  INSERT INTO rollup_dirty (kind, repo, id) SELECT 'github_issue', '', OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty WHERE kind = 'github_issue' AND repo = '' AND id = OLD.id);
END;

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
