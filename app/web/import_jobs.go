package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/procurement"
)

// Imports started from the page run in the background, so a 100,000-row
// file neither holds its request open nor leaves the user before a blank
// page: the upload is kept in a temporary file, the page shows the job's
// progress, then its preview, its bad rows or its receipt. Jobs live in
// this process's memory for jobKeep after they end. An import is all or
// nothing, so a restart loses no purchase, only the page about it.

// jobKeep is how long an ended job's page (and its files) stays.
const jobKeep = time.Hour

// previewRows is how many rows of a clean file the check shows.
const previewRows = 20

type jobState int

const (
	jobQueued jobState = iota
	jobRunning
	jobDone
)

type importJobs struct {
	log     *slog.Logger
	timeout time.Duration
	slots   chan struct{} // imports that may run at once
	mu      sync.Mutex
	dir     string // made on first use
	byID    map[string]*importJob
	byKey   map[string]*importJob // business and form key → job: a double click starts one
	busy    map[int64]*sync.Mutex // one import at a time per business
	fromMu  sync.Mutex            // one import started from a check, however many clicks
}

func newImportJobs(log *slog.Logger, timeout time.Duration, parallel int) *importJobs {
	return &importJobs{log: log, timeout: timeout, slots: make(chan struct{}, parallel),
		byID: map[string]*importJob{}, byKey: map[string]*importJob{}, busy: map[int64]*sync.Mutex{}}
}

// importJob is one check or import of one uploaded file.
type importJob struct {
	ID         string
	BusinessID int64
	FileName   string
	Size       int64
	DryRun     bool
	SkipBad    bool // the good rows of a rejected file, the bad ones set aside
	key        string
	path       string // the upload, kept while the job's page lives
	read       atomic.Int64
	progress   procurement.ImportProgress

	mu      sync.Mutex
	state   jobState
	ended   time.Time
	result  procurement.ImportResult
	err     error  // a rejection (a fault) or a failure
	badPath string // the XLSX of the rejected rows
	next    string // the import started from this check
}

// jobSnapshot is a job as its page shows it.
type jobSnapshot struct {
	ID, FileName string
	DryRun       bool
	SkipBad      bool
	State        jobState
	Stage        procurement.ImportStage
	Rows         int64
	Percent      int // of the file read
	Result       procurement.ImportResult
	Err          error
	HasBadRows   bool
	Next         string
}

func (j *importJob) snapshot() jobSnapshot {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := jobSnapshot{ID: j.ID, FileName: j.FileName, DryRun: j.DryRun, SkipBad: j.SkipBad, State: j.state, Stage: j.progress.Stage(),
		Rows: j.progress.Rows(), Result: j.result, Err: j.err, HasBadRows: j.badPath != "", Next: j.next}
	if j.Size > 0 {
		s.Percent = int(min(100, j.read.Load()*100/j.Size))
	}
	return s
}

// add keeps src (the upload) in a temporary file and registers a job for
// it; a second add with the same business and form key returns the first
// job (a double click starts one).
func (js *importJobs) add(businessID int64, key, name string, src io.Reader, dry bool) (*importJob, bool, error) {
	k := jobKey(businessID, key, dry)
	js.mu.Lock()
	js.sweepLocked(time.Now())
	first, seen := js.byKey[k]
	if js.dir == "" {
		dir, err := os.MkdirTemp("", "kemitraan-imports-")
		if err != nil {
			js.mu.Unlock()
			return nil, false, err
		}
		js.dir = dir
	}
	dir := js.dir
	js.mu.Unlock()
	if seen && key != "" {
		return first, false, nil
	}
	id := randomID()
	path := filepath.Join(dir, id)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, false, err
	}
	n, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, false, err
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if first, seen := js.byKey[k]; seen && key != "" {
		_ = os.Remove(path)
		return first, false, nil
	}
	j := &importJob{ID: id, BusinessID: businessID, FileName: name, Size: n, DryRun: dry, key: key, path: path}
	js.byID[id] = j
	if key != "" {
		js.byKey[k] = j
	}
	return j, true, nil
}

// importFrom registers the import of a checked job's file, once: asked
// again, it returns the import already started. A clean file is imported
// whole; a file with bad rows only with skipBad, its good rows.
func (js *importJobs) importFrom(checked *importJob, skipBad bool, lang string) (*importJob, bool, error) {
	js.fromMu.Lock()
	defer js.fromMu.Unlock()
	checked.mu.Lock()
	next, ended, failure := checked.next, checked.state == jobDone, checked.err
	checked.mu.Unlock()
	if next != "" {
		if j := js.get(checked.BusinessID, next); j != nil {
			return j, false, nil
		}
	}
	fe, rowErrors := fault.As(failure)
	rowErrors = rowErrors && fe.Code == "import_rejected"
	if !ended || (failure == nil) == skipBad || (failure != nil && !rowErrors) {
		return nil, false, fault.Conflict("import_not_checked", msgIn(lang, "import.not_checked"))
	}
	f, err := os.Open(checked.path)
	if err != nil {
		return nil, false, fault.Conflict("import_expired", msgIn(lang, "import.expired"))
	}
	defer f.Close()
	j, _, err := js.add(checked.BusinessID, "", checked.FileName, f, false)
	if err != nil {
		return nil, false, err
	}
	j.SkipBad = skipBad
	checked.mu.Lock()
	checked.next = j.ID
	checked.mu.Unlock()
	return j, true, nil
}

func jobKey(businessID int64, key string, dry bool) string {
	return fmt.Sprint(businessID, "/", key, "/", dry)
}

// get is the business's job id, or nil: another business's job is as
// unknown as one that never was.
func (js *importJobs) get(businessID int64, id string) *importJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.sweepLocked(time.Now())
	j, ok := js.byID[id]
	if !ok || j.BusinessID != businessID {
		return nil
	}
	return j
}

// sweepLocked forgets the jobs that ended more than jobKeep ago and removes
// their files.
func (js *importJobs) sweepLocked(now time.Time) {
	for id, j := range js.byID {
		j.mu.Lock()
		old := j.state == jobDone && now.Sub(j.ended) > jobKeep
		j.mu.Unlock()
		if !old {
			continue
		}
		delete(js.byID, id)
		if j.key != "" {
			delete(js.byKey, jobKey(j.BusinessID, j.key, j.DryRun))
		}
		_ = os.Remove(j.path)
		if j.badPath != "" {
			_ = os.Remove(j.badPath)
		}
	}
}

// run does the job in the background as a, with its own deadline: the
// request that started it has ended by then.
func (js *importJobs) run(ctx context.Context, a actor.Actor, svc *procurement.Service, j *importJob) {
	ctx = actor.With(context.WithoutCancel(ctx), a)
	go func() {
		lock := js.businessLock(j.BusinessID)
		lock.Lock()
		defer lock.Unlock()
		js.slots <- struct{}{}
		defer func() { <-js.slots }()
		ctx, cancel := context.WithTimeout(ctx, js.timeout)
		defer cancel()
		j.mu.Lock()
		j.state = jobRunning
		j.mu.Unlock()
		res, err := js.importFile(ctx, svc, j)
		j.mu.Lock()
		defer j.mu.Unlock()
		j.result, j.err, j.state, j.ended = res, err, jobDone, time.Now()
		if err == nil && !j.DryRun {
			_ = os.Remove(j.path) // stored: nothing more to read from it
		}
		if _, rejected := fault.As(err); err != nil && !rejected {
			js.log.ErrorContext(ctx, "import job failed", "job", j.ID, "business_id", j.BusinessID, "error", err)
		}
	}()
}

func (js *importJobs) businessLock(id int64) *sync.Mutex {
	js.mu.Lock()
	defer js.mu.Unlock()
	m, ok := js.busy[id]
	if !ok {
		m = &sync.Mutex{}
		js.busy[id] = m
	}
	return m
}

func (js *importJobs) importFile(ctx context.Context, svc *procurement.Service, j *importJob) (procurement.ImportResult, error) {
	f, err := os.Open(j.path)
	if err != nil {
		return procurement.ImportResult{}, err
	}
	defer f.Close()
	reasons := map[int][]string{}
	res, _, err := svc.Import(ctx, procurement.ImportInput{
		File: &countingReader{r: f, n: &j.read}, DryRun: j.DryRun, SkipBad: j.SkipBad, Preview: previewRows,
		Progress: &j.progress,
		EachError: func(e fault.FieldError) {
			if e.Line > 0 {
				reasons[e.Line] = append(reasons[e.Line], e.Field+": "+e.Reason)
			}
		},
	}, nil)
	if len(reasons) > 0 { // rejected, or set aside
		if perr := js.writeRejected(j, reasons); perr != nil {
			js.log.ErrorContext(ctx, "import job: rejected rows file", "job", j.ID, "error", perr)
		}
	}
	return res, err
}

// writeRejected keeps the rejected rows as an XLSX beside the upload.
func (js *importJobs) writeRejected(j *importJob, reasons map[int][]string) error {
	src, err := os.Open(j.path)
	if err != nil {
		return err
	}
	defer src.Close()
	path := j.path + "-ditolak.xlsx"
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = procurement.WriteRejected(out, src, reasons)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return err
	}
	j.mu.Lock()
	j.badPath = path
	j.mu.Unlock()
	return nil
}

// countingReader counts the bytes read, for the progress of the reading.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b)
}
