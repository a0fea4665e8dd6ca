-- The reach of our own posts (server/services/reach.py, docs/analytics.md): which staff member was shown
-- which local post, per UTC day. A row is kept only to be counted: no page, API or export names the
-- viewer. The key is the whole row, so a view recorded twice (two processes, two paths, a repeat) is
-- one row: INSERT ... ON CONFLICT DO NOTHING. No foreign keys: a batch written seconds after the views
-- must not fail because a post or a person went in between; readers join what still exists.
CREATE TABLE status_views (
    status_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (status_id, day, account_id)
) WITHOUT ROWID;

-- Who read anything in an ISO week (week = its Monday, YYYY-MM-DD): adoption's "reading people",
-- written from the same buffer, so counting weekly readers never scans status_views.
CREATE TABLE reader_weeks (
    week TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (week, account_id)
) WITHOUT ROWID;
