-- ============================================
-- Migration: 002 - Platform Billing Schema
-- ============================================
-- Purpose: Add billing and subscription management
--
-- Dependencies:
--   - 001_create_platform_schema.sql
--
-- Rollback:
--   See rollback-002.sql
-- ============================================

BEGIN;

-- Billing fields on existing tables
ALTER TABLE platform.organizations
    ADD COLUMN billing_plan TEXT NOT NULL DEFAULT 'free',
    ADD COLUMN billing_status TEXT NOT NULL DEFAULT 'active';

-- Subscription tracking
CREATE TABLE platform.subscriptions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES platform.organizations(id) ON DELETE CASCADE,
    plan TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    current_period_end TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Payment method storage (tokens only; card data never reaches us)
CREATE TABLE platform.payment_methods (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES platform.organizations(id) ON DELETE CASCADE,
    provider_token TEXT NOT NULL,
    brand TEXT,
    last4 TEXT CHECK (last4 ~ '^[0-9]{4}$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Invoice history
CREATE TABLE platform.invoices (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES platform.organizations(id) ON DELETE CASCADE,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency TEXT NOT NULL DEFAULT 'EUR',
    issued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid_at TIMESTAMPTZ
);

CREATE INDEX idx_subscriptions_organization_id ON platform.subscriptions(organization_id);
CREATE INDEX idx_payment_methods_organization_id ON platform.payment_methods(organization_id);
CREATE INDEX idx_invoices_organization_id_issued ON platform.invoices(organization_id, issued_at);

COMMIT;
