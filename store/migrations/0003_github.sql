-- Repositories found by expanding "owner/*" in the GitHub scope, so that a conditional
-- listing answered 304 still knows the owner's repos.
CREATE TABLE github_repos (
  repo      TEXT PRIMARY KEY,   -- owner/name
  owner     TEXT NOT NULL,
  archived  INTEGER NOT NULL DEFAULT 0,
  seen_at   TEXT NOT NULL
);
CREATE INDEX github_repos_owner ON github_repos (owner);
