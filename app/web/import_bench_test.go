package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/benchtest"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/procurement"
)

// BenchmarkPageImport times a 100,000-row CSV imported through the page
// (the upload over loopback, the background job, its page reloaded every
// 20 ms until it shows the receipt) against the same rows imported by the
// domain call the job makes, alternating (A B, B A, …), and reports each one's median
// wall time, their ratio, and the peak Go heap in use during each; and the
// process's peak resident set at the end. scripts/bench-page-import runs it
// on a throwaway cluster with fsync on.
func BenchmarkPageImport(b *testing.B) {
	if os.Getenv("KEMITRAAN_BENCH_PAGE_IMPORT") == "" {
		b.Skip("run scripts/bench-page-import")
	}
	const rows = 100_000
	s := newSite(b)
	business := dbtest.AddBusiness(b, s.db, dbtest.Business{Name: "PT Pabrik Besar", Category: "hotel"})
	dbtest.AddIKM(b, s.db, dbtest.IKM{NIB: "8120000000001"})
	br := s.companyUser(b, business)
	csrf := br.get("/perusahaan/impor").csrf(b)
	company := actor.With(s.admin(), actor.Actor{Role: actor.RoleCompany, BusinessID: business, System: true})

	var domain, page []time.Duration
	var domainHeap, pageHeap []float64
	run := 0
	for b.Loop() {
		run++
		viaDomain := func() {
			file := pageImportFile(fmt.Sprintf("D%d", run), rows)
			var took time.Duration
			domainHeap = append(domainHeap, float64(benchtest.HeapPeak(func() {
				start := time.Now()
				res, _, err := s.svc.Purchases.Import(company, procurement.ImportInput{File: bytes.NewReader(file)}, nil)
				took = time.Since(start)
				if err != nil || res.Created != rows {
					b.Fatalf("domain import: %d rows, %.300v", res.Created, err)
				}
			}))/(1<<20))
			domain = append(domain, took)
		}
		viaPage := func() {
			file := pageImportFile(fmt.Sprintf("P%d", run), rows)
			var took time.Duration
			pageHeap = append(pageHeap, float64(benchtest.HeapPeak(func() {
				start := time.Now()
				receipt := br.importFile(b, map[string]string{"csrf": csrf, "langkah": "impor"}, "besar.csv", file)
				took = time.Since(start)
				receipt.must(b, http.StatusOK, "100.000 pembelian sudah dilaporkan")
			}))/(1<<20))
			page = append(page, took)
		}
		// A B, then B A: a checkpoint or autovacuum lands on either alike.
		if run%2 == 1 {
			viaDomain()
			viaPage()
		} else {
			viaPage()
			viaDomain()
		}
	}
	b.StopTimer()
	median := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	seconds := func(ds []time.Duration) []float64 {
		out := make([]float64, len(ds))
		for i, d := range ds {
			out[i] = d.Seconds()
		}
		return out
	}
	b.ReportMetric(median(seconds(domain)), "domain-s")
	b.ReportMetric(median(seconds(page)), "page-s")
	b.ReportMetric(median(seconds(page))/median(seconds(domain)), "page/domain")
	b.ReportMetric(median(domainHeap), "domain-heap-MB")
	b.ReportMetric(median(pageHeap), "page-heap-MB")
	b.ReportMetric(benchtest.MaxRSS(), "max-rss-MB")
	b.ReportMetric(0, "ns/op")
}

// pageImportFile is rows purchases of one IKM, the invoice numbers
// prefixed so that every run's are new.
func pageImportFile(prefix string, rows int) []byte {
	var buf bytes.Buffer
	buf.WriteString("invoice_number,ikm_nib,purchase_date,description,quantity,amount\n")
	for i := range rows {
		fmt.Fprintf(&buf, "%s-%06d,8120000000001,2025-03-%02d,Kue kering kemasan,%d,%d\n", // before the site's day, 12 March
			prefix, i, 1+i%11, 1+i%50, 50_000+i)
	}
	return buf.Bytes()
}
