package compliance_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"
)

// totalsRow is one purchase_totals row, or the same figures recomputed from
// purchases.
type totalsRow struct {
	Period     string
	BusinessID int64
	Amount     int64
	IKMCount   int
}

// recomputedTotalsSQL derives purchase_totals from scratch: per month,
// quarter and semester, the net counted rupiah and the IKM whose counted
// purchases net above zero. Rows that net to nothing either way are left
// out on both sides.
const recomputedTotalsSQL = `
SELECT period, business_id, sum(net) AS amount, count(*) FILTER (WHERE net > 0) AS ikm_count
FROM (SELECT k.period, p.business_id, p.ikm_id, sum(p.amount) AS net
      FROM purchases p,
           LATERAL (VALUES (to_char(p.purchase_date, 'YYYY-MM')),
                           (to_char(p.purchase_date, 'YYYY-"Q"Q')),
                           (to_char(p.purchase_date, 'YYYY') || '-S' ||
                              CASE WHEN extract(month FROM p.purchase_date) <= 6 THEN '1' ELSE '2' END)) k (period)
      WHERE p.status = 'confirmed'
      GROUP BY 1, 2, 3) n
GROUP BY 1, 2
HAVING sum(net) <> 0 OR count(*) FILTER (WHERE net > 0) <> 0
ORDER BY 1, 2`

func (w *world) totals() (kept, recomputed []totalsRow) {
	w.t.Helper()
	if err := w.db.Raw(`SELECT period, business_id, amount, ikm_count FROM purchase_totals
		WHERE amount <> 0 OR ikm_count <> 0 ORDER BY 1, 2`).Scan(&kept).Error; err != nil {
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
	if err := w.db.Raw(`SELECT period, business_id, amount, ikm_count FROM purchase_totals
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
	for i := range 150 {
		switch op := rnd.IntN(5); {
		case op <= 1 || len(ids) == 0:
			status := []string{"reported", "confirmed"}[rnd.IntN(2)]
			date := time.Date(2025, time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			ids = append(ids, w.purchase(bizs[rnd.IntN(len(bizs))], ikms[rnd.IntN(len(ikms))], date,
				int64(1+rnd.IntN(50))*100_000, status))
		case op == 2:
			w.exec(`UPDATE purchases SET status = 'confirmed', confirmed_via = 'app', confirmed_at = now()
				WHERE id = ? AND status = 'reported'`, ids[rnd.IntN(len(ids))])
		case op == 3:
			w.exec(`UPDATE purchases SET status = 'rejected', confirmed_via = NULL, confirmed_at = NULL
				WHERE id = ? AND reverses_id IS NULL AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses_id = purchases.id)`,
				ids[rnd.IntN(len(ids))])
		default:
			orig := ids[rnd.IntN(len(ids))]
			w.exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
					confirmed_via, confirmed_at, reverses_id, reversal_reason, source, created_at, updated_at)
				SELECT business_id, ikm_id, 'REV-' || id, purchase_date, -amount, 'confirmed', now(), 'app', now(), id,
					'salah', 'manual', now(), now()
				FROM purchases p WHERE id = ? AND status = 'confirmed' AND reverses_id IS NULL
				  AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses_id = p.id)`, orig)
		}
		w.checkTotals(fmt.Sprintf("random step %d", i))
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
