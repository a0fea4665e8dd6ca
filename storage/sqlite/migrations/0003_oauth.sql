-- Authorization codes of the OAuth code flow (RFC 6749 section 4.1), stored as
-- digests. A code is single use: used_at is set when it is redeemed, and a
-- second redemption revokes the tokens issued from it (section 4.1.2).
CREATE TABLE oauth_authorization_codes (
    id INTEGER PRIMARY KEY,
    code_digest TEXT NOT NULL UNIQUE,
    application_id INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    acting_as_account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
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
ALTER TABLE oauth_access_tokens ADD COLUMN acting_as_account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE;
ALTER TABLE oauth_access_tokens ADD COLUMN authorization_code_id INTEGER
    REFERENCES oauth_authorization_codes (id) ON DELETE SET NULL;
CREATE INDEX oauth_access_tokens_code ON oauth_access_tokens (authorization_code_id)
    WHERE authorization_code_id IS NOT NULL;
