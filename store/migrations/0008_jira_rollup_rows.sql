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
-- packed fields, one after the other.
CREATE VIEW jira_rollup_packed AS
SELECT i.id AS issue_id, concat(
  octet_length(i.key), ':', i.key,
  octet_length(i.summary), ':', i.summary,
  octet_length(i.project_key), ':', i.project_key,
  octet_length(i.issue_type), ':', i.issue_type,
  octet_length(i.subtask), ':', i.subtask,
  octet_length(i.status), ':', i.status,
  octet_length(i.status_category), ':', i.status_category,
  octet_length(ifnull(i.assignee, '')), ':', i.assignee,
  octet_length(ifnull(i.priority, '')), ':', i.priority,
  octet_length(i.labels), ':', i.labels,
  octet_length(i.components), ':', i.components,
  octet_length(ifnull(i.epic_key, '')), ':', i.epic_key,
  octet_length(ifnull(i.parent_key, '')), ':', i.parent_key,
  octet_length(i.flagged), ':', i.flagged,
  octet_length(i.created_at), ':', i.created_at,
  octet_length(i.updated_at), ':', i.updated_at,
  octet_length(ifnull(i.resolved_at, '')), ':', i.resolved_at,
  (SELECT concat(octet_length(l), ':', l) FROM (SELECT ifnull(group_concat(concat(
      octet_length(c.at), ':', c.at,
      octet_length(ifnull(c.from_category, '')), ':', c.from_category,
      octet_length(ifnull(c.to_category, '')), ':', c.to_category), '' ORDER BY c.rowid), '') AS l
    FROM jira_status_changes c WHERE c.issue_id = i.id)),
  (SELECT concat(octet_length(l), ':', l) FROM (SELECT ifnull(group_concat(concat(
      octet_length(v.version_id), ':', v.version_id), '' ORDER BY v.version_id), '') AS l
    FROM jira_issue_versions v WHERE v.issue_id = i.id)),
  (SELECT concat(octet_length(l), ':', l) FROM (SELECT ifnull(group_concat(concat(
      octet_length(s.sprint_id), ':', s.sprint_id), '' ORDER BY s.sprint_id), '') AS l
    FROM jira_issue_sprints s WHERE s.issue_id = i.id))
) AS packed, i.story_points
FROM jira_issues i WHERE i.deleted_at IS NULL;

INSERT INTO jira_rollup_rows (issue_id, packed, story_points)
SELECT issue_id, packed, story_points FROM jira_rollup_packed;
