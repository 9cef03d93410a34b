package compliance_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/benchtest"
	"kemitraan/app/sanction"
)

// bareAggregateSQL is the yardstick: the sum of confirmed amounts grouped by
// business for the period, with nothing else. The outer aggregates keep the
// 100,000 result rows in the server, as the evaluation keeps its own, and
// use the sums, so the planner cannot drop them.
const bareAggregateSQL = `
SELECT count(*), sum(total) FROM (
    SELECT business_id, sum(amount) AS total
    FROM purchases
    WHERE status = 'confirmed' AND purchase_date BETWEEN '2025-01-01' AND '2025-03-31'
    GROUP BY business_id
) a`

// BenchmarkEvaluatePeriod evaluates 2025-Q1 over a database made by
// `kemitraan seed --scale N,M` (scripts/bench-evaluate makes one with
// 100,000 businesses and 10,000,000 purchases, 2.5 million of them in Q1)
// and reports, per iteration, the bare aggregate's time beside the
// evaluation's under counts_when: confirmed and under paid (all with the
// evaluation's work_mem), the ratios of their medians, the
// evaluation re-run over unchanged data, and the Go heap and process peak.
// KEMITRAAN_BENCH_URL names the database; without it the benchmark skips.
func BenchmarkEvaluatePeriod(b *testing.B) {
	db := benchtest.Open(b, "scripts/bench-evaluate")
	ctx := context.Background()
	now := time.Date(2025, 4, 16, 1, 30, 0, 0, time.UTC)
	if _, err := compliance.LoadRuleFiles(ctx, db, "../../config/rules", now); err != nil {
		b.Fatal(err)
	}
	p := compliance.MustPeriod("2025-Q1")
	rs, err := compliance.CheckEvaluable(ctx, db, p, now)
	if err != nil {
		b.Fatal(err)
	}
	var businesses, inPeriod int64
	db.Raw("SELECT count(*) FROM businesses WHERE status = 'active'").Scan(&businesses)
	db.Raw("SELECT count(*) FROM purchases WHERE purchase_date BETWEEN '2025-01-01' AND '2025-03-31'").Scan(&inPeriod)
	b.Logf("data: %d active businesses, %d purchases dated in %s", businesses, inPeriod, p)
	// A benchmark database: start each run without evaluations or cases.
	clean := func() {
		if err := db.Exec(`TRUNCATE evaluations, evaluated_periods, sanction_findings, sanction_cases,
			sanction_decisions, sanction_letters, sanction_responses, sanction_response_files`).Error; err != nil {
			b.Fatal(err)
		}
	}
	clean()

	bare := func() time.Duration {
		start := time.Now()
		err := db.Transaction(func(tx *gorm.DB) error {
			// The evaluation's own settings (see compliance.Evaluate).
			if err := tx.Exec("SET LOCAL work_mem = '256MB'").Error; err != nil {
				return err
			}
			if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
				return err
			}
			var out struct{ Count, Sum int64 }
			return tx.Raw(bareAggregateSQL).Scan(&out).Error
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	// The same period judged as a rule set with counts_when: paid would
	// judge it (the shipped one counts confirmed purchases).
	paidRS := rs
	paidRS.CountsWhen = compliance.CountsPaid
	// evaluate runs the evaluation statement under rs; commit keeps its rows.
	evaluateUnder := func(rs compliance.StoredRuleSet, commit bool) (time.Duration, compliance.EvaluationRun) {
		start := time.Now()
		tx := db.Begin()
		run, err := compliance.Evaluate(ctx, tx, p, rs, now)
		if err != nil {
			tx.Rollback()
			b.Fatal(err)
		}
		if commit {
			err = tx.Commit().Error
		} else {
			err = tx.Rollback().Error
		}
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), run
	}
	evaluate := func(commit bool) (time.Duration, compliance.EvaluationRun) { return evaluateUnder(rs, commit) }
	bare() // warm the cache for both
	var bares, evals, paids []float64
	var heap uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// bare, confirmed, paid in turn: each ratio is of medians over the
		// same rounds.
		bares = append(bares, bare().Seconds())
		for _, under := range []struct {
			rs    compliance.StoredRuleSet
			times *[]float64
		}{{rs, &evals}, {paidRS, &paids}} {
			heap = max(heap, benchtest.HeapPeak(func() {
				d, run := evaluateUnder(under.rs, false)
				*under.times = append(*under.times, d.Seconds())
				if run.Inserted != businesses {
					b.Fatalf("evaluated %d of %d businesses", run.Inserted, businesses)
				}
			}))
			// The rolled-back rows would slow the next evaluation's writes;
			// a real first evaluation meets a clean table.
			b.StopTimer()
			if err := db.Exec("VACUUM evaluations").Error; err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	bareMedian, evalMedian, paidMedian := median(bares), median(evals), median(paids)
	b.Logf("rounds (s): bare %.3f, confirmed %.3f, paid %.3f", bares, evals, paids)
	b.ReportMetric(bareMedian, "bare-s/op")
	b.ReportMetric(evalMedian, "evaluate-s/op")
	b.ReportMetric(evalMedian/bareMedian, "evaluate/bare")
	b.ReportMetric(paidMedian, "evaluate-paid-s/op")
	b.ReportMetric(paidMedian/bareMedian, "evaluate-paid/bare")

	// The same evaluation again over rows already written (the daily
	// re-run): it computes everything and writes nothing.
	evaluate(true)
	d, run := evaluate(true)
	if run.Inserted+run.Updated != 0 {
		b.Errorf("re-run wrote %d rows", run.Inserted+run.Updated)
	}
	b.ReportMetric(d.Seconds(), "rerun-s")

	// The whole job: evaluation, cases opened and findings filed.
	clean()
	start := time.Now()
	res, err := sanction.EvaluatePeriod(ctx, db, p, now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "job-s")
	b.Logf("job: %d cases opened, %d findings; statuses %v", res.CasesOpened, res.FindingsAdded, res.ByStatus)
	b.ReportMetric(float64(heap)/(1<<20), "heap-peak-MB")
	b.ReportMetric(benchtest.MaxRSS(), "maxrss-MB")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}
