-- +goose Up
-- Payment terms. A purchase now carries when it must be paid (its terms in
-- days: the approved agreement's, else the rule set's payment_due_days),
-- whether it is a consignment delivery (titip jual: paid only once the
-- goods sell), the date the company says it paid, and the IKM's own word
-- on payment: paid, unpaid, or partly paid with the amount received. An IKM
-- that says "unpaid" (or "partly") on a purchase the company marked paid
-- opens a payment dispute, which an officer resolves.
--
-- paid_on is the one answer every reader uses: the day the purchase counts
-- as paid, NULL while it does not. The IKM's word outweighs the company's
-- report; an officer's resolution outweighs both:
--   * resolved "paid" by an officer: the company's date;
--   * the IKM says paid: the company's date, else the day the IKM says;
--   * the IKM has not spoken: the company's date (an undisputed report);
--   * the IKM says unpaid or partly paid: not paid.
ALTER TABLE agreements
    ADD COLUMN payment_days integer CHECK (payment_days BETWEEN 0 AND 180),
    ADD COLUMN consignment boolean NOT NULL DEFAULT false;

ALTER TABLE purchases
    ADD COLUMN payment_days integer NOT NULL DEFAULT 30 CHECK (payment_days BETWEEN 0 AND 180),
    ADD COLUMN due_date date GENERATED ALWAYS AS (purchase_date + payment_days) STORED,
    ADD COLUMN consignment boolean NOT NULL DEFAULT false,
    ADD COLUMN ikm_payment text CHECK (ikm_payment IN ('paid', 'unpaid', 'partial')),
    ADD COLUMN ikm_paid_amount bigint,
    ADD COLUMN ikm_payment_on date,
    ADD COLUMN ikm_payment_at timestamptz,
    ADD COLUMN payment_resolution text CHECK (payment_resolution IN ('paid', 'unpaid')),
    ADD COLUMN payment_resolved_at timestamptz,
    ADD COLUMN payment_resolved_by bigint,
    ADD COLUMN payment_resolution_reason text NOT NULL DEFAULT '',
    ADD COLUMN paid_on date GENERATED ALWAYS AS (CASE
        WHEN payment_resolution = 'paid' THEN paid_date
        WHEN ikm_payment = 'paid' THEN coalesce(paid_date, ikm_payment_on)
        WHEN ikm_payment IS NULL THEN paid_date
    END) STORED,
    ADD CONSTRAINT purchases_ikm_payment_has_time CHECK
        (ikm_payment IS NULL OR (ikm_payment_on IS NOT NULL AND ikm_payment_at IS NOT NULL)),
    ADD CONSTRAINT purchases_partial_amount CHECK
        ((ikm_payment = 'partial') = (ikm_paid_amount IS NOT NULL)
         AND (ikm_paid_amount IS NULL OR (ikm_paid_amount > 0 AND ikm_paid_amount < abs(amount)))),
    ADD CONSTRAINT purchases_payment_resolved_has_reason CHECK
        (payment_resolution IS NULL OR (payment_resolved_at IS NOT NULL AND btrim(payment_resolution_reason) <> '')),
    ADD CONSTRAINT purchases_ikm_paid_after_purchase CHECK (ikm_payment_on IS NULL OR ikm_payment_on >= purchase_date);

-- An open payment dispute: the company says paid, the IKM says not (or
-- not all), no officer has decided. The officers' queue reads this.
CREATE INDEX purchases_payment_dispute_idx ON purchases (ikm_payment_at, id)
    WHERE ikm_payment IN ('unpaid', 'partial') AND paid_date IS NOT NULL AND payment_resolution IS NULL;
-- What a business still owes: its confirmed, unpaid purchases by due date
-- (its home page, the reminders).
CREATE INDEX purchases_unpaid_idx ON purchases (business_id, due_date)
    WHERE status = 'confirmed' AND paid_on IS NULL AND reverses_id IS NULL;

-- A reminder to the company of a purchase coming due or past due, once
-- per purchase and stage.
CREATE TABLE payment_reminders (
    purchase_id bigint NOT NULL REFERENCES purchases (id) ON DELETE CASCADE,
    stage       text NOT NULL CHECK (stage IN ('coming_due', 'past_due')),
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (purchase_id, stage)
);

-- Days from purchase to payment, per period and business category, kept
-- with each period's IKM activity snapshot (00007), rebuilt with it: the
-- median over counted purchases (not corrections) paid so far, how many
-- there were and how many businesses made them (statistics suppress small
-- groups). category '' is all of them.
CREATE TABLE payment_delays (
    period     text NOT NULL REFERENCES ikm_activity_snapshots (period) ON DELETE CASCADE,
    category   text NOT NULL,
    paid       bigint NOT NULL CHECK (paid >= 0),
    businesses bigint NOT NULL CHECK (businesses >= 0),
    median_days numeric(8, 1),
    PRIMARY KEY (period, category)
);

-- The report due date of the period that ends on last_day: the report_due_day
-- (of the rule set in force on that day; 15, the shipped one's, before any)
-- of the month after. A purchase counts as paid for a period when it was paid
-- by then.
-- +goose StatementBegin
CREATE FUNCTION purchase_report_due(last_day date) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (date_trunc('month', last_day + 1)::date
            + coalesce((SELECT (r.body->>'report_due_day')::int FROM rule_sets r
                        WHERE r.effective_from <= last_day ORDER BY r.effective_from DESC LIMIT 1), 15) - 1)
$$;
-- +goose StatementEnd

-- purchase_totals learns payment. Per business and period (D: the period's
-- report due date):
--   amount, ikm_count            what counts under counts_when: confirmed —
--                                confirmed purchases, a consignment one only
--                                once paid by D;
--   paid_amount, paid_ikm_count  what counts under counts_when: paid —
--                                confirmed purchases paid by D;
--   on_time_amount               paid by their due date (and by D);
--   late_amount                  paid after their due date, by D;
--   overdue_amount               not paid by D, and due before D.
-- A count is of IKM whose purchases so counted net above zero.
ALTER TABLE purchase_totals
    ADD COLUMN paid_amount bigint NOT NULL DEFAULT 0,
    ADD COLUMN paid_ikm_count integer NOT NULL DEFAULT 0 CHECK (paid_ikm_count >= 0),
    ADD COLUMN on_time_amount bigint NOT NULL DEFAULT 0,
    ADD COLUMN late_amount bigint NOT NULL DEFAULT 0,
    ADD COLUMN overdue_amount bigint NOT NULL DEFAULT 0;

-- An evaluation whose rule set makes the share paid on time a metric
-- (minimum_paid_on_time_percent) records the ratio to that minimum. How a
-- business paid (on time, late, unpaid past due at the report due date) is
-- read from purchase_totals beside the evaluation, not copied into its
-- 100,000 rows per period.
ALTER TABLE evaluations ADD COLUMN ratio_paid_on_time numeric(12, 4);

-- The per-IKM nets read paid_on and consignment beside the amount.
DROP INDEX purchases_counted_idx;
CREATE INDEX purchases_counted_idx ON purchases (business_id, ikm_id, purchase_date)
    INCLUDE (amount, consignment, paid_on) WHERE status = 'confirmed';

-- The same trigger as 00011's, over the contributions above: each changed
-- confirmed row gives, per period it falls in, its amount to each column
-- whose condition it meets there (old rows negated), and the counts move
-- where a net crosses zero. See 00008 for the two steps and the statement
-- that fires it twice.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION purchase_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text;
    this_statement text;
    again boolean;
    orphan record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'INSERT on table "purchases" must run in READ COMMITTED to check its businesses and IKM'
                USING ERRCODE = 'feature_not_supported';
        END IF;
        SELECT (array_agg(n.business_id) FILTER (WHERE b.id IS NULL))[1] AS business_id,
               (array_agg(n.ikm_id) FILTER (WHERE i.id IS NULL))[1] AS ikm_id,
               bool_or(n.status = 'confirmed') AS counted INTO orphan
        FROM new_rows n
        LEFT JOIN businesses b ON b.id = n.business_id
        LEFT JOIN ikms i ON i.id = n.ikm_id;
        IF orphan.business_id IS NOT NULL OR orphan.ikm_id IS NOT NULL THEN
            RAISE EXCEPTION 'insert on table "purchases" violates its % reference',
                    CASE WHEN orphan.business_id IS NOT NULL THEN 'businesses' ELSE 'ikms' END
                USING ERRCODE = 'foreign_key_violation',
                      CONSTRAINT = CASE WHEN orphan.business_id IS NOT NULL
                          THEN 'purchases_business_id_fkey' ELSE 'purchases_ikm_id_fkey' END,
                      DETAIL = CASE WHEN orphan.business_id IS NOT NULL
                          THEN format('Key (business_id)=(%s) is not present in table "businesses".', orphan.business_id)
                          ELSE format('Key (ikm_id)=(%s) is not present in table "ikms".', orphan.ikm_id) END;
        END IF;
        IF NOT coalesce(orphan.counted, false) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM FROM old_rows WHERE status = 'confirmed' LIMIT 1;
    ELSE
        PERFORM FROM (SELECT FROM new_rows WHERE status = 'confirmed'
                      UNION ALL SELECT FROM old_rows WHERE status = 'confirmed') counted LIMIT 1;
    END IF;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    this_statement := txid_current() || ' ' || statement_timestamp();
    again := current_setting('kemitraan.purchase_totals_statement', true) IS NOT DISTINCT FROM this_statement;
    PERFORM set_config('kemitraan.purchase_totals_statement', this_statement, true);
    changes := CASE TG_OP
        WHEN 'INSERT' THEN
            $q$SELECT business_id, ikm_id, purchase_date, amount, consignment, paid_on, due_date
               FROM new_rows WHERE status = 'confirmed'$q$
        WHEN 'DELETE' THEN
            $q$SELECT business_id, ikm_id, purchase_date, -amount, consignment, paid_on, due_date
               FROM old_rows WHERE status = 'confirmed'$q$
        ELSE
            $q$SELECT business_id, ikm_id, purchase_date, amount, consignment, paid_on, due_date
               FROM new_rows WHERE status = 'confirmed'
               UNION ALL
               SELECT business_id, ikm_id, purchase_date, -amount, consignment, paid_on, due_date
               FROM old_rows WHERE status = 'confirmed'$q$
    END;
    -- v: each change's contributions per period; d: their sums per IKM.
    changes := format($q$
        c (business_id, ikm_id, purchase_date, amount, consignment, paid_on, due_date) AS (%s),
        -- The periods of each date the statement touched and their due
        -- dates, worked out once per date rather than per row (a bulk
        -- insert has a million rows and a few hundred dates).
        dues AS (
            SELECT x.purchase_date, pp.period, pp.first_day, pp.last_day, purchase_report_due(pp.last_day) AS due
            FROM (SELECT DISTINCT purchase_date FROM c) x CROSS JOIN LATERAL purchase_periods(x.purchase_date) pp
        ),
        v AS (
            SELECT k.period, k.first_day, k.last_day, k.due, c.business_id, c.ikm_id,
                   CASE WHEN NOT c.consignment OR c.paid_on <= k.due THEN c.amount ELSE 0 END AS counted,
                   CASE WHEN c.paid_on <= k.due THEN c.amount ELSE 0 END AS paid,
                   CASE WHEN c.paid_on <= least(c.due_date, k.due) THEN c.amount ELSE 0 END AS on_time,
                   CASE WHEN c.paid_on > c.due_date AND c.paid_on <= k.due THEN c.amount ELSE 0 END AS late,
                   CASE WHEN (c.paid_on IS NULL OR c.paid_on > k.due) AND c.due_date < k.due
                        THEN c.amount ELSE 0 END AS overdue
            FROM c JOIN dues k ON k.purchase_date = c.purchase_date
        ),
        d AS (
            SELECT period, first_day, last_day, due, business_id, ikm_id,
                   sum(counted) AS counted, sum(paid) AS paid, sum(on_time) AS on_time,
                   sum(late) AS late, sum(overdue) AS overdue
            FROM v
            GROUP BY period, first_day, last_day, due, business_id, ikm_id
            HAVING sum(counted) <> 0 OR sum(paid) <> 0 OR sum(on_time) <> 0 OR sum(late) <> 0 OR sum(overdue) <> 0
        )$q$, changes);
    EXECUTE format($q$
        WITH %s
        INSERT INTO purchase_totals AS t (period, business_id, amount, ikm_count, paid_amount, paid_ikm_count,
                                          on_time_amount, late_amount, overdue_amount)
        SELECT period, business_id, sum(counted), 0, sum(paid), 0, sum(on_time), sum(late), sum(overdue) FROM d
        GROUP BY period, business_id
        ORDER BY period, business_id
        ON CONFLICT (period, business_id) DO UPDATE SET amount = t.amount + excluded.amount,
            paid_amount = t.paid_amount + excluded.paid_amount,
            on_time_amount = t.on_time_amount + excluded.on_time_amount,
            late_amount = t.late_amount + excluded.late_amount,
            overdue_amount = t.overdue_amount + excluded.overdue_amount$q$, changes);
    IF again THEN
        EXECUTE format($q$
            WITH %s,
            n AS (
                SELECT DISTINCT d.period, d.business_id,
                       (SELECT count(*) FILTER (WHERE counted > 0) FROM (
                            SELECT sum(CASE WHEN NOT p.consignment OR p.paid_on <= d.due THEN p.amount ELSE 0 END) AS counted
                            FROM purchases p
                            WHERE p.business_id = d.business_id AND p.status = 'confirmed'
                              AND p.purchase_date BETWEEN d.first_day AND d.last_day
                            GROUP BY p.ikm_id) per_ikm) AS ikm_count,
                       (SELECT count(*) FILTER (WHERE paid > 0) FROM (
                            SELECT sum(CASE WHEN p.paid_on <= d.due THEN p.amount ELSE 0 END) AS paid
                            FROM purchases p
                            WHERE p.business_id = d.business_id AND p.status = 'confirmed'
                              AND p.purchase_date BETWEEN d.first_day AND d.last_day
                            GROUP BY p.ikm_id) per_ikm) AS paid_ikm_count
                FROM d
            )
            UPDATE purchase_totals t SET ikm_count = n.ikm_count, paid_ikm_count = n.paid_ikm_count
            FROM n WHERE t.period = n.period AND t.business_id = n.business_id$q$, changes);
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        WITH %s,
        net AS (
            SELECT d.period, d.business_id, d.counted AS dc, d.paid AS dp,
                   coalesce(sum(CASE WHEN NOT p.consignment OR p.paid_on <= d.due THEN p.amount END), 0) AS nc,
                   coalesce(sum(CASE WHEN p.paid_on <= d.due THEN p.amount END), 0) AS np
            FROM d
            LEFT JOIN purchases p ON p.business_id = d.business_id AND p.ikm_id = d.ikm_id
                 AND p.status = 'confirmed' AND p.purchase_date BETWEEN d.first_day AND d.last_day
            WHERE d.counted <> 0 OR d.paid <> 0
            GROUP BY d.period, d.business_id, d.ikm_id, d.counted, d.paid
        ),
        n AS (
            SELECT period, business_id,
                   sum(CASE WHEN nc > 0 AND nc - dc <= 0 THEN 1
                            WHEN nc <= 0 AND nc - dc > 0 THEN -1
                            ELSE 0 END) AS moved,
                   sum(CASE WHEN np > 0 AND np - dp <= 0 THEN 1
                            WHEN np <= 0 AND np - dp > 0 THEN -1
                            ELSE 0 END) AS paid_moved
            FROM net
            GROUP BY period, business_id
        )
        UPDATE purchase_totals t SET ikm_count = t.ikm_count + n.moved,
                                     paid_ikm_count = t.paid_ikm_count + n.paid_moved
        FROM n WHERE t.period = n.period AND t.business_id = n.business_id
                 AND (n.moved <> 0 OR n.paid_moved <> 0)$q$, changes);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Recomputes the totals of every period that ends on or after from_day
-- from the purchases: after this migration (from the first purchase), and
-- when a new rule set version moves a report due date (compliance's
-- install). Writers of purchases wait meanwhile, so no change made during
-- it is lost. The due dates are worked out once per day, not per row.
-- +goose StatementBegin
CREATE FUNCTION purchase_totals_rebuild(from_day date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE purchases IN SHARE MODE;
    LOCK TABLE purchase_totals IN EXCLUSIVE MODE;
    -- A period ending on or after from_day began at most six months before.
    CREATE TEMP TABLE rebuilt_totals ON COMMIT DROP AS
    WITH dues AS (
        SELECT g::date AS last_day, purchase_report_due(g::date) AS due
        FROM generate_series((from_day - 200)::timestamp,
                             (SELECT coalesce(max(purchase_date), from_day) FROM purchases)::timestamp + interval '7 months',
                             interval '1 day') g
    ),
    per_ikm AS (
        SELECT k.period, p.business_id, p.ikm_id,
               sum(CASE WHEN NOT p.consignment OR p.paid_on <= dues.due THEN p.amount ELSE 0 END) AS counted,
               sum(CASE WHEN p.paid_on <= dues.due THEN p.amount ELSE 0 END) AS paid,
               sum(CASE WHEN p.paid_on <= least(p.due_date, dues.due) THEN p.amount ELSE 0 END) AS on_time,
               sum(CASE WHEN p.paid_on > p.due_date AND p.paid_on <= dues.due THEN p.amount ELSE 0 END) AS late,
               sum(CASE WHEN (p.paid_on IS NULL OR p.paid_on > dues.due) AND p.due_date < dues.due
                        THEN p.amount ELSE 0 END) AS overdue
        FROM purchases p
        CROSS JOIN LATERAL purchase_periods(p.purchase_date) k
        JOIN dues ON dues.last_day = k.last_day
        WHERE p.status = 'confirmed' AND p.purchase_date >= from_day - 200 AND k.last_day >= from_day
        GROUP BY k.period, p.business_id, p.ikm_id
    )
    SELECT period, business_id, sum(counted) AS amount, count(*) FILTER (WHERE counted > 0) AS ikm_count,
           sum(paid) AS paid_amount, count(*) FILTER (WHERE paid > 0) AS paid_ikm_count,
           sum(on_time) AS on_time_amount, sum(late) AS late_amount, sum(overdue) AS overdue_amount
    FROM per_ikm
    GROUP BY period, business_id;
    -- The periods rebuilt lose their rows first: one that no longer has a
    -- counted purchase is gone rather than left with zeros (readers take a
    -- missing row for zeros).
    DELETE FROM purchase_totals t
    WHERE t.period IN (SELECT DISTINCT pp.period
                       FROM generate_series((from_day - 200)::timestamp,
                                            (SELECT coalesce(max(purchase_date), from_day) FROM purchases)::timestamp,
                                            interval '1 day') g
                       CROSS JOIN LATERAL purchase_periods(g::date) pp
                       WHERE pp.last_day >= from_day);
    INSERT INTO purchase_totals AS t (period, business_id, amount, ikm_count, paid_amount, paid_ikm_count,
                                      on_time_amount, late_amount, overdue_amount)
    SELECT * FROM rebuilt_totals ORDER BY period, business_id;
    DROP TABLE rebuilt_totals;
END
$$;
-- +goose StatementEnd

SET LOCAL work_mem = '256MB';
SELECT purchase_totals_rebuild(coalesce((SELECT min(purchase_date) FROM purchases), current_date));

-- +goose Down
DROP FUNCTION purchase_totals_rebuild(date);
-- 00011's trigger function, as it was.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION purchase_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text;
    this_statement text;
    again boolean;
    orphan record;
BEGIN
    -- Every new row names a business and an IKM that exist; and most
    -- statements change no counted purchase (a purchase is reported,
    -- disputed, withdrawn): they leave at once, before any query is planned.
    -- For an insert one query answers both.
    IF TG_OP = 'INSERT' THEN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'INSERT on table "purchases" must run in READ COMMITTED to check its businesses and IKM'
                USING ERRCODE = 'feature_not_supported';
        END IF;
        SELECT (array_agg(n.business_id) FILTER (WHERE b.id IS NULL))[1] AS business_id,
               (array_agg(n.ikm_id) FILTER (WHERE i.id IS NULL))[1] AS ikm_id,
               bool_or(n.status = 'confirmed') AS counted INTO orphan
        FROM new_rows n
        LEFT JOIN businesses b ON b.id = n.business_id
        LEFT JOIN ikms i ON i.id = n.ikm_id;
        IF orphan.business_id IS NOT NULL OR orphan.ikm_id IS NOT NULL THEN
            RAISE EXCEPTION 'insert on table "purchases" violates its % reference',
                    CASE WHEN orphan.business_id IS NOT NULL THEN 'businesses' ELSE 'ikms' END
                USING ERRCODE = 'foreign_key_violation',
                      CONSTRAINT = CASE WHEN orphan.business_id IS NOT NULL
                          THEN 'purchases_business_id_fkey' ELSE 'purchases_ikm_id_fkey' END,
                      DETAIL = CASE WHEN orphan.business_id IS NOT NULL
                          THEN format('Key (business_id)=(%s) is not present in table "businesses".', orphan.business_id)
                          ELSE format('Key (ikm_id)=(%s) is not present in table "ikms".', orphan.ikm_id) END;
        END IF;
        IF NOT coalesce(orphan.counted, false) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM FROM old_rows WHERE status = 'confirmed' LIMIT 1;
    ELSE
        PERFORM FROM (SELECT FROM new_rows WHERE status = 'confirmed'
                      UNION ALL SELECT FROM old_rows WHERE status = 'confirmed') counted LIMIT 1;
    END IF;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    this_statement := txid_current() || ' ' || statement_timestamp();
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
DROP INDEX purchases_counted_idx;
CREATE INDEX purchases_counted_idx ON purchases (business_id, ikm_id, purchase_date)
    INCLUDE (amount) WHERE status = 'confirmed';
ALTER TABLE purchase_totals
    DROP COLUMN overdue_amount, DROP COLUMN late_amount, DROP COLUMN on_time_amount,
    DROP COLUMN paid_ikm_count, DROP COLUMN paid_amount;
DROP FUNCTION purchase_report_due(date);
ALTER TABLE evaluations DROP COLUMN ratio_paid_on_time;
DROP TABLE payment_reminders;
DROP TABLE payment_delays;
DROP INDEX purchases_unpaid_idx;
DROP INDEX purchases_payment_dispute_idx;
ALTER TABLE purchases
    DROP COLUMN paid_on, DROP COLUMN payment_resolution_reason, DROP COLUMN payment_resolved_by,
    DROP COLUMN payment_resolved_at, DROP COLUMN payment_resolution, DROP COLUMN ikm_payment_at,
    DROP COLUMN ikm_payment_on, DROP COLUMN ikm_paid_amount, DROP COLUMN ikm_payment,
    DROP COLUMN consignment, DROP COLUMN due_date, DROP COLUMN payment_days;
ALTER TABLE agreements DROP COLUMN consignment, DROP COLUMN payment_days;
