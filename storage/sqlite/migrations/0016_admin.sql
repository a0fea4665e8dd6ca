-- Administration: the append-only log of admin actions, runtime federation policy, report outcomes.

-- Every admin action that is not a publication decision (those live in publication_log):
-- roles, offboarding, exposure, domain rules, report decisions. Append-only, like publication_log;
-- target_id is text because a target may be a domain as well as an id.
CREATE TABLE admin_actions (
    id INTEGER PRIMARY KEY,
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
BEGIN SELECT RAISE(ABORT, 'admin_actions is append-only'); END;
CREATE TRIGGER admin_actions_append_only_delete BEFORE DELETE ON admin_actions
BEGIN SELECT RAISE(ABORT, 'admin_actions is append-only'); END;

-- Domains admins allow or block at runtime, on top of the configuration file (which stays the
-- floor: a domain blocked there stays blocked). Hosts are stored normalised (lower case, punycode).
CREATE TABLE federation_domains (
    id INTEGER PRIMARY KEY,
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
