package seed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// DemoPeriod is the period the demo data set is built around: its
// purchases, reports and (after `seed --demo`) its evaluation.
const DemoPeriod = "2025-Q1"

// demoReportDeadline is 2025-Q1's report deadline under the shipped rule
// set: the 15th of the following month, end of day in WIB.
var demoReportDeadline = time.Date(2025, 4, 15, 17, 0, 0, 0, time.UTC)

// demoLateReporters submit after the deadline; demoSilent never submit.
var (
	demoLateReporters = []string{DemoNIB(21), DemoNIB(32)}
	demoSilent        = []string{DemoNIB(31), DemoNIB(41)}
)

// DemoReports submits the 2025-Q1 period reports of the demo businesses:
// most on 10 April, two late, two never, so the evaluation has every report
// status to show. Existing reports are left alone.
func DemoReports(ctx context.Context, db *gorm.DB) (int64, error) {
	estates, others := demoBusinesses()
	var n int64
	for _, b := range append(estates, others...) {
		if slices.Contains(demoSilent, b.NIB) {
			continue
		}
		at := time.Date(2025, 4, 10, 3, 0, 0, 0, time.UTC)
		if slices.Contains(demoLateReporters, b.NIB) {
			at = time.Date(2025, 4, 21, 2, 0, 0, 0, time.UTC)
		}
		res := db.WithContext(ctx).Exec(`INSERT INTO period_reports (business_id, period, submitted_at, deadline, on_time)
			SELECT id, ?, ?, ?, ? FROM businesses WHERE nib = ?
			ON CONFLICT (business_id, period) DO NOTHING`,
			DemoPeriod, at, demoReportDeadline, at.Before(demoReportDeadline), b.NIB)
		if res.Error != nil {
			return n, fmt.Errorf("seed: report of %s: %w", b.NIB, res.Error)
		}
		n += res.RowsAffected
	}
	return n, nil
}
