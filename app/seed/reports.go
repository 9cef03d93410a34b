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
	var reporters []string
	for _, b := range append(estates, others...) {
		if !slices.Contains(demoSilent, b.NIB) {
			reporters = append(reporters, b.NIB)
		}
	}
	onTime := time.Date(2025, 4, 10, 3, 0, 0, 0, time.UTC)
	late := time.Date(2025, 4, 21, 2, 0, 0, 0, time.UTC)
	res := db.WithContext(ctx).Exec(`INSERT INTO period_reports (business_id, period, submitted_at, deadline, on_time)
		SELECT b.id, ?, s.at, CAST(? AS timestamptz), s.at < CAST(? AS timestamptz)
		FROM businesses b
		CROSS JOIN LATERAL (SELECT CASE WHEN b.nib IN ? THEN CAST(? AS timestamptz) ELSE CAST(? AS timestamptz) END AS at) s
		WHERE b.nib IN ?
		ON CONFLICT (business_id, period) DO NOTHING`,
		DemoPeriod, demoReportDeadline, demoReportDeadline, demoLateReporters, late, onTime, reporters)
	if res.Error != nil {
		return 0, fmt.Errorf("seed: period reports: %w", res.Error)
	}
	return res.RowsAffected, nil
}
