-- SCIM 2.0 provisioning (server/scim, server/services/provisioning.py): the identity provider
-- creates, changes and deprovisions people (Users) and departments (Groups).
--
-- A SCIM token, made by `insideout scim token create NAME`: only its SHA-256 digest is kept. It
-- reaches the SCIM endpoints and nothing else; a revoked token stays listed, with when.
CREATE TABLE scim_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);

-- What SCIM knows of an employee account beside the account itself. user_name is the provider's
-- (what `username_claim` carries at sign-in), unique ignoring case among the live ones; the account's
-- own username never changes. email: the work email, kept lower-cased for filters. resource: the
-- SCIM attributes as last written (JSON), so what the provider sent comes back. deleted_at: a SCIM
-- DELETE, which disables the account and answers 404 after; the account and its name stay.
CREATE TABLE scim_users (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    external_id TEXT,
    email TEXT,
    resource TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (lower(user_name)) WHERE deleted_at IS NULL;
CREATE INDEX scim_users_external_id ON scim_users (external_id);
CREATE INDEX scim_users_email ON scim_users (email);

-- A department the provider manages as a Group: its members are the SCIM users among the
-- department's members (members added here by the CLI or an admin are left alone).
CREATE TABLE scim_groups (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    external_id TEXT,
    resource TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (lower(display_name)) WHERE deleted_at IS NULL;
CREATE INDEX scim_groups_external_id ON scim_groups (external_id);
