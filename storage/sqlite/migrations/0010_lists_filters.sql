-- What staff arrange for themselves: lists, filters, followed tags, reports
-- to the admins, read marks of direct conversations, and the full-text index
-- search reads (visibility is still decided by the one VISIBLE rule).

CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- A member must be followed by the list's owner, as in Mastodon: the row
-- hangs off the follow, so unfollowing takes the account out of every list.
CREATE TABLE list_accounts (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    follow_id INTEGER NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
    UNIQUE (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);
CREATE INDEX list_accounts_follow ON list_accounts (follow_id);

CREATE TABLE filters (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',
    filter_action TEXT NOT NULL DEFAULT 'warn' CHECK (filter_action IN ('warn', 'hide', 'blur')),
    expires_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    UNIQUE (filter_id, status_id)
);

CREATE TABLE tag_follows (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id);

-- Reports staff file from their clients (``reports`` holds the Flags that
-- arrive from outside). ``forward`` is only the reporter's request: nothing
-- leaves until an admin forwards it, which sets forwarded_at.
CREATE TABLE staff_reports (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    rule_ids TEXT NOT NULL DEFAULT '[]',
    forward INTEGER NOT NULL DEFAULT 0,
    forwarded_at TEXT,
    created_at TEXT NOT NULL,
    action_taken_at TEXT
);
CREATE INDEX staff_reports_open ON staff_reports (id) WHERE action_taken_at IS NULL;
CREATE INDEX staff_reports_target ON staff_reports (target_account_id);

-- Direct conversations are computed from direct statuses grouped by thread;
-- only what a participant did to one is stored: read up to, removed up to.
CREATE TABLE conversation_marks (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id INTEGER NOT NULL,
    read_up_to INTEGER NOT NULL DEFAULT 0,
    removed_up_to INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, thread_id)
) WITHOUT ROWID;

CREATE INDEX statuses_direct_thread ON statuses (thread_id, id) WHERE visibility = 'direct' AND deleted_at IS NULL;

-- Full-text index of originals (not boosts): source text, or the sanitised
-- HTML of remote posts, which have no source; content warning; media
-- descriptions. rowid = statuses.id. A plain FTS5 table kept by triggers,
-- because one row gathers two tables (an external-content table would need
-- the exact old values to delete, which a media trigger does not have).
CREATE VIRTUAL TABLE status_search USING fts5 (body, spoiler, media, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER status_search_insert AFTER INSERT ON statuses
WHEN new.reblog_of_id IS NULL AND new.deleted_at IS NULL BEGIN
    INSERT INTO status_search (rowid, body, spoiler, media)
    VALUES (new.id, CASE WHEN new.text <> '' THEN new.text ELSE new.content END, new.spoiler_text, '');
END;

CREATE TRIGGER status_search_update AFTER UPDATE OF text, content, spoiler_text, deleted_at ON statuses
WHEN new.reblog_of_id IS NULL BEGIN
    DELETE FROM status_search WHERE rowid = old.id;
    INSERT INTO status_search (rowid, body, spoiler, media)
    SELECT new.id, CASE WHEN new.text <> '' THEN new.text ELSE new.content END, new.spoiler_text,
        coalesce((SELECT group_concat(description, ' ') FROM media_attachments WHERE status_id = new.id), '')
    WHERE new.deleted_at IS NULL;
END;

CREATE TRIGGER status_search_delete AFTER DELETE ON statuses BEGIN
    DELETE FROM status_search WHERE rowid = old.id;
END;

CREATE TRIGGER status_search_media AFTER UPDATE OF description, status_id ON media_attachments BEGIN
    UPDATE status_search SET media = coalesce(
        (SELECT group_concat(description, ' ') FROM media_attachments WHERE status_id = status_search.rowid), '')
    WHERE rowid IN (new.status_id, old.status_id);
END;

CREATE TRIGGER status_search_media_insert AFTER INSERT ON media_attachments
WHEN new.status_id IS NOT NULL BEGIN
    UPDATE status_search SET media = coalesce(
        (SELECT group_concat(description, ' ') FROM media_attachments WHERE status_id = status_search.rowid), '')
    WHERE rowid = new.status_id;
END;

INSERT INTO status_search (rowid, body, spoiler, media)
SELECT s.id, CASE WHEN s.text <> '' THEN s.text ELSE s.content END, s.spoiler_text,
    coalesce((SELECT group_concat(m.description, ' ') FROM media_attachments m WHERE m.status_id = s.id), '')
FROM statuses s WHERE s.reblog_of_id IS NULL AND s.deleted_at IS NULL;
