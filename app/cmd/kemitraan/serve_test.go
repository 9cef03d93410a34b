package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
)

// syncBuffer is a log sink the server and the test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A request still running when shutdown_timeout ends is answered 503
// before its connection closes, serve then stops cleanly, and it warns of
// running jobs only when one runs.
func TestServeAnswersRunningRequestsAtShutdown(t *testing.T) {
	cfg := config.Default()
	cfg.Database.URL = config.Secret(dbtest.URL(t, true))
	cfg.HTTP.Addr = freeAddr(t)
	cfg.HTTP.ShutdownTimeout = 300 * time.Millisecond
	cfg.Uploads.Dir = t.TempDir()
	cfg.RulesDir = "../../../config/rules"
	logs := &syncBuffer{}
	env := &environment{cfg: cfg, log: slog.New(slog.NewTextHandler(logs, nil)), stdout: &bytes.Buffer{},
		getenv: func(string) string { return "" }}
	defer env.close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, env, nil) }()
	base := "http://" + cfg.HTTP.Addr
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if r, err := http.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("the server never became ready: %s", logs)
		}
	}

	// Another session holds the IKM table, so the directory request waits.
	other, err := database.Open(context.Background(), cfg.Database, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(other)
	hold := other.Begin()
	defer hold.Rollback()
	if err := hold.Exec("LOCK TABLE ikms IN ACCESS EXCLUSIVE MODE").Error; err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		code   string
		conn   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		r, err := http.Get(base + "/api/v1/public/ikms")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer r.Body.Close()
		var p struct{ Code string }
		_ = json.NewDecoder(r.Body).Decode(&p)
		conn := r.Header.Get("Connection")
		if r.Close {
			conn = "close"
		}
		answered <- answer{status: r.StatusCode, code: p.Code, conn: conn}
	}()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		var waiting int64
		other.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).
			Scan(&waiting)
		if waiting > 0 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the request never waited for the lock")
		}
	}

	stop() // SIGTERM
	select {
	case a := <-answered:
		if a.err != nil || a.status != http.StatusServiceUnavailable || a.code != "shutting_down" || a.conn != "close" {
			t.Errorf("running request answered %+v, want 503 shutting_down with Connection: close", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the running request got no answer")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	out := logs.String()
	if !strings.Contains(out, "requests still running at shutdown_timeout") {
		t.Errorf("no warning about the running request in:\n%s", out)
	}
	if strings.Contains(out, "jobs still running") || strings.Contains(out, "still running at shutdown: ") {
		t.Errorf("warned of running jobs when none ran:\n%s", out)
	}
}
