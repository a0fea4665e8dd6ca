-- Single sign-on (server/signin): who a person is at the organisation's identity provider, and
-- how they may sign in.
-- sso_subject: the provider's `sub`, set at the first sign-in that links the account; unique.
-- local_login: a break-glass account that keeps its password when [sso] password_login is false.
-- role_from_idp: the role was set by the provider's groups, so leaving the group takes it back;
--   a role set by the CLI or an admin (0) stays until changed there.
ALTER TABLE users ADD COLUMN sso_subject TEXT;
ALTER TABLE users ADD COLUMN local_login INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN role_from_idp INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_sso_subject ON users (sso_subject);

-- A sign-in between leaving for the provider and coming back: one row per `state`, taken (deleted)
-- by the callback, so a state is good once. Only digests of the state and of the browser binding
-- cookie are kept; the nonce and PKCE verifier are needed in clear to finish the flow.
CREATE TABLE sso_sign_ins (
    state_digest TEXT PRIMARY KEY,
    browser_digest TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sso_sign_ins_created ON sso_sign_ins (created_at);
