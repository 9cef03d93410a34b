// Package format writes amounts, dates, times and shares the way the Dinas
// writes them, for pages, letters, exports and messages alike: Rp10.000.000,
// 21 April 2025, 16 Desember 2026 pukul 10.51 WIB, 87,5%.
package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"kemitraan/app/platform/clock"
)

// Rupiah writes whole rupiah with dots for thousands and the minus sign
// before Rp: Rp1.500.000, -Rp25.000.
func Rupiah(n int64) string {
	sign := ""
	u := uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-n) // -n of the smallest int64 wraps to itself, as uint64 it is right
	}
	return sign + "Rp" + Thousands(u)
}

// Thousands writes n with dots between groups of three digits: 1.400.
func Thousands(n uint64) string {
	digits := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(d)
	}
	return b.String()
}

var months = [...]string{"", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

// Month is the Indonesian name of m.
func Month(m time.Month) string {
	if m < 1 || m > 12 {
		return ""
	}
	return months[m]
}

// Date writes a calendar date: 21 April 2025. The date is read as it is
// stored (a DATE column arrives at midnight UTC); convert a moment to the
// office's zone before calling.
func Date(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), Month(t.Month()), t.Year())
}

// Time writes a moment in WIB, the service's one zone:
// 16 Desember 2026 pukul 10.51 WIB.
func Time(t time.Time) string {
	t = t.In(clock.WIB)
	return fmt.Sprintf("%s pukul %s %s", Date(t), t.Format("15.04"), t.Format("MST"))
}

// Percent writes a share (0.875 for 87,5%) with at most one decimal, a
// comma for the decimal point and no ",0": 87,5%, 20%.
func Percent(share float64) string {
	s := strconv.FormatFloat(share*100, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1) + "%"
}

// Number writes a count that may be fractional (an average of outlet
// slots): whole numbers without decimals, others with at most two and a
// decimal comma, dots between thousands: 2, 0,5, 1,67, 1.250. So "2 slot"
// and "0,5 slot" sit side by side in one format.
func Number(f float64) string {
	cents := math.Round(f * 100)
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole, frac := uint64(cents)/100, uint64(cents)%100
	s := sign + Thousands(whole)
	switch {
	case frac == 0:
		return s
	case frac%10 == 0:
		return fmt.Sprintf("%s,%d", s, frac/10)
	default:
		return fmt.Sprintf("%s,%02d", s, frac)
	}
}

// Decimal writes f with places decimals and a decimal comma: 1,25.
func Decimal(f float64, places int) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', places, 64), ".", ",", 1)
}
