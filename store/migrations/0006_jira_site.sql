-- What cairn learned about the Jira site beside its issues (deployment, the API user's time
-- zone, the field candidates of each concept) and when: a run reuses what is fresh instead of
-- asking the site again. One row per name; value is text (JSON for the fields).
CREATE TABLE jira_site (
  name     TEXT PRIMARY KEY,
  value    TEXT NOT NULL,
  fetched_at  TEXT NOT NULL
);

-- No query filters or orders on these two (the rollup scans both tables whole; the watermark
-- reads max(updated_at) within a project through jira_issues_project), yet a full sync paid
-- for them on every row: both are in random order, so nearly every insert dirtied another
-- index page, about a quarter of what a 100k-issue sync handed to write(2).
DROP INDEX IF EXISTS jira_issues_updated;
DROP INDEX IF EXISTS jira_status_changes_at;
