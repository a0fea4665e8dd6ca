-- Announcements (server/services/announcements.py): what admins and publishers tell staff, shown by
-- Mastodon apps as a banner. text is what the author wrote, content its rendered HTML. An announcement
-- is active from starts_at (or its creation) until ends_at or ended_at (ended by hand); audience rows
-- name departments, none means everyone. A dismissal is per person; a reaction per person and emoji.
CREATE TABLE announcements (
    id BIGINT PRIMARY KEY,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    starts_at TEXT,
    ends_at TEXT,
    all_day INTEGER NOT NULL DEFAULT 0,
    published_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ended_at TEXT,
    created_by TEXT NOT NULL
);
CREATE TABLE announcement_departments (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (announcement_id, department_id)
);
CREATE TABLE announcement_dismissals (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (announcement_id, account_id)
);
CREATE TABLE announcement_reactions (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (announcement_id, account_id, name)
);
CREATE INDEX announcement_reactions_name ON announcement_reactions (announcement_id, name);

-- Important posts: a post by the company or a department pinned atop its audience's first home page
-- (and its department's timeline) until "until". marked_by is the audit log's name of who marked it.
CREATE TABLE important_statuses (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    until TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL
);
CREATE INDEX important_statuses_until ON important_statuses (until);
