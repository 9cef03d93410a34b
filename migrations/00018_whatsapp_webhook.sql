-- +goose Up
-- What WhatsApp's delivery-status webhook last said of a message it took:
-- delivered to the phone, or read. (A message it could not deliver becomes
-- failed, with WhatsApp's reason.)
ALTER TABLE outbox
    ADD COLUMN delivery_status text CONSTRAINT outbox_delivery_status_check CHECK (delivery_status IN ('delivered', 'read')),
    ADD COLUMN delivery_updated_at timestamptz;

-- +goose Down
ALTER TABLE outbox DROP COLUMN delivery_updated_at, DROP COLUMN delivery_status;
