package report

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/benchtest"
	"kemitraan/app/platform/clock"
	"kemitraan/app/sanction"
)

// BenchmarkOutputs measures what officials and the public wait for over a
// database made by `kemitraan seed --scale 100000,10000000`
// (scripts/bench-outputs): the sanction list's first page and later pages,
// the statistics of a period (with the IKM snapshot warm, and cold), the
// cached public figures, the company dashboard, and whole-list CSV and XLSX
// exports with their peak Go heap. 2025-Q1 and 2025-Q2 are evaluated once
// (through the engine, with its cases), and a third of the cases get a
// warning so the list has decisions to show. KEMITRAAN_BENCH_URL names the
// database; without it the benchmark skips.
func BenchmarkOutputs(b *testing.B) {
	db := benchtest.Open(b, "scripts/bench-outputs")
	ctx := context.Background()
	now := time.Date(2026, 1, 20, 1, 0, 0, 0, time.UTC)
	benchSetup(b, ctx, db, now)

	clk := clock.NewFixed(now)
	s := New(db, clk, nil)
	staff := actor.With(ctx, actor.Actor{UserID: 1, Username: "bench", Role: actor.RoleOfficer})
	var businesses, purchases int64
	db.Raw("SELECT count(*) FROM businesses").Scan(&businesses)
	db.Raw("SELECT count(*) FROM purchases").Scan(&purchases)
	b.Logf("data: %d businesses, %d purchases", businesses, purchases)

	list := func(b *testing.B, f ListFilter) SanctionList {
		l, err := s.SanctionList(staff, f)
		if err != nil {
			b.Fatal(err)
		}
		return l
	}
	for _, tc := range []struct {
		name string
		f    ListFilter
	}{
		{"list/first-page/2025-Q1", ListFilter{Period: "2025-Q1"}},
		{"list/first-page/latest", ListFilter{}},
		{"list/first-page/stage-warned", ListFilter{Period: "2025-Q1", Stage: "warned"}},
		{"list/first-page/sort-name", ListFilter{Period: "2025-Q1", Sort: "name"}},
		{"list/first-page/overdue-factories", ListFilter{Period: "2025-Q1", Overdue: true, Category: "factory"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := list(b, tc.f)
			b.ResetTimer()
			for range b.N {
				list(b, tc.f)
			}
			b.ReportMetric(float64(l.Total), "rows-in-list")
		})
	}
	b.Run("list/third-page/2025-Q1", func(b *testing.B) {
		f := ListFilter{Period: "2025-Q1"}
		for range 2 {
			f.Cursor = list(b, f).Next
		}
		b.ResetTimer()
		for range b.N {
			list(b, f)
		}
	})

	stats := func(b *testing.B, period string) {
		if _, err := s.Stats(staff, period); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("stats/warm/2025-Q1", func(b *testing.B) {
		stats(b, "2025-Q1")
		b.ResetTimer()
		for range b.N {
			stats(b, "2025-Q1")
		}
	})
	// Cold: no snapshot of any period yet, as after a fresh deployment.
	b.Run("stats/cold/2025-Q1", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			if err := db.Exec("DELETE FROM ikm_activity_snapshots").Error; err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			stats(b, "2025-Q1")
		}
	})
	// A purchase of the period was just confirmed: the answer comes from the
	// snapshot as it is, and the rebuild runs in the background (waited for
	// outside the timing).
	b.Run("stats/after-a-confirmation/2025-Q1", func(b *testing.B) {
		var business, ikm int64
		db.Raw("SELECT min(id) FROM businesses").Scan(&business)
		db.Raw("SELECT min(id) FROM ikms").Scan(&ikm)
		for i := range b.N {
			b.StopTimer()
			s.background.Wait()
			clk.Advance(2 * time.Minute)
			if err := db.Exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status,
					confirm_by, confirmed_via, confirmed_at, source, created_at, updated_at)
				VALUES (?, ?, ?, '2025-03-31', 1000000, 'confirmed', ?, 'officer', ?, 'manual', ?, ?)
				ON CONFLICT DO NOTHING`, business, ikm, fmt.Sprintf("BENCH-%d-%d", clk.Now().Unix(), i),
				clk.Now(), clk.Now(), clk.Now(), clk.Now()).Error; err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			stats(b, "2025-Q1")
		}
		b.StopTimer()
		s.background.Wait()
	})
	b.Run("public-stats/cached", func(b *testing.B) {
		if _, err := s.PublicStats(ctx, ""); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if _, err := s.PublicStats(ctx, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dashboard", func(b *testing.B) {
		var id int64
		db.Raw("SELECT min(id) FROM businesses").Scan(&id)
		company := actor.With(ctx, actor.Actor{UserID: 2, Role: actor.RoleCompany, BusinessID: id})
		for range b.N {
			if _, err := s.CompanyDashboard(company); err != nil {
				b.Fatal(err)
			}
		}
	})

	for _, format := range []string{"csv", "xlsx"} {
		for _, period := range []string{"2025-Q1", "2025-Q2"} {
			b.Run("export/"+format+"/"+period, func(b *testing.B) {
				x, err := s.PrepareExport(staff, ListFilter{Period: period})
				if err != nil {
					b.Fatal(err)
				}
				var written int64
				var peak uint64
				for range b.N {
					w := &countingWriter{}
					peak = max(peak, benchtest.HeapPeak(func() {
						if format == "csv" {
							err = x.WriteCSV(staff, w, CSVPlain)
						} else {
							err = x.WriteXLSX(staff, w)
						}
					}))
					if err != nil {
						b.Fatal(err)
					}
					written = w.n
				}
				var rows int64
				db.Raw("SELECT count(*) FROM evaluations WHERE period = ? AND status <> 'compliant'", period).Scan(&rows)
				b.ReportMetric(float64(rows), "rows")
				b.ReportMetric(float64(written)/(1<<20), "MB-written")
				b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
			})
		}
	}
}

// benchSetup evaluates 2025-Q1 and 2025-Q2 through the engine (opening its
// cases) unless that was done before, and warns a third of the open cases,
// set-based, so the list has decisions and deadlines to show.
func benchSetup(b *testing.B, ctx context.Context, db *gorm.DB, now time.Time) {
	b.Helper()
	if _, err := compliance.LoadRuleFiles(ctx, db, "../../config/rules", now); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"2025-Q1", "2025-Q2"} {
		var n int64
		db.Raw("SELECT count(*) FROM evaluations WHERE period = ?", p).Scan(&n)
		if n > 0 {
			continue
		}
		start := time.Now()
		res, err := sanction.EvaluatePeriod(ctx, db, compliance.MustPeriod(p), now)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("evaluated %s in %v: %+v", p, time.Since(start), res)
	}
	var decided int64
	db.Raw("SELECT count(*) FROM sanction_decisions").Scan(&decided)
	if decided > 0 {
		return
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE sanction_cases SET stage = 'warned', rung = 1,
				response_due = DATE '2025-05-07' + (id % 60)::int,
				response_deadline = (DATE '2025-05-08' + (id % 60)::int)::timestamp AT TIME ZONE 'Asia/Jakarta',
				updated_at = ?
			WHERE stage = 'queued' AND id % 3 = 0`, now).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO sanction_decisions (case_id, decision, from_stage, to_stage, rung, reviewer_name, decided_at)
			SELECT id, 'warn', 'queued', 'warned', 1, 'Kepala Dinas Perindustrian', response_due - 15
			FROM sanction_cases WHERE stage = 'warned'`).Error
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Exec("ANALYZE sanction_cases, sanction_decisions, sanction_findings, evaluations").Error; err != nil {
		b.Fatal(err)
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
