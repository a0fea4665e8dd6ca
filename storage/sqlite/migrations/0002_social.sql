-- The social graph, statuses and what hangs off them.

CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    uri TEXT,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id),
    CHECK (account_id <> target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, state);
CREATE UNIQUE INDEX follows_uri ON follows (uri) WHERE uri IS NOT NULL;

CREATE TABLE blocks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications INTEGER NOT NULL DEFAULT 1,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);

CREATE TABLE account_notes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

-- A status: local or remote, an original or a boost (reblog_of_id).
-- publication_state is the boundary: only 'published' statuses exist outside.
-- uri is the ActivityPub id: remote statuses have theirs; local ones get one
-- when published, with the publication epoch in it, so a retracted URI is
-- never reused.
CREATE TABLE statuses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local INTEGER NOT NULL,
    uri TEXT,
    url TEXT,
    in_reply_to_id INTEGER REFERENCES statuses (id) ON DELETE SET NULL,
    in_reply_to_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    in_reply_to_uri TEXT,
    reblog_of_id INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
    thread_id INTEGER NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    language TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    application_id INTEGER,
    publication_state TEXT NOT NULL DEFAULT 'internal'
        CHECK (publication_state IN ('internal', 'published', 'retracted')),
    publication_epoch INTEGER NOT NULL DEFAULT 0,
    published_edit_id INTEGER,
    published_at TEXT,
    created_at TEXT NOT NULL,
    edited_at TEXT,
    deleted_at TEXT
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id, account_id);
CREATE INDEX statuses_thread ON statuses (thread_id, id);
CREATE UNIQUE INDEX statuses_uri ON statuses (uri) WHERE uri IS NOT NULL;
CREATE INDEX statuses_public_local ON statuses (id) WHERE visibility = 'public' AND reblog_of_id IS NULL AND deleted_at IS NULL;
CREATE INDEX statuses_published ON statuses (account_id, id) WHERE publication_state = 'published';

-- Every revision, the first included: history for clients, and the approved
-- revision outsiders see.
CREATE TABLE status_edits (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    language TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE status_mentions (
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX status_mentions_account ON status_mentions (account_id, status_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE status_tags (
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE favourites (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);
CREATE UNIQUE INDEX favourites_uri ON favourites (uri) WHERE uri IS NOT NULL;

CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE status_pins (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE thread_mutes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);

-- Home timelines are written at post time (fan-out on write), so reading one
-- is an index range scan however many accounts are followed.
CREATE TABLE home_feed (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, status_id)
) WITHOUT ROWID;
CREATE INDEX home_feed_status ON home_feed (status_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    status_id INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, from_account_id, type, coalesce(status_id, 0))
    WHERE type IN ('favourite', 'reblog', 'follow', 'follow_request', 'mention', 'status', 'poll');

CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- Media: internal files live under an unguessable capability path
-- (capability_token, at least 128 bits, never derived from ids); a published
-- attachment gets a separate public_token, revoked on retraction.
CREATE TABLE media_attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id INTEGER REFERENCES statuses (id) ON DELETE SET NULL,
    position INTEGER NOT NULL DEFAULT 0,
    type TEXT NOT NULL CHECK (type IN ('image', 'gifv', 'video', 'audio', 'unknown')),
    capability_token TEXT UNIQUE,
    public_token TEXT UNIQUE,
    file_name TEXT,
    thumbnail_name TEXT,
    mime_type TEXT,
    remote_url TEXT,
    description TEXT,
    focus_x REAL NOT NULL DEFAULT 0,
    focus_y REAL NOT NULL DEFAULT 0,
    blurhash TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id, position);
CREATE INDEX media_attachments_account ON media_attachments (account_id, id);

CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    options TEXT NOT NULL,
    multiple INTEGER NOT NULL DEFAULT 0,
    hide_totals INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE poll_votes (
    id INTEGER PRIMARY KEY,
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice INTEGER NOT NULL,
    uri TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (poll_id, account_id, choice)
);
