-- The query that defined a scope at its last successful run (for Jira: the project clause and
-- the configured jql filter). When the configuration changes it, the next run of that scope
-- lists everything again instead of only what changed.
ALTER TABLE sync_state ADD COLUMN scope_query TEXT NOT NULL DEFAULT '';
