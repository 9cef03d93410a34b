package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
)

// testServer is an API on its own fresh database.
type testServer struct {
	t  *testing.T
	e  *echo.Echo
	db *gorm.DB
}

func newTestServer(t *testing.T, db *gorm.DB) *testServer {
	t.Helper()
	if db == nil {
		db = dbtest.New(t)
	}
	cfg := config.Default()
	cfg.Uploads.Dir = t.TempDir()
	e, err := New(Deps{Config: cfg, DB: db, Log: slog.New(slog.DiscardHandler), Clock: clock.System{}})
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, e: e, db: db}
}

type response struct {
	*httptest.ResponseRecorder
	t *testing.T
}

func (s *testServer) do(method, path string, body io.Reader, headers ...string) response {
	s.t.Helper()
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
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
	if int(p["status"].(float64)) != wantStatus || p["code"] == "" || p["detail"] == "" || p["title"] == "" {
		r.t.Fatalf("incomplete problem: %v", p)
	}
	return p
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
