-- +goose Up
-- A period's first evaluation writes a row per business (100,000 at scale)
-- in one statement, and per-row work dominated it: three foreign-key checks
-- (each a query that also locks the parent row) and five indexes, together
-- about five times the cost of the heap insert. This migration keeps what
-- the reads need and checks the references once per statement instead.

-- References. The one writer of evaluations is the evaluation statement,
-- which takes business_id, exemption_id and rule_set_id from the rows it
-- joins in that same statement; and no business, exemption or rule set is
-- ever deleted (they are deactivated, revoked, superseded). What the
-- foreign keys still guarded, a delete, truncation or id change of a
-- referenced parent, is refused by a guard on the parents, which first
-- waits for any evaluation in progress and then looks in a new snapshot, so
-- that it sees that evaluation's rows. A snapshot only moves on in READ
-- COMMITTED, so the guard refuses to judge under any other isolation (and
-- the evaluation refuses to run under one: compliance.Evaluate).
ALTER TABLE evaluations
    DROP CONSTRAINT evaluations_business_id_fkey,
    DROP CONSTRAINT evaluations_rule_set_id_fkey,
    DROP CONSTRAINT evaluations_exemption_id_fkey;

-- +goose StatementBegin
CREATE FUNCTION evaluations_keep_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hit bigint;
BEGIN
    -- Only a statement that takes ids away has anything to check: most
    -- updates of a parent keep its id, and must not wait for an evaluation.
    IF TG_OP = 'UPDATE' THEN
        PERFORM 1 FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id);
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM old_rows;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION '% on table "%" must run in READ COMMITTED to check the evaluations that reference it',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'feature_not_supported';
    END IF;
    LOCK TABLE evaluations IN SHARE MODE;
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT e.%I FROM evaluations e WHERE e.%I IS NOT NULL LIMIT 1', TG_ARGV[0], TG_ARGV[0]) INTO hit;
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format('SELECT o.id FROM old_rows o JOIN evaluations e ON e.%I = o.id
                        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id) LIMIT 1', TG_ARGV[0]) INTO hit;
    ELSE
        EXECUTE format('SELECT o.id FROM old_rows o JOIN evaluations e ON e.%I = o.id LIMIT 1', TG_ARGV[0]) INTO hit;
    END IF;
    IF hit IS NOT NULL THEN
        RAISE EXCEPTION '% on table "%" violates the evaluations reference', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "evaluations".', hit);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER evaluations_keep_businesses AFTER DELETE ON businesses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('business_id');
CREATE TRIGGER evaluations_keep_business_ids AFTER UPDATE ON businesses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('business_id');
CREATE TRIGGER evaluations_keep_all_businesses BEFORE TRUNCATE ON businesses
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('business_id');
CREATE TRIGGER evaluations_keep_rule_sets AFTER DELETE ON rule_sets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('rule_set_id');
CREATE TRIGGER evaluations_keep_rule_set_ids AFTER UPDATE ON rule_sets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('rule_set_id');
CREATE TRIGGER evaluations_keep_all_rule_sets BEFORE TRUNCATE ON rule_sets
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('rule_set_id');
CREATE TRIGGER evaluations_keep_exemptions AFTER DELETE ON exemptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('exemption_id');
CREATE TRIGGER evaluations_keep_exemption_ids AFTER UPDATE ON exemptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('exemption_id');
CREATE TRIGGER evaluations_keep_all_exemptions BEFORE TRUNCATE ON exemptions
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_keep_parents('exemption_id');

-- Indexes. Kept: the primary key (findings point at it) and the unique
-- (business_id, period, rule_set_id), which also serves a business's
-- history, so evaluations_business_idx goes. Every other read takes a
-- whole period (the sanction list sorts a period's rows by shortfall; the
-- statistics, case opening and counts group them), and a period's rows are
-- written together by one statement: a BRIN index on period finds their
-- pages at almost no cost per insert, where the btree on (period, status,
-- business_id) cost a fifth of the write. The sanction list measured the
-- same with either (scripts/bench-outputs).
DROP INDEX evaluations_business_idx;
DROP INDEX evaluations_period_status_idx;
DROP INDEX evaluations_period_end_idx;
CREATE INDEX evaluations_period_brin ON evaluations USING brin (period);

-- The periods evaluated so far, one row per period and rule set, written by
-- the evaluation beside its rows: "the latest evaluated period" (the
-- default of lists and statistics) without an index over every evaluation.
CREATE TABLE evaluated_periods (
    period              text NOT NULL CHECK (period ~ '^[0-9]{4}-(Q[1-4]|S[12]|0[1-9]|1[0-2])$'),
    rule_set_id         bigint NOT NULL REFERENCES rule_sets (id),
    period_start        date NOT NULL,
    period_end          date NOT NULL,
    first_evaluated_at  timestamptz NOT NULL,
    PRIMARY KEY (period, rule_set_id),
    CONSTRAINT evaluated_periods_dates_ordered CHECK (period_end >= period_start)
);
CREATE INDEX evaluated_periods_latest_idx ON evaluated_periods (period_end DESC, period);

INSERT INTO evaluated_periods (period, rule_set_id, period_start, period_end, first_evaluated_at)
SELECT period, rule_set_id, min(period_start), min(period_end), min(computed_at)
FROM evaluations
GROUP BY period, rule_set_id;

-- +goose Down
DROP TABLE evaluated_periods;
DROP INDEX evaluations_period_brin;
CREATE INDEX evaluations_period_end_idx ON evaluations (period_end DESC, period);
CREATE INDEX evaluations_period_status_idx ON evaluations (period, status, business_id);
CREATE INDEX evaluations_business_idx ON evaluations (business_id, period_start);
DROP TRIGGER evaluations_keep_all_exemptions ON exemptions;
DROP TRIGGER evaluations_keep_exemption_ids ON exemptions;
DROP TRIGGER evaluations_keep_exemptions ON exemptions;
DROP TRIGGER evaluations_keep_all_rule_sets ON rule_sets;
DROP TRIGGER evaluations_keep_rule_set_ids ON rule_sets;
DROP TRIGGER evaluations_keep_rule_sets ON rule_sets;
DROP TRIGGER evaluations_keep_all_businesses ON businesses;
DROP TRIGGER evaluations_keep_business_ids ON businesses;
DROP TRIGGER evaluations_keep_businesses ON businesses;
DROP FUNCTION evaluations_keep_parents();
ALTER TABLE evaluations
    ADD CONSTRAINT evaluations_business_id_fkey FOREIGN KEY (business_id) REFERENCES businesses (id),
    ADD CONSTRAINT evaluations_rule_set_id_fkey FOREIGN KEY (rule_set_id) REFERENCES rule_sets (id),
    ADD CONSTRAINT evaluations_exemption_id_fkey FOREIGN KEY (exemption_id) REFERENCES exemptions (id);
