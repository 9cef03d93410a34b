// Package benchtest holds what the benchmarks over a seeded database share:
// opening the database KEMITRAAN_BENCH_URL names (scripts/bench-* make one
// with `kemitraan seed --scale`) and sampling the Go heap while work runs.
package benchtest

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
)

// Open connects to the database KEMITRAAN_BENCH_URL names and closes it when
// b ends. Without the variable the benchmark skips, naming script (the
// scripts/bench-* that makes the database).
func Open(b *testing.B, script string) *gorm.DB {
	b.Helper()
	url := os.Getenv("KEMITRAAN_BENCH_URL")
	if url == "" {
		b.Skipf("KEMITRAAN_BENCH_URL is not set: run %s", script)
	}
	cfg := config.Default().Database
	cfg.URL = config.Secret(url)
	db, err := database.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { database.Close(db) })
	return db
}

// HeapPeak samples the Go heap in use (after a collection) while work runs
// and returns its peak in bytes.
func HeapPeak(work func()) uint64 {
	runtime.GC()
	var peak uint64 // the sampler's alone until it has stopped
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	work()
	close(done)
	<-stopped
	return peak
}

// MaxRSS is the process's peak resident set so far, in megabytes.
func MaxRSS() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
