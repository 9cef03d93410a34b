-- +goose Up
-- The officers' queue of purchases still awaiting the IKM's answer, by how
-- soon (or how long ago) the answer was due: only those rows, in deadline
-- order.
CREATE INDEX purchases_awaiting_idx ON purchases (confirm_by) WHERE status = 'reported';

-- +goose Down
DROP INDEX purchases_awaiting_idx;
