-- Accounts with very many local followers (an all-hands sender, the company): their posts are
-- merged into home timelines when read rather than written into thousands of feeds, so a post
-- reaches every follower at once and costs one row, however large the audience.
CREATE TABLE broadcast_accounts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
