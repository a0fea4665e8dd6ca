-- Email (server/services/mail/): who wants which mail, when each person was last seen by an app,
-- the outbox the mail worker drains, and the weekly digest's run per week.
--
-- mail_preferences: a row only where a person changed a kind's default (the defaults live in
-- server/services/mail/kinds.py), so a new kind needs no migration.
CREATE TABLE mail_preferences (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('mention', 'proposal_decision', 'important', 'digest')),
    enabled BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- "Away": the last time any app (API token, web session, open stream) was used by the person;
-- written at most once a minute per account and process.
CREATE TABLE account_presence (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    last_seen_at TEXT NOT NULL
);

-- One mail to one person, leased like deliveries. The content is rendered when queued; the
-- address and whether the person may still get it are asked again when it is sent (a person
-- deactivated since, or a kind switched off, cancels the row). dedupe_key keeps a mail from being
-- queued twice (a digest per week and person, an important post per person).
CREATE TABLE mail_outbox (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('mention', 'proposal_decision', 'important', 'digest')),
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    unsubscribe_url TEXT NOT NULL,
    notification_id BIGINT REFERENCES notifications (id) ON DELETE CASCADE,
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'cancelled', 'failed', 'expired')),
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
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_outbox_account ON mail_outbox (account_id, id);

-- The weekly digest: one row per ISO week, so it runs once whatever the number of workers; the
-- worker holding its lease queues one batch of people after after_account_id at a time.
CREATE TABLE mail_digest_runs (
    week TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    after_account_id BIGINT NOT NULL DEFAULT 0,
    queued BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    locked_by TEXT,
    finished_at TEXT
);
