package jobs

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// Trigger says what started a run.
type Trigger string

const (
	TriggerSchedule Trigger = "schedule"
	TriggerCommand  Trigger = "command"
	TriggerAPI      Trigger = "api"
)

// Params are a run's optional arguments.
type Params struct {
	// Period limits evaluate to one period (2025-Q1); other jobs take none.
	Period string `json:"period,omitempty"`
}

// Counts is what a run reports having done.
type Counts map[string]any

// Job is one named piece of scheduled work. Run must be idempotent: a second
// run over the same data changes nothing.
type Job struct {
	Name        string
	Description string // for people, in Bahasa Indonesia
	// Check validates params before anything is recorded (nil: no params).
	Check func(ctx context.Context, p Params, now time.Time) error
	// Run does the work on db, the connection that holds the job's lock,
	// so a run never waits for a second pooled connection.
	Run func(ctx context.Context, db *gorm.DB, p Params, now time.Time) (Counts, error)
}

// Run outcomes, as job_runs.outcome stores them.
const (
	OutcomeRunning   = "running"
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeSkipped   = "skipped" // another replica held the job's lock
)

// RunRecord is one row of job_runs.
type RunRecord struct {
	ID          int64 `gorm:"primaryKey"`
	Job         string
	Trigger     Trigger
	TriggeredBy *int64
	Params      []byte `gorm:"type:jsonb"`
	StartedAt   time.Time
	FinishedAt  *time.Time
	Outcome     string
	Counts      []byte `gorm:"type:jsonb"`
	Error       string
}

func (RunRecord) TableName() string { return "job_runs" }

// Runner runs jobs by name: one at a time per job across every replica
// (a PostgreSQL advisory lock held on a dedicated connection for the run),
// each run recorded in job_runs.
type Runner struct {
	db    *gorm.DB
	clock clock.Clock
	log   *slog.Logger
	jobs  []Job
}

// NewRunner returns a runner over jobs, in the order listings show them.
func NewRunner(db *gorm.DB, c clock.Clock, log *slog.Logger, jobs ...Job) *Runner {
	if c == nil {
		c = clock.System{}
	}
	return &Runner{db: db, clock: c, log: log, jobs: jobs}
}

// Job returns the named job.
func (r *Runner) Job(name string) (Job, bool) {
	for _, j := range r.jobs {
		if j.Name == name {
			return j, true
		}
	}
	return Job{}, false
}

// A job's advisory lock has two int4 keys: hashtext of this namespace and of
// the job's name.
const lockNamespace = "kemitraan_job"

// Run runs the named job now. It validates params first (a bad one is a
// field error and nothing is recorded), then tries the job's advisory lock:
// if another replica holds it the run is recorded as skipped; otherwise the
// run is recorded as running, executed as the system (or the calling user,
// for the audit trail), and finished as succeeded or failed with its counts
// or error. The returned error is the job's own failure, if any.
func (r *Runner) Run(ctx context.Context, name string, trigger Trigger, p Params) (RunRecord, error) {
	job, ok := r.Job(name)
	if !ok {
		return RunRecord{}, fault.NotFound("job_not_found", fmt.Sprintf("Job %q tidak dikenal.", name))
	}
	start := r.clock.Now().UTC()
	if job.Check != nil {
		if err := job.Check(ctx, p, start); err != nil {
			return RunRecord{}, err
		}
	} else if p.Period != "" {
		return RunRecord{}, fault.Invalid(fault.Field("period", "hanya berlaku untuk job evaluate"))
	}
	a := actor.From(ctx)
	if !a.Authenticated() {
		ctx = actor.With(ctx, actor.SystemActor)
	}
	params, _ := json.Marshal(p)
	rec := RunRecord{Job: name, Trigger: trigger, Params: params, StartedAt: start, Counts: []byte("{}")}
	rec.TriggeredBy = a.OptionalUserID()

	began := time.Now()
	counts, runErr, err := r.runLocked(ctx, job, &rec, p)
	if err != nil || rec.Outcome == OutcomeSkipped {
		return rec, err
	}
	end := r.clock.Now().UTC()
	if !end.After(start) {
		end = start // a stopped test clock
	}
	rec.FinishedAt, rec.Outcome = &end, OutcomeSucceeded
	if counts == nil {
		counts = Counts{}
	}
	rec.Counts, _ = json.Marshal(counts)
	if runErr != nil {
		rec.Outcome, rec.Error = OutcomeFailed, database.Text(runErr.Error(), 2000)
		r.log.ErrorContext(ctx, "job failed", "job", name, "run", rec.ID, "err", runErr)
	} else {
		r.log.InfoContext(ctx, "job finished", "job", name, "run", rec.ID, "counts", string(rec.Counts),
			"elapsed", time.Since(began))
	}
	// Recorded once the lock's connection is back in the pool, with a fresh
	// context so a cancelled run still leaves its row.
	if err := r.db.WithContext(context.WithoutCancel(ctx)).Model(&RunRecord{}).Where("id = ?", rec.ID).Updates(map[string]any{
		"finished_at": end, "outcome": rec.Outcome, "counts": rec.Counts, "error": rec.Error,
	}).Error; err != nil {
		return rec, errors.Join(runErr, fmt.Errorf("jobs: finish %s: %w", name, err))
	}
	return rec, runErr
}

// runLocked takes the job's advisory lock on a dedicated connection and runs
// the job on that same connection, recording the run as running first. When
// another replica holds the lock the run is recorded as skipped. The
// connection goes back to the pool before runLocked returns.
func (r *Runner) runLocked(ctx context.Context, job Job, rec *RunRecord, p Params) (Counts, error, error) {
	conn, on, err := database.DedicatedConn(ctx, r.db)
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: %s: lock connection: %w", job.Name, err)
	}
	defer conn.Close()
	var locked bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2))",
		lockNamespace, job.Name).Scan(&locked); err != nil {
		return nil, nil, fmt.Errorf("jobs: %s: lock: %w", job.Name, err)
	}
	if !locked {
		rec.Outcome, rec.FinishedAt = OutcomeSkipped, &rec.StartedAt
		rec.Error = "job sedang dijalankan oleh proses lain"
		if err := on.Create(rec).Error; err != nil {
			return nil, nil, fmt.Errorf("jobs: record skipped %s: %w", job.Name, err)
		}
		r.log.InfoContext(ctx, "job skipped: another replica holds its lock", "job", job.Name, "run", rec.ID)
		return nil, nil, nil
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(hashtext($1), hashtext($2))",
			lockNamespace, job.Name); err != nil {
			r.log.Error("job unlock failed; the connection is closed instead", "job", job.Name, "err", err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	rec.Outcome = OutcomeRunning
	if err := on.Create(rec).Error; err != nil {
		return nil, nil, fmt.Errorf("jobs: record %s: %w", job.Name, err)
	}
	r.log.InfoContext(ctx, "job started", "job", job.Name, "run", rec.ID, "trigger", rec.Trigger)
	counts, runErr := job.Run(ctx, on, p, rec.StartedAt)
	return counts, runErr, nil
}

// JobStatus is a job with its schedule and latest runs.
type JobStatus struct {
	Name        string
	Description string
	Schedule    string
	LastRun     *RunRecord
	LastSuccess *RunRecord
}

// Status lists every job with its schedule, its latest run and its latest
// successful run, in one query.
func (r *Runner) Status(ctx context.Context, schedules map[string]string) ([]JobStatus, error) {
	var rows []struct {
		RunRecord
		Kind string
	}
	err := r.db.WithContext(ctx).Raw(`
		SELECT * FROM (
			SELECT DISTINCT ON (job) 'last' AS kind, * FROM job_runs ORDER BY job, id DESC
		) l
		UNION ALL
		SELECT * FROM (
			SELECT DISTINCT ON (job) 'success' AS kind, * FROM job_runs WHERE outcome = 'succeeded' ORDER BY job, id DESC
		) s`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("jobs: status: %w", err)
	}
	last, success := map[string]*RunRecord{}, map[string]*RunRecord{}
	for i := range rows {
		rec := rows[i].RunRecord
		if rows[i].Kind == "last" {
			last[rec.Job] = &rec
		} else {
			success[rec.Job] = &rec
		}
	}
	out := make([]JobStatus, len(r.jobs))
	for i, j := range r.jobs {
		out[i] = JobStatus{Name: j.Name, Description: j.Description, Schedule: schedules[j.Name],
			LastRun: last[j.Name], LastSuccess: success[j.Name]}
	}
	return out, nil
}

// Runs lists a job's runs, newest first, below cursor (0: from the newest).
func (r *Runner) Runs(ctx context.Context, name string, cursor int64, limit int) ([]RunRecord, int64, error) {
	if _, ok := r.Job(name); !ok {
		return nil, 0, fault.NotFound("job_not_found", fmt.Sprintf("Job %q tidak dikenal.", name))
	}
	limit = database.PageSize(limit)
	q := r.db.WithContext(ctx).Where("job = ?", name)
	if cursor > 0 {
		q = q.Where("id < ?", cursor)
	}
	var rows []RunRecord
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	rows, next := database.KeysetPage(rows, limit, func(r RunRecord) int64 { return r.ID })
	return rows, next, nil
}

// Schedule adds every job that has a schedule to s; a job without one runs
// only by hand.
func (r *Runner) Schedule(s *Scheduler, schedules map[string]string) error {
	for _, j := range r.jobs {
		spec := schedules[j.Name]
		if spec == "" {
			continue
		}
		name := j.Name
		if err := s.Add(name, spec, func(ctx context.Context) error {
			_, err := r.Run(ctx, name, TriggerSchedule, Params{})
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}
