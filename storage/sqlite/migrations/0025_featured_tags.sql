-- Hashtags an account features on its profile (Mastodon's featured_tags). Their counts are not
-- stored: they are taken, when asked, over the account's statuses shared with all staff.
CREATE TABLE featured_tags (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, tag_id)
);
CREATE INDEX featured_tags_tag ON featured_tags (tag_id);
-- Trends read a week of use by day: statuses, favourites and boosts by creation time.
CREATE INDEX favourites_created ON favourites (created_at);
