package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/api"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/jobs"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/procurement"
	"kemitraan/app/seed"
	"kemitraan/app/services"
	"kemitraan/app/web"
)

// site is the whole service, API and pages, on a real listener over a
// fresh database, as a browser meets it.
type site struct {
	t       testing.TB
	url     string
	db      *gorm.DB
	svc     *services.Set
	clock   *clock.Fixed
	logs    *lockedBuffer // what the server logged
	runner  *jobs.Runner
	handler http.Handler // the server's, for benchmarks that skip the network
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// now is the test sites' clock: a Wednesday morning in WIB.
var now = time.Date(2025, 3, 12, 2, 30, 0, 0, time.UTC)

func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteOn(t, dbtest.New(t), clock.NewFixed(now))
}

// newSiteOn serves the site from db, on clk.
func newSiteOn(t testing.TB, db *gorm.DB, clk clock.Clock) *site {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg := config.Default()
	cfg.Uploads.Dir = t.TempDir()
	cfg.HTTP.PublicURL = "http://" + srv.Listener.Addr().String()
	logs := &lockedBuffer{}
	var out io.Writer = logs
	if os.Getenv("KEMITRAAN_TEST_LOG") != "" {
		out = io.MultiWriter(logs, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	svc, err := services.New(cfg, db, log, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.NewStandardRunner(db, clk, log, cfg, svc)
	pages, err := web.New(web.Deps{Config: cfg, Log: log, Clock: clk, Services: svc, Jobs: runner})
	if err != nil {
		t.Fatal(err)
	}
	e, err := api.New(api.Deps{Config: cfg, DB: db, Log: log, Clock: clk, Services: svc, Jobs: runner, Pages: pages})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = e
	srv.Start()
	t.Cleanup(srv.Close)
	fixed, _ := clk.(*clock.Fixed)
	return &site{t: t, url: srv.URL, db: db, svc: svc, clock: fixed, logs: logs, runner: runner, handler: e}
}

// admin is the context of the test sites' admin, for setting things up
// through the services.
func (s *site) admin() context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: 1, Username: "admin", Role: actor.RoleAdmin, System: true})
}

// user creates an account of role (bound to business or IKM as the role
// needs) with password and returns its username.
func (s *site) user(role actor.Role, business, ikm int64) (username, password string) {
	s.t.Helper()
	username, password = "pengguna"+dbtest.NIB()[:6], "kata sandi yang panjang sekali"
	in := auth.NewUser{Username: username, Name: "Pengguna Uji", Role: role, Password: password}
	if business != 0 {
		in.BusinessID = &business
	}
	if ikm != 0 {
		in.IKMID = &ikm
	}
	if _, err := s.svc.Auth.CreateUser(s.admin(), in); err != nil {
		s.t.Fatalf("create %s user: %v", role, err)
	}
	return username, password
}

// purchase is one purchase a company reported against an IKM, with the
// token of its confirmation link.
type purchase struct {
	id, business, ikm int64
	token             string
}

// reportPurchase has a hotel report buying batik from an IKM, through the
// domain, and returns it with its link.
func (s *site) reportPurchase() purchase {
	s.t.Helper()
	business := dbtest.AddBusiness(s.t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	ikm := dbtest.AddIKM(s.t, s.db, dbtest.IKM{Name: "Batik Tulis Sekar", Sector: "batik"})
	ctx := actor.With(context.Background(), actor.Actor{UserID: 0, Role: actor.RoleCompany, BusinessID: business, System: true})
	qty := int64(40)
	p, _, err := s.svc.Purchases.Report(ctx, procurement.ReportInput{IKMID: ikm, InvoiceNumber: "INV/2025/031",
		PurchaseDate: "2025-03-05", Description: "Kain batik tulis untuk seragam", Quantity: &qty, Amount: 12_500_000}, nil)
	if err != nil {
		s.t.Fatalf("report purchase: %v", err)
	}
	link, _, ok, err := s.svc.Purchases.ConfirmationURL(s.admin(), p.ID)
	if err != nil || !ok {
		s.t.Fatalf("confirmation link of %d: %v %v", p.ID, ok, err)
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/k/") {
		s.t.Fatalf("confirmation link %q is not a page", link)
	}
	return purchase{id: p.ID, business: business, ikm: ikm, token: strings.TrimPrefix(u.Path, "/k/")}
}

func (s *site) count(q string, args ...any) int64 {
	s.t.Helper()
	var n int64
	if err := s.db.Raw(q, args...).Row().Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// browser is an HTTP client with cookies that does not follow redirects,
// so a test sees each 303.
type browser struct {
	s      *site
	client *http.Client
}

func (s *site) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &browser{s: s, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) get(path string) page {
	b.s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.s.url+path, nil)
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return b.send(req)
}

// post sends form as a browser would submit it.
func (b *browser) post(path string, form url.Values) page {
	b.s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.s.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

func (b *browser) send(req *http.Request) page {
	b.s.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return page{status: res.StatusCode, header: res.Header, body: string(body)}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form on p.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field on the page:\n%.2000s", p.body)
	}
	return m[1]
}

// must checks the status and that each text is on the page.
func (p page) must(t testing.TB, status int, texts ...string) page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d:\n%.3000s", p.status, status, p.body)
	}
	for _, text := range texts {
		if !strings.Contains(p.body, text) {
			t.Errorf("the page lacks %q:\n%.3000s", text, p.body)
		}
	}
	// Every link of the error summary leads to a field on the page.
	if i := strings.Index(p.body, `class="error-summary"`); i >= 0 {
		summary := p.body[i:]
		summary = summary[:strings.Index(summary, "</div>")]
		for _, m := range summaryLink.FindAllStringSubmatch(summary, -1) {
			if !strings.Contains(p.body, `id="`+m[1]+`"`) {
				t.Errorf("the error summary links to #%s, which is not on the page", m[1])
			}
		}
	}
	return p
}

var summaryLink = regexp.MustCompile(`href="#([^"]+)"`)

func (p page) location() string { return p.header.Get("Location") }

// evaluated fills the site with a small generated year of businesses, IKM
// and purchases, loads the shipped rules and evaluates 2025-Q1, as the
// nightly job would once the quarter's report deadline has passed.
func (s *site) evaluated() {
	s.t.Helper()
	ctx := context.Background()
	if _, err := compliance.LoadRuleFiles(ctx, s.db, filepath.Join("..", "..", "config", "rules"), s.clock.Now()); err != nil {
		s.t.Fatal(err)
	}
	if _, err := seed.ScaleData(ctx, s.db, seed.Scale{Businesses: 40, Purchases: 3000, IKMs: 300}); err != nil {
		s.t.Fatal(err)
	}
	s.clock.Advance(60 * 24 * time.Hour)
	rec, err := s.runner.Run(ctx, "evaluate", jobs.TriggerCommand, jobs.Params{Period: "2025-Q1"})
	if err != nil || rec.Outcome != "succeeded" {
		s.t.Fatalf("evaluate 2025-Q1: %+v %v", rec, err)
	}
}
