-- Remote files we proxy (attachments of remote posts, remote avatars and
-- headers, preview-card images), preview cards, and the queue of card fetches.
--
-- Clients never load a partner's URL: they load /media/proxy/<token>/<size>,
-- and the server fetches, re-encodes and caches the file under
-- <data_dir>/cache/remote/<token>/. A token is 192 random bits, never derived
-- from ids. An attachment's token is also its media_attachments.capability_token.

CREATE TABLE remote_files (
    token TEXT PRIMARY KEY,
    -- 'attachment': one row per remote attachment; 'image': avatars, headers
    -- and card images, shared by URL.
    kind TEXT NOT NULL CHECK (kind IN ('attachment', 'image')),
    url TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'cached', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    original_name TEXT,
    small_name TEXT,
    width INTEGER,
    height INTEGER,
    small_width INTEGER,
    small_height INTEGER,
    blurhash TEXT,
    fetched_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX remote_files_shared_url ON remote_files (url) WHERE kind = 'image';
CREATE INDEX remote_files_due ON remote_files (next_attempt_at) WHERE state = 'pending';

CREATE TABLE preview_cards (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'link' CHECK (type IN ('link', 'photo', 'video', 'rich')),
    author_name TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    image_token TEXT REFERENCES remote_files (token) ON DELETE SET NULL,
    embed_url TEXT NOT NULL DEFAULT '',
    blurhash TEXT,
    language TEXT,
    fetched_at TEXT NOT NULL
);

CREATE TABLE status_cards (
    status_id INTEGER PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    card_id INTEGER NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);

-- One pending fetch per status: only published local posts and remote posts
-- ever get a row (internal posts' links are never fetched).
CREATE TABLE card_fetches (
    status_id INTEGER PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX card_fetches_due ON card_fetches (next_attempt_at) WHERE state = 'pending';
