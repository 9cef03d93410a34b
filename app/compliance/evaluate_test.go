package compliance_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
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
	return dbtest.AddBusiness(w.t, w.db, dbtest.Business{Name: "PT " + category, Category: category})
}

func (w *world) ikm() int64 {
	return dbtest.AddIKM(w.t, w.db, dbtest.IKM{})
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

var afterQ1Deadline = time.Date(2025, 4, 16, 1, 0, 0, 0, time.UTC) // 08:00 clock.WIB on 16 April

func TestEvaluationBoundariesInWIB(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := w.business("restaurant") // Rp5,000,000 and 1 IKM
	ikm := w.ikm()
	w.report(b, "2025-Q1", time.Date(2025, 4, 10, 0, 0, 0, 0, time.UTC))
	// Purchase dates are clock.WIB calendar dates: 31 March counts for Q1 (the
	// 23:30 clock.WIB purchase is dated 31 March), 1 April and 31 December do not.
	w.purchase(b, ikm, "2025-03-31", 1_000_000, "confirmed")
	w.purchase(b, ikm, "2025-01-01", 2_000_000, "confirmed")
	w.purchase(b, ikm, "2025-04-01", 40_000_000, "confirmed")
	w.purchase(b, ikm, "2024-12-31", 40_000_000, "confirmed")
	w.purchase(b, ikm, "2025-02-01", 40_000_000, "reported")
	w.purchase(b, ikm, "2025-02-02", 40_000_000, "withdrawn")

	w.evaluate("2025-Q1", afterQ1Deadline)
	got := w.evaluation(b, "2025-Q1")
	want := evalRow{RealisedPurchaseValue: 3_000_000, RealisedIKMCount: 1, TargetPurchaseValue: 5_000_000,
		Status: compliance.StatusPartial, ReportStatus: compliance.ReportOnTime}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(evalRow{}, "BusinessID", "TargetIKMCount", "TargetOutletSlots",
		"RealisedOutletSlots", "MeanRatio", "ComputedAt")); diff != "" {
		t.Errorf("evaluation (-want +got):\n%s", diff)
	}
}

// TestEvaluationStatusesAndMetrics covers each status and what feeds it:
// agreement targets above the minimum, outlet slots averaged over the
// period, a reversal that takes an IKM out of the partner count, a metric
// without a target left out of the mean, and the precedence of exempt over
// not_reported over the metrics.
func TestEvaluationStatusesAndMetrics(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ikm1, ikm2, ikm3 := w.ikm(), w.ikm(), w.ikm()
	onTime := time.Date(2025, 4, 10, 3, 0, 0, 0, time.UTC)
	late := time.Date(2025, 4, 20, 3, 0, 0, 0, time.UTC)
	file := w.id(`INSERT INTO files (sha256, content_type, size_bytes, created_at)
		VALUES (repeat('b', 64), 'application/pdf', 1, now()) RETURNING id`)

	// Restaurant: Rp5,000,000 and 1 IKM, met exactly.
	met := w.business("restaurant")
	w.purchase(met, ikm1, "2025-02-01", 5_000_000, "confirmed")
	w.report(met, "2025-Q1", onTime)

	// Mall: Rp10,000,000 and 2 slots, no IKM target. Rp6,000,000 (0.6) and
	// one slot for the whole quarter (0.5): mean of the two 0.55, partial.
	mall := w.business("modern_retail")
	w.purchase(mall, ikm1, "2025-01-15", 6_000_000, "confirmed")
	w.exec(`INSERT INTO outlets (business_id, ikm_id, location, slots, start_date, status, confirmed_at)
		VALUES (?, ?, 'Pojok IKM', 1, '2024-12-01', 'confirmed', now())`, mall, ikm2)
	w.report(mall, "2025-Q1", onTime)

	// Hotel: Rp15,000,000, 3 IKM, 1 slot; an agreement asks Rp40,000,000.
	// Rp12,000,000 from two IKM, one of whom's purchase was reversed to
	// nothing; a 2-slot outlet for the last 45 of 90 days (average 1).
	hotel := w.business("hotel")
	w.exec(`INSERT INTO agreements (business_id, form, number, agreement_date, start_date, end_date,
			target_purchase_value, target_ikm_count, document_file_id, status)
		VALUES (?, 'procurement', 'PK-1', '2024-12-01', '2025-01-01', '2025-12-31', 40000000, 2, ?, 'approved')`, hotel, file)
	w.purchase(hotel, ikm1, "2025-03-01", 12_000_000, "confirmed")
	reversed := w.purchase(hotel, ikm2, "2025-03-02", 3_000_000, "confirmed")
	w.exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
			confirmed_via, confirmed_at, reverses_id, reversal_reason, source, created_at, updated_at)
		VALUES (?, ?, 'REV-1', '2025-03-03', -3000000, 'confirmed', now(), 'app', now(), ?, 'salah', 'manual', now(), now())`,
		hotel, ikm2, reversed)
	w.exec(`INSERT INTO outlets (business_id, ikm_id, location, slots, start_date, end_date, status, confirmed_at)
		VALUES (?, ?, 'Lobi', 2, '2025-02-15', '2025-06-30', 'confirmed', now())`, hotel, ikm3)
	w.report(hotel, "2025-Q1", onTime)

	// Factory reporting late, factory not reporting, an exempted one and a
	// registry-exempt one; an "other" business with no obligation.
	lateFactory := w.business("factory")
	w.purchase(lateFactory, ikm1, "2025-02-01", 30_000_000, "confirmed")
	w.purchase(lateFactory, ikm2, "2025-02-01", 30_000_000, "confirmed")
	w.report(lateFactory, "2025-Q1", late)
	silent := w.business("factory")
	excused := w.business("factory")
	w.exec(`INSERT INTO exemptions (business_id, period, reason, document_file_id, granted_at)
		VALUES (?, '2025-Q1', 'Banjir', ?, now())`, excused, file)
	registryExempt := w.business("hotel")
	w.exec("UPDATE businesses SET status = 'exempt' WHERE id = ?", registryExempt)
	other := w.business("other")
	w.report(other, "2025-Q1", onTime)
	closed := w.business("factory")
	w.exec("UPDATE businesses SET status = 'closed' WHERE id = ?", closed)

	run := w.evaluate("2025-Q1", afterQ1Deadline)
	if run.Businesses != 8 || run.Inserted != 8 {
		t.Fatalf("run %+v, want 8 businesses evaluated (the closed one is not)", run)
	}
	mean := func(f float64) *float64 { return &f }
	for _, tc := range []struct {
		name string
		id   int64
		want evalRow
	}{
		{"met", met, evalRow{Status: "compliant", ReportStatus: "on_time", TargetPurchaseValue: 5_000_000, TargetIKMCount: 1,
			RealisedPurchaseValue: 5_000_000, RealisedIKMCount: 1, MeanRatio: mean(1)}},
		{"mall", mall, evalRow{Status: "partial", ReportStatus: "on_time", TargetPurchaseValue: 10_000_000, TargetOutletSlots: 2,
			RealisedPurchaseValue: 6_000_000, RealisedIKMCount: 1, RealisedOutletSlots: 1, MeanRatio: mean(0.55)}},
		// 12/40 = 0.3, 1/3 IKM, 1/1 slot: mean 0.5444, partial.
		{"hotel", hotel, evalRow{Status: "partial", ReportStatus: "on_time", TargetPurchaseValue: 40_000_000, TargetIKMCount: 3,
			TargetOutletSlots: 1, RealisedPurchaseValue: 12_000_000, RealisedIKMCount: 1, RealisedOutletSlots: 1, MeanRatio: mean(0.5444)}},
		{"late", lateFactory, evalRow{Status: "not_reported", ReportStatus: "late", TargetPurchaseValue: 25_000_000, TargetIKMCount: 2,
			RealisedPurchaseValue: 60_000_000, RealisedIKMCount: 2, MeanRatio: mean(1)}},
		{"silent", silent, evalRow{Status: "not_reported", ReportStatus: "missing", TargetPurchaseValue: 25_000_000, TargetIKMCount: 2,
			MeanRatio: mean(0)}},
		{"excused", excused, evalRow{Status: "exempt", ReportStatus: "missing", TargetPurchaseValue: 25_000_000, TargetIKMCount: 2,
			MeanRatio: mean(0)}},
		{"registry exempt", registryExempt, evalRow{Status: "exempt", ReportStatus: "missing", TargetPurchaseValue: 15_000_000,
			TargetIKMCount: 3, TargetOutletSlots: 1, MeanRatio: mean(0)}},
		{"no obligation", other, evalRow{Status: "compliant", ReportStatus: "on_time"}},
	} {
		got := w.evaluation(tc.id, "2025-Q1")
		tc.want.BusinessID, tc.want.ComputedAt = tc.id, got.ComputedAt
		if fmt.Sprint(got.MeanRatio != nil, deref(got.MeanRatio)) != fmt.Sprint(tc.want.MeanRatio != nil, deref(tc.want.MeanRatio)) ||
			fmt.Sprintf("%+v", stripMean(got)) != fmt.Sprintf("%+v", stripMean(tc.want)) {
			t.Errorf("%s:\n got %+v mean %v\nwant %+v mean %v", tc.name, stripMean(got), deref(got.MeanRatio),
				stripMean(tc.want), deref(tc.want.MeanRatio))
		}
	}

	// The same data again: nothing written, computed_at untouched.
	before := w.evaluation(met, "2025-Q1").ComputedAt
	again := w.evaluate("2025-Q1", afterQ1Deadline.Add(time.Hour))
	if diff := cmp.Diff(compliance.EvaluationRun{Inserted: 0, Updated: 0, Unchanged: 8}, again,
		cmpopts.IgnoreFields(compliance.EvaluationRun{}, "Period", "RuleSet", "Businesses", "ByStatus", "Elapsed")); diff != "" {
		t.Errorf("re-run changed rows (-want +got):\n%s", diff)
	}
	if computed := w.evaluation(met, "2025-Q1").ComputedAt; !computed.Equal(before) {
		t.Errorf("re-run moved computed_at from %v to %v", before, computed)
	}
	// A late confirmation changes one row, in place.
	w.purchase(silent, ikm3, "2025-03-31", 1_000_000, "confirmed")
	third := w.evaluate("2025-Q1", afterQ1Deadline.Add(2*time.Hour))
	if third.Inserted != 0 || third.Updated != 1 || w.evaluation(silent, "2025-Q1").RealisedPurchaseValue != 1_000_000 {
		t.Errorf("after a late confirmation: %+v", third)
	}
}

func deref(f *float64) float64 {
	if f == nil {
		return -1
	}
	return *f
}

func stripMean(r evalRow) evalRow {
	r.MeanRatio, r.ComputedAt = nil, time.Time{}
	return r
}

func TestEvaluationRefusesEarlyOrWrongPeriods(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		period string
		now    time.Time
		code   string
	}{
		{"2025-Q1", time.Date(2025, 4, 15, 16, 59, 0, 0, time.UTC), "period_not_due"}, // 23:59 clock.WIB on the due day
		{"2025-03", afterQ1Deadline, "validation_failed"},                             // the rule set is quarterly
		{"2024-Q4", afterQ1Deadline, "no_rule_set"},
	} {
		_, err := compliance.CheckEvaluable(w.ctx, w.db, compliance.MustPeriod(tc.period), tc.now)
		if fe, ok := fault.As(err); !ok || fe.Code != tc.code {
			t.Errorf("%s at %s: %v, want %s", tc.period, tc.now, err, tc.code)
		}
	}
}

// TestEvaluatedParentsCannotBeDeleted: evaluations point at their business,
// rule set and exemption without a per-row foreign key (migration 00009);
// deleting, truncating or renumbering a parent they point at is refused as
// a foreign key would refuse it, and a parent nothing points at can still
// go.
func TestEvaluatedParentsCannotBeDeleted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	evaluated, excused, unevaluated := w.business("hotel"), w.business("hotel"), w.business("hotel")
	file := w.id(`INSERT INTO files (sha256, content_type, size_bytes, original_name, created_at)
		VALUES (repeat('a', 64), 'application/pdf', 1, 'surat.pdf', now()) RETURNING id`)
	exemption := w.id(`INSERT INTO exemptions (business_id, period, reason, document_file_id, granted_at)
		VALUES (?, '2025-Q1', 'Banjir', ?, now()) RETURNING id`, excused, file)
	w.exec("UPDATE businesses SET registered_at = '2025-06-01' WHERE id = ?", unevaluated) // after Q1
	w.evaluate("2025-Q1", afterQ1Deadline)

	var latest []string
	if err := w.db.Raw("SELECT period FROM evaluated_periods").Scan(&latest).Error; err != nil {
		t.Fatal(err)
	}
	if len(latest) != 1 || latest[0] != "2025-Q1" {
		t.Errorf("evaluated periods %v, want [2025-Q1]", latest)
	}

	// Nothing else points at these parents (the record of evaluated periods
	// would hold the rule set by its own foreign key).
	w.exec("DELETE FROM evaluated_periods")
	for _, tc := range []struct {
		what, sql string
		id        int64
	}{
		{"an evaluated business", "DELETE FROM businesses WHERE id = ?", evaluated},
		{"an exemption applied", "DELETE FROM exemptions WHERE id = ?", exemption},
		{"the rule set used", "DELETE FROM rule_sets WHERE id = (SELECT rule_set_id FROM evaluations WHERE business_id = ?)", evaluated},
	} {
		err := w.db.Exec(tc.sql, tc.id).Error
		if _, ok := database.ForeignKeyViolation(err); !ok || !strings.Contains(err.Error(), "evaluations") {
			t.Errorf("deleting %s: %v, want a foreign key violation naming evaluations", tc.what, err)
		}
	}
	for _, tc := range []struct{ what, sql string }{
		{"an evaluated business's id", fmt.Sprintf("UPDATE businesses SET id = id + 1000000 WHERE id = %d", evaluated)},
		{"every exemption", "TRUNCATE exemptions"},
	} {
		err := w.db.Exec(tc.sql).Error
		if _, ok := database.ForeignKeyViolation(err); !ok || !strings.Contains(err.Error(), "evaluations") {
			t.Errorf("changing %s: %v, want a foreign key violation naming evaluations", tc.what, err)
		}
	}
	// Under REPEATABLE READ a statement cannot see an evaluation committed
	// after its transaction began: the guard refuses to judge, and the
	// evaluation refuses to run.
	err := w.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").Error; err != nil {
			t.Fatal(err)
		}
		return tx.Exec("DELETE FROM businesses WHERE id = ?", unevaluated).Error
	})
	if err == nil || !strings.Contains(err.Error(), "READ COMMITTED") {
		t.Errorf("deleting under REPEATABLE READ: %v, want a refusal naming READ COMMITTED", err)
	}
	err = w.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").Error; err != nil {
			t.Fatal(err)
		}
		rs, err := compliance.CheckEvaluable(w.ctx, tx, compliance.MustPeriod("2025-Q1"), afterQ1Deadline)
		if err != nil {
			return err
		}
		_, err = compliance.Evaluate(w.ctx, tx, compliance.MustPeriod("2025-Q1"), rs, afterQ1Deadline)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "READ COMMITTED") {
		t.Errorf("evaluating under REPEATABLE READ: %v, want a refusal naming READ COMMITTED", err)
	}
	// Everything else still works: editing an evaluated business, deleting
	// one nothing points at.
	w.exec("UPDATE businesses SET name = 'PT Baru' WHERE id = ?", evaluated)
	w.exec("DELETE FROM businesses WHERE id = ?", unevaluated)
}

// paymentScenario records, for one restaurant (Rp5,000,000 from 1 IKM),
// eight Q1 purchases from eight IKM in every payment state, at the edges
// of Q1's report due date (15 April), and reports on time. Terms are the
// default 30 days.
func (w *world) paymentScenario() int64 {
	w.t.Helper()
	b := w.business("restaurant")
	buy := func(date string, amount int64, set string, args ...any) {
		id := w.purchase(b, w.ikm(), date, amount, "confirmed")
		if set != "" {
			w.exec(`UPDATE purchases SET `+set+` WHERE id = ?`, append(args, id)...)
		}
	}
	buy("2025-03-31", 1_000_000, "paid_date = '2025-04-15'") // paid on D: counts, on time
	buy("2025-01-05", 2_000_000, "paid_date = '2025-04-16'") // paid after D: overdue at D
	buy("2025-02-01", 3_000_000, "")                         // unpaid: overdue
	buy("2025-02-02", 4_000_000, `paid_date = '2025-02-10', ikm_payment = 'partial', ikm_paid_amount = 1000000,
		ikm_payment_on = '2025-02-11', ikm_payment_at = now()`) // disputed: not paid
	buy("2025-02-03", 5_000_000, "consignment = true, paid_date = '2025-03-01'")                                // consignment paid: counts
	buy("2025-02-04", 6_000_000, "consignment = true")                                                          // consignment unpaid: never counts
	buy("2025-03-01", 7_000_000, `ikm_payment = 'paid', ikm_payment_on = '2025-04-05', ikm_payment_at = now()`) // late
	buy("2025-02-06", 800_000, `paid_date = '2025-02-08', ikm_payment = 'unpaid', ikm_payment_on = '2025-02-09',
		ikm_payment_at = now(), payment_resolution = 'paid', payment_resolved_at = now(),
		payment_resolution_reason = 'bukti transfer'`) // settled by an officer: paid
	w.report(b, "2025-Q1", time.Date(2025, 4, 10, 3, 0, 0, 0, time.UTC))
	return b
}

type paymentRow struct {
	RealisedPurchaseValue int64
	RealisedIKMCount      int
	CountsWhen            string
	PaidOnTimeValue       int64
	PaidLateValue         int64
	OverdueValue          int64
	SharePaidOnTime       *float64
	RatioPaidOnTime       *float64
	Status                string
}

func (w *world) payments(business int64) paymentRow {
	w.t.Helper()
	evs, _, err := compliance.New(w.db, nil, nil).Evaluations(actor.With(w.ctx, actor.SystemActor),
		compliance.EvaluationFilter{BusinessID: business, Period: "2025-Q1"}, compliance.EvaluationPage{})
	if err != nil || len(evs) != 1 {
		w.t.Fatalf("evaluation of %d: %v %v", business, evs, err)
	}
	e := evs[0]
	return paymentRow{RealisedPurchaseValue: e.RealisedPurchaseValue, RealisedIKMCount: e.RealisedIKMCount,
		CountsWhen: e.CountsWhen, PaidOnTimeValue: e.PaidOnTimeValue, PaidLateValue: e.PaidLateValue,
		OverdueValue: e.OverdueValue, SharePaidOnTime: e.SharePaidOnTime, RatioPaidOnTime: e.RatioPaidOnTime,
		Status: e.Status}
}

func ptr(f float64) *float64 { return &f }

// TestEvaluationCountsWhenConfirmedOrPaid evaluates the same purchases
// under the shipped rule set (counts when confirmed) and under one that
// counts only what was paid by the report due date and asks half the
// rupiah paid on time.
func TestEvaluationCountsWhenConfirmedOrPaid(t *testing.T) {
	t.Parallel()
	t.Run("confirmed", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		b := w.paymentScenario()
		w.evaluate("2025-Q1", afterQ1Deadline)
		want := paymentRow{RealisedPurchaseValue: 22_800_000, RealisedIKMCount: 7, CountsWhen: "confirmed",
			PaidOnTimeValue: 6_800_000, PaidLateValue: 7_000_000, OverdueValue: 15_000_000,
			SharePaidOnTime: ptr(0.2361), Status: compliance.StatusCompliant}
		if diff := cmp.Diff(want, w.payments(b)); diff != "" {
			t.Errorf("under counts_when: confirmed (-want +got):\n%s", diff)
		}
	})
	t.Run("paid", func(t *testing.T) {
		t.Parallel()
		w := &world{t: t, db: dbtest.New(t), ctx: context.Background()}
		src := strings.Replace(string(readShipped(t)), "version: bekasi-2025", "version: bekasi-2025-lunas", 1) +
			"\ncounts_when: paid\nminimum_paid_on_time_percent: 50\n"
		if _, err := compliance.InstallRuleSet(w.ctx, w.db, []byte(src), compliance.OriginFile,
			time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		b := w.paymentScenario()
		w.evaluate("2025-Q1", afterQ1Deadline)
		// Paid by 15 April: Rp1,000,000 + 5,000,000 + 7,000,000 + 800,000
		// from 4 IKM. On time 23.61%, under the 50% asked: 0.4722 of it,
		// so partial (mean of 1, 1 and 0.4722).
		want := paymentRow{RealisedPurchaseValue: 13_800_000, RealisedIKMCount: 4, CountsWhen: "paid",
			PaidOnTimeValue: 6_800_000, PaidLateValue: 7_000_000, OverdueValue: 15_000_000,
			SharePaidOnTime: ptr(0.2361), RatioPaidOnTime: ptr(0.4722), Status: compliance.StatusPartial}
		if diff := cmp.Diff(want, w.payments(b)); diff != "" {
			t.Errorf("under counts_when: paid (-want +got):\n%s", diff)
		}
		// The company pays the unpaid ones by the due date: the on-time
		// share does not change (they were due long before), but what
		// counts does.
		w.exec(`UPDATE purchases SET paid_date = '2025-04-14' WHERE business_id = ? AND paid_on IS NULL
			AND ikm_payment IS NULL`, b)
		w.evaluate("2025-Q1", afterQ1Deadline)
		if got := w.payments(b); got.RealisedPurchaseValue != 13_800_000+3_000_000+6_000_000 || got.RealisedIKMCount != 6 ||
			got.PaidLateValue != 7_000_000+3_000_000+6_000_000 {
			t.Errorf("after paying late, by the due date: %+v", got)
		}
	})
}
