-- Accounts of every kind share one table and one username namespace.
-- domain is NULL for local accounts; the unique index makes usernames
-- unique case-insensitively among local accounts, as Mastodon does.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('employee', 'department', 'company', 'remote')),
    username TEXT NOT NULL,
    domain TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    public_note TEXT NOT NULL DEFAULT '',
    exposed INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
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
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'publisher', 'admin')),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'publisher')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (department_id, account_id)
);
CREATE INDEX department_members_account ON department_members (account_id);

-- Tokens are stored as SHA-256 digests, so a leaked database holds no usable token.
CREATE TABLE oauth_applications (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE oauth_access_tokens (
    id INTEGER PRIMARY KEY,
    token_digest TEXT NOT NULL UNIQUE,
    application_id INTEGER REFERENCES oauth_applications (id) ON DELETE CASCADE,
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX oauth_access_tokens_account ON oauth_access_tokens (account_id);

CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY,
    session_digest TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE instance_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
