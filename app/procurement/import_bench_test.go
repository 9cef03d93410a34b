package procurement_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/files"
	"kemitraan/app/procurement"
)

// BenchmarkImport imports generated purchases, CSV streamed from a
// generator (so the file never sits in memory) and XLSX from a file written
// beforehand, and reports rows per second and the peak heap in use during
// the import (sampled every 5 ms), absolute and above the heap in use just
// before it. Neither should grow with the rows.
//
//	scripts/bench-import   (or: go test -run '^$' -bench Import -benchtime 1x ./app/procurement/)
func BenchmarkImport(b *testing.B) {
	for _, tt := range []struct {
		format string
		rows   int
	}{{"csv", 10_000}, {"csv", 100_000}, {"xlsx", 100_000}} {
		b.Run(fmt.Sprintf("%s-%d", tt.format, tt.rows), func(b *testing.B) { benchImport(b, tt.format, tt.rows) })
	}
}

func benchImport(b *testing.B, format string, rows int) {
	db := dbtest.New(b)
	ctx := context.Background()
	businessID := benchBusiness(b, db)
	clk := clock.NewFixed(time.Date(2025, 7, 1, 3, 0, 0, 0, time.UTC))
	svc := procurement.New(db, clk, procurement.Config{MaxAmount: 10_000_000_000, ImportMaxRows: 200_000,
		PublicURL: "http://127.0.0.1:8080", TokenSecret: "benchmark-secret-of-at-least-32-chars"},
		files.NewStore(b.TempDir(), 1<<20, clk), nil)
	ctx = actor.With(ctx, actor.Actor{UserID: 1, Username: "bench", Role: actor.RoleCompany, BusinessID: businessID})

	var peak atomic.Uint64
	var base uint64
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		var src io.Reader
		if format == "xlsx" {
			f, err := os.Open(writeXLSX(b, i, rows))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			src = f
		} else {
			src = generateCSV(i, rows)
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		base = max(base, m.HeapInuse)
		b.StartTimer()
		stop := sampleHeap(&peak)
		start := time.Now()
		res, _, err := svc.Import(ctx, procurement.ImportInput{File: src}, nil)
		total += time.Since(start)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != rows {
			b.Fatalf("created %d of %d", res.Created, rows)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rows*b.N)/total.Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	// What the import itself added above the heap in use before it.
	b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "import-heap-MiB")
}

// benchBusiness makes the business that imports and 300 active IKM, a
// third with an e-mail address, that it buys from.
func benchBusiness(b *testing.B, db *gorm.DB) int64 {
	businessID := dbtest.AddBusiness(b, db, dbtest.Business{Name: "PT Tolok Ukur"})
	if err := db.Exec(`INSERT INTO ikms (nib, name, sector, kecamatan_code, email)
		SELECT '7' || lpad(g::text, 12, '0'), 'IKM ' || g, 'lainnya', '3216060', CASE WHEN g % 3 = 0 THEN 'ikm' || g || '@contoh.id' END
		FROM generate_series(1, 300) g`).Error; err != nil {
		b.Fatal(err)
	}
	return businessID
}

// row is the i-th generated purchase of an iteration.
func row(iteration, r int) []any {
	return []any{fmt.Sprintf("B%d-%07d", iteration, r), fmt.Sprintf("7%012d", r%300+1),
		fmt.Sprintf("2025-%02d-%02d", 4+r%3, 1+r%28), fmt.Sprintf("Pembelian produk IKM nomor %d", r),
		1 + r%50, 40_000 + (r%100)*1_000}
}

// writeXLSX writes n rows to a temporary workbook with excelize's stream
// writer, before the measured import.
func writeXLSX(b *testing.B, iteration, n int) string {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"invoice_number", "ikm_nib", "purchase_date", "description", "quantity", "amount"})
	for r := range n {
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, row(iteration, r)); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "impor.xlsx")
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	return path
}

// generateCSV writes n rows of purchases into a pipe as they are read.
func generateCSV(iteration, n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := &errWriter{w: pw}
		fmt.Fprintln(w, "invoice_number,ikm_nib,purchase_date,description,quantity,amount")
		for r := range n {
			fmt.Fprintf(w, "%s,%s,%s,%s,%d,%d\n", row(iteration, r)...)
		}
		pw.CloseWithError(w.err)
	}()
	return pr
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// sampleHeap records the largest HeapInuse seen every 5 ms until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
