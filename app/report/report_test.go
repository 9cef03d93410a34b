package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
)

// world is a database with the shipped rule set and a report service on a
// settable clock. Records are written with SQL the way their own packages
// store them: this package only reads them.
type world struct {
	t   *testing.T
	db  *gorm.DB
	clk *clock.Fixed
	s   *Service
	ctx context.Context // an officer
}

func newWorld(t *testing.T, now time.Time) *world {
	t.Helper()
	db := dbtest.New(t)
	if _, err := compliance.LoadRuleFiles(context.Background(), db, "../../config/rules", now); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFixed(now)
	w := &world{t: t, db: db, clk: clk, s: New(db, clk, nil),
		ctx: actor.With(context.Background(), actor.Actor{UserID: 1, Username: "petugas", Role: actor.RoleOfficer})}
	t.Cleanup(w.s.background.Wait) // before the database goes
	return w
}

func (w *world) id(q string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.Raw(q, args...).Row().Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (w *world) business(name, category string) int64 {
	return dbtest.AddBusiness(w.t, w.db, dbtest.Business{Name: name, Category: category})
}

func (w *world) ikm() int64 {
	return dbtest.AddIKM(w.t, w.db, dbtest.IKM{CreatedAt: "2024-01-01"})
}

// confirmed records a purchase counted since confirmedAt.
func (w *world) confirmed(business, ikm int64, date string, amount int64, confirmedAt time.Time) {
	w.id(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
			confirmed_via, confirmed_at, source, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'confirmed', ?, 'app', ?, 'manual', ?, ?) RETURNING id`,
		business, ikm, fmt.Sprintf("INV-%d", rand.Int64()), date, amount, confirmedAt, confirmedAt, confirmedAt, confirmedAt)
}

// evaluation writes a business's evaluation for 2025-Q1 directly.
func (w *world) evaluation(business int64, status string, target, realised int64) {
	w.id(`INSERT INTO evaluations (business_id, period, period_start, period_end, rule_set_id, category,
			target_purchase_value, target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count,
			realised_outlet_slots, mean_ratio, status, report_status, computed_at)
		SELECT ?, '2025-Q1', '2025-01-01', '2025-03-31', id, 'factory', ?, 0, 0, ?, 0, 0,
			least(?::numeric / ?, 1), ?, 'on_time', now()
		FROM rule_sets WHERE version = 'bekasi-2025' RETURNING id`, business, target, realised, realised, target, status)
}

func (w *world) purchaseValue(period string) int64 {
	w.t.Helper()
	st, err := w.s.Stats(w.ctx, period)
	if err != nil {
		w.t.Fatal(err)
	}
	if st.PurchaseValue != st.IKM.PurchaseValue {
		w.t.Errorf("total %d and IKM total %d differ", st.PurchaseValue, st.IKM.PurchaseValue)
	}
	return st.PurchaseValue
}

// The IKM figures come from a snapshot that follows new confirmations: a
// snapshot is not checked again within a minute; a stale one is served as
// it is while it is rebuilt in the background; and a confirmation stamped
// shortly before a rebuild (that may have committed after it) still counts
// as news.
func TestIKMActivitySnapshotFollowsConfirmations(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 4, 20, 1, 0, 0, 0, time.UTC)
	w := newWorld(t, now)
	b, i := w.business("PT Uji", "factory"), w.ikm()
	w.confirmed(b, i, "2025-02-01", 1_000_000, now.Add(-30*24*time.Hour))

	// The first read of a period builds its snapshot.
	if got := w.purchaseValue("2025-Q1"); got != 1_000_000 {
		t.Fatalf("first read %d", got)
	}
	w.confirmed(b, i, "2025-03-01", 2_000_000, now)
	if got := w.purchaseValue("2025-Q1"); got != 1_000_000 {
		t.Errorf("within the minute %d, want the snapshot's 1,000,000", got)
	}
	w.clk.Advance(2 * time.Minute)
	if got := w.purchaseValue("2025-Q1"); got != 1_000_000 {
		t.Errorf("stale read %d, want the snapshot's 1,000,000 while it is rebuilt", got)
	}
	w.s.background.Wait()
	if got := w.purchaseValue("2025-Q1"); got != 3_000_000 {
		t.Errorf("after the rebuild %d, want 3,000,000", got)
	}
	// Stamped five minutes before the last rebuild but committed after it.
	w.confirmed(b, i, "2025-03-02", 4_000_000, w.clk.Now().Add(-5*time.Minute))
	w.clk.Advance(2 * time.Minute)
	w.purchaseValue("2025-Q1")
	w.s.background.Wait()
	if got := w.purchaseValue("2025-Q1"); got != 7_000_000 {
		t.Errorf("late commit: %d, want 7,000,000", got)
	}

	// Another period's purchase does not make Q1 stale, and Q1 is not
	// rebuilt when nothing of it changed (once the last confirmation is
	// older than the margin before the snapshot).
	w.clk.Advance(activityMargin + time.Minute)
	w.purchaseValue("2025-Q1")
	w.s.background.Wait()
	// A rebuild writes new rows; a check that finds nothing only moves the
	// snapshot's time.
	rowVersion := func() string {
		var v string
		w.db.Raw("SELECT string_agg(xmin::text, ',') FROM ikm_activity WHERE period = '2025-Q1'").Row().Scan(&v)
		return v
	}
	before := rowVersion()
	w.clk.Advance(20 * time.Minute)
	w.confirmed(b, i, "2025-04-02", 8_000_000, w.clk.Now())
	w.clk.Advance(2 * time.Minute)
	if got := w.purchaseValue("2025-Q1"); got != 7_000_000 {
		t.Errorf("Q1 after a Q2 purchase %d", got)
	}
	w.s.background.Wait()
	if after := rowVersion(); after != before {
		t.Errorf("Q1 rebuilt without a change: rows %s → %s", before, after)
	}
	var checked time.Time
	w.db.Raw("SELECT computed_at FROM ikm_activity_snapshots WHERE period = '2025-Q1'").Row().Scan(&checked)
	if !checked.Equal(w.clk.Now()) {
		t.Errorf("checked snapshot dated %v, want now (%v)", checked, w.clk.Now())
	}
	if got := w.purchaseValue("2025-Q2"); got != 8_000_000 {
		t.Errorf("Q2 %d", got)
	}
}

func TestPublicStatsAreCachedForFiveMinutes(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 4, 20, 1, 0, 0, 0, time.UTC)
	w := newWorld(t, now)
	b := w.business("PT Uji", "factory")
	w.evaluation(b, "compliant", 25_000_000, 30_000_000)
	anon := context.Background()
	st, err := w.s.PublicStats(anon, "")
	if err != nil || st.Period.String() != "2025-Q1" || st.Evaluated != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	w.evaluation(w.business("PT Dua", "factory"), "non_compliant", 25_000_000, 0)
	if st, _ := w.s.PublicStats(anon, ""); st.Evaluated != 1 {
		t.Errorf("cached answer changed to %d", st.Evaluated)
	}
	w.clk.Advance(PublicMaxAge)
	if st, _ := w.s.PublicStats(anon, ""); st.Evaluated != 2 {
		t.Errorf("after five minutes %d, want 2", st.Evaluated)
	}
	// Staff statistics are for staff.
	if _, err := w.s.Stats(anon, ""); err == nil {
		t.Error("anonymous Stats answered")
	}
}

func TestPublicGroupsSuppressSmallOnes(t *testing.T) {
	t.Parallel()
	g := func(key string, base int64) GroupStats {
		return GroupStats{Key: key, Evaluated: base, Rate: newRate(base, base/2)}
	}
	for _, tc := range []struct {
		name   string
		groups []GroupStats
		hidden []string
	}{
		{"all large", []GroupStats{g("a", 10), g("b", 5)}, nil},
		{"empty groups are not suppressed", []GroupStats{g("a", 10), g("b", 0)}, nil},
		{"one small hides the smallest other too", []GroupStats{g("a", 20), g("b", 2), g("c", 9), g("d", 0)}, []string{"b", "c"}},
		{"two small are enough", []GroupStats{g("a", 20), g("b", 2), g("c", 4)}, []string{"b", "c"}},
		{"a lone small group", []GroupStats{g("a", 3)}, []string{"a"}},
	} {
		out := publicGroups(tc.groups)
		var hidden []string
		for _, p := range out {
			if p.Suppressed {
				hidden = append(hidden, p.Key)
				if p.Rate != nil {
					t.Errorf("%s: %s suppressed with a rate", tc.name, p.Key)
				}
			} else if p.Evaluated > 0 && p.Rate == nil {
				t.Errorf("%s: %s published without a rate", tc.name, p.Key)
			}
		}
		if fmt.Sprint(hidden) != fmt.Sprint(tc.hidden) {
			t.Errorf("%s: hidden %v, want %v", tc.name, hidden, tc.hidden)
		}
	}
}

func TestDecodeCursorRefusesForgedValues(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	shortfall := listSorts["shortfall"]
	for _, tc := range []struct {
		cursor string
		cols   []sortCol
		ok     bool
	}{
		{enc(`[25000000, 2, 0.50, 17]`), shortfall, true},
		{enc(`["x", 2, 0, 17]`), shortfall, false},
		{enc(`[1, 2, 3]`), shortfall, false},
		{enc(`[1, 2, 3, "1; DROP TABLE x"]`), shortfall, false},
		{enc(`[1, 2, 3, 1.5]`), shortfall, false},
		{enc(`[1, 2, 3, null]`), shortfall, false},
		{enc(`["infinity", 4]`), listSorts["deadline"], true},
		{enc(`["2025-05-08T00:00:00+07:00", 4]`), listSorts["deadline"], true},
		{enc(`["besok", 4]`), listSorts["deadline"], false},
		{enc(`["pt alpha", 4]`), listSorts["name"], true},
		{"%%%", shortfall, false},
	} {
		_, err := decodeCursor(tc.cursor, tc.cols)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok %v", tc.cursor, err, tc.ok)
		}
	}
}

// The export writes the same rows in the same order as the list's pages,
// and text a spreadsheet would run as a formula is defused.
func TestCSVExportMatchesTheListAndDefusesFormulas(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2025, 4, 20, 1, 0, 0, 0, time.UTC))
	names := []string{"=HYPERLINK(\"http://x\")", "+62 Usaha", "@Usaha", "-Usaha Minus", "PT Biasa"}
	for i, n := range names {
		w.evaluation(w.business(n, "factory"), "non_compliant", 25_000_000, int64(i)*1_000_000)
	}
	var paged []string
	cursor := ""
	for {
		l, err := w.s.SanctionList(w.ctx, ListFilter{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range l.Rows {
			paged = append(paged, r.Name)
		}
		if cursor = l.Next; cursor == "" {
			break
		}
	}
	x, err := w.s.PrepareExport(w.ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.WriteCSV(w.ctx, &buf, CSVPlain); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), utf8BOM))).ReadAll()
	if err != nil || len(records) != len(names)+1 {
		t.Fatalf("%d records: %v", len(records), err)
	}
	for i, name := range paged {
		got := records[i+1][1]
		want := name
		if c := name[0]; c == '=' || c == '+' || c == '@' || c == '-' {
			want = "'" + name
		}
		if got != want {
			t.Errorf("row %d: %q, want %q", i+1, got, want)
		}
	}
	// Largest shortfall first: the business that bought nothing.
	if paged[0] != names[0] || paged[len(paged)-1] != names[len(names)-1] {
		t.Errorf("order %v", paged)
	}
}

// A company user reading the list through the domain sees its own business
// only (the API's permission table keeps it out in the first place).
func TestSanctionListIsScoped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2025, 4, 20, 1, 0, 0, 0, time.UTC))
	own, other := w.business("PT Sendiri", "factory"), w.business("PT Lain", "factory")
	w.evaluation(own, "non_compliant", 25_000_000, 0)
	w.evaluation(other, "non_compliant", 25_000_000, 0)
	for _, tc := range []struct {
		who  actor.Actor
		want int64
	}{
		{actor.Actor{UserID: 1, Role: actor.RoleReviewer}, 2},
		{actor.Actor{UserID: 2, Role: actor.RoleCompany, BusinessID: own}, 1},
		{actor.Actor{UserID: 3, Role: actor.RoleIKM, IKMID: 1}, 0},
		{actor.Actor{}, 0},
	} {
		l, err := w.s.SanctionList(actor.With(context.Background(), tc.who), ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != tc.want || int64(len(l.Rows)) != tc.want || (tc.want == 1 && l.Rows[0].BusinessID != own) {
			t.Errorf("%+v: %d rows", tc.who, l.Total)
		}
	}
}

// TestPaymentStatistics: the share of rupiah paid on time comes from the
// evaluations, the median days to payment from the purchases; public
// figures hide a category of fewer than five businesses (and, it being the
// only one hidden, the smallest published one).
func TestPaymentStatistics(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2025, 4, 20, 3, 0, 0, 0, time.UTC))
	ikm := w.ikm()
	at := time.Date(2025, 3, 1, 3, 0, 0, 0, time.UTC)
	// Six factories: each bought twice, paid after 10 and 40 days.
	for i := range 6 {
		b := w.business(fmt.Sprintf("PT Pabrik %d", i), "factory")
		w.evaluation(b, "compliant", 10_000_000, 10_000_000)
		w.confirmed(b, ikm, "2025-02-01", 1_000_000, at)
		w.confirmed(b, ikm, "2025-02-02", 1_000_000, at)
		w.id(`UPDATE purchases SET paid_date = purchase_date + CASE WHEN purchase_date = '2025-02-01' THEN 10 ELSE 40 END
			WHERE business_id = ? RETURNING 1`, b)
	}
	// Two hotels: paid after 2 days.
	for i := range 2 {
		b := w.business(fmt.Sprintf("Hotel %d", i), "hotel")
		w.evaluation(b, "compliant", 10_000_000, 10_000_000)
		w.id(`UPDATE evaluations SET category = 'hotel' WHERE business_id = ? RETURNING id`, b)
		w.confirmed(b, ikm, "2025-02-03", 1_000_000, at)
		w.id(`UPDATE purchases SET paid_date = purchase_date + 2 WHERE business_id = ? RETURNING 1`, b)
	}

	st, err := w.s.Stats(w.ctx, "2025-Q1")
	if err != nil {
		t.Fatal(err)
	}
	share := func(f *float64) string {
		if f == nil {
			return "nil"
		}
		return fmt.Sprintf("%.4f", *f)
	}
	o := st.Payment.Overall
	// Paid within the 30 days' terms: the six factories' first purchases and
	// the hotels' (8 million); late, by the report due date: the factories'
	// second (6 million). 14 purchases paid, median of two 2s, six 10s and
	// six 40s: 10.
	if o.OnTime != 8_000_000 || o.Late != 6_000_000 || o.Overdue != 0 || share(o.Share) != "0.5714" ||
		o.Paid != 14 || o.MedianDays == nil || *o.MedianDays != 10 || o.Businesses != 8 {
		t.Errorf("overall: %+v share %s", o, share(o.Share))
	}
	byCat := map[string]PaymentGroup{}
	for _, g := range st.Payment.ByCategory {
		byCat[g.Key] = g
	}
	if f := byCat["factory"]; share(f.Share) != "0.5000" || f.MedianDays == nil || *f.MedianDays != 25 || f.Payers != 6 {
		t.Errorf("factories: %+v", f)
	}
	if h := byCat["hotel"]; share(h.Share) != "1.0000" || h.MedianDays == nil || *h.MedianDays != 2 || h.Suppressed {
		t.Errorf("hotels for staff: %+v", h)
	}

	pub, err := w.s.PublicStats(context.Background(), "2025-Q1")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range pub.Payment.ByCategory {
		switch g.Key {
		case "hotel", "factory": // two hotels; the factories, the smallest published group, with them
			if !g.Suppressed || g.Share != nil || g.MedianDays != nil || g.OnTime != 0 {
				t.Errorf("public %s not suppressed: %+v", g.Key, g)
			}
		}
	}
	if pub.Payment.Overall.Share == nil || share(pub.Payment.Overall.Share) != "0.5714" {
		t.Errorf("public overall: %+v", pub.Payment.Overall)
	}
}
