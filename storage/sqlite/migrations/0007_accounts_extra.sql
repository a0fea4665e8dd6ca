-- What a staff member sets about their own account beyond 0001's columns:
-- profile flags, up to four profile fields, and posting/reading preferences.
-- One row per account, created on first change; absent means the defaults.
CREATE TABLE account_settings (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    bot INTEGER NOT NULL DEFAULT 0,
    discoverable INTEGER NOT NULL DEFAULT 1,
    hide_collections INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '[]',
    default_visibility TEXT NOT NULL DEFAULT 'public'
        CHECK (default_visibility IN ('public', 'unlisted', 'private', 'direct')),
    default_sensitive INTEGER NOT NULL DEFAULT 0,
    default_language TEXT,
    expand_media TEXT NOT NULL DEFAULT 'default' CHECK (expand_media IN ('default', 'show_all', 'hide_all')),
    expand_spoilers INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- Where a client stopped reading (Mastodon's markers); version counts writes.
CREATE TABLE markers (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- Account search by username or display name prefix.
CREATE INDEX accounts_display_name ON accounts (lower(display_name));
CREATE INDEX follows_account ON follows (account_id, state, id);
