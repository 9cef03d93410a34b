package compliance_test

import (
	"testing"
	"time"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/clock"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want   string
		first, end string // first day, last day
		days       int
	}{
		{"2025-Q1", "2025-Q1", "2025-01-01", "2025-03-31", 90},
		{"2025-q4", "2025-Q4", "2025-10-01", "2025-12-31", 92},
		{"2024-Q1", "2024-Q1", "2024-01-01", "2024-03-31", 91},
		{"2025-03", "2025-03", "2025-03-01", "2025-03-31", 31},
		{"2024-02", "2024-02", "2024-02-01", "2024-02-29", 29},
		{"2025-S1", "2025-S1", "2025-01-01", "2025-06-30", 181},
		{" 2025-s2 ", "2025-S2", "2025-07-01", "2025-12-31", 184},
	} {
		p, err := compliance.ParsePeriod(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if p.String() != tc.want || p.FirstDay().Format(time.DateOnly) != tc.first ||
			p.LastDay().Format(time.DateOnly) != tc.end || p.Days() != tc.days {
			t.Errorf("%q: got %s %s..%s (%d days), want %s %s..%s (%d)", tc.in, p, p.FirstDay().Format(time.DateOnly),
				p.LastDay().Format(time.DateOnly), p.Days(), tc.want, tc.first, tc.end, tc.days)
		}
	}
	for _, bad := range []string{"", "2025", "2025-", "2025-Q0", "2025-Q5", "2025-13", "2025-00", "2025-3",
		"2025-S3", "25-Q1", "2025-Q+1", "2025-Q-1", "2025-X1", "abcd-Q1", "2025-Q1x", "2025-003"} {
		if p, err := compliance.ParsePeriod(bad); err == nil {
			t.Errorf("%q parsed as %s, want an error", bad, p)
		}
	}
}

func TestPeriodInstantsInWIB(t *testing.T) {
	t.Parallel()
	q1 := compliance.MustPeriod("2025-Q1")
	if got := q1.Start().UTC().Format(time.RFC3339); got != "2024-12-31T17:00:00Z" {
		t.Errorf("Q1 starts %s, want 00:00 clock.WIB on 1 January (17:00 UTC the day before)", got)
	}
	if got := q1.End().UTC().Format(time.RFC3339); got != "2025-03-31T17:00:00Z" {
		t.Errorf("Q1 ends %s, want 00:00 clock.WIB on 1 April", got)
	}
	for _, tc := range []struct {
		utc  string
		want string
	}{
		{"2025-03-31T16:30:00Z", "2025-Q1"}, // 23:30 clock.WIB on 31 March
		{"2025-03-31T16:59:59Z", "2025-Q1"}, // 23:59:59 clock.WIB
		{"2025-03-31T17:00:00Z", "2025-Q2"}, // midnight clock.WIB, 1 April
		{"2024-12-31T17:00:00Z", "2025-Q1"}, // midnight clock.WIB, 1 January
		{"2024-12-31T16:59:59Z", "2024-Q4"},
	} {
		at, _ := time.Parse(time.RFC3339, tc.utc)
		if got := compliance.PeriodContaining(compliance.Quarterly, at); got.String() != tc.want {
			t.Errorf("%s: period %s, want %s", tc.utc, got, tc.want)
		}
		if !compliance.MustPeriod(tc.want).Contains(at) {
			t.Errorf("%s: %s.Contains is false", tc.utc, tc.want)
		}
	}
	if got := compliance.PeriodContaining(compliance.Monthly, time.Date(2025, 3, 31, 16, 30, 0, 0, time.UTC)); got.String() != "2025-03" {
		t.Errorf("monthly: %s", got)
	}
	if got := compliance.PeriodContaining(compliance.Semester, time.Date(2025, 6, 30, 17, 0, 0, 0, time.UTC)); got.String() != "2025-S2" {
		t.Errorf("semester: %s", got)
	}
	if d := clock.DateIn(time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC)); d.Format(time.DateOnly) != "2025-04-01" {
		t.Errorf("DateIn: %s", d)
	}
}

func TestPeriodSteps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ p, next, prev string }{
		{"2025-Q1", "2025-Q2", "2024-Q4"},
		{"2025-Q4", "2026-Q1", "2025-Q3"},
		{"2025-12", "2026-01", "2025-11"},
		{"2025-01", "2025-02", "2024-12"},
		{"2025-S1", "2025-S2", "2024-S2"},
		{"2025-S2", "2026-S1", "2025-S1"},
	} {
		p := compliance.MustPeriod(tc.p)
		if p.Next().String() != tc.next || p.Prev().String() != tc.prev {
			t.Errorf("%s: next %s prev %s, want %s %s", p, p.Next(), p.Prev(), tc.next, tc.prev)
		}
	}
	q1 := compliance.MustPeriod("2025-Q1")
	if q1.Closed(time.Date(2025, 3, 31, 16, 59, 59, 0, time.UTC)) {
		t.Error("Q1 closed at 23:59:59 clock.WIB on 31 March")
	}
	if !q1.Closed(time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC)) {
		t.Error("Q1 not closed at 00:00 clock.WIB on 1 April")
	}
	if !q1.ContainsDate(time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)) || q1.ContainsDate(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("ContainsDate at the edges")
	}
	if q1.Label() != "Triwulan I 2025" || compliance.MustPeriod("2025-03").Label() != "Maret 2025" ||
		compliance.MustPeriod("2025-S2").Label() != "Semester II 2025" {
		t.Errorf("labels: %s, %s", q1.Label(), compliance.MustPeriod("2025-03").Label())
	}
}

func TestPeriodMismatch(t *testing.T) {
	t.Parallel()
	quarterly := compliance.RuleSet{Version: "2025.1", Period: compliance.Quarterly}
	for _, tc := range []struct {
		rules  compliance.RuleSet
		period string
		want   string
	}{
		{quarterly, "2025-Q2", ""},
		{quarterly, "2025-05", "aturan 2025.1 memakai periode triwulanan; tulis periode seperti 2025-Q2"},
		{compliance.RuleSet{Version: "2026.1", Period: compliance.Monthly}, "2025-S2",
			"aturan 2026.1 memakai periode bulanan; tulis periode seperti 2025-07"},
		{compliance.RuleSet{Version: "2027.1", Period: compliance.Semester}, "2025-Q4",
			"aturan 2027.1 memakai periode semesteran; tulis periode seperti 2025-S2"},
	} {
		if got := tc.rules.PeriodMismatch(compliance.MustPeriod(tc.period)); got != tc.want {
			t.Errorf("%s under %s: %q, want %q", tc.period, tc.rules.Period, got, tc.want)
		}
	}
}
