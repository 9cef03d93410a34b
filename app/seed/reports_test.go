package seed_test

import (
	"context"
	"testing"

	"kemitraan/app/platform/dbtest"
	"kemitraan/app/seed"
)

func TestDemoReportsCoverEveryReportStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := seed.DemoData(ctx, db); err != nil {
		t.Fatal(err)
	}
	first, err := seed.DemoReports(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var businesses int64
	must(t, db.Table("businesses").Count(&businesses))
	var onTime, late int64
	must(t, db.Table("period_reports").Where("period = ? AND on_time", seed.DemoPeriod).Count(&onTime))
	must(t, db.Table("period_reports").Where("period = ? AND NOT on_time", seed.DemoPeriod).Count(&late))
	if late != 2 || onTime != businesses-4 || first != onTime+late {
		t.Fatalf("%d on time, %d late of %d businesses (inserted %d); want 2 late and 2 missing",
			onTime, late, businesses, first)
	}
	second, err := seed.DemoReports(ctx, db)
	if err != nil || second != 0 {
		t.Fatalf("second run inserted %d, %v", second, err)
	}
}
