package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kemitraan/app/compliance"
	"kemitraan/app/jobs"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/procurement"
)

// BenchmarkPages times, in the server (no network), the pages that must
// stay quick on the full data set (scripts/bench-pages seeds 100,000
// businesses and 10,000,000 purchases): an IKM's confirmation page, the
// purchase list of the IKM with the most purchases, the public statistics,
// the home page and purchase list of the business with the most
// purchases, and the Dinas's pages (the officer's queues, both registries,
// the case queue, the sanction list); /healthz, which touches no data,
// runs interleaved with them as the baseline. It reports each page's median and 95th percentile and
// the bytes a phone downloads for the confirmation and the start page
// (gzip, with their assets).
func BenchmarkPages(b *testing.B) {
	dbURL := os.Getenv("KEMITRAAN_BENCH_URL")
	if dbURL == "" {
		b.Skip("KEMITRAAN_BENCH_URL names a seeded database (scripts/bench-pages)")
	}
	ctx := context.Background()
	cfg := config.Default().Database
	cfg.URL = config.Secret(dbURL)
	db, err := database.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = database.Close(db) })
	s := newSiteOn(b, db, clock.System{})
	if _, err := compliance.LoadRuleFiles(ctx, db, filepath.Join("..", "..", "config", "rules"), time.Now()); err != nil {
		b.Fatal(err)
	}
	if s.count(`SELECT count(*) FROM evaluated_periods WHERE period = '2025-Q1'`) == 0 {
		if _, err := s.runner.Run(ctx, "evaluate", jobs.TriggerCommand, jobs.Params{Period: "2025-Q1"}); err != nil {
			b.Fatal(err)
		}
	}
	var ikm, business int64
	if err := db.Raw(`SELECT ikm_id, min(business_id) FROM purchases GROUP BY ikm_id ORDER BY count(*) DESC LIMIT 1`).
		Row().Scan(&ikm, &business); err != nil {
		b.Fatal(err)
	}
	company := actor.With(ctx, actor.Actor{Role: actor.RoleCompany, BusinessID: business, System: true})
	p, _, err := s.svc.Purchases.Report(company, procurement.ReportInput{IKMID: ikm,
		InvoiceNumber: fmt.Sprintf("BENCH-%d", time.Now().UnixNano()), PurchaseDate: "2025-03-05",
		Description: "Kain batik tulis untuk seragam", Amount: 12_500_000}, nil)
	if err != nil {
		b.Fatal(err)
	}
	link, _, _, err := s.svc.Purchases.ConfirmationURL(s.admin(), p.ID)
	if err != nil {
		b.Fatal(err)
	}
	confirmPath := link[strings.Index(link, "/k/"):]
	username, password := s.user(actor.RoleIKM, 0, ikm)
	br := s.browser()
	form := br.get("/masuk")
	res := br.post("/masuk", map[string][]string{"csrf": {form.csrf(b)}, "username": {username}, "password": {password}})
	session := cookieOf(res, "kemitraan_sesi")
	if session == nil {
		b.Fatalf("IKM login: %d", res.status)
	}

	var busiest int64
	if err := db.Raw(`SELECT business_id FROM purchases GROUP BY business_id ORDER BY count(*) DESC LIMIT 1`).
		Row().Scan(&busiest); err != nil {
		b.Fatal(err)
	}
	cuser, cpass := s.user(actor.RoleCompany, busiest, 0)
	cb := s.browser()
	cform := cb.get("/masuk")
	cres := cb.post("/masuk", map[string][]string{"csrf": {cform.csrf(b)}, "username": {cuser}, "password": {cpass}})
	companySession := cookieOf(cres, "kemitraan_sesi")
	if companySession == nil {
		b.Fatalf("company login: %d", cres.status)
	}

	// Dinas staff: an officer and a reviewer.
	staffSession := func(role actor.Role) *http.Cookie {
		user, pass := s.user(role, 0, 0)
		sb := s.browser()
		f := sb.get("/masuk")
		r := sb.post("/masuk", map[string][]string{"csrf": {f.csrf(b)}, "username": {user}, "password": {pass}})
		ck := cookieOf(r, "kemitraan_sesi")
		if ck == nil {
			b.Fatalf("%s login: %d", role, r.status)
		}
		return ck
	}
	officer, reviewer := staffSession(actor.RoleOfficer), staffSession(actor.RoleReviewer)

	type target struct {
		name, path string
		cookie     *http.Cookie
		times      []time.Duration
	}
	targets := []*target{{name: "healthz", path: "/healthz"}, {name: "konfirmasi", path: confirmPath},
		{name: "ikm-pembelian", path: "/ikm", cookie: session}, {name: "statistik", path: "/statistik"},
		{name: "perusahaan", path: "/perusahaan", cookie: companySession},
		{name: "perusahaan-pembelian", path: "/perusahaan/pembelian", cookie: companySession},
		{name: "dinas-antrean", path: "/dinas", cookie: officer},
		{name: "dinas-usaha", path: "/dinas/usaha?urut=-employee_count", cookie: officer},
		{name: "dinas-ikm", path: "/dinas/ikm?sektor=batik&halaman=3", cookie: officer},
		{name: "dinas-kasus", path: "/dinas/kasus?urut=business", cookie: reviewer},
		{name: "dinas-sanksi", path: "/dinas/sanksi?periode=2025-Q1", cookie: reviewer}}
	serve := func(t *target) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, t.path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if t.cookie != nil {
			req.AddCookie(t.cookie)
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		s.handler.ServeHTTP(rec, req)
		t.times = append(t.times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", t.path, rec.Code)
		}
		return rec
	}
	for _, t := range targets { // warm up: caches, prepared statements
		serve(t)
		t.times = nil
	}
	b.ResetTimer()
	for b.Loop() {
		for _, t := range targets {
			serve(t)
		}
	}
	b.StopTimer()
	quantile := func(ts []time.Duration, q float64) float64 {
		ts = slices.Clone(ts)
		slices.Sort(ts)
		return float64(ts[int(float64(len(ts)-1)*q)].Microseconds()) / 1000
	}
	base := quantile(targets[0].times, 0.5)
	for _, t := range targets {
		b.ReportMetric(quantile(t.times, 0.5), t.name+"-p50-ms")
		b.ReportMetric(quantile(t.times, 0.95), t.name+"-p95-ms")
		if t != targets[0] && base > 0 {
			b.ReportMetric(quantile(t.times, 0.5)/base, t.name+"/healthz")
		}
	}
	b.ReportMetric(float64(transferred(b, s, confirmPath, nil)), "konfirmasi-bytes")
	b.ReportMetric(float64(transferred(b, s, "/", nil)), "beranda-bytes")
}

var assetRef = regexp.MustCompile(`(?:href|src)="(/aset/[^"]+)"`)

// transferred is what a browser downloads for path, gzip-compressed as the
// server sends it: the page and every asset it names, each once.
func transferred(b *testing.B, s *site, path string, cookie *http.Cookie) int {
	get := func(p string) (sent int, body string) {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		raw := rec.Body.Bytes()
		sent = len(raw)
		for k, v := range rec.Header() {
			sent += len(k) + len(strings.Join(v, ",")) + 4
		}
		if rec.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				b.Fatal(err)
			}
		}
		return sent, string(raw)
	}
	total, page := get(path)
	seen := map[string]bool{}
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			n, _ := get(m[1])
			total += n
		}
	}
	return total
}
