package seed

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Scale asks for a generated data set: Businesses large businesses and
// Purchases purchases spread over the calendar year Year, bought from IKMs
// IKM, for benchmarks and load tests.
type Scale struct {
	Businesses int
	Purchases  int
	IKMs       int // 0: 2,000
	Year       int // 0: 2025
	// Progress, when set, hears about each batch.
	Progress func(step string, done, total int)
}

// ScaleResult counts what a scale seed inserted.
type ScaleResult struct {
	IKMs, Businesses, Purchases, Agreements, Outlets, Reports int64
}

// scaleBatch is how many purchases one statement inserts.
const scaleBatch = 1_000_000

// ScaleData generates the data set with set-based INSERT … SELECT over
// generate_series, never a row at a time. Every generated row carries a
// natural key of its own (NIB prefix 71/72, invoice GEN-…), so running it
// again inserts nothing new. The shape, per business: a category drawn with
// believable weights, purchases on random days of the year from random IKM
// (85% confirmed, 10% awaiting confirmation, 5% rejected), a period report
// for the year's first quarter from nine in ten, an approved agreement for
// one in ten and a confirmed outlet for one in twenty.
func ScaleData(ctx context.Context, db *gorm.DB, sc Scale) (ScaleResult, error) {
	if sc.IKMs <= 0 {
		sc.IKMs = 2000
	}
	if sc.Year == 0 {
		sc.Year = 2025
	}
	if sc.Businesses < 1 || sc.Purchases < 0 {
		return ScaleResult{}, fmt.Errorf("seed: scale needs at least one business (got %d) and no negative purchases", sc.Businesses)
	}
	progress := sc.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	yearStart := time.Date(sc.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(yearStart.AddDate(1, 0, 0).Sub(yearStart).Hours() / 24)
	args := []any{
		sql.Named("ikms", sc.IKMs), sql.Named("businesses", sc.Businesses),
		sql.Named("year_start", yearStart), sql.Named("days", days), sql.Named("year", sc.Year),
	}
	exec := func(step, q string, extra ...any) (int64, error) {
		var all []any
		if strings.Contains(q, "@") { // gorm reads named arguments only where the query names some
			all = append(append(all, args...), extra...)
		}
		// Batches of a million rows are slow by design: not a slow-query warning.
		res := db.WithContext(ctx).Session(&gorm.Session{Logger: db.Logger.LogMode(logger.Silent)}).Exec(q, all...)
		if res.Error != nil {
			return 0, fmt.Errorf("seed: scale %s: %w", step, res.Error)
		}
		return res.RowsAffected, nil
	}
	var out ScaleResult
	var err error

	if out.IKMs, err = exec("ikms", `
		INSERT INTO ikms (nib, name, owner_name, sector, kecamatan_code, status, verified, monthly_capacity)
		SELECT '72' || lpad(g::text, 11, '0'), 'IKM Uji ' || g, 'Pemilik ' || g,
		       (ARRAY['batik','anyaman','kayu','makanan','minuman','fesyen','kerajinan','logam','kimia','lainnya'])[1 + g % 10],
		       k.code, 'active', g % 2 = 0, (2 + g % 7) * 50000 * 25
		FROM generate_series(1, CAST(@ikms AS int)) g
		JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS i FROM kecamatan) k ON k.i = g % 23
		ON CONFLICT (nib) DO NOTHING`); err != nil {
		return out, err
	}
	progress("ikms", sc.IKMs, sc.IKMs)

	// Categories: mostly factories and restaurants, a few estates.
	if out.Businesses, err = exec("businesses", `
		INSERT INTO businesses (nib, name, legal_form, category, kecamatan_code, employee_count, contact_email,
		                        status, registered_at)
		SELECT '71' || lpad(g::text, 11, '0'), 'PT Usaha Uji ' || g, 'PT',
		       CASE WHEN g % 100 < 2 THEN 'industrial_estate' WHEN g % 100 < 50 THEN 'factory'
		            WHEN g % 100 < 60 THEN 'hotel' WHEN g % 100 < 85 THEN 'restaurant'
		            WHEN g % 100 < 95 THEN 'modern_retail' ELSE 'other' END,
		       k.code, 20 + g % 2000, 'usaha' || g || '@contoh.co.id', 'active', CAST(@year_start AS date) - 365
		FROM generate_series(1, CAST(@businesses AS int)) g
		JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS i FROM kecamatan) k ON k.i = g % 23
		ON CONFLICT (nib) DO NOTHING`); err != nil {
		return out, err
	}
	progress("businesses", sc.Businesses, sc.Businesses)

	// The generated ids, as arrays indexed from 1, so a purchase picks its
	// business and IKM by index without a join per row.
	for from := 1; from <= sc.Purchases; from += scaleBatch {
		to := min(from+scaleBatch-1, sc.Purchases)
		n, err := exec("purchases", `
			WITH b AS (SELECT array_agg(id ORDER BY id) AS ids FROM businesses WHERE nib LIKE '71%'),
			     i AS (SELECT array_agg(id ORDER BY id) AS ids FROM ikms WHERE nib LIKE '72%'),
			     -- Seeded hashes of g, not random(): the same g always makes the same row.
			     g AS (SELECT g, (abs(hashint8extended(g, 1)) % 1000000) / 1e6 AS r1,
			                     (abs(hashint8extended(g, 2)) % 1000000) / 1e6 AS r2,
			                     (abs(hashint8extended(g, 3)) % 1000000) / 1e6 AS r3,
			                     (abs(hashint8extended(g, 4)) % 1000000) / 1e6 AS r4,
			                     (abs(hashint8extended(g, 5)) % 1000000) / 1e6 AS r5
			           FROM generate_series(CAST(@from AS bigint), CAST(@to AS bigint)) g)
			INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, description, quantity, amount,
			                       status, confirm_by, confirmed_via, confirmed_at, source, created_at, updated_at,
			                       consignment, paid_date)
			SELECT b.ids[1 + floor(g.r1 * array_length(b.ids, 1))::int],
			       i.ids[1 + floor(g.r2 * array_length(i.ids, 1))::int],
			       'GEN-' || g.g,
			       d.day, 'Produk IKM', 1 + g.g % 20, 40000 + floor(g.r3 * 4960000)::bigint,
			       CASE WHEN g.r4 < 0.85 THEN 'confirmed' WHEN g.r4 < 0.95 THEN 'reported' ELSE 'rejected' END,
			       d.day + 15, CASE WHEN g.r4 < 0.85 THEN 'app' END, CASE WHEN g.r4 < 0.85 THEN d.day + 2 END,
			       'import', d.day, d.day,
			       -- 5% consignment; paid within the 30 days' terms 60%, late
			       -- (31-90 days) 20%, not (yet) 20%.
			       g.g % 20 = 7,
			       CASE WHEN g.r5 < 0.6 THEN d.day + floor(g.r5 * 50)::int
			            WHEN g.r5 < 0.8 THEN d.day + 31 + floor((g.r5 - 0.6) * 300)::int END
			FROM g CROSS JOIN b CROSS JOIN i
			CROSS JOIN LATERAL (SELECT CAST(@year_start AS date) + (g.g::bigint * 7919 % CAST(@days AS int))::int AS day) d
			ON CONFLICT (business_id, invoice_number) DO NOTHING`,
			sql.Named("from", from), sql.Named("to", to))
		if err != nil {
			return out, err
		}
		out.Purchases += n
		progress("purchases", to, sc.Purchases)
	}

	// One signed agreement document, stored as a files row only: generated
	// agreements are for evaluation benchmarks, not for download.
	if _, err := exec("agreement document", `
		INSERT INTO files (sha256, content_type, size_bytes, original_name, created_at)
		VALUES (repeat('0', 64), 'application/pdf', 1, 'perjanjian-uji.pdf', now())
		ON CONFLICT (sha256) DO NOTHING`); err != nil {
		return out, err
	}
	if out.Agreements, err = exec("agreements", `
		INSERT INTO agreements (business_id, form, number, agreement_date, start_date, end_date,
		                        target_purchase_value, target_ikm_count, target_outlet_slots, document_file_id,
		                        status, submitted_at, decided_at, created_at, updated_at)
		SELECT b.id, 'procurement', 'GEN/' || b.id, CAST(@year_start AS date) - 30, CAST(@year_start AS date),
		       CAST(@year_start AS date) + 364, 20000000 + (b.id % 10) * 5000000, 2 + b.id % 4, 0,
		       (SELECT id FROM files WHERE sha256 = repeat('0', 64)), 'approved', now(), now(), now(), now()
		FROM businesses b WHERE b.nib LIKE '71%' AND b.id % 10 = 0
		ON CONFLICT (business_id, number) DO NOTHING`); err != nil {
		return out, err
	}
	if out.Outlets, err = exec("outlets", `
		INSERT INTO outlets (business_id, ikm_id, location, slots, start_date, end_date, status, confirmed_at,
		                     created_at, updated_at)
		SELECT b.id, (SELECT min(id) FROM ikms WHERE nib LIKE '72%'), 'Pojok IKM ' || b.id, 1 + b.id % 3,
		       CAST(@year_start AS date) + (b.id % 60)::int, NULL, 'confirmed', now(), now(), now()
		FROM businesses b WHERE b.nib LIKE '71%' AND b.id % 20 = 0
		  AND NOT EXISTS (SELECT 1 FROM outlets o WHERE o.business_id = b.id AND o.location = 'Pojok IKM ' || b.id)`); err != nil {
		return out, err
	}
	if out.Reports, err = exec("reports", `
		INSERT INTO period_reports (business_id, period, submitted_at, deadline, on_time, created_at)
		SELECT b.id, CAST(@year AS int)::text || '-Q1', CAST(@year_start AS date) + 100, CAST(@year_start AS date) + 105, true, now()
		FROM businesses b WHERE b.nib LIKE '71%' AND b.id % 10 <> 3
		ON CONFLICT (business_id, period) DO NOTHING`); err != nil {
		return out, err
	}
	return out, nil
}
