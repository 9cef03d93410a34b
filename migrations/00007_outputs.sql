-- +goose Up
-- What officials and the public see: the sanction list, statistics and the
-- public API read the compliance engine's tables; this migration adds only
-- what makes those reads fast at 100,000 businesses and 10 million purchases.

-- Counted purchases by date, for the per-period IKM figures (which IKM sold,
-- to how many businesses, for how much): a range scan answered from the
-- index alone. The evaluation's per-period grouping can use it too.
CREATE INDEX purchases_confirmed_date_idx ON purchases (purchase_date)
    INCLUDE (ikm_id, business_id, amount) WHERE status = 'confirmed';
-- "Has anything been counted since?": a confirmed purchase never leaves that
-- status (corrections are new reversing entries), so the confirmations since
-- a snapshot tell whether the snapshot is stale.
CREATE INDEX purchases_confirmed_at_idx ON purchases (confirmed_at)
    INCLUDE (purchase_date) WHERE status = 'confirmed';

-- The latest evaluated period, the sanction list's and statistics' default.
CREATE INDEX evaluations_period_end_idx ON evaluations (period_end DESC, period);

-- Per period and IKM: rupiah counted as bought from it and its number of
-- distinct partner businesses (an IKM counts for a business when what was
-- bought from it nets above zero, as in the evaluation). Derived data,
-- rebuilt from purchases whenever a snapshot is stale; never edited by hand.
CREATE TABLE ikm_activity_snapshots (
    period       text PRIMARY KEY CHECK (period ~ '^[0-9]{4}-(Q[1-4]|S[12]|0[1-9]|1[0-2])$'),
    period_start date NOT NULL,
    period_end   date NOT NULL,
    computed_at  timestamptz NOT NULL,
    CONSTRAINT ikm_activity_snapshots_dates_ordered CHECK (period_end >= period_start)
);

CREATE TABLE ikm_activity (
    period   text NOT NULL REFERENCES ikm_activity_snapshots (period) ON DELETE CASCADE,
    ikm_id   bigint NOT NULL REFERENCES ikms (id),
    amount   bigint NOT NULL,
    partners integer NOT NULL CHECK (partners >= 0),
    PRIMARY KEY (period, ikm_id)
);
-- The ten IKM with the most partners in a period.
CREATE INDEX ikm_activity_partners_idx ON ikm_activity (period, partners DESC, amount DESC);

-- +goose Down
DROP TABLE ikm_activity;
DROP TABLE ikm_activity_snapshots;
DROP INDEX evaluations_period_end_idx;
DROP INDEX purchases_confirmed_at_idx;
DROP INDEX purchases_confirmed_date_idx;
