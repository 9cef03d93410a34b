package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"kemitraan/app/auth"
	"kemitraan/app/jobs"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/services"
)

// testServer is an API on its own fresh database.
type testServer struct {
	t     testing.TB
	e     *echo.Echo
	db    *gorm.DB
	cfg   config.Config
	clock clock.Clock
	sent  *mailbox      // what the outbox job delivered
	svc   *services.Set // the services the server works through
}

// mailbox is the test servers' sender: it keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (m *mailbox) Send(_ context.Context, msg notify.Message) (notify.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return notify.Receipt{ID: fmt.Sprintf("uji-%d", len(m.msgs))}, nil
}

// deliver runs the outbox job, as an admin would, and returns what it sent.
func (s *testServer) deliver() []notify.Message {
	s.t.Helper()
	s.sent.mu.Lock()
	before := len(s.sent.msgs)
	s.sent.mu.Unlock()
	s.call(s.as(actor.RoleAdmin), http.MethodPost, "/api/v1/jobs/outbox/run", nil).problemOrOK(s.t, http.StatusOK)
	s.sent.mu.Lock()
	defer s.sent.mu.Unlock()
	return slices.Clone(s.sent.msgs[before:])
}

func newTestServer(t testing.TB, db *gorm.DB) *testServer {
	t.Helper()
	return newTestServerWith(t, db, clock.System{}, nil)
}

// newTestServerWith builds a test server on clk (a *clock.Fixed lets a test
// move time) with the default configuration changed by edit (may be nil).
func newTestServerWith(t testing.TB, db *gorm.DB, clk clock.Clock, edit func(*config.Config)) *testServer {
	t.Helper()
	if db == nil {
		db = dbtest.New(t)
	}
	cfg := config.Default()
	cfg.Uploads.Dir = t.TempDir()
	if edit != nil {
		edit(&cfg)
	}
	sent := &mailbox{}
	svc, err := services.New(cfg, db, testLog(), clk, sent)
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.NewStandardRunner(db, clk, testLog(), cfg, svc)
	e, err := New(Deps{Config: cfg, DB: db, Log: testLog(), Clock: clk, Services: svc, Jobs: runner})
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, e: e, db: db, cfg: cfg, clock: clk, sent: sent, svc: svc}
}

// dropped is a request body whose connection drops after sent: reading it
// ends with io.ErrUnexpectedEOF, as net/http reports a body cut short of
// its Content-Length.
type dropped struct {
	sent []byte
	io.Reader
}

func droppedBody(sent []byte) *dropped {
	return &dropped{sent: sent, Reader: io.MultiReader(bytes.NewReader(sent), iotest.ErrReader(io.ErrUnexpectedEOF))}
}

// testLog is the test servers' logger: silent, or with KEMITRAAN_TEST_LOG
// set, text on stderr (to see why a request failed).
func testLog() *slog.Logger {
	if os.Getenv("KEMITRAAN_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

type response struct {
	*httptest.ResponseRecorder
	t testing.TB
}

// do sends one request. Every exchange is also checked against the OpenAPI
// document (openapi_check_test.go).
func (s *testServer) do(method, path string, body io.Reader, headers ...string) response {
	s.t.Helper()
	var sent []byte
	if d, ok := body.(*dropped); ok {
		sent = d.sent
	} else if body != nil {
		var err error
		if sent, err = io.ReadAll(body); err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(sent)
	}
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	s.checkExchange(method, path, headers, sent, rec)
	return response{rec, s.t}
}

func (s *testServer) json(method, path string, body any, headers ...string) response {
	s.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do(method, path, bytes.NewReader(b), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// problem decodes a problem+json answer, failing when the answer is not one.
func (r response) problem(wantStatus int) map[string]any {
	r.t.Helper()
	if r.Code != wantStatus {
		r.t.Fatalf("status %d, want %d: %s", r.Code, wantStatus, r.Body.String())
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("content type %q, want application/problem+json: %s", ct, r.Body.String())
	}
	var p map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil {
		r.t.Fatalf("problem body: %v: %s", err, r.Body.String())
	}
	// A missing member is nil, which == "" would let through.
	if status, _ := p["status"].(float64); int(status) != wantStatus ||
		text(p, "code") == "" || text(p, "detail") == "" || text(p, "title") == "" {
		r.t.Fatalf("incomplete problem: %v", p)
	}
	return p
}

// text is the string member key of a decoded JSON object, or "" when it is
// missing or not a string.
func text(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// fields returns the field names of a validation problem's errors.
func fields(p map[string]any) []string {
	var out []string
	list, _ := p["errors"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// caller is someone calling the API in a test: a bearer token (a session or
// an ERP API token) and the ids it is bound to. The zero caller is the
// anonymous public.
type caller struct {
	token                     string
	userID, businessID, ikmID int64
}

// testPassword is the password of every user the helpers create, so a test
// can also log in as them (username in the users table).
const testPassword = "kata-sandi-uji-2025"

// The hash is computed once: argon2id is deliberately slow.
var testPasswordHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// randomDigits returns n random decimal digits, for unique NIBs.
func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + rand.IntN(10)))
	}
	return b.String()
}

// newBusiness inserts an active business of category (raw SQL: no audit
// event, no API) with a random NIB in Cikarang Utara, and returns its id.
func (s *testServer) newBusiness(category string) int64 {
	s.t.Helper()
	return dbtest.AddBusiness(s.t, s.db, dbtest.Business{LegalForm: "PT", Category: category,
		RegisteredAt: time.Now().Format(time.DateOnly)})
}

// newIKM inserts an active IKM with a random NIB and returns its id.
func (s *testServer) newIKM() int64 {
	s.t.Helper()
	nib := dbtest.NIB()
	return dbtest.AddIKM(s.t, s.db, dbtest.IKM{NIB: nib, Name: "IKM Uji " + nib, Owner: "Pemilik Uji", Sector: "lainnya"})
}

// as returns a fresh user of role, logged in. A company user gets a fresh
// factory, an IKM user a fresh IKM.
func (s *testServer) as(role actor.Role) caller {
	s.t.Helper()
	switch role {
	case actor.RoleCompany:
		return s.asCompany(s.newBusiness("factory"))
	case actor.RoleIKM:
		return s.asIKM(s.newIKM())
	}
	return s.newCaller(role, 0, 0)
}

// asCompany returns a fresh, logged-in company user of businessID.
func (s *testServer) asCompany(businessID int64) caller {
	s.t.Helper()
	return s.newCaller(actor.RoleCompany, businessID, 0)
}

// asIKM returns a fresh, logged-in user of the IKM ikmID.
func (s *testServer) asIKM(ikmID int64) caller {
	s.t.Helper()
	return s.newCaller(actor.RoleIKM, 0, ikmID)
}

// asToken returns an ERP API token of businessID, created by a fresh
// company user of that business (which writes a token.create audit event).
func (s *testServer) asToken(businessID int64) caller {
	s.t.Helper()
	owner := s.asCompany(businessID)
	ctx := actor.With(context.Background(), actor.Actor{UserID: owner.userID, Username: "uji",
		Role: actor.RoleCompany, BusinessID: businessID})
	_, secret, err := auth.NewService(s.db, s.clock, s.cfg.Auth).
		CreateAPIToken(ctx, auth.NewAPIToken{Name: "ERP uji"})
	if err != nil {
		s.t.Fatalf("asToken: %v", err)
	}
	return caller{token: secret, businessID: businessID}
}

var userSeq atomic.Int64

func (s *testServer) newCaller(role actor.Role, businessID, ikmID int64) caller {
	s.t.Helper()
	username := fmt.Sprintf("%s-%d-%s", role, userSeq.Add(1), randomDigits(4))
	var id int64
	err := s.db.Raw(`INSERT INTO users (username, name, role, business_id, ikm_id, password_hash)
		VALUES (?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?) RETURNING id`,
		username, "Pengguna "+username, string(role), businessID, ikmID, testPasswordHash()).Row().Scan(&id)
	if err != nil {
		s.t.Fatalf("new %s user: %v", role, err)
	}
	sess, err := auth.NewService(s.db, s.clock, s.cfg.Auth).IssueSession(context.Background(), id, "192.0.2.1", "test")
	if err != nil {
		s.t.Fatalf("session for %s: %v", username, err)
	}
	return caller{token: sess.Token, userID: id, businessID: businessID, ikmID: ikmID}
}

// call sends body as JSON (nil: no body) with c's token, if any.
func (s *testServer) call(c caller, method, path string, body any) response {
	s.t.Helper()
	var headers []string
	if c.token != "" {
		headers = []string{"Authorization", "Bearer " + c.token}
	}
	if body == nil {
		return s.do(method, path, nil, headers...)
	}
	return s.json(method, path, body, headers...)
}

// decode unmarshals a JSON answer into a value of T after checking the status.
func decode[T any](r response, wantStatus int) T {
	r.t.Helper()
	var v T
	if r.Code != wantStatus {
		r.t.Fatalf("status %d, want %d: %s", r.Code, wantStatus, r.Body.String())
	}
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
		r.t.Fatalf("decoding %T: %v: %s", v, err, r.Body.String())
	}
	return v
}

// in is the same server for the subtest t.
func (s *testServer) in(t testing.TB) *testServer {
	c := *s
	c.t = t
	return &c
}
