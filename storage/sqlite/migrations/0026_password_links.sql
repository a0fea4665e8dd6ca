-- One-time links to set a password (server/services/password_links.py): an admin's invitation to a
-- new colleague, or a password reset handed over by an admin. Only the SHA-256 digest of the link's
-- token is kept. A link works once (used_at) and until expires_at; a new link for the same account
-- voids the older unused ones. created_by is the admin, as the audit log names them.
CREATE TABLE password_links (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    digest TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_links_account ON password_links (account_id);
