-- +goose Up
-- Messages leave on the channel that reaches the person (e-mail or
-- WhatsApp; a WhatsApp template message carries its body's parameters),
-- and their status says what happened: sending while a sender
-- holds them, sent only when a channel accepted them (with the channel's
-- message id), logged when development wrote them to the log, cancelled
-- when their reason was gone before they left (with why).
ALTER TABLE outbox
    ADD COLUMN channel text NOT NULL DEFAULT 'email' CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'whatsapp')),
    ADD COLUMN params text[] NOT NULL DEFAULT '{}',
    ADD COLUMN provider_message_id text,
    ADD COLUMN claimed_at timestamptz,
    ADD COLUMN cancel_reason text NOT NULL DEFAULT '',
    DROP CONSTRAINT outbox_status_check,
    ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'logged', 'failed', 'cancelled')),
    DROP CONSTRAINT outbox_sent_has_time,
    ADD CONSTRAINT outbox_sent_has_time CHECK (status NOT IN ('sent', 'logged') OR sent_at IS NOT NULL),
    ADD CONSTRAINT outbox_sending_is_claimed CHECK (status <> 'sending' OR claimed_at IS NOT NULL);
-- Claims a sender left behind (it stopped mid-batch), found at its next run.
CREATE INDEX outbox_sending_idx ON outbox (claimed_at) WHERE status = 'sending';
-- A delivery status from WhatsApp finds its message by the channel's id.
CREATE UNIQUE INDEX outbox_provider_message_idx ON outbox (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- An IKM agrees to receive WhatsApp messages on its mobile number (the
-- time it agreed); NULL: it has not, or it stopped them.
ALTER TABLE ikms ADD COLUMN whatsapp_consent_at timestamptz;

-- +goose Down
ALTER TABLE ikms DROP COLUMN whatsapp_consent_at;
DROP INDEX outbox_provider_message_idx;
DROP INDEX outbox_sending_idx;
UPDATE outbox SET status = 'pending' WHERE status = 'sending';
UPDATE outbox SET status = 'sent' WHERE status = 'logged';
UPDATE outbox SET status = 'failed' WHERE status = 'cancelled';
ALTER TABLE outbox
    DROP CONSTRAINT outbox_sending_is_claimed,
    DROP CONSTRAINT outbox_sent_has_time,
    ADD CONSTRAINT outbox_sent_has_time CHECK (status <> 'sent' OR sent_at IS NOT NULL),
    DROP CONSTRAINT outbox_status_check,
    ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'failed')),
    DROP COLUMN cancel_reason,
    DROP COLUMN claimed_at,
    DROP COLUMN provider_message_id,
    DROP COLUMN params,
    DROP COLUMN channel;
