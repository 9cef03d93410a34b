package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"kemitraan/app/platform/clock"
)

// BenchmarkReportPurchase reports purchases with an ERP token through the
// whole HTTP stack in process (no network; the database is the real one),
// in parallel as an ERP sending a batch would: what one report costs the
// server. Profile it (-cpuprofile) to see where; scripts/bench-write
// measures the same route over the network against a bare baseline.
func BenchmarkReportPurchase(b *testing.B) {
	s := newTestServerWith(b, nil, clock.System{}, nil)
	s.loadRules()
	erp := s.asToken(s.newBusiness("factory"))
	ikms := []int64{s.newIKM(), s.newIKM(), s.newIKM()}
	s.setIKMEmail(ikms[0], "ikm@contoh.id")
	b.SetParallelism(8)
	b.ResetTimer()
	var seq atomicSeq
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.next()
			body, _ := json.Marshal(map[string]any{"ikm_id": ikms[n%3], "invoice_number": fmt.Sprintf("BENCH-%d", n),
				"purchase_date": "2025-03-10", "description": "Besek bambu", "quantity": 10, "amount": 150_000})
			req := httptest.NewRequest(http.MethodPost, "/api/v1/purchases", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+erp.token)
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

type atomicSeq struct{ n atomic.Int64 }

func (a *atomicSeq) next() int64 { return a.n.Add(1) }
