-- What a full rollup reads of each live Jira issue, packed into one row at write time.
--
-- A full rollup read jira_issues (whose rows carry the issue's raw JSON, about 5 kB, so a scan
-- reads every one of its pages), then jira_status_changes, jira_issue_versions and
-- jira_issue_sprints: 5 million rows through the SQL engine at a million issues, a third of
-- the rollup's time. jira_rollup_rows holds one narrow row per live issue instead: its columns,
-- its status changes (in table order), fix version ids and sprint ids, as one text value of
-- length-prefixed fields (store/rollup_packed.go reads them). The Jira page writer packs it in
-- Go with the rows it writes; the rare writes that change these columns otherwise (a moved
-- issue's children, a deleted issue) repack or delete it. jira_rollup_packed is the definition:
-- the store's tests hold the stored rows to it after every kind of write.
CREATE TABLE jira_rollup_rows (
  issue_id      INTEGER PRIMARY KEY REFERENCES jira_issues (id) ON DELETE CASCADE,
  packed        TEXT NOT NULL,
  story_points  REAL     -- kept as REAL: REAL to text is not exact
);

-- A field is "<byte length>:<bytes>", NULL the empty field; a list field is its elements'
-- packed fields, one after the other. Only SQL that older SQLite versions read (no concat(),
-- octet_length() or ORDER BY inside group_concat()): a view in the schema that the sqlite3
-- tool of a Debian stable could not parse would keep it from opening the database at all.
-- group_concat() takes the rows of an ordered subquery in its order.
CREATE VIEW jira_rollup_packed AS
SELECT i.id AS issue_id,
  length(CAST(i.key AS BLOB)) || ':' || i.key ||
  length(CAST(i.summary AS BLOB)) || ':' || i.summary ||
  length(CAST(i.project_key AS BLOB)) || ':' || i.project_key ||
  length(CAST(i.issue_type AS BLOB)) || ':' || i.issue_type ||
  length(CAST(i.subtask AS BLOB)) || ':' || i.subtask ||
  length(CAST(i.status AS BLOB)) || ':' || i.status ||
  length(CAST(i.status_category AS BLOB)) || ':' || i.status_category ||
  length(CAST(ifnull(i.assignee, '') AS BLOB)) || ':' || ifnull(i.assignee, '') ||
  length(CAST(ifnull(i.priority, '') AS BLOB)) || ':' || ifnull(i.priority, '') ||
  length(CAST(i.labels AS BLOB)) || ':' || i.labels ||
  length(CAST(i.components AS BLOB)) || ':' || i.components ||
  length(CAST(ifnull(i.epic_key, '') AS BLOB)) || ':' || ifnull(i.epic_key, '') ||
  length(CAST(ifnull(i.parent_key, '') AS BLOB)) || ':' || ifnull(i.parent_key, '') ||
  length(CAST(i.flagged AS BLOB)) || ':' || i.flagged ||
  length(CAST(i.created_at AS BLOB)) || ':' || i.created_at ||
  length(CAST(i.updated_at AS BLOB)) || ':' || i.updated_at ||
  length(CAST(ifnull(i.resolved_at, '') AS BLOB)) || ':' || ifnull(i.resolved_at, '') ||
  (SELECT length(CAST(l AS BLOB)) || ':' || l FROM (SELECT ifnull(group_concat(f, ''), '') AS l FROM (
    SELECT length(CAST(c.at AS BLOB)) || ':' || c.at ||
      length(CAST(ifnull(c.from_category, '') AS BLOB)) || ':' || ifnull(c.from_category, '') ||
      length(CAST(ifnull(c.to_category, '') AS BLOB)) || ':' || ifnull(c.to_category, '') AS f
    FROM jira_status_changes c WHERE c.issue_id = i.id ORDER BY c.rowid))) ||
  (SELECT length(CAST(l AS BLOB)) || ':' || l FROM (SELECT ifnull(group_concat(f, ''), '') AS l FROM (
    SELECT length(CAST(v.version_id AS BLOB)) || ':' || v.version_id AS f
    FROM jira_issue_versions v WHERE v.issue_id = i.id ORDER BY v.version_id))) ||
  (SELECT length(CAST(l AS BLOB)) || ':' || l FROM (SELECT ifnull(group_concat(f, ''), '') AS l FROM (
    SELECT length(CAST(s.sprint_id AS BLOB)) || ':' || s.sprint_id AS f
    FROM jira_issue_sprints s WHERE s.issue_id = i.id ORDER BY s.sprint_id)))
  AS packed, i.story_points
FROM jira_issues i WHERE i.deleted_at IS NULL;

INSERT INTO jira_rollup_rows (issue_id, packed, story_points)
SELECT issue_id, packed, story_points FROM jira_rollup_packed;
