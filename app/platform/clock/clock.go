// Package clock lets tests move time (domain code asks a Clock for now) and
// holds the one time zone the service reads time in.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface{ Now() time.Time }

// System is the real clock, in UTC.
type System struct{}

func (System) Now() time.Time { return time.Now().UTC() }

// Fixed is a settable clock for tests.
type Fixed struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixed returns a clock stopped at t.
func NewFixed(t time.Time) *Fixed { return &Fixed{t: t.UTC()} }

func (f *Fixed) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Set moves the clock to t.
func (f *Fixed) Set(t time.Time) {
	f.mu.Lock()
	f.t = t.UTC()
	f.mu.Unlock()
}

// Advance moves the clock forward by d.
func (f *Fixed) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// WIB is Asia/Jakarta: every calendar date, period, deadline and schedule of
// the service is read in it, as the regulation it enforces is a regency's
// in western Indonesia. Times are stored in UTC and shown in WIB. Indonesia
// has kept UTC+7 without daylight saving since 1964, so the fixed zone is
// exact when the tz database is missing.
var WIB = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*60*60)
}()

// DateIn is the calendar date of instant t in WIB, as a date value
// (midnight UTC), ready for a date column.
func DateIn(t time.Time) time.Time {
	w := t.In(WIB)
	return time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC)
}

// Today is c's calendar date in WIB, as DateIn gives it.
func Today(c Clock) time.Time { return DateIn(c.Now()) }
