-- Sign-in token buckets (storage/throttle.py), shared by every server process. A missing row is a
-- full bucket; rows idle for a whole period are full again and deleted by updated_at.
CREATE TABLE sign_in_buckets (
    key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX sign_in_buckets_updated ON sign_in_buckets (updated_at);
