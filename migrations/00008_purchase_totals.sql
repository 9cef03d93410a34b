-- +goose Up
-- What each business has bought, per period: the net rupiah of its counted
-- purchases (status 'confirmed'; a reversal is a negative entry) and the
-- number of IKM whose counted purchases net above zero, for every month,
-- quarter and semester it bought in. Triggers on purchases keep it exact in
-- the same transaction as every change, so the evaluation reads one row per
-- business instead of grouping a whole period's purchases each time it runs.
-- Derived data: never edited by hand, rebuilt below from purchases.
CREATE TABLE purchase_totals (
    period      text NOT NULL CHECK (period ~ '^[0-9]{4}-(Q[1-4]|S[12]|0[1-9]|1[0-2])$'),
    business_id bigint NOT NULL REFERENCES businesses (id),
    amount      bigint NOT NULL,
    ikm_count   integer NOT NULL CHECK (ikm_count >= 0),
    PRIMARY KEY (period, business_id)
);

-- The month, quarter and semester a date falls in, named as the
-- application names periods (2025-03, 2025-Q1, 2025-S1), with their first
-- and last days. One SELECT, so the planner inlines it.
-- +goose StatementBegin
CREATE FUNCTION purchase_periods(d date) RETURNS TABLE (period text, first_day date, last_day date)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT k.period, k.first_day, (k.first_day + make_interval(months => k.months))::date - 1
    FROM (SELECT to_char(d, 'YYYY') AS y, extract(year FROM d)::int AS yn, extract(month FROM d)::int AS m) t
    CROSS JOIN LATERAL (VALUES
        (to_char(d, 'YYYY-MM'), make_date(t.yn, t.m, 1), 1),
        (t.y || '-Q' || (t.m + 2) / 3, make_date(t.yn, (t.m - 1) / 3 * 3 + 1, 1), 3),
        (t.y || '-S' || (t.m + 5) / 6, make_date(t.yn, (t.m - 1) / 6 * 6 + 1, 1), 6)
    ) k (period, first_day, months)
$$;
-- +goose StatementEnd

-- The counted-amount changes of one statement on purchases, from its
-- transition tables, applied in two steps:
--   1. add each (period, business) amount change (every pair where some
--      IKM's amount changed, even when the changes cancel out), which
--      creates and locks the totals rows in a fixed order: a concurrent
--      change to the same business and period waits here until this
--      transaction ends;
--   2. with those rows locked, and in a new snapshot (so every change made
--      before the lock was taken is seen), read each touched IKM's net for
--      the period from purchases_counted_idx: it counts when the net is
--      above zero, so the count moves where the net crossed zero.
-- One statement can fire this more than once (INSERT … ON CONFLICT DO
-- UPDATE fires the insert and the update triggers; so can a query whose
-- CTEs change purchases in several ways), and every firing sees the nets
-- left by the whole statement: a later firing then counts its touched
-- business-periods' IKM afresh instead of moving the count (a
-- transaction-local setting names the statement that last ran this).
-- The transition tables differ per event, hence the spliced query.
-- +goose StatementBegin
CREATE FUNCTION purchase_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text;
    this_statement text := txid_current() || ' ' || statement_timestamp();
    again boolean;
BEGIN
    again := current_setting('kemitraan.purchase_totals_statement', true) IS NOT DISTINCT FROM this_statement;
    PERFORM set_config('kemitraan.purchase_totals_statement', this_statement, true);
    changes := CASE TG_OP
        WHEN 'INSERT' THEN
            $q$SELECT business_id, ikm_id, purchase_date, amount FROM new_rows WHERE status = 'confirmed'$q$
        WHEN 'DELETE' THEN
            $q$SELECT business_id, ikm_id, purchase_date, -amount FROM old_rows WHERE status = 'confirmed'$q$
        ELSE
            $q$SELECT business_id, ikm_id, purchase_date, amount FROM new_rows WHERE status = 'confirmed'
               UNION ALL
               SELECT business_id, ikm_id, purchase_date, -amount FROM old_rows WHERE status = 'confirmed'$q$
    END;
    EXECUTE format($q$
        WITH c (business_id, ikm_id, purchase_date, amount) AS (%s),
        d AS (
            SELECT k.period, c.business_id, c.ikm_id, sum(c.amount) AS delta
            FROM c CROSS JOIN LATERAL purchase_periods(c.purchase_date) k
            GROUP BY k.period, c.business_id, c.ikm_id
            HAVING sum(c.amount) <> 0
        )
        INSERT INTO purchase_totals AS t (period, business_id, amount, ikm_count)
        SELECT period, business_id, sum(delta), 0 FROM d
        GROUP BY period, business_id
        ORDER BY period, business_id
        ON CONFLICT (period, business_id) DO UPDATE SET amount = t.amount + excluded.amount$q$, changes);
    IF again THEN
        EXECUTE format($q$
            WITH c (business_id, ikm_id, purchase_date, amount) AS (%s),
            d AS (
                SELECT k.period, k.first_day, k.last_day, c.business_id
                FROM c CROSS JOIN LATERAL purchase_periods(c.purchase_date) k
                GROUP BY k.period, k.first_day, k.last_day, c.business_id, c.ikm_id
                HAVING sum(c.amount) <> 0
            ),
            n AS (
                SELECT DISTINCT d.period, d.business_id,
                       (SELECT count(*) FROM (
                            SELECT 1 FROM purchases p
                            WHERE p.business_id = d.business_id AND p.status = 'confirmed'
                              AND p.purchase_date BETWEEN d.first_day AND d.last_day
                            GROUP BY p.ikm_id HAVING sum(p.amount) > 0) counted) AS ikm_count
                FROM d
            )
            UPDATE purchase_totals t SET ikm_count = n.ikm_count
            FROM n WHERE t.period = n.period AND t.business_id = n.business_id$q$, changes);
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        WITH c (business_id, ikm_id, purchase_date, amount) AS (%s),
        d AS (
            SELECT k.period, k.first_day, k.last_day, c.business_id, c.ikm_id, sum(c.amount) AS delta
            FROM c CROSS JOIN LATERAL purchase_periods(c.purchase_date) k
            GROUP BY k.period, k.first_day, k.last_day, c.business_id, c.ikm_id
            HAVING sum(c.amount) <> 0
        ),
        net AS (
            SELECT d.period, d.business_id, d.delta, coalesce(sum(p.amount), 0) AS amount
            FROM d
            LEFT JOIN purchases p ON p.business_id = d.business_id AND p.ikm_id = d.ikm_id
                 AND p.status = 'confirmed' AND p.purchase_date BETWEEN d.first_day AND d.last_day
            GROUP BY d.period, d.business_id, d.ikm_id, d.delta
        ),
        n AS (
            SELECT period, business_id,
                   sum(CASE WHEN amount > 0 AND amount - delta <= 0 THEN 1
                            WHEN amount <= 0 AND amount - delta > 0 THEN -1
                            ELSE 0 END) AS moved
            FROM net
            GROUP BY period, business_id
        )
        UPDATE purchase_totals t SET ikm_count = t.ikm_count + n.moved
        FROM n WHERE t.period = n.period AND t.business_id = n.business_id AND n.moved <> 0$q$, changes);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION purchase_totals_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE purchase_totals;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The per-IKM net above needs a business's counted purchases by IKM and
-- date. The evaluation, the main reader of the old (business, date) order,
-- now reads purchase_totals; the cure check, which reads one business at a
-- time, still finds its counted purchases by business first (a business has
-- some hundreds a year).
DROP INDEX purchases_counted_idx;
CREATE INDEX purchases_counted_idx ON purchases (business_id, ikm_id, purchase_date)
    INCLUDE (amount) WHERE status = 'confirmed';

CREATE TRIGGER purchase_totals_insert AFTER INSERT ON purchases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION purchase_totals_apply();
CREATE TRIGGER purchase_totals_update AFTER UPDATE ON purchases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION purchase_totals_apply();
CREATE TRIGGER purchase_totals_delete AFTER DELETE ON purchases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION purchase_totals_apply();
CREATE TRIGGER purchase_totals_truncate AFTER TRUNCATE ON purchases
    FOR EACH STATEMENT EXECUTE FUNCTION purchase_totals_clear();

-- The totals of the purchases already recorded.
SET LOCAL work_mem = '256MB';
INSERT INTO purchase_totals (period, business_id, amount, ikm_count)
SELECT n.period, n.business_id, sum(n.net), count(*) FILTER (WHERE n.net > 0)
FROM (SELECT k.period, p.business_id, p.ikm_id, sum(p.amount) AS net
      FROM purchases p CROSS JOIN LATERAL purchase_periods(p.purchase_date) k
      WHERE p.status = 'confirmed'
      GROUP BY k.period, p.business_id, p.ikm_id) n
GROUP BY n.period, n.business_id;

-- +goose Down
DROP TRIGGER purchase_totals_truncate ON purchases;
DROP TRIGGER purchase_totals_delete ON purchases;
DROP TRIGGER purchase_totals_update ON purchases;
DROP TRIGGER purchase_totals_insert ON purchases;
DROP INDEX purchases_counted_idx;
CREATE INDEX purchases_counted_idx ON purchases (business_id, purchase_date)
    INCLUDE (amount, ikm_id) WHERE status = 'confirmed';
DROP FUNCTION purchase_totals_clear();
DROP FUNCTION purchase_totals_apply();
DROP FUNCTION purchase_periods(date);
DROP TABLE purchase_totals;
