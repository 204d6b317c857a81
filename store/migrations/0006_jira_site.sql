-- What cairn learned about the Jira site beside its issues (deployment, the API user's time
-- zone, the field candidates of each concept) and when: a run reuses what is fresh instead of
-- asking the site again. One row per name; value is text (JSON for the fields).
CREATE TABLE jira_site (
  name     TEXT PRIMARY KEY,
  value    TEXT NOT NULL,
  fetched_at  TEXT NOT NULL
);
