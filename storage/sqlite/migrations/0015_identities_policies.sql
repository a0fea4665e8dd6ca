-- Auto-publish: a trusted account's public posts (and public posts addressed to a trusted
-- department) are published the moment they are created. One row per account that an admin set;
-- an account without a row has the default: on for the company, off for everyone else.
CREATE TABLE auto_publish_policies (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    set_by TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every change of a policy, append-only: who trusted whom, when, and why.
CREATE TABLE policy_log (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    setting TEXT NOT NULL,
    value TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX policy_log_account ON policy_log (account_id, id);
CREATE TRIGGER policy_log_append_only_update BEFORE UPDATE ON policy_log
BEGIN SELECT RAISE(ABORT, 'policy_log is append-only'); END;
CREATE TRIGGER policy_log_append_only_delete BEFORE DELETE ON policy_log
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id)
BEGIN SELECT RAISE(ABORT, 'policy_log is append-only'); END;

-- What a department's timeline shows: posts addressed to it, posts by its members, or both.
CREATE TABLE department_settings (
    department_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL DEFAULT 'both' CHECK (timeline IN ('mentions', 'members', 'both')),
    updated_at TEXT NOT NULL
);
