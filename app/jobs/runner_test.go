package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/jobs"
	"kemitraan/app/notify"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/report"
)

// openDB opens a pool of its own on the database at url, as a replica would.
func openDB(t *testing.T, url string) *gorm.DB {
	t.Helper()
	cfg := config.Default().Database
	cfg.URL = config.Secret(url)
	db, err := database.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

type nullSender struct{}

func (nullSender) Send(context.Context, notify.Message) (notify.Receipt, error) {
	return notify.Receipt{}, nil
}

// replica is one server's runner over the shared database, on its own pool.
func replica(t *testing.T, dbURL string, clk clock.Clock) *jobs.Runner {
	t.Helper()
	db := openDB(t, dbURL)
	return jobs.NewRunner(db, clk, slog.New(slog.DiscardHandler), jobs.Standard(jobs.Deps{DB: db, Sender: nullSender{}})...)
}

// world is a database with the rule set and n restaurants without reports
// (each not_reported in Q1 2025, so each gets a case).
func world(t *testing.T, n int) (string, *gorm.DB) {
	t.Helper()
	url := dbtest.URL(t, true)
	db := openDB(t, url)
	if _, err := compliance.LoadRuleFiles(context.Background(), db, "../../config/rules", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO businesses (nib, name, category, kecamatan_code, registered_at)
		SELECT lpad(g::text, 13, '0'), 'PT ' || g, 'restaurant', '3216060', '2024-01-01' FROM generate_series(1, ?) g`, n).Error; err != nil {
		t.Fatal(err)
	}
	return url, db
}

func count(t *testing.T, db *gorm.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(q).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var afterQ1Deadline = clock.NewFixed(time.Date(2025, 4, 16, 1, 30, 0, 0, time.UTC))

// TestTwoSchedulersEvaluateOnce runs evaluate on two replicas at the same
// moment, many times over: whichever gets the advisory lock evaluates; the
// other is recorded as skipped or, arriving after the first finished, finds
// nothing to change. Either way the period is evaluated once: one row per
// business, one case each, one audit event per case.
func TestTwoSchedulersEvaluateOnce(t *testing.T) {
	t.Parallel()
	const businesses = 300
	url, db := world(t, businesses)
	a, b := replica(t, url, afterQ1Deadline), replica(t, url, afterQ1Deadline)
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		recs := make([]jobs.RunRecord, 2)
		errs := make([]error, 2)
		for i, r := range []*jobs.Runner{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				recs[i], errs[i] = r.Run(context.Background(), jobs.Evaluate, jobs.TriggerSchedule, jobs.Params{Period: "2025-Q1"})
			}()
		}
		close(start)
		wg.Wait()
		inserted := int64(0)
		for i, rec := range recs {
			if errs[i] != nil {
				t.Fatalf("round %d replica %d: %v", round, i, errs[i])
			}
			switch rec.Outcome {
			case jobs.OutcomeSkipped:
			case jobs.OutcomeSucceeded:
				var counts map[string]compliance.EvaluationRun
				if err := json.Unmarshal(rec.Counts, &counts); err != nil {
					t.Fatal(err)
				}
				inserted += counts["2025-Q1"].Inserted + counts["2025-Q1"].Updated
			default:
				t.Fatalf("round %d replica %d: %s %s", round, i, rec.Outcome, rec.Error)
			}
		}
		want := int64(0)
		if round == 0 {
			want = businesses
		}
		if inserted != want {
			t.Errorf("round %d: %d rows written across both replicas, want %d", round, inserted, want)
		}
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM evaluations":                                  businesses,
		"SELECT count(*) FROM sanction_cases":                               businesses,
		"SELECT count(*) FROM sanction_findings":                            businesses,
		"SELECT count(*) FROM audit_events WHERE action = 'case.open'":      businesses,
		"SELECT count(*) FROM audit_events WHERE action = 'evaluation.run'": 1,
		"SELECT count(*) FROM job_runs WHERE outcome = 'running'":           0,
		"SELECT count(*) FROM job_runs":                                     10,
	} {
		if got := count(t, db, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
}

// TestRunSkipsWhileAnotherReplicaHoldsTheLock holds the evaluate lock the
// way a replica mid-run does and checks that a run is recorded as skipped
// and does nothing, then runs once the lock is free.
func TestRunSkipsWhileAnotherReplicaHoldsTheLock(t *testing.T) {
	t.Parallel()
	url, db := world(t, 3)
	r := replica(t, url, afterQ1Deadline)
	sqlDB, _ := db.DB()
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := "SELECT pg_advisory_lock(hashtext('kemitraan_job'), hashtext('evaluate'))"
	if _, err := conn.ExecContext(context.Background(), lock); err != nil {
		t.Fatal(err)
	}
	rec, err := r.Run(context.Background(), jobs.Evaluate, jobs.TriggerCommand, jobs.Params{})
	if err != nil || rec.Outcome != jobs.OutcomeSkipped || count(t, db, "SELECT count(*) FROM evaluations") != 0 {
		t.Fatalf("with the lock held: %s %v, %d evaluations", rec.Outcome, err, count(t, db, "SELECT count(*) FROM evaluations"))
	}
	if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(hashtext('kemitraan_job'), hashtext('evaluate'))"); err != nil {
		t.Fatal(err)
	}
	rec, err = r.Run(context.Background(), jobs.Evaluate, jobs.TriggerCommand, jobs.Params{})
	if err != nil || rec.Outcome != jobs.OutcomeSucceeded || count(t, db, "SELECT count(*) FROM evaluations") != 3 {
		t.Fatalf("after release: %s %v %s", rec.Outcome, err, rec.Counts)
	}
	// Without a period, evaluate takes the latest period past its deadline
	// (Q1) and the one before it (2024-Q4, before any rule set: noted, skipped).
	var counts map[string]any
	if err := json.Unmarshal(rec.Counts, &counts); err != nil || counts["2024-Q4"] != "tidak ada aturan yang berlaku" || counts["2025-Q1"] == nil {
		t.Errorf("counts %s", rec.Counts)
	}
}

func TestRunRefusesBadParamsAndRecordsFailures(t *testing.T) {
	t.Parallel()
	url, db := world(t, 1)
	early := replica(t, url, clock.NewFixed(time.Date(2025, 4, 10, 0, 0, 0, 0, time.UTC)))
	for _, tc := range []struct {
		job, period string
		kind        fault.Kind
		field       string
	}{
		{jobs.Evaluate, "2025-Q5", fault.KindInvalid, "period"},
		{jobs.Evaluate, "2025-03", fault.KindInvalid, "period"}, // the rule set is quarterly
		{jobs.Evaluate, "2025-Q1", fault.KindConflict, ""},      // its report deadline has not passed
		{jobs.Lapse, "2025-Q1", fault.KindInvalid, "period"},
		{"sweep", "", fault.KindNotFound, ""},
	} {
		_, err := early.Run(context.Background(), tc.job, jobs.TriggerAPI, jobs.Params{Period: tc.period})
		fe, ok := fault.As(err)
		if !ok || fe.Kind != tc.kind || (tc.field != "" && fe.Fields[0].Field != tc.field) {
			t.Errorf("%s %s: %v", tc.job, tc.period, err)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM job_runs"); n != 0 {
		t.Errorf("%d runs recorded for refused requests", n)
	}

	failing := jobs.NewRunner(db, afterQ1Deadline, slog.New(slog.DiscardHandler), jobs.Job{Name: jobs.Outbox,
		Run: func(context.Context, *gorm.DB, jobs.Params, time.Time) (jobs.Counts, error) {
			return jobs.Counts{"sent": 1}, errors.New("smtp: connection refused")
		}})
	rec, err := failing.Run(context.Background(), jobs.Outbox, jobs.TriggerSchedule, jobs.Params{})
	if err == nil || rec.Outcome != jobs.OutcomeFailed {
		t.Fatalf("failing job: %s %v", rec.Outcome, err)
	}
	var stored jobs.RunRecord
	db.Where("id = ?", rec.ID).Take(&stored)
	type storedRun struct {
		Outcome, Error, Counts string
		Finished               bool
	}
	want := storedRun{Outcome: "failed", Error: "smtp: connection refused", Counts: `{"sent": 1}`, Finished: true}
	got := storedRun{Outcome: stored.Outcome, Error: stored.Error, Counts: string(stored.Counts), Finished: stored.FinishedAt != nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored run (-want +got):\n%s", diff)
	}

	// A long error whose 2,000th byte falls inside a character (and with a
	// NUL in it) is still recorded, cut at a character boundary.
	long := "x" + strings.Repeat("é", 1500) + "\x00"
	failing = jobs.NewRunner(db, afterQ1Deadline, slog.New(slog.DiscardHandler), jobs.Job{Name: jobs.Outbox,
		Run: func(context.Context, *gorm.DB, jobs.Params, time.Time) (jobs.Counts, error) {
			return nil, errors.New(long)
		}})
	rec, err = failing.Run(context.Background(), jobs.Outbox, jobs.TriggerSchedule, jobs.Params{})
	if err == nil || rec.Outcome != jobs.OutcomeFailed {
		t.Fatalf("failing job with a long error: %s %v", rec.Outcome, err)
	}
	stored = jobs.RunRecord{}
	db.Where("id = ?", rec.ID).Take(&stored)
	if stored.Outcome != "failed" || stored.Error != long[:1999] {
		t.Errorf("stored run with a long error: %s, %d bytes", stored.Outcome, len(stored.Error))
	}
}

// TestExpireJob ends agreements past their end date and removes long-expired
// confirmation links, once: a second run finds nothing.
func TestExpireJob(t *testing.T) {
	t.Parallel()
	url, db := world(t, 1)
	now := clock.NewFixed(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	r := replica(t, url, now)
	exec := func(q string) {
		t.Helper()
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO files (sha256, content_type, size_bytes, created_at) VALUES (repeat('a', 64), 'application/pdf', 1, now())`)
	dbtest.AddIKM(t, db, dbtest.IKM{})
	exec(`INSERT INTO agreements (business_id, form, number, agreement_date, start_date, end_date, target_purchase_value,
			document_file_id, status)
		SELECT b.id, 'procurement', n, '2025-01-01', '2025-01-01', e::date, 1000, f.id, 'approved'
		FROM businesses b, files f, (VALUES ('A-1', '2025-06-29'), ('A-2', '2025-06-30'), ('A-3', '2025-12-31')) v (n, e)`)
	exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by, source,
			created_at, updated_at)
		SELECT b.id, i.id, 'P-' || n, '2025-05-01', 1000, 'reported', '2025-05-15', 'manual', now(), now()
		FROM businesses b, ikms i, generate_series(1, 2) n`)
	exec(`INSERT INTO confirmation_tokens (purchase_id, nonce, token_hash, expires_at, created_at)
		SELECT p.id, decode(repeat(to_hex(p.id), 32), 'hex'), sha256(p.id::text::bytea),
			CASE WHEN p.invoice_number = 'P-1' THEN timestamptz '2025-05-15' ELSE timestamptz '2025-06-20' END, now()
		FROM purchases p`)
	first, err := r.Run(context.Background(), jobs.Expire, jobs.TriggerCommand, jobs.Params{})
	if err != nil {
		t.Fatal(err)
	}
	var counts map[string]int64
	json.Unmarshal(first.Counts, &counts)
	// 30 June is the last day of A-2: it ends on 1 July with A-1. The link
	// that expired on 15 May goes; the one from 20 June stays (still 410).
	if counts["agreements_ended"] != 2 || counts["tokens_removed"] != 1 {
		t.Errorf("first run: %s", first.Counts)
	}
	second, _ := r.Run(context.Background(), jobs.Expire, jobs.TriggerCommand, jobs.Params{})
	json.Unmarshal(second.Counts, &counts)
	if counts["agreements_ended"] != 0 || counts["tokens_removed"] != 0 {
		t.Errorf("second run: %s", second.Counts)
	}
	if n := count(t, db, "SELECT count(*) FROM agreements WHERE status = 'ended'"); n != 2 {
		t.Errorf("%d agreements ended", n)
	}
}

// TestEvaluateRefreshesIKMActivity: after the evaluate job, the period's IKM
// activity snapshot exists with what the confirmed purchases say, so the
// first statistics request does not rebuild it.
func TestEvaluateRefreshesIKMActivity(t *testing.T) {
	t.Parallel()
	url, db := world(t, 3)
	dbtest.AddIKM(t, db, dbtest.IKM{Name: "Batik Asri"})
	// Two restaurants buy from the IKM inside Q1; one purchase lies in Q2.
	if err := db.Exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status,
			confirm_by, confirmed_via, confirmed_at, source, created_at, updated_at)
		SELECT b.id, i.id, 'INV-' || b.id || '-' || d, d::date, 1000000, 'confirmed',
			now(), 'app', now(), 'manual', now(), now()
		FROM businesses b, ikms i, unnest(ARRAY['2025-02-01', '2025-05-01']) d
		WHERE b.nib IN ('0000000000001', '0000000000002')`).Error; err != nil {
		t.Fatal(err)
	}
	rdb := openDB(t, url)
	c := afterQ1Deadline
	r := jobs.NewRunner(rdb, c, slog.New(slog.DiscardHandler), jobs.Standard(jobs.Deps{
		DB: rdb, Sender: nullSender{}, Reports: report.New(rdb, c, nil)})...)
	rec, err := r.Run(context.Background(), jobs.Evaluate, jobs.TriggerCommand, jobs.Params{Period: "2025-Q1"})
	if err != nil || rec.Outcome != jobs.OutcomeSucceeded {
		t.Fatalf("evaluate: %s %v %s", rec.Outcome, err, rec.Error)
	}
	var got struct {
		Amount   int64
		Partners int
	}
	if err := db.Raw(`SELECT a.amount, a.partners FROM ikm_activity a JOIN ikm_activity_snapshots s USING (period)
		WHERE a.period = '2025-Q1'`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.Amount != 2_000_000 || got.Partners != 2 {
		t.Errorf("IKM activity for 2025-Q1: %+v, want Rp2,000,000 from 2 partners", got)
	}
}
