-- depends: 001_accounts
-- plan: no-transaction
-- Description: one account per address, built without blocking sign-ups
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_unique ON accounts (lower(email));
