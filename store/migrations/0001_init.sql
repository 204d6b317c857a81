-- cairn schema, version 1. Times are UTC RFC 3339 text; NULL means "not set".
-- Table and column names are documented in docs/schema.md: users query them directly.

CREATE TABLE jira_issues (
  id                 INTEGER PRIMARY KEY,          -- Jira's immutable numeric id
  key                TEXT NOT NULL,                -- PAY-12; changes when an issue moves
  project_key        TEXT NOT NULL,
  issue_type         TEXT NOT NULL DEFAULT '',
  subtask            INTEGER NOT NULL DEFAULT 0,
  summary            TEXT NOT NULL DEFAULT '',
  status             TEXT NOT NULL DEFAULT '',
  status_category    TEXT NOT NULL DEFAULT 'new' CHECK (status_category IN ('new', 'indeterminate', 'done')),
  assignee           TEXT,
  priority           TEXT,
  labels             TEXT NOT NULL DEFAULT '[]',   -- JSON array
  components         TEXT NOT NULL DEFAULT '[]',   -- JSON array
  story_points       REAL,
  epic_key           TEXT,
  parent_key         TEXT,
  flagged            INTEGER NOT NULL DEFAULT 0,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  resolved_at        TEXT,
  due_date           TEXT,                         -- YYYY-MM-DD
  synced_at          TEXT NOT NULL,
  deleted_at         TEXT,                         -- soft delete: gone from Jira or out of scope
  raw_json           TEXT NOT NULL
);
CREATE INDEX jira_issues_key ON jira_issues (key);
CREATE INDEX jira_issues_project ON jira_issues (project_key);
CREATE INDEX jira_issues_epic ON jira_issues (epic_key);
CREATE INDEX jira_issues_parent ON jira_issues (parent_key);
CREATE INDEX jira_issues_updated ON jira_issues (updated_at);

CREATE TABLE jira_status_changes (
  issue_id       INTEGER NOT NULL REFERENCES jira_issues (id) ON DELETE CASCADE,
  history_id     TEXT NOT NULL,
  at             TEXT NOT NULL,
  from_status    TEXT,
  to_status      TEXT NOT NULL,
  from_category  TEXT,
  to_category    TEXT,
  PRIMARY KEY (issue_id, history_id)
);
CREATE INDEX jira_status_changes_at ON jira_status_changes (at);

-- One row per link, read as "from_key blocks to_key".
CREATE TABLE jira_issue_links (
  id        INTEGER PRIMARY KEY,
  type      TEXT NOT NULL,
  from_key  TEXT NOT NULL,
  to_key    TEXT NOT NULL
);
CREATE INDEX jira_issue_links_from ON jira_issue_links (from_key);
CREATE INDEX jira_issue_links_to ON jira_issue_links (to_key);

CREATE TABLE jira_versions (
  id            INTEGER PRIMARY KEY,
  project_key   TEXT NOT NULL,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  start_date    TEXT,
  release_date  TEXT,
  released      INTEGER NOT NULL DEFAULT 0,
  archived      INTEGER NOT NULL DEFAULT 0,
  raw_json      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX jira_versions_name ON jira_versions (name);

CREATE TABLE jira_issue_versions (
  issue_id    INTEGER NOT NULL REFERENCES jira_issues (id) ON DELETE CASCADE,
  version_id  INTEGER NOT NULL,
  PRIMARY KEY (issue_id, version_id)
);
CREATE INDEX jira_issue_versions_version ON jira_issue_versions (version_id);

CREATE TABLE jira_boards (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  type         TEXT NOT NULL,
  project_key  TEXT
);

CREATE TABLE jira_sprints (
  id           INTEGER PRIMARY KEY,
  board_id     INTEGER,
  name         TEXT NOT NULL,
  state        TEXT NOT NULL,
  goal         TEXT NOT NULL DEFAULT '',
  start_at     TEXT,
  end_at       TEXT,
  complete_at  TEXT,
  raw_json     TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE jira_issue_sprints (
  issue_id   INTEGER NOT NULL REFERENCES jira_issues (id) ON DELETE CASCADE,
  sprint_id  INTEGER NOT NULL,
  PRIMARY KEY (issue_id, sprint_id)
);
CREATE INDEX jira_issue_sprints_sprint ON jira_issue_sprints (sprint_id);

-- Which Jira field carries each concept (story points, epic link, sprint, start date).
CREATE TABLE jira_fields (
  concept   TEXT PRIMARY KEY,
  field_id  TEXT NOT NULL,
  source    TEXT NOT NULL     -- schema | name | config
);

CREATE TABLE github_issues (
  id          INTEGER PRIMARY KEY,
  repo        TEXT NOT NULL,
  number      INTEGER NOT NULL,
  title       TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL,
  author      TEXT,
  milestone   TEXT,
  labels      TEXT NOT NULL DEFAULT '[]',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  closed_at   TEXT,
  deleted_at  TEXT,
  raw_json    TEXT NOT NULL,
  UNIQUE (repo, number)
);

CREATE TABLE github_pull_requests (
  id                   INTEGER PRIMARY KEY,
  repo                 TEXT NOT NULL,
  number               INTEGER NOT NULL,
  title                TEXT NOT NULL DEFAULT '',
  state                TEXT NOT NULL,
  draft                INTEGER NOT NULL DEFAULT 0,
  author               TEXT,
  head_ref             TEXT,
  base_ref             TEXT,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  closed_at            TEXT,
  merged_at            TEXT,
  milestone            TEXT,
  labels               TEXT NOT NULL DEFAULT '[]',
  requested_reviewers  TEXT NOT NULL DEFAULT '[]',
  deleted_at           TEXT,
  raw_json             TEXT NOT NULL,
  UNIQUE (repo, number)
);
CREATE INDEX github_pull_requests_updated ON github_pull_requests (repo, updated_at);

CREATE TABLE github_reviews (
  id            INTEGER PRIMARY KEY,
  repo          TEXT NOT NULL,
  number        INTEGER NOT NULL,
  author        TEXT,
  state         TEXT NOT NULL,
  submitted_at  TEXT,
  raw_json      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX github_reviews_pr ON github_reviews (repo, number);

CREATE TABLE github_milestones (
  repo           TEXT NOT NULL,
  number         INTEGER NOT NULL,
  id             INTEGER,
  title          TEXT NOT NULL,
  state          TEXT NOT NULL,
  due_on         TEXT,
  closed_at      TEXT,
  open_issues    INTEGER NOT NULL DEFAULT 0,
  closed_issues  INTEGER NOT NULL DEFAULT 0,
  deleted_at     TEXT,
  raw_json       TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (repo, number)
);

CREATE TABLE github_labels (
  repo         TEXT NOT NULL,
  name         TEXT NOT NULL,
  color        TEXT NOT NULL DEFAULT '',
  description  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (repo, name)
);

CREATE TABLE pr_issue_links (
  repo       TEXT NOT NULL,
  number     INTEGER NOT NULL,
  issue_key  TEXT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('title', 'branch', 'body', 'commit')),
  PRIMARY KEY (repo, number, issue_key, source)
);
CREATE INDEX pr_issue_links_key ON pr_issue_links (issue_key);

-- Conditional requests: the last ETag seen per URL.
CREATE TABLE http_etags (
  url            TEXT PRIMARY KEY,
  etag           TEXT NOT NULL DEFAULT '',
  last_modified  TEXT NOT NULL DEFAULT '',
  fetched_at     TEXT NOT NULL
);

CREATE TABLE sync_runs (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  connector      TEXT NOT NULL,
  mode           TEXT NOT NULL DEFAULT 'incremental',
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  status         TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
  error          TEXT NOT NULL DEFAULT '',
  items_new      INTEGER NOT NULL DEFAULT 0,
  items_updated  INTEGER NOT NULL DEFAULT 0,
  items_deleted  INTEGER NOT NULL DEFAULT 0,
  versions       INTEGER NOT NULL DEFAULT 0,
  sprints        INTEGER NOT NULL DEFAULT 0,
  reviews        INTEGER NOT NULL DEFAULT 0,
  pages          INTEGER NOT NULL DEFAULT 0,
  requests       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_connector ON sync_runs (connector, id);

-- Per connector and scope (a Jira project, a GitHub repo, ...): the watermark that advances
-- only when a run succeeds, and the cursor of a run in flight, committed with each page.
CREATE TABLE sync_state (
  connector   TEXT NOT NULL,
  scope       TEXT NOT NULL,
  watermark   TEXT,
  cursor      TEXT NOT NULL DEFAULT '',
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (connector, scope)
);
