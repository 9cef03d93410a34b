// Package compliance holds the Perbup as configuration (rule set versions),
// the reporting periods it speaks of, and the evaluation of every business
// against them. Periods, deadlines and windows are computed in Asia/Jakarta.
package compliance

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/format"
)

// PeriodKind is how long a reporting period is.
type PeriodKind string

const (
	Quarterly PeriodKind = "quarterly" // 2025-Q1
	Monthly   PeriodKind = "monthly"   // 2025-03
	Semester  PeriodKind = "semester"  // 2025-S1
)

// Valid reports whether k is a known kind.
func (k PeriodKind) Valid() bool { return k == Quarterly || k == Monthly || k == Semester }

// months is how many months one period of k spans.
func (k PeriodKind) months() int {
	switch k {
	case Monthly:
		return 1
	case Semester:
		return 6
	default:
		return 3
	}
}

// Name is the kind as a person reads it (bulanan, triwulanan, semesteran).
func (k PeriodKind) Name() string {
	switch k {
	case Monthly:
		return "bulanan"
	case Semester:
		return "semesteran"
	default:
		return "triwulanan"
	}
}

// count is how many periods of k a year holds.
func (k PeriodKind) count() int { return 12 / k.months() }

// Period is one reporting period, such as 2025-Q1. The zero value is not a
// period; use ParsePeriod, PeriodOf or PeriodContaining.
type Period struct {
	Year int
	Kind PeriodKind
	N    int // 1-based: quarter 1–4, month 1–12, semester 1–2
}

// ParsePeriod reads "2025-Q1", "2025-03" or "2025-S1" (letters in either case).
func ParsePeriod(s string) (Period, error) {
	bad := fmt.Errorf("periode %q tidak dikenal: tulis seperti 2025-Q1, 2025-03 atau 2025-S1", s)
	year, rest, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok || len(year) != 4 || rest == "" {
		return Period{}, bad
	}
	y, err := strconv.Atoi(year)
	if err != nil || y < 2000 || y > 2999 {
		return Period{}, bad
	}
	p := Period{Year: y}
	digits := rest
	switch {
	case rest[0] == 'Q' || rest[0] == 'q':
		p.Kind, digits = Quarterly, rest[1:]
	case rest[0] == 'S' || rest[0] == 's':
		p.Kind, digits = Semester, rest[1:]
	default:
		p.Kind = Monthly
		if len(digits) != 2 {
			return Period{}, bad
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' || n < 1 || n > p.Kind.count() {
		return Period{}, bad
	}
	p.N = n
	return p, nil
}

// MustPeriod is ParsePeriod for literals known to be valid (tests, defaults).
func MustPeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String writes the period the way people and the database do: 2025-Q1,
// 2025-03, 2025-S1.
func (p Period) String() string {
	switch p.Kind {
	case Monthly:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Semester:
		return fmt.Sprintf("%04d-S%d", p.Year, p.N)
	case Quarterly:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	default:
		return ""
	}
}

// IsZero reports whether p is the zero value.
func (p Period) IsZero() bool { return p.Kind == "" }

// Label is the period as a letter writes it: "Triwulan I 2025",
// "Maret 2025", "Semester I 2025".
func (p Period) Label() string {
	roman := []string{"", "I", "II", "III", "IV"}
	switch p.Kind {
	case Monthly:
		return fmt.Sprintf("%s %d", format.Month(time.Month(p.N)), p.Year)
	case Semester:
		return fmt.Sprintf("Semester %s %d", roman[p.N], p.Year)
	default:
		return fmt.Sprintf("Triwulan %s %d", roman[p.N], p.Year)
	}
}

// MarshalText and UnmarshalText let a Period travel as "2025-Q1" in JSON and
// YAML.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

func (p Period) firstMonth() time.Month { return time.Month((p.N-1)*p.Kind.months() + 1) }

// FirstDay is the period's first calendar day, as a date (midnight UTC, the
// way date columns travel).
func (p Period) FirstDay() time.Time {
	return time.Date(p.Year, p.firstMonth(), 1, 0, 0, 0, 0, time.UTC)
}

// LastDay is the period's last calendar day, as a date.
func (p Period) LastDay() time.Time { return p.Next().FirstDay().AddDate(0, 0, -1) }

// Days is the number of calendar days in the period.
func (p Period) Days() int { return int(p.Next().FirstDay().Sub(p.FirstDay()).Hours() / 24) }

// Start is the instant the period begins: its first day at 00:00 clock.WIB.
func (p Period) Start() time.Time {
	return time.Date(p.Year, p.firstMonth(), 1, 0, 0, 0, 0, clock.WIB)
}

// End is the instant the period is over: the next period's first day at
// 00:00 clock.WIB. The period is the half-open range [Start, End).
func (p Period) End() time.Time { return p.Next().Start() }

// Contains reports whether instant t falls inside the period, read in clock.WIB.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start()) && t.Before(p.End())
}

// ContainsDate reports whether the calendar date d (any zone; only its year,
// month and day are read) is one of the period's days.
func (p Period) ContainsDate(d time.Time) bool {
	return PeriodOf(p.Kind, d) == p
}

// Closed reports whether the period is over at now.
func (p Period) Closed(now time.Time) bool { return !now.Before(p.End()) }

// Next is the period after p, of the same kind.
func (p Period) Next() Period {
	if p.N == p.Kind.count() {
		return Period{Year: p.Year + 1, Kind: p.Kind, N: 1}
	}
	return Period{Year: p.Year, Kind: p.Kind, N: p.N + 1}
}

// Prev is the period before p, of the same kind.
func (p Period) Prev() Period {
	if p.N == 1 {
		return Period{Year: p.Year - 1, Kind: p.Kind, N: p.Kind.count()}
	}
	return Period{Year: p.Year, Kind: p.Kind, N: p.N - 1}
}

// PeriodOf is the period of kind k holding the calendar date d (its year,
// month and day as written, whatever its zone).
func PeriodOf(k PeriodKind, d time.Time) Period {
	return Period{Year: d.Year(), Kind: k, N: (int(d.Month())-1)/k.months() + 1}
}

// PeriodContaining is the period of kind k holding instant t as read in WIB:
// 23:30 clock.WIB on 31 March (16:30 UTC) is still Q1.
func PeriodContaining(k PeriodKind, t time.Time) Period {
	return PeriodOf(k, t.In(clock.WIB))
}

// StartOfDay is the instant the calendar date d begins in clock.WIB.
func StartOfDay(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, clock.WIB)
}
