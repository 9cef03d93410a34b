package format

import (
	"math"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{Rupiah(10_000_000), "Rp10.000.000"},
		{Rupiah(0), "Rp0"},
		{Rupiah(999), "Rp999"},
		{Rupiah(1000), "Rp1.000"},
		{Rupiah(-25_000), "-Rp25.000"},
		{Rupiah(math.MinInt64), "-Rp9.223.372.036.854.775.808"},
		{Date(time.Date(2025, 4, 21, 0, 0, 0, 0, time.UTC)), "21 April 2025"},
		{Time(time.Date(2026, 12, 16, 3, 51, 8, 0, time.UTC)), "16 Desember 2026 pukul 10.51 WIB"},
		// 20.30 UTC is already the next day in WIB.
		{Time(time.Date(2025, 3, 31, 20, 30, 0, 0, time.UTC)), "1 April 2025 pukul 03.30 WIB"},
		{Percent(0.875), "87,5%"},
		{Percent(0.2), "20%"},
		{Percent(2.0 / 3), "66,7%"},
		{Percent(0), "0%"},
		{Month(13), ""},
		{Decimal(1.255, 2), "1,25"},
		{Decimal(0, 2), "0,00"},
		{Number(2), "2"},
		{Number(0), "0"},
		{Number(0.5), "0,5"},
		{Number(2.0 / 3), "0,67"},
		{Number(1.999), "2"},
		{Number(1.05), "1,05"},
		{Number(1250), "1.250"},
		{Number(-0.001), "0"},
		{Number(-1.5), "-1,5"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
