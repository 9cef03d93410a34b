package compliance_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/dbtest"
)

// world is a database with the shipped rule set and helpers that write
// records the way the other packages store them (raw SQL: this package only
// reads them).
type world struct {
	t   *testing.T
	db  *gorm.DB
	ctx context.Context
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, db: dbtest.New(t), ctx: context.Background()}
	if _, err := compliance.LoadRuleFiles(w.ctx, w.db, "../../config/rules", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if err := w.db.Exec(q, args...).Error; err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

func (w *world) id(q string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.Raw(q, args...).Row().Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (w *world) business(category string) int64 {
	return w.id(`INSERT INTO businesses (nib, name, category, kecamatan_code, registered_at)
		VALUES (?, ?, ?, '3216060', '2024-01-01') RETURNING id`,
		fmt.Sprintf("%013d", rand.Int64N(1e13)), "PT "+category, category)
}

func (w *world) ikm() int64 {
	return w.id(`INSERT INTO ikms (nib, name, sector, kecamatan_code) VALUES (?, 'IKM', 'batik', '3216060') RETURNING id`,
		fmt.Sprintf("%013d", rand.Int64N(1e13)))
}

// purchase records a purchase on date (YYYY-MM-DD) in status, returning its id.
func (w *world) purchase(business, ikm int64, date string, amount int64, status string) int64 {
	w.t.Helper()
	confirmed := status == "confirmed"
	return w.id(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status,
			confirm_by, confirmed_via, confirmed_at, source, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, now() + interval '14 days', CASE WHEN ? THEN 'app' END, CASE WHEN ? THEN now() END,
			'manual', now(), now()) RETURNING id`,
		business, ikm, fmt.Sprintf("INV-%d", rand.Int64()), date, amount, status, confirmed, confirmed)
}

func (w *world) report(business int64, period string, at time.Time) {
	w.exec(`INSERT INTO period_reports (business_id, period, submitted_at, deadline, on_time)
		VALUES (?, ?, ?, ?, true)`, business, period, at, at)
}

func (w *world) evaluate(period string, now time.Time) compliance.EvaluationRun {
	w.t.Helper()
	p := compliance.MustPeriod(period)
	rs, err := compliance.CheckEvaluable(w.ctx, w.db, p, now)
	if err != nil {
		w.t.Fatal(err)
	}
	var run compliance.EvaluationRun
	err = w.db.Transaction(func(tx *gorm.DB) error {
		run, err = compliance.Evaluate(w.ctx, tx, p, rs, now)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return run
}

type evalRow struct {
	BusinessID            int64
	Status, ReportStatus  string
	TargetPurchaseValue   int64
	TargetIKMCount        int
	TargetOutletSlots     int
	RealisedPurchaseValue int64
	RealisedIKMCount      int
	RealisedOutletSlots   float64
	MeanRatio             *float64
	ComputedAt            time.Time
}

func (w *world) evaluation(business int64, period string) evalRow {
	w.t.Helper()
	var r evalRow
	err := w.db.Raw(`SELECT business_id, status, report_status, target_purchase_value, target_ikm_count AS target_ikm_count,
			target_outlet_slots, realised_purchase_value, realised_ikm_count AS realised_ikm_count,
			realised_outlet_slots, mean_ratio, computed_at
		FROM evaluations WHERE business_id = ? AND period = ?`, business, period).Scan(&r).Error
	if err != nil || r.BusinessID == 0 {
		w.t.Fatalf("evaluation of %d for %s: %v", business, period, err)
	}
	return r
}

var afterQ1Deadline = time.Date(2025, 4, 16, 1, 0, 0, 0, time.UTC) // 08:00 WIB on 16 April

func TestEvaluationBoundariesInWIB(t *testing.T) {
	w := newWorld(t)
	b := w.business("restaurant") // Rp5,000,000 and 1 IKM
	ikm := w.ikm()
	w.report(b, "2025-Q1", time.Date(2025, 4, 10, 0, 0, 0, 0, time.UTC))
	// Purchase dates are WIB calendar dates: 31 March counts for Q1 (the
	// 23:30 WIB purchase is dated 31 March), 1 April and 31 December do not.
	w.purchase(b, ikm, "2025-03-31", 1_000_000, "confirmed")
	w.purchase(b, ikm, "2025-01-01", 2_000_000, "confirmed")
	w.purchase(b, ikm, "2025-04-01", 40_000_000, "confirmed")
	w.purchase(b, ikm, "2024-12-31", 40_000_000, "confirmed")
	w.purchase(b, ikm, "2025-02-01", 40_000_000, "reported")
	w.purchase(b, ikm, "2025-02-02", 40_000_000, "withdrawn")

	w.evaluate("2025-Q1", afterQ1Deadline)
	got := w.evaluation(b, "2025-Q1")
	if got.RealisedPurchaseValue != 3_000_000 || got.RealisedIKMCount != 1 || got.TargetPurchaseValue != 5_000_000 ||
		got.Status != compliance.StatusPartial || got.ReportStatus != compliance.ReportOnTime {
		t.Errorf("evaluation %+v", got)
	}
}
