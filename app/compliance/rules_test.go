package compliance_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
)

const shippedRules = "../../config/rules/bekasi-2025.yaml"

func readShipped(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile(shippedRules)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestShippedRuleSetHasSpecDefaults(t *testing.T) {
	t.Parallel()
	rs, err := compliance.ParseRuleSet(readShipped(t))
	if err != nil {
		t.Fatal(err)
	}
	wantRS := compliance.RuleSet{
		Version:       "bekasi-2025",
		EffectiveFrom: compliance.Date{Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		Period:        compliance.Quarterly, ReportDueDay: 15, ConfirmationWindowDays: 14, ResponseWindowDays: 15,
		Thresholds: compliance.Thresholds{CompliantPercent: 100, PartialMeanPercent: 50},
		Ladder:     []string{"SP1", "SP2", "SP3", "recommendation"},
		LegalBasis: &compliance.LegalBasis{Regulation: "Peraturan Bupati Bekasi", Number: "12", Year: 2024,
			Title: "Kemitraan Usaha Besar dengan Industri Kecil dan Menengah", Article: "Pasal 15"},
	}
	// Minimums are checked below; the date is compared as the date it names.
	if diff := cmp.Diff(wantRS, rs, cmpopts.IgnoreFields(compliance.RuleSet{}, "Title", "Minimums"),
		cmp.Transformer("date", compliance.Date.String)); diff != "" {
		t.Errorf("rule set (-want +got):\n%s", diff)
	}
	want := map[string]compliance.Minimum{
		"industrial_estate": {100_000_000, 5, 2}, "factory": {25_000_000, 2, 0}, "hotel": {15_000_000, 3, 1},
		"restaurant": {5_000_000, 1, 0}, "modern_retail": {10_000_000, 0, 2}, "other": {},
	}
	for cat, m := range want {
		if rs.Minimum(cat) != m {
			t.Errorf("%s: %+v, want %+v", cat, rs.Minimum(cat), m)
		}
	}

	// Without the payment keys: 30 days to pay, and a purchase counts once
	// confirmed (today's behaviour).
	if rs.PaymentDays() != 30 || rs.CountsOnlyPaid() || rs.MinimumPaidOnTimePercent != 0 {
		t.Errorf("payment defaults: %d days, only paid %v, on-time minimum %d", rs.PaymentDays(), rs.CountsOnlyPaid(),
			rs.MinimumPaidOnTimePercent)
	}
	paid, err := compliance.ParseRuleSet(append(readShipped(t),
		"\npayment_due_days: 0\ncounts_when: paid\nminimum_paid_on_time_percent: 80\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if paid.PaymentDays() != 0 || !paid.CountsOnlyPaid() || paid.MinimumPaidOnTimePercent != 80 {
		t.Errorf("payment keys: %d days, only paid %v, on-time minimum %d", paid.PaymentDays(), paid.CountsOnlyPaid(),
			paid.MinimumPaidOnTimePercent)
	}

	q1 := compliance.MustPeriod("2025-Q1")
	if d := rs.ReportDueDate(q1); d.Format(time.DateOnly) != "2025-04-15" {
		t.Errorf("Q1 report due %s", d)
	}
	if d := rs.ReportDeadline(q1).UTC(); !d.Equal(time.Date(2025, 4, 15, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("Q1 report deadline %s, want 00:00 clock.WIB on 16 April", d)
	}
	if d := rs.ReportDueDate(compliance.MustPeriod("2025-Q4")); d.Format(time.DateOnly) != "2026-01-15" {
		t.Errorf("Q4 report due %s", d)
	}
	reported := time.Date(2025, 2, 1, 3, 0, 0, 0, time.UTC)
	if got := rs.ConfirmationDeadline(reported); !got.Equal(reported.Add(14 * 24 * time.Hour)) {
		t.Errorf("confirmation deadline %s", got)
	}
	// Decided at 23:30 clock.WIB on 1 May: day one of the window is still 1 May.
	decided := time.Date(2025, 5, 1, 16, 30, 0, 0, time.UTC)
	if d := rs.ResponseDueDate(decided); d.Format(time.DateOnly) != "2025-05-16" {
		t.Errorf("response due %s", d)
	}
	if d := rs.ResponseDeadline(decided).UTC(); !d.Equal(time.Date(2025, 5, 16, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("response deadline %s", d)
	}
}

func TestParseRuleSetNamesEveryBadKey(t *testing.T) {
	t.Parallel()
	valid := string(readShipped(t))
	for _, tc := range []struct {
		name   string
		edit   func(string) string
		fields []string
	}{
		{"unknown key", func(s string) string { return s + "\nextra_key: 1\n" }, []string{"extra_key"}},
		{"unknown nested key", func(s string) string {
			return strings.Replace(s, "compliant_percent: 100", "compliant_percent: 100\n  typo_percent: 3", 1)
		}, []string{"thresholds.typo_percent"}},
		{"wrong type in a flow mapping", func(s string) string {
			return strings.Replace(s, "ikm_count: 3", "ikm_count: tiga", 1)
		}, []string{"minimums.hotel.ikm_count"}},
		{"negative minimum", func(s string) string {
			return strings.Replace(s, "purchase_value: 5000000", "purchase_value: -5", 1)
		}, []string{"minimums.restaurant.purchase_value"}},
		{"missing category", func(s string) string {
			return strings.Replace(s, "  other:             {purchase_value: 0, ikm_count: 0, outlet_slots: 0}\n", "", 1)
		}, []string{"minimums.other"}},
		{"unknown category", func(s string) string {
			return strings.Replace(s, "minimums:\n", "minimums:\n  casino: {purchase_value: 1, ikm_count: 0, outlet_slots: 0}\n", 1)
		}, []string{"minimums.casino"}},
		{"several at once", func(s string) string {
			s = strings.Replace(s, "report_due_day: 15", "report_due_day: 31", 1)
			s = strings.Replace(s, "period: quarterly", "period: weekly", 1)
			s = strings.Replace(s, "effective_from: 2025-01-01", "effective_from: 2025-02-30", 1)
			return strings.Replace(s, "version: bekasi-2025", "version: Bekasi 2025", 1)
		}, []string{"version", "effective_from", "period", "report_due_day"}},
		{"thresholds upside down", func(s string) string {
			return strings.Replace(s, "compliant_percent: 100", "compliant_percent: 40", 1)
		}, []string{"thresholds.partial_mean_percent"}},
		{"ladder out of order", func(s string) string {
			return strings.Replace(s, "[SP1, SP2, SP3, recommendation]", "[SP1, SP3, recommendation]", 1)
		}, []string{"ladder[1]"}},
		{"ladder without recommendation", func(s string) string {
			return strings.Replace(s, "[SP1, SP2, SP3, recommendation]", "[SP1, SP2]", 1)
		}, []string{"ladder[1]"}},
		{"missing window", func(s string) string {
			return strings.Replace(s, "response_window_days: 15\n", "", 1)
		}, []string{"response_window_days"}},
		{"half a legal basis", func(s string) string {
			s = strings.Replace(s, "  number: \"12\"\n", "", 1)
			s = strings.Replace(s, "year: 2024", "year: 24", 1)
			return strings.Replace(s, "article: Pasal 15", "article: \" \"", 1)
		}, []string{"legal_basis.number", "legal_basis.year", "legal_basis.article"}},
		{"unknown legal basis key", func(s string) string {
			return strings.Replace(s, "article: Pasal 15", "article: Pasal 15\n  ayat: 2", 1)
		}, []string{"legal_basis.ayat"}},
		{"payment keys out of range", func(s string) string {
			return s + "\npayment_due_days: 365\ncounts_when: lunas\nminimum_paid_on_time_percent: 120\n"
		}, []string{"payment_due_days", "counts_when", "minimum_paid_on_time_percent"}},
		{"not YAML", func(string) string { return "version: [unclosed\n" }, []string{"(berkas)"}},
		{"empty", func(string) string { return "" }, []string{"(berkas)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compliance.ParseRuleSet([]byte(tc.edit(valid)))
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindInvalid {
				t.Fatalf("error %v, want a validation fault", err)
			}
			var got []string
			for _, f := range fe.Fields {
				got = append(got, f.Field)
				if f.Reason == "" {
					t.Errorf("%s: no reason", f.Field)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.fields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("fields %v, want %v (%v)", got, want, fe.Fields)
			}
		})
	}
}

func TestRuleSetStore(t *testing.T) {
	t.Parallel()
	ctx := actor.With(context.Background(), actor.Actor{UserID: 1, Username: "admin", Role: actor.RoleAdmin})
	db := dbtest.New(t)
	now := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	shipped := readShipped(t)
	if err := os.WriteFile(filepath.Join(dir, "bekasi-2025.yaml"), shipped, 0o644); err != nil {
		t.Fatal(err)
	}

	if _, err := compliance.RuleSetAt(ctx, db, now); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("before loading: %v, want not found", err)
	}
	res, err := compliance.LoadRuleFiles(ctx, db, dir, now)
	if err != nil || res != (compliance.LoadResult{Files: 1, Created: 1}) {
		t.Fatalf("first load: %+v %v", res, err)
	}
	// A comment edited in a version in force is not an amendment.
	if err := os.WriteFile(filepath.Join(dir, "bekasi-2025.yaml"), append([]byte("# dicetak ulang\n"), shipped...), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = compliance.LoadRuleFiles(ctx, db, dir, now)
	if err != nil || res != (compliance.LoadResult{Files: 1}) {
		t.Fatalf("second load: %+v %v", res, err)
	}

	// A version in force is never edited.
	edited := strings.Replace(string(shipped), "purchase_value: 5000000", "purchase_value: 6000000", 1)
	_, err = compliance.InstallRuleSet(ctx, db, []byte(edited), compliance.OriginUpload, now)
	if fe, ok := fault.As(err); !ok || fe.Code != "rule_set_in_force" {
		t.Fatalf("editing a version in force: %v", err)
	}
	// A new upload must take effect after today.
	amend := strings.Replace(edited, "version: bekasi-2025", "version: bekasi-2025-amend1", 1)
	past := strings.Replace(amend, "effective_from: 2025-01-01", "effective_from: 2025-06-01", 1)
	_, err = compliance.InstallRuleSet(ctx, db, []byte(past), compliance.OriginUpload, now)
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindInvalid || fe.Fields[0].Field != "effective_from" {
		t.Fatalf("retroactive upload: %v", err)
	}
	future := strings.Replace(amend, "effective_from: 2025-01-01", "effective_from: 2025-07-01", 1)
	out, err := compliance.InstallRuleSet(ctx, db, []byte(future), compliance.OriginUpload, now)
	if err != nil || !out.Created || out.RuleSet.LoadedBy != 1 {
		t.Fatalf("amendment: %+v %v", out, err)
	}
	// Not yet in force, so it may still be replaced; the same date twice may not.
	replaced := strings.Replace(future, "purchase_value: 6000000", "purchase_value: 7000000", 1)
	if out, err := compliance.InstallRuleSet(ctx, db, []byte(replaced), compliance.OriginUpload, now); err != nil || !out.Replaced {
		t.Fatalf("replacing a future version: %+v %v", out, err)
	}
	twin := strings.Replace(replaced, "version: bekasi-2025-amend1", "version: bekasi-2025-twin", 1)
	if _, err := compliance.InstallRuleSet(ctx, db, []byte(twin), compliance.OriginUpload, now); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("same effective date: %v", err)
	}

	for _, tc := range []struct {
		day     time.Time
		version string
		min     int64
	}{
		{time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), "bekasi-2025", 5_000_000},
		{time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), "bekasi-2025-amend1", 7_000_000},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "bekasi-2025-amend1", 7_000_000},
	} {
		rs, err := compliance.RuleSetAt(ctx, db, tc.day)
		if err != nil || rs.Version != tc.version || rs.Minimum("restaurant").PurchaseValue != tc.min {
			t.Errorf("%s: %s %d %v, want %s", tc.day.Format(time.DateOnly), rs.Version, rs.Minimum("restaurant").PurchaseValue, err, tc.version)
		}
	}
	if rs, err := compliance.RuleSetFor(ctx, db, compliance.MustPeriod("2025-Q3")); err != nil || rs.Version != "bekasi-2025-amend1" {
		t.Errorf("Q3 is judged by %s (%v)", rs.Version, err)
	}
	if rs, err := compliance.RuleSetFor(ctx, db, compliance.MustPeriod("2025-Q2")); err != nil || rs.Version != "bekasi-2025" {
		t.Errorf("Q2 is judged by %s (%v)", rs.Version, err)
	}

	var events []string
	db.Raw("SELECT action || ' ' || entity_id || ' ' || actor FROM audit_events ORDER BY id").Scan(&events)
	want := []string{"rule_set.create bekasi-2025 admin", "rule_set.create bekasi-2025-amend1 admin", "rule_set.replace bekasi-2025-amend1 admin"}
	if !slices.Equal(events, want) {
		t.Errorf("audit events %q, want %q", events, want)
	}
}

func TestLoadRuleFilesNamesTheFileAndKey(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	dir := t.TempDir()
	src := strings.Replace(string(readShipped(t)), "ikm_count: 5", "ikm_count: -1", 1)
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := compliance.LoadRuleFiles(context.Background(), db, dir, time.Now())
	if err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "minimums.industrial_estate.ikm_count") {
		t.Fatalf("error %v, want the file and key named", err)
	}
	var n int64
	db.Table("rule_sets").Count(&n)
	if n != 0 {
		t.Errorf("%d rule sets stored from a bad file", n)
	}
}

// withoutLegalBasis is the shipped file as it was before it named its
// regulation.
func withoutLegalBasis(t *testing.T) []byte {
	t.Helper()
	src := string(readShipped(t))
	i := strings.Index(src, "\n# The regulation these numbers come from")
	if i < 0 {
		t.Fatal("the shipped rule set has no legal basis block")
	}
	return []byte(src[:i+1])
}

// TestLegalBasis: a rule set names the Perbup its numbers come from; an
// old file without it still loads (its letters fall back to the Perbup
// without a number), a written number is read as text, and the instrument
// defaults to "Peraturan Bupati".
func TestLegalBasis(t *testing.T) {
	t.Parallel()
	rs, err := compliance.ParseRuleSet(readShipped(t))
	if err != nil {
		t.Fatal(err)
	}
	want := "Peraturan Bupati Bekasi Nomor 12 Tahun 2024 tentang Kemitraan Usaha Besar dengan Industri Kecil dan Menengah"
	if rs.LegalBasis == nil || rs.LegalBasis.Citation() != want || rs.LegalBasis.Article != "Pasal 15" {
		t.Fatalf("legal basis %+v", rs.LegalBasis)
	}
	old, err := compliance.ParseRuleSet(withoutLegalBasis(t))
	if err != nil || old.LegalBasis != nil {
		t.Fatalf("a file without a legal basis: %+v %v", old.LegalBasis, err)
	}
	plain := strings.Replace(string(readShipped(t)), "  regulation: Peraturan Bupati Bekasi\n", "", 1)
	plain = strings.Replace(plain, `number: "12"`, "number: 12", 1)
	rs, err = compliance.ParseRuleSet([]byte(plain))
	if err != nil || rs.LegalBasis.Regulation != compliance.DefaultRegulation || rs.LegalBasis.Number != "12" {
		t.Fatalf("defaults: %+v %v", rs.LegalBasis, err)
	}
}

// TestLegalBasisOfAVersionInForce: an installation that loaded the shipped
// file before it had a legal basis takes the legal basis on the next start
// (the same numbers now citing their regulation), with an audit event;
// changing a legal basis once recorded is an amendment, refused like any
// other edit of a version in force.
func TestLegalBasisOfAVersionInForce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	file := filepath.Join(dir, "bekasi-2025.yaml")
	if err := os.WriteFile(file, withoutLegalBasis(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := compliance.LoadRuleFiles(ctx, db, dir, now); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, readShipped(t), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := compliance.LoadRuleFiles(ctx, db, dir, now)
	if err != nil || res != (compliance.LoadResult{Files: 1, Replaced: 1}) {
		t.Fatalf("loading the cited file: %+v %v", res, err)
	}
	rs, err := compliance.RuleSetByVersion(ctx, db, "bekasi-2025")
	if err != nil || rs.LegalBasis == nil || rs.LegalBasis.Number != "12" || rs.Minimum("restaurant").PurchaseValue != 5_000_000 {
		t.Fatalf("stored: %+v %v", rs.LegalBasis, err)
	}
	if res, err := compliance.LoadRuleFiles(ctx, db, dir, now); err != nil || res != (compliance.LoadResult{Files: 1}) {
		t.Errorf("loading it again: %+v %v", res, err)
	}
	var events []string
	db.Raw("SELECT action FROM audit_events ORDER BY id").Scan(&events)
	if !slices.Equal(events, []string{"rule_set.create", "rule_set.cite"}) {
		t.Errorf("audit events %q", events)
	}

	for name, src := range map[string]string{
		"another article":               strings.Replace(string(readShipped(t)), "article: Pasal 15", "article: Pasal 16", 1),
		"a legal basis and new numbers": strings.Replace(string(readShipped(t)), "purchase_value: 5000000", "purchase_value: 6000000", 1),
	} {
		_, err := compliance.InstallRuleSet(ctx, db, []byte(src), compliance.OriginUpload, now)
		if fe, ok := fault.As(err); !ok || fe.Code != "rule_set_in_force" {
			t.Errorf("%s: %v, want 409 rule_set_in_force", name, err)
		}
	}
}
