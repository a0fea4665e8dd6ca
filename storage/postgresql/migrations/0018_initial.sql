-- The PostgreSQL schema: the SQLite migrations 0001-0018 as one, so both backends stand at version 18.
-- Times are to_db() text, as on SQLite, so that both backends share every statement.

-- Accounts of every kind share one table and one username namespace.
-- domain is NULL for local accounts; the unique index makes usernames
-- unique case-insensitively among local accounts, as Mastodon does.
CREATE TABLE accounts (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('employee', 'department', 'company', 'remote')),
    username TEXT NOT NULL,
    domain TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    public_note TEXT NOT NULL DEFAULT '',
    exposed BIGINT NOT NULL DEFAULT 0,
    locked BIGINT NOT NULL DEFAULT 0,
    avatar_path TEXT,
    header_path TEXT,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT,
    uri TEXT,
    url TEXT,
    inbox_url TEXT,
    shared_inbox_url TEXT,
    key_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((domain IS NULL) = (kind <> 'remote')),
    CHECK (kind = 'remote' OR private_key_pem IS NOT NULL)
);
CREATE UNIQUE INDEX accounts_local_username ON accounts (lower(username)) WHERE domain IS NULL;
CREATE UNIQUE INDEX accounts_remote_username ON accounts (lower(username), lower(domain)) WHERE domain IS NOT NULL;
CREATE UNIQUE INDEX accounts_uri ON accounts (uri) WHERE uri IS NOT NULL;

-- The sign-in side of employees.
CREATE TABLE users (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'publisher', 'admin')),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE department_members (
    department_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'publisher')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (department_id, account_id)
);
CREATE INDEX department_members_account ON department_members (account_id);

-- Tokens are stored as SHA-256 digests, so a leaked database holds no usable token.
CREATE TABLE oauth_applications (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE oauth_access_tokens (
    id BIGINT PRIMARY KEY,
    token_digest TEXT NOT NULL UNIQUE,
    application_id BIGINT REFERENCES oauth_applications (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX oauth_access_tokens_account ON oauth_access_tokens (account_id);

CREATE TABLE web_sessions (
    id BIGINT PRIMARY KEY,
    session_digest TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE instance_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- The social graph, statuses and what hangs off them.

CREATE TABLE follows (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    uri TEXT,
    show_reblogs BIGINT NOT NULL DEFAULT 1,
    notify BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id),
    CHECK (account_id <> target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, state);
CREATE UNIQUE INDEX follows_uri ON follows (uri) WHERE uri IS NOT NULL;

CREATE TABLE blocks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications BIGINT NOT NULL DEFAULT 1,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);

CREATE TABLE account_notes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

-- A status: local or remote, an original or a boost (reblog_of_id).
-- publication_state is the boundary: only 'published' statuses exist outside.
-- uri is the ActivityPub id: remote statuses have theirs; local ones get one
-- when published, with the publication epoch in it, so a retracted URI is
-- never reused.
CREATE TABLE statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local BIGINT NOT NULL,
    uri TEXT,
    url TEXT,
    in_reply_to_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    in_reply_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    in_reply_to_uri TEXT,
    reblog_of_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BIGINT NOT NULL DEFAULT 0,
    language TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    application_id BIGINT,
    publication_state TEXT NOT NULL DEFAULT 'internal'
        CHECK (publication_state IN ('internal', 'published', 'retracted')),
    publication_epoch BIGINT NOT NULL DEFAULT 0,
    published_edit_id BIGINT,
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
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BIGINT NOT NULL,
    language TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE status_mentions (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX status_mentions_account ON status_mentions (account_id, status_id);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE favourites (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);
CREATE UNIQUE INDEX favourites_uri ON favourites (uri) WHERE uri IS NOT NULL;

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE status_pins (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE thread_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);

-- Home timelines are written at post time (fan-out on write), so reading one
-- is an index range scan however many accounts are followed.
CREATE TABLE home_feed (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_status ON home_feed (status_id);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, from_account_id, type, coalesce(status_id, 0))
    WHERE type IN ('favourite', 'reblog', 'follow', 'follow_request', 'mention', 'status', 'poll');

CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- Media: internal files live under an unguessable capability path
-- (capability_token, at least 128 bits, never derived from ids); a published
-- attachment gets a separate public_token, revoked on retraction.
CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    position BIGINT NOT NULL DEFAULT 0,
    type TEXT NOT NULL CHECK (type IN ('image', 'gifv', 'video', 'audio', 'unknown')),
    capability_token TEXT UNIQUE,
    public_token TEXT UNIQUE,
    file_name TEXT,
    thumbnail_name TEXT,
    mime_type TEXT,
    remote_url TEXT,
    description TEXT,
    focus_x DOUBLE PRECISION NOT NULL DEFAULT 0,
    focus_y DOUBLE PRECISION NOT NULL DEFAULT 0,
    blurhash TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id, position);
CREATE INDEX media_attachments_account ON media_attachments (account_id, id);

CREATE TABLE polls (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    options TEXT NOT NULL,
    multiple BIGINT NOT NULL DEFAULT 0,
    hide_totals BIGINT NOT NULL DEFAULT 0,
    expires_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE poll_votes (
    id BIGINT PRIMARY KEY,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice BIGINT NOT NULL,
    uri TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (poll_id, account_id, choice)
);
-- Authorization codes of the OAuth code flow (RFC 6749 section 4.1), stored as
-- digests. A code is single use: used_at is set when it is redeemed, and a
-- second redemption revokes the tokens issued from it (section 4.1.2).
CREATE TABLE oauth_authorization_codes (
    id BIGINT PRIMARY KEY,
    code_digest TEXT NOT NULL UNIQUE,
    application_id BIGINT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    acting_as_account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT CHECK (code_challenge_method IS NULL OR code_challenge_method = 'S256'),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    CHECK ((code_challenge IS NULL) = (code_challenge_method IS NULL))
);
CREATE INDEX oauth_authorization_codes_account ON oauth_authorization_codes (account_id);

-- NULL acting_as_account_id means the token acts as its own account; otherwise
-- as the organisational account (company, department) it names.
ALTER TABLE oauth_access_tokens ADD COLUMN acting_as_account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE;
ALTER TABLE oauth_access_tokens ADD COLUMN authorization_code_id BIGINT
    REFERENCES oauth_authorization_codes (id) ON DELETE SET NULL;
CREATE INDEX oauth_access_tokens_code ON oauth_access_tokens (authorization_code_id)
    WHERE authorization_code_id IS NOT NULL;
-- Outbound deliveries: one row per (activity, inbox), drained by federation/delivery.
-- payload is the exact JSON bytes that get signed and sent, serialised once at enqueue.
-- Times are to_db() text (fixed-width UTC), so text comparison is time comparison.
CREATE TABLE deliveries (
    id BIGINT PRIMARY KEY,
    activity_uri TEXT NOT NULL,
    object_uri TEXT,
    actor_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_url TEXT NOT NULL,
    host TEXT NOT NULL,
    payload BYTEA NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'gone', 'expired')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    locked_by TEXT,
    last_status BIGINT,
    last_error TEXT,
    last_attempt_at TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX deliveries_activity_inbox ON deliveries (activity_uri, inbox_url);
-- The claim query walks due pending rows in next_attempt_at order.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
-- "Which inboxes got this status": Update/Delete/Undo go to the same inboxes.
CREATE INDEX deliveries_object ON deliveries (object_uri, state) WHERE object_uri IS NOT NULL;
CREATE INDEX deliveries_host_state ON deliveries (host, state);

-- Health of each remote host, shared by every worker process:
-- the circuit breaker (consecutive failures, open until) and Mastodon-style
-- unavailability (failures on N distinct UTC days with no success in between).
CREATE TABLE delivery_domains (
    host TEXT PRIMARY KEY,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    failure_days BIGINT NOT NULL DEFAULT 0,
    first_failure_at TEXT,
    last_failure_at TEXT,
    last_success_at TEXT,
    unavailable BIGINT NOT NULL DEFAULT 0,
    circuit_open_until TEXT
);
CREATE INDEX delivery_domains_unavailable ON delivery_domains (host) WHERE unavailable = 1;
-- Inbound federation: remote actor bookkeeping, the inbox queue, and what
-- remote servers tell us about our accounts (blocks and reports).

-- Remote actors only: the AS type, when we last fetched the document (the
-- cache TTL), whether the actor deleted itself, and a verified Move target.
ALTER TABLE accounts ADD COLUMN actor_type TEXT;
ALTER TABLE accounts ADD COLUMN fetched_at TEXT;
ALTER TABLE accounts ADD COLUMN deleted_at TEXT;
ALTER TABLE accounts ADD COLUMN moved_to_uri TEXT;
-- Every signed request looks its key up here first.
CREATE INDEX accounts_key_id ON accounts (key_id) WHERE key_id IS NOT NULL;

-- One row per verified inbound activity, stored raw before any handler runs.
-- dedupe_key is the activity id (or a body digest when there is none), so a
-- redelivery is a no-op. Times are to_db() text: text order is time order.
CREATE TABLE inbox_items (
    id BIGINT PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    activity_id TEXT,
    activity_type TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    key_id TEXT,
    recipient_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    note TEXT,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inbox_items_due ON inbox_items (next_attempt) WHERE state = 'pending';

-- A remote actor blocks one of ours: we stop showing them our published
-- content in their direction and never deliver to them for that account.
CREATE TABLE remote_blocks (
    actor_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    activity_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, target_id)
);
CREATE INDEX remote_blocks_target ON remote_blocks (target_id);

-- The moderation queue of Flags received from outside. Targets are only
-- local accounts and local object URIs (JSON arrays): a report never makes
-- us store or fetch anything else.
CREATE TABLE reports (
    id BIGINT PRIMARY KEY,
    activity_id TEXT,
    reporter_uri TEXT NOT NULL,
    reporter_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    comment TEXT NOT NULL DEFAULT '',
    target_account_ids TEXT NOT NULL DEFAULT '[]',
    target_object_uris TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX reports_activity ON reports (activity_id) WHERE activity_id IS NOT NULL;
-- What a staff member sets about their own account beyond 0001's columns:
-- profile flags, up to four profile fields, and posting/reading preferences.
-- One row per account, created on first change; absent means the defaults.
CREATE TABLE account_settings (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    bot BIGINT NOT NULL DEFAULT 0,
    discoverable BIGINT NOT NULL DEFAULT 1,
    hide_collections BIGINT NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '[]',
    default_visibility TEXT NOT NULL DEFAULT 'public'
        CHECK (default_visibility IN ('public', 'unlisted', 'private', 'direct')),
    default_sensitive BIGINT NOT NULL DEFAULT 0,
    default_language TEXT,
    expand_media TEXT NOT NULL DEFAULT 'default' CHECK (expand_media IN ('default', 'show_all', 'hide_all')),
    expand_spoilers BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- Where a client stopped reading (Mastodon's markers); version counts writes.
CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- Account search by username or display name prefix.
CREATE INDEX accounts_display_name ON accounts (lower(display_name));
CREATE INDEX follows_account ON follows (account_id, state, id);
-- Scheduled statuses, media reserved by them, and the expiry bookkeeping of polls.
-- media_attachments, polls and poll_votes themselves come from 0002.

CREATE TABLE scheduled_statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'published', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    last_error TEXT,
    idempotency_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at, id) WHERE state = 'scheduled';
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
CREATE UNIQUE INDEX scheduled_statuses_idempotency ON scheduled_statuses (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE media_attachments ADD COLUMN scheduled_status_id BIGINT
    REFERENCES scheduled_statuses (id) ON DELETE SET NULL;
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id)
    WHERE scheduled_status_id IS NOT NULL;

-- Set once the expiry was handled (notifications sent), so each poll closes exactly once.
ALTER TABLE polls ADD COLUMN closed_at TEXT;
CREATE INDEX polls_open ON polls (expires_at) WHERE closed_at IS NULL AND expires_at IS NOT NULL;

CREATE INDEX poll_votes_account ON poll_votes (account_id, poll_id);
-- Web Push: one subscription per access token (Mastodon's rule), and the pushes queued for them.
-- alerts is a JSON array of the enabled alert types. Times are to_db() text.
CREATE TABLE push_subscriptions (
    id BIGINT PRIMARY KEY,
    access_token_id BIGINT NOT NULL UNIQUE REFERENCES oauth_access_tokens (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '[]',
    policy TEXT NOT NULL DEFAULT 'all' CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    standard BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- One row per (subscription, notification); the payload is built when it is sent,
-- so a dismissed notification or a deleted subscription sends nothing.
CREATE TABLE push_deliveries (
    id BIGINT PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'gone', 'expired')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    locked_by TEXT,
    last_status BIGINT,
    last_error TEXT,
    last_attempt_at TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX push_deliveries_once ON push_deliveries (subscription_id, notification_id);
CREATE INDEX push_deliveries_due ON push_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX push_deliveries_notification ON push_deliveries (notification_id);
-- What staff arrange for themselves: lists, filters, followed tags, reports
-- to the admins, read marks of direct conversations, and the full-text index
-- search reads (visibility is still decided by the one VISIBLE rule).

CREATE TABLE lists (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- A member must be followed by the list's owner, as in Mastodon: the row
-- hangs off the follow, so unfollowing takes the account out of every list.
CREATE TABLE list_accounts (
    id BIGINT PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    follow_id BIGINT NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
    UNIQUE (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);
CREATE INDEX list_accounts_follow ON list_accounts (follow_id);

CREATE TABLE filters (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',
    filter_action TEXT NOT NULL DEFAULT 'warn' CHECK (filter_action IN ('warn', 'hide', 'blur')),
    expires_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    UNIQUE (filter_id, status_id)
);

CREATE TABLE tag_follows (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id);

-- Reports staff file from their clients (``reports`` holds the Flags that
-- arrive from outside). ``forward`` is only the reporter's request: nothing
-- leaves until an admin forwards it, which sets forwarded_at.
CREATE TABLE staff_reports (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    rule_ids TEXT NOT NULL DEFAULT '[]',
    forward BIGINT NOT NULL DEFAULT 0,
    forwarded_at TEXT,
    created_at TEXT NOT NULL,
    action_taken_at TEXT
);
CREATE INDEX staff_reports_open ON staff_reports (id) WHERE action_taken_at IS NULL;
CREATE INDEX staff_reports_target ON staff_reports (target_account_id);

-- Direct conversations are computed from direct statuses grouped by thread;
-- only what a participant did to one is stored: read up to, removed up to.
CREATE TABLE conversation_marks (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    read_up_to BIGINT NOT NULL DEFAULT 0,
    removed_up_to BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, thread_id)
);

CREATE INDEX statuses_direct_thread ON statuses (thread_id, id) WHERE visibility = 'direct' AND deleted_at IS NULL;

-- Full-text index of originals (not boosts): source text, or the sanitised
-- HTML of remote posts, which have no source; content warning; media
-- descriptions. One row per status, kept by triggers because it gathers two
-- tables; searched through a GIN index over its 'simple' tsvector.
CREATE TABLE status_search (
    status_id BIGINT PRIMARY KEY,
    body TEXT NOT NULL DEFAULT '',
    spoiler TEXT NOT NULL DEFAULT '',
    media TEXT NOT NULL DEFAULT '',
    document tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', body || ' ' || spoiler || ' ' || media)
    ) STORED
);
CREATE INDEX status_search_document ON status_search USING GIN (document);

CREATE FUNCTION status_search_media_of(target BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(description, ' '), '') FROM media_attachments WHERE status_id = target
$$;

CREATE FUNCTION status_search_from_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM status_search WHERE status_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.reblog_of_id IS NULL AND NEW.deleted_at IS NULL THEN
        INSERT INTO status_search (status_id, body, spoiler, media)
        VALUES (NEW.id, CASE WHEN NEW.text <> '' THEN NEW.text ELSE NEW.content END, NEW.spoiler_text,
                CASE WHEN TG_OP = 'UPDATE' THEN status_search_media_of(NEW.id) ELSE '' END);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER status_search_insert AFTER INSERT ON statuses
    FOR EACH ROW EXECUTE FUNCTION status_search_from_status();
CREATE TRIGGER status_search_update AFTER UPDATE OF text, content, spoiler_text, deleted_at ON statuses
    FOR EACH ROW EXECUTE FUNCTION status_search_from_status();
CREATE TRIGGER status_search_delete AFTER DELETE ON statuses
    FOR EACH ROW EXECUTE FUNCTION status_search_from_status();

CREATE FUNCTION status_search_from_media() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE status_search SET media = status_search_media_of(status_id)
    WHERE status_id = NEW.status_id OR (TG_OP = 'UPDATE' AND status_id = OLD.status_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER status_search_media AFTER UPDATE OF description, status_id ON media_attachments
    FOR EACH ROW EXECUTE FUNCTION status_search_from_media();
CREATE TRIGGER status_search_media_insert AFTER INSERT ON media_attachments
    FOR EACH ROW WHEN (NEW.status_id IS NOT NULL) EXECUTE FUNCTION status_search_from_media();

-- Every publication decision, append-only: who, when, which post, from which state to which, and why.
CREATE TABLE publication_log (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    announcers TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX publication_log_status ON publication_log (status_id, id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER publication_log_append_only_update BEFORE UPDATE ON publication_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE FUNCTION publication_log_append_only_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM statuses WHERE id = OLD.status_id) THEN
        RAISE EXCEPTION 'publication_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER publication_log_append_only_delete BEFORE DELETE ON publication_log
    FOR EACH ROW EXECUTE FUNCTION publication_log_append_only_delete_check();

-- Who announced which publication epoch of a status, so retraction can Undo each Announce.
CREATE TABLE status_announcers (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    epoch BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, epoch, account_id)
);
-- Accounts with very many local followers (an all-hands sender, the company): their posts are
-- merged into home timelines when read rather than written into thousands of feeds, so a post
-- reaches every follower at once and costs one row, however large the audience.
CREATE TABLE broadcast_accounts (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
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
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    original_name TEXT,
    small_name TEXT,
    width BIGINT,
    height BIGINT,
    small_width BIGINT,
    small_height BIGINT,
    blurhash TEXT,
    fetched_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX remote_files_shared_url ON remote_files (url) WHERE kind = 'image';
CREATE INDEX remote_files_due ON remote_files (next_attempt_at) WHERE state = 'pending';

CREATE TABLE preview_cards (
    id BIGINT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'link' CHECK (type IN ('link', 'photo', 'video', 'rich')),
    author_name TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    width BIGINT NOT NULL DEFAULT 0,
    height BIGINT NOT NULL DEFAULT 0,
    image_token TEXT REFERENCES remote_files (token) ON DELETE SET NULL,
    embed_url TEXT NOT NULL DEFAULT '',
    blurhash TEXT,
    language TEXT,
    fetched_at TEXT NOT NULL
);

CREATE TABLE status_cards (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    card_id BIGINT NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);

-- One pending fetch per status: only published local posts and remote posts
-- ever get a row (internal posts' links are never fetched).
CREATE TABLE card_fetches (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX card_fetches_due ON card_fetches (next_attempt_at) WHERE state = 'pending';
-- The review queue: nominated posts and pending revisions of published posts, waiting for a decision.
-- One open item (pending or scheduled) per status; decided items stay for the record.
CREATE TABLE review_items (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('publication', 'revision')),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'approved', 'declined', 'scheduled', 'superseded')),
    edit_id BIGINT NOT NULL,
    nominated_by TEXT NOT NULL,
    -- JSON account ids a decider chose; NULL means the default (the company and the addressed departments).
    announcers TEXT,
    scheduled_at TEXT,
    locked_until TEXT,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX review_items_open ON review_items (status_id) WHERE state IN ('pending', 'scheduled');
CREATE INDEX review_items_state ON review_items (state, id);
CREATE INDEX review_items_due ON review_items (scheduled_at, id) WHERE state = 'scheduled';

-- The publication log becomes the one audit log: queue decisions join publications there.
-- Rows written before (or by the publication service itself) have no action; readers derive it.
ALTER TABLE publication_log ADD COLUMN action TEXT;
ALTER TABLE publication_log ADD COLUMN detail TEXT;
CREATE INDEX publication_log_actor ON publication_log (actor, id);
-- Auto-publish: a trusted account's public posts (and public posts addressed to a trusted
-- department) are published the moment they are created. One row per account that an admin set;
-- an account without a row has the default: on for the company, off for everyone else.
CREATE TABLE auto_publish_policies (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    enabled BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    set_by TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every change of a policy, append-only: who trusted whom, when, and why.
CREATE TABLE policy_log (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    setting TEXT NOT NULL,
    value TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX policy_log_account ON policy_log (account_id, id);
CREATE TRIGGER policy_log_append_only_update BEFORE UPDATE ON policy_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE FUNCTION policy_log_append_only_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) THEN
        RAISE EXCEPTION 'policy_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER policy_log_append_only_delete BEFORE DELETE ON policy_log
    FOR EACH ROW EXECUTE FUNCTION policy_log_append_only_delete_check();

-- What a department's timeline shows: posts addressed to it, posts by its members, or both.
CREATE TABLE department_settings (
    department_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL DEFAULT 'both' CHECK (timeline IN ('mentions', 'members', 'both')),
    updated_at TEXT NOT NULL
);
-- Administration: the append-only log of admin actions, runtime federation policy, report outcomes.

-- Every admin action that is not a publication decision (those live in publication_log):
-- roles, offboarding, exposure, domain rules, report decisions. Append-only, like publication_log;
-- target_id is text because a target may be a domain as well as an id.
CREATE TABLE admin_actions (
    id BIGINT PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX admin_actions_target ON admin_actions (target_type, target_id, id);
CREATE INDEX admin_actions_action ON admin_actions (action, id);
CREATE TRIGGER admin_actions_append_only_update BEFORE UPDATE ON admin_actions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER admin_actions_append_only_delete BEFORE DELETE ON admin_actions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Domains admins allow or block at runtime, on top of the configuration file (which stays the
-- floor: a domain blocked there stays blocked). Hosts are stored normalised (lower case, punycode).
CREATE TABLE federation_domains (
    id BIGINT PRIMARY KEY,
    domain TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('allow', 'block')),
    private_comment TEXT,
    public_comment TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (domain, kind)
);

-- One row per runtime federation setting (today only 'mode').
CREATE TABLE federation_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Who closed a report, and for Flags when (staff_reports already has action_taken_at).
ALTER TABLE reports ADD COLUMN action_taken_at TEXT;
ALTER TABLE reports ADD COLUMN action_taken_by TEXT;
ALTER TABLE staff_reports ADD COLUMN action_taken_by TEXT;
-- Profile counters are counted on every page of statuses; this makes the statuses count and the
-- last-status lookup index-only scans (the follow counts already are).
CREATE INDEX statuses_account_live ON statuses (account_id, id) WHERE deleted_at IS NULL;
