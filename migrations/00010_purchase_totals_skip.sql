-- +goose Up
-- Every insert, update and delete on purchases ran the totals trigger's
-- dynamic statements, planned afresh each time: about 3 ms per reported
-- purchase, half of what a report cost the database, though a purchase
-- that is not counted changes no total. The trigger now leaves at once when
-- the statement touched no counted (confirmed) purchase. A firing that
-- leaves early names no statement, so a later firing of the same statement
-- (an upsert's update part) moves the counts as the first firing would have,
-- which is right: the early one changed nothing counted.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION purchase_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text;
    this_statement text;
    again boolean;
BEGIN
    -- Most statements change no counted purchase (a purchase is reported,
    -- disputed, withdrawn): they leave at once, before any query is planned.
    IF TG_OP = 'INSERT' THEN
        PERFORM FROM new_rows WHERE status = 'confirmed' LIMIT 1;
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION purchase_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
