-- depends: 001_accounts
-- Description: a row per signed-in browser
CREATE TABLE sessions (
    token text PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
