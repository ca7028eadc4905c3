-- Rollback for migration 002
BEGIN;

DROP TABLE IF EXISTS platform.invoices;
DROP TABLE IF EXISTS platform.payment_methods;
DROP TABLE IF EXISTS platform.subscriptions;

ALTER TABLE platform.organizations
    DROP COLUMN IF EXISTS billing_plan,
    DROP COLUMN IF EXISTS billing_status;

COMMIT;
