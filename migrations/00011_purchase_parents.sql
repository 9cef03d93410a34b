-- +goose Up
-- Two costs of every statement that writes purchases.
--
-- The totals trigger (migration 00008) planned its two dynamic statements
-- on every insert, update and delete, about 3 ms for a reported purchase
-- that changes no total; it now leaves at once when the statement touched
-- no counted (confirmed) purchase. A firing that leaves early names no
-- statement, so a later firing of the same statement (an upsert's update
-- part) moves the counts as the first would have, which is right: the
-- early one changed nothing counted.
--
-- A purchase's business and IKM were foreign keys: a query per row and per
-- key that also locks the parent row, which was half of a 100,000-row
-- import's insert (1.3 s of 2.5 s) and, on single reports, put every
-- report of one business on the same parent row. They are checked once per
-- statement instead, as evaluations' references are (migration 00009):
--
-- * every statement that inserts purchases checks, set-based, that each new
--   row's business and IKM exist; no statement may change either (the
--   application never does: a wrong purchase is reversed or withdrawn);
-- * no business or IKM is ever deleted (they are deactivated); a delete,
--   truncation or id change of one a purchase names is refused by a guard
--   on the parents, which first waits for every transaction writing
--   purchases and then looks in a new snapshot, so it sees their rows.
--
-- Both judge what committed before them, which only READ COMMITTED lets a
-- statement see; under any other isolation they refuse to judge. The
-- agreement and reversal references stay foreign keys: most purchases have
-- neither, and a NULL key costs nothing.
ALTER TABLE purchases
    DROP CONSTRAINT purchases_business_id_fkey,
    DROP CONSTRAINT purchases_ikm_id_fkey;

-- The check runs in the trigger that keeps the totals: every trigger that
-- fires on a statement costs a call and a copy of its rows, so purchases
-- has one per event.
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

-- +goose StatementBegin
CREATE FUNCTION purchases_keep_parent_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a purchase''s business and IKM never change: reverse or withdraw it instead'
        USING ERRCODE = 'foreign_key_violation';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER purchases_keep_parent_keys BEFORE UPDATE OF business_id, ikm_id ON purchases
    FOR EACH ROW WHEN (NEW.business_id IS DISTINCT FROM OLD.business_id OR NEW.ikm_id IS DISTINCT FROM OLD.ikm_id)
    EXECUTE FUNCTION purchases_keep_parent_keys();

-- The parents' side: TG_ARGV[0] is the purchases column that names them.
-- +goose StatementBegin
CREATE FUNCTION purchases_keep_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hit bigint;
BEGIN
    -- Only a statement that takes ids away has anything to check: most
    -- updates of a parent keep its id, and must not wait for writers.
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
        RAISE EXCEPTION '% on table "%" must run in READ COMMITTED to check the purchases that reference it',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'feature_not_supported';
    END IF;
    LOCK TABLE purchases IN SHARE MODE;
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT p.%I FROM purchases p LIMIT 1', TG_ARGV[0]) INTO hit;
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format('SELECT o.id FROM old_rows o JOIN purchases p ON p.%I = o.id
                        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id) LIMIT 1', TG_ARGV[0]) INTO hit;
    ELSE
        EXECUTE format('SELECT o.id FROM old_rows o JOIN purchases p ON p.%I = o.id LIMIT 1', TG_ARGV[0]) INTO hit;
    END IF;
    IF hit IS NOT NULL THEN
        RAISE EXCEPTION '% on table "%" violates the purchases reference', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "purchases".', hit);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER purchases_keep_businesses AFTER DELETE ON businesses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION purchases_keep_parents('business_id');
CREATE TRIGGER purchases_keep_business_ids AFTER UPDATE ON businesses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION purchases_keep_parents('business_id');
CREATE TRIGGER purchases_keep_all_businesses BEFORE TRUNCATE ON businesses
    FOR EACH STATEMENT EXECUTE FUNCTION purchases_keep_parents('business_id');
CREATE TRIGGER purchases_keep_ikms AFTER DELETE ON ikms
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION purchases_keep_parents('ikm_id');
CREATE TRIGGER purchases_keep_ikm_ids AFTER UPDATE ON ikms
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION purchases_keep_parents('ikm_id');
CREATE TRIGGER purchases_keep_all_ikms BEFORE TRUNCATE ON ikms
    FOR EACH STATEMENT EXECUTE FUNCTION purchases_keep_parents('ikm_id');

-- +goose Down
DROP TRIGGER purchases_keep_all_ikms ON ikms;
DROP TRIGGER purchases_keep_ikm_ids ON ikms;
DROP TRIGGER purchases_keep_ikms ON ikms;
DROP TRIGGER purchases_keep_all_businesses ON businesses;
DROP TRIGGER purchases_keep_business_ids ON businesses;
DROP TRIGGER purchases_keep_businesses ON businesses;
DROP FUNCTION purchases_keep_parents();
DROP TRIGGER purchases_keep_parent_keys ON purchases;
DROP FUNCTION purchases_keep_parent_keys();
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
ALTER TABLE purchases
    ADD CONSTRAINT purchases_business_id_fkey FOREIGN KEY (business_id) REFERENCES businesses (id),
    ADD CONSTRAINT purchases_ikm_id_fkey FOREIGN KEY (ikm_id) REFERENCES ikms (id);
