package compliance_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
)

// totalsRow is one purchase_totals row, or the same figures recomputed from
// purchases.
type totalsRow struct {
	Period        string
	BusinessID    int64
	Amount        int64
	IKMCount      int
	PaidAmount    int64
	PaidIKMCount  int
	OnTimeAmount  int64
	LateAmount    int64
	OverdueAmount int64
}

const totalsColumns = `period, business_id, amount, ikm_count, paid_amount, paid_ikm_count,
	on_time_amount, late_amount, overdue_amount`

// recomputedTotalsSQL derives purchase_totals from scratch: per month,
// quarter and semester (with its last day, and D, its report due date: the
// 15th of the month after, as bekasi-2025 says), the net rupiah and the IKM
// whose purchases net above zero that count as confirmed (a consignment one
// only once paid by D) and as paid (by D), and the rupiah paid on time,
// late, and unpaid past due at D. Rows that net to nothing every way are
// left out on both sides.
const recomputedTotalsSQL = `
WITH k AS (
    SELECT x.period, x.last_day + 15 AS due, p.business_id, p.ikm_id, p.amount, p.consignment, p.paid_on, p.due_date
    FROM purchases p,
         LATERAL (VALUES (to_char(p.purchase_date, 'YYYY-MM'),
                          (date_trunc('month', p.purchase_date) + interval '1 month' - interval '1 day')::date),
                         (to_char(p.purchase_date, 'YYYY-"Q"Q'),
                          (date_trunc('quarter', p.purchase_date) + interval '3 months' - interval '1 day')::date),
                         (to_char(p.purchase_date, 'YYYY') || '-S' ||
                            CASE WHEN extract(month FROM p.purchase_date) <= 6 THEN '1' ELSE '2' END,
                          make_date(extract(year FROM p.purchase_date)::int,
                            CASE WHEN extract(month FROM p.purchase_date) <= 6 THEN 6 ELSE 12 END,
                            CASE WHEN extract(month FROM p.purchase_date) <= 6 THEN 30 ELSE 31 END))) x (period, last_day)
    WHERE p.status = 'confirmed'
),
n AS (
    SELECT period, business_id, ikm_id,
           coalesce(sum(amount) FILTER (WHERE NOT consignment OR paid_on <= due), 0) AS counted,
           coalesce(sum(amount) FILTER (WHERE paid_on <= due), 0) AS paid,
           coalesce(sum(amount) FILTER (WHERE paid_on <= due_date AND paid_on <= due), 0) AS on_time,
           coalesce(sum(amount) FILTER (WHERE paid_on > due_date AND paid_on <= due), 0) AS late,
           coalesce(sum(amount) FILTER (WHERE (paid_on IS NULL OR paid_on > due) AND due_date < due), 0) AS overdue
    FROM k GROUP BY 1, 2, 3
)
SELECT period, business_id, sum(counted) AS amount, count(*) FILTER (WHERE counted > 0) AS ikm_count,
       sum(paid) AS paid_amount, count(*) FILTER (WHERE paid > 0) AS paid_ikm_count,
       sum(on_time) AS on_time_amount, sum(late) AS late_amount, sum(overdue) AS overdue_amount
FROM n
GROUP BY 1, 2
HAVING sum(counted) <> 0 OR count(*) FILTER (WHERE counted > 0) <> 0 OR sum(paid) <> 0
    OR count(*) FILTER (WHERE paid > 0) <> 0 OR sum(on_time) <> 0 OR sum(late) <> 0 OR sum(overdue) <> 0
ORDER BY 1, 2`

func (w *world) totals() (kept, recomputed []totalsRow) {
	w.t.Helper()
	if err := w.db.Raw(`SELECT ` + totalsColumns + ` FROM purchase_totals
		WHERE amount <> 0 OR ikm_count <> 0 OR paid_amount <> 0 OR paid_ikm_count <> 0
		   OR on_time_amount <> 0 OR late_amount <> 0 OR overdue_amount <> 0 ORDER BY 1, 2`).Scan(&kept).Error; err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.Raw(recomputedTotalsSQL).Scan(&recomputed).Error; err != nil {
		w.t.Fatal(err)
	}
	return kept, recomputed
}

func (w *world) checkTotals(step string) {
	w.t.Helper()
	kept, recomputed := w.totals()
	if fmt.Sprint(kept) != fmt.Sprint(recomputed) {
		w.t.Fatalf("after %s: purchase_totals\n  %v\nwant (recomputed from purchases)\n  %v", step, kept, recomputed)
	}
}

func (w *world) totalsOf(business int64, period string) totalsRow {
	w.t.Helper()
	var r totalsRow
	if err := w.db.Raw(`SELECT `+totalsColumns+` FROM purchase_totals
		WHERE business_id = ? AND period = ?`, business, period).Scan(&r).Error; err != nil {
		w.t.Fatal(err)
	}
	return r
}

// TestPurchaseTotalsFollowEveryChange drives purchases through every way
// the application changes them (reported then confirmed, confirmed on
// entry, rejected, withdrawn, reversed, several rows in one
// statement, dates at period edges, a deletion) and after each step
// compares purchase_totals with the same figures recomputed from purchases.
func TestPurchaseTotalsFollowEveryChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hotel, mall := w.business("hotel"), w.business("modern_retail")
	ikm1, ikm2, ikm3 := w.ikm(), w.ikm(), w.ikm()

	a := w.purchase(hotel, ikm1, "2025-03-31", 5_000_000, "reported")
	w.checkTotals("a reported purchase")
	if got := w.totalsOf(hotel, "2025-Q1"); got.Amount != 0 || got.IKMCount != 0 {
		t.Fatalf("a reported purchase counted: %+v", got)
	}

	w.exec(`UPDATE purchases SET status = 'confirmed', confirmed_via = 'app', confirmed_at = now() WHERE id = ?`, a)
	w.checkTotals("confirming it")
	for _, p := range []string{"2025-03", "2025-Q1", "2025-S1"} {
		if got := w.totalsOf(hotel, p); got.Amount != 5_000_000 || got.IKMCount != 1 {
			t.Fatalf("%s after one confirmation: %+v", p, got)
		}
	}
	if got := w.totalsOf(hotel, "2025-Q2"); got.Amount != 0 {
		t.Fatalf("a 31 March purchase counted in Q2: %+v", got)
	}

	b := w.purchase(hotel, ikm1, "2025-04-01", 2_000_000, "confirmed")
	c := w.purchase(hotel, ikm2, "2025-04-02", 1_000_000, "confirmed")
	w.checkTotals("two purchases confirmed on entry")
	if got := w.totalsOf(hotel, "2025-Q2"); got.Amount != 3_000_000 || got.IKMCount != 2 {
		t.Fatalf("Q2: %+v", got)
	}
	if got := w.totalsOf(hotel, "2025-S1"); got.Amount != 8_000_000 || got.IKMCount != 2 {
		t.Fatalf("S1 counts IKM 1 once across quarters: %+v", got)
	}

	// A reversal nets IKM 2 to nothing in Q2: it stops counting.
	w.exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
			confirmed_via, confirmed_at, reverses_id, reversal_reason, source, created_at, updated_at)
		VALUES (?, ?, 'REV-C', '2025-04-02', -1000000, 'confirmed', now(), 'app', now(), ?, 'salah', 'manual', now(), now())`,
		hotel, ikm2, c)
	w.checkTotals("a reversal")
	if got := w.totalsOf(hotel, "2025-Q2"); got.Amount != 2_000_000 || got.IKMCount != 1 {
		t.Fatalf("Q2 after the reversal: %+v", got)
	}

	// Several rows in one statement, some counted before and some not.
	d := w.purchase(mall, ikm1, "2025-05-10", 700_000, "reported")
	e := w.purchase(mall, ikm3, "2025-05-11", 300_000, "reported")
	f := w.purchase(mall, ikm3, "2025-06-30", 400_000, "reported")
	w.exec(`UPDATE purchases SET status = CASE WHEN id = ? THEN 'rejected' ELSE 'confirmed' END,
			confirmed_via = 'officer', confirmed_at = now() WHERE id IN (?, ?, ?, ?)`, f, b, d, e, f)
	w.checkTotals("one statement over several rows")
	if got := w.totalsOf(mall, "2025-Q2"); got.Amount != 1_000_000 || got.IKMCount != 2 {
		t.Fatalf("mall Q2: %+v", got)
	}

	w.exec(`UPDATE purchases SET status = 'withdrawn', withdrawn_at = now(), confirmed_via = NULL, confirmed_at = NULL
		WHERE id = ?`, e)
	w.checkTotals("a counted purchase leaving the count")
	if got := w.totalsOf(mall, "2025-Q2"); got.Amount != 700_000 || got.IKMCount != 1 {
		t.Fatalf("mall Q2 after the withdrawal: %+v", got)
	}

	// Counted rows moved across a period edge, then deleted.
	w.exec(`UPDATE purchases SET purchase_date = '2025-07-01' WHERE id = ?`, d)
	w.checkTotals("a counted purchase moved into S2")
	w.exec(`DELETE FROM purchases WHERE id = ?`, d)
	w.checkTotals("a counted purchase deleted")

	// One statement that inserts and updates: an upsert fires the insert and
	// the update triggers, each seeing the nets the whole statement left.
	// IKM 1 stays one partner in August however the firings are ordered;
	// in the second, IKM 2 leaves as IKM 3 arrives.
	old := w.purchase(hotel, ikm1, "2025-08-05", 900_000, "confirmed")
	gone := w.purchase(hotel, ikm2, "2025-08-07", 300_000, "confirmed")
	upsert := `INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
			confirmed_via, confirmed_at, source, created_at, updated_at)
		SELECT business_id, ikm_id, invoice_number, purchase_date, amount, status, now(), 'app', now(), 'manual', now(), now()
		FROM (VALUES (?::bigint, ?::bigint, (SELECT invoice_number FROM purchases WHERE id = ?), ?::date, 1::bigint, 'confirmed'),
		             (?::bigint, ?::bigint, ?, ?::date, ?::bigint, 'confirmed')) v (business_id, ikm_id, invoice_number, purchase_date, amount, status)
		ON CONFLICT (business_id, invoice_number) DO UPDATE
		SET status = 'rejected', confirmed_via = NULL, confirmed_at = NULL`
	w.exec(upsert, hotel, ikm1, old, "2025-08-05", hotel, ikm1, "UPS-1", "2025-08-06", 400_000)
	w.checkTotals("an upsert replacing an IKM's purchase by another")
	if got := w.totalsOf(hotel, "2025-08"); got.Amount != 700_000 || got.IKMCount != 2 {
		t.Fatalf("August after the first upsert: %+v, want Rp700,000 from 2 IKM", got)
	}
	w.exec(upsert, hotel, ikm2, gone, "2025-08-07", hotel, ikm3, "UPS-2", "2025-08-08", 500_000)
	w.checkTotals("an upsert moving the count from one IKM to another")
	if got := w.totalsOf(hotel, "2025-08"); got.Amount != 900_000 || got.IKMCount != 2 {
		t.Fatalf("August after the second upsert: %+v, want Rp900,000 from 2 IKM", got)
	}

	// And many random changes, statement by statement.
	rnd := rand.New(rand.NewPCG(5, 8))
	bizs, ikms := []int64{hotel, mall, w.business("factory")}, []int64{ikm1, ikm2, ikm3, w.ikm()}
	var ids []int64
	for i := range 300 {
		pick := func() int64 { return ids[rnd.IntN(len(ids))] }
		switch op := rnd.IntN(10); {
		case op <= 1 || len(ids) == 0:
			status := []string{"reported", "confirmed"}[rnd.IntN(2)]
			date := time.Date(2025, time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			id := w.purchase(bizs[rnd.IntN(len(bizs))], ikms[rnd.IntN(len(ikms))], date,
				int64(1+rnd.IntN(50))*100_000, status)
			if rnd.IntN(4) == 0 {
				w.exec(`UPDATE purchases SET consignment = true, payment_days = ? WHERE id = ?`, rnd.IntN(61), id)
			}
			ids = append(ids, id)
		case op == 5 || op == 8:
			// The company marks it paid, some days after the purchase.
			w.exec(`UPDATE purchases SET paid_date = purchase_date + ?::int WHERE id = ? AND reverses_id IS NULL`,
				rnd.IntN(50), pick())
		case op == 6:
			// The IKM's word: paid, unpaid, or partly paid.
			word := []string{"paid", "unpaid", "partial"}[rnd.IntN(3)]
			w.exec(`UPDATE purchases SET ikm_payment = ?, ikm_payment_on = purchase_date + ?::int, ikm_payment_at = now(),
					ikm_paid_amount = CASE WHEN ? = 'partial' THEN amount / 2 END
				WHERE id = ? AND reverses_id IS NULL`, word, rnd.IntN(90), word, pick())
		case op == 7:
			// An officer resolves a payment dispute either way.
			if rnd.IntN(2) == 0 {
				w.exec(`UPDATE purchases SET payment_resolution = 'paid', payment_resolved_at = now(),
						payment_resolution_reason = 'bukti transfer'
					WHERE id = ? AND ikm_payment IN ('unpaid', 'partial') AND paid_date IS NOT NULL`, pick())
			} else {
				w.exec(`UPDATE purchases SET payment_resolution = 'unpaid', paid_date = NULL, payment_resolved_at = now(),
						payment_resolution_reason = 'belum ada bukti'
					WHERE id = ? AND ikm_payment IN ('unpaid', 'partial') AND paid_date IS NOT NULL`, pick())
			}
		case op == 2:
			w.exec(`UPDATE purchases SET status = 'confirmed', confirmed_via = 'app', confirmed_at = now()
				WHERE id = ? AND status = 'reported'`, pick())
		case op == 3:
			w.exec(`UPDATE purchases SET status = 'rejected', confirmed_via = NULL, confirmed_at = NULL
				WHERE id = ? AND reverses_id IS NULL AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses_id = purchases.id)`,
				pick())
		default:
			// A reversal carries its original's terms and payment.
			orig := pick()
			w.exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
					confirmed_via, confirmed_at, reverses_id, reversal_reason, source, created_at, updated_at,
					payment_days, consignment, paid_date)
				SELECT business_id, ikm_id, 'REV-' || id, purchase_date, -amount, 'confirmed', now(), 'app', now(), id,
					'salah', 'manual', now(), now(), payment_days, consignment, paid_on
				FROM purchases p WHERE id = ? AND status = 'confirmed' AND reverses_id IS NULL
				  AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses_id = p.id)`, orig)
		}
		w.checkTotals(fmt.Sprintf("random step %d", i))
	}
	// The random steps reached every kind of total, so each was compared.
	var reached struct{ Counted, Paid, OnTime, Late, Overdue, Consigned int }
	if err := w.db.Raw(`SELECT count(*) FILTER (WHERE amount <> paid_amount) AS counted,
			count(*) FILTER (WHERE paid_amount > 0) AS paid, count(*) FILTER (WHERE on_time_amount > 0) AS on_time,
			count(*) FILTER (WHERE late_amount > 0) AS late, count(*) FILTER (WHERE overdue_amount > 0) AS overdue,
			(SELECT count(*) FROM purchases WHERE consignment AND status = 'confirmed') AS consigned
		FROM purchase_totals`).Scan(&reached).Error; err != nil {
		t.Fatal(err)
	}
	if reached.Counted == 0 || reached.Paid == 0 || reached.OnTime == 0 || reached.Late == 0 || reached.Overdue == 0 ||
		reached.Consigned == 0 {
		t.Fatalf("the random steps left a kind of total untried: %+v", reached)
	}
}

// TestPurchaseTotalsUnderConcurrentConfirmations confirms, in two
// transactions open at the same time, the first two purchases a business
// makes from one IKM: neither sees the other's uncommitted row, yet the IKM
// must count once, not once per transaction.
func TestPurchaseTotalsUnderConcurrentConfirmations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hotel, ikm := w.business("hotel"), w.ikm()
	first := w.purchase(hotel, ikm, "2025-02-01", 1_000_000, "reported")
	second := w.purchase(hotel, ikm, "2025-02-02", 2_000_000, "reported")
	confirm := func(tx *gorm.DB, id int64) error {
		return tx.Exec(`UPDATE purchases SET status = 'confirmed', confirmed_via = 'app', confirmed_at = now()
			WHERE id = ?`, id).Error
	}

	tx1 := w.db.Begin()
	if err := confirm(tx1, first); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- w.db.Transaction(func(tx2 *gorm.DB) error { return confirm(tx2, second) })
	}()
	// The second confirmation waits for the first transaction's lock on the
	// hotel's totals; it must still be waiting after a moment.
	select {
	case err := <-done:
		tx1.Rollback()
		t.Fatalf("the second confirmation did not wait for the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit().Error; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal(errors.New("the second confirmation never finished"))
	}
	if got := w.totalsOf(hotel, "2025-Q1"); got.Amount != 3_000_000 || got.IKMCount != 1 {
		t.Fatalf("after two concurrent confirmations: %+v, want Rp3,000,000 from 1 IKM", got)
	}
	w.checkTotals("two concurrent confirmations")
}

// TestPurchaseTotalsKnowPayment: at the period's edges in WIB dates, what
// counts as confirmed and as paid, and the timeliness of payment, with a
// consignment delivery, a payment the IKM denies and one an officer
// settles.
func TestPurchaseTotalsKnowPayment(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hotel := w.business("hotel")
	ikm1, ikm2, ikm3 := w.ikm(), w.ikm(), w.ikm()
	// Q1's report is due on 15 April (bekasi-2025).
	onDue := w.purchase(hotel, ikm1, "2025-03-31", 1_000_000, "confirmed")
	w.exec(`UPDATE purchases SET paid_date = '2025-04-15' WHERE id = ?`, onDue) // 15 days: on time, by D
	afterDue := w.purchase(hotel, ikm2, "2025-01-02", 2_000_000, "confirmed")
	w.exec(`UPDATE purchases SET paid_date = '2025-04-16' WHERE id = ?`, afterDue) // late, after D
	consigned := w.purchase(hotel, ikm3, "2025-02-10", 4_000_000, "confirmed")
	w.exec(`UPDATE purchases SET consignment = true WHERE id = ?`, consigned) // unpaid: not counted at all
	w.checkTotals("payments at the edges")
	got := w.totalsOf(hotel, "2025-Q1")
	want := totalsRow{Period: "2025-Q1", BusinessID: hotel, Amount: 3_000_000, IKMCount: 2, PaidAmount: 1_000_000,
		PaidIKMCount: 1, OnTimeAmount: 1_000_000, OverdueAmount: 2_000_000 + 4_000_000}
	if got != want {
		t.Fatalf("Q1:\n got %+v\nwant %+v", got, want)
	}
	// March alone: its report is due 15 April too, so the same.
	if m := w.totalsOf(hotel, "2025-03"); m.PaidAmount != 1_000_000 || m.OnTimeAmount != 1_000_000 {
		t.Fatalf("March: %+v", m)
	}

	// The consignment goods sell and are paid on 5 April: they count, paid
	// late (terms of 30 days from 10 February).
	w.exec(`UPDATE purchases SET paid_date = '2025-04-05' WHERE id = ?`, consigned)
	got = w.totalsOf(hotel, "2025-Q1")
	if got.Amount != 7_000_000 || got.IKMCount != 3 || got.PaidAmount != 5_000_000 || got.LateAmount != 4_000_000 {
		t.Fatalf("after the consignment is paid: %+v", got)
	}
	// The IKM says it has not been paid: it stops counting as paid (and,
	// being consignment, at all) until an officer decides.
	w.exec(`UPDATE purchases SET ikm_payment = 'unpaid', ikm_payment_on = '2025-04-07', ikm_payment_at = now()
		WHERE id = ?`, consigned)
	if got = w.totalsOf(hotel, "2025-Q1"); got.Amount != 3_000_000 || got.PaidAmount != 1_000_000 || got.IKMCount != 2 {
		t.Fatalf("after the IKM denies the payment: %+v", got)
	}
	w.exec(`UPDATE purchases SET payment_resolution = 'paid', payment_resolved_at = now(),
		payment_resolution_reason = 'bukti transfer diperiksa' WHERE id = ?`, consigned)
	if got = w.totalsOf(hotel, "2025-Q1"); got.Amount != 7_000_000 || got.PaidAmount != 5_000_000 {
		t.Fatalf("after the officer settles it as paid: %+v", got)
	}
	w.checkTotals("a payment dispute and its resolution")
}

// TestRuleSetMovingTheDueDateRebuildsTotals: an amendment that makes
// reports due on the 5th instead of the 15th leaves a payment made on 10
// October outside Q3's paid total, as the evaluation under it must see.
func TestRuleSetMovingTheDueDateRebuildsTotals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hotel, ikm := w.business("hotel"), w.ikm()
	p := w.purchase(hotel, ikm, "2025-09-20", 3_000_000, "confirmed")
	w.exec(`UPDATE purchases SET paid_date = '2025-10-10' WHERE id = ?`, p)
	if got := w.totalsOf(hotel, "2025-Q3"); got.PaidAmount != 3_000_000 {
		t.Fatalf("paid by 15 October: %+v", got)
	}
	src := strings.Replace(strings.Replace(string(readShipped(t)), "version: bekasi-2025", "version: bekasi-2025-h2", 1),
		"effective_from: 2025-01-01", "effective_from: 2025-07-01", 1)
	src = strings.Replace(src, "report_due_day: 15", "report_due_day: 5", 1)
	if _, err := compliance.InstallRuleSet(w.ctx, w.db, []byte(src), compliance.OriginFile,
		time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := w.totalsOf(hotel, "2025-Q3"); got.PaidAmount != 0 || got.LateAmount != 0 || got.OverdueAmount != 0 {
		t.Fatalf("after the due day moved to the 5th: %+v (paid after D, not yet due at D)", got)
	}
	// Later changes follow the new date too.
	w.exec(`UPDATE purchases SET paid_date = '2025-10-04' WHERE id = ?`, p)
	if got := w.totalsOf(hotel, "2025-Q3"); got.PaidAmount != 3_000_000 || got.OnTimeAmount != 3_000_000 {
		t.Fatalf("paid on 4 October: %+v", got)
	}
}
