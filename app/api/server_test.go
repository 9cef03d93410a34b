package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/dbtest"
)

func TestProblemsForRoutingAndPanics(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	s.e.GET("/test/panic", func(c echo.Context) error { panic("secret internal state: password=hunter2") })

	t.Run("unknown route", func(t *testing.T) {
		p := s.do(http.MethodGet, "/api/v1/tidak-ada", nil).problem(http.StatusNotFound)
		if p["code"] != "route_not_found" || p["instance"] != "/api/v1/tidak-ada" {
			t.Errorf("problem %v", p)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		p := s.do(http.MethodDelete, "/healthz", nil).problem(http.StatusMethodNotAllowed)
		if p["code"] != "method_not_allowed" {
			t.Errorf("problem %v", p)
		}
	})
	t.Run("panic hides internals", func(t *testing.T) {
		r := s.do(http.MethodGet, "/test/panic", nil)
		p := r.problem(http.StatusInternalServerError)
		if p["code"] != "internal_error" || text(p, "request_id") == "" {
			t.Errorf("problem %v", p)
		}
		if strings.Contains(r.Body.String(), "hunter2") || strings.Contains(r.Body.String(), "secret") {
			t.Errorf("internals leaked: %s", r.Body.String())
		}
	})
}

func TestJSONBodyProblems(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	type payload struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	s.e.POST("/test/json", func(c echo.Context) error {
		var p payload
		if err := bindJSON(c, &p); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}, bodyLimit(1024))

	tests := []struct {
		name      string
		body      string
		ctype     string
		status    int
		code      string
		wantField string
	}{
		{"oversized", `{"name":"` + strings.Repeat("a", 2000) + `"}`, "application/json", http.StatusRequestEntityTooLarge, "body_too_large", ""},
		{"malformed", `{"name":`, "application/json", http.StatusBadRequest, "malformed_json", ""},
		{"not json", `name=x`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "unsupported_media_type", ""},
		{"unknown field", `{"name":"x","colour":"red"}`, "application/json", http.StatusUnprocessableEntity, "validation_failed", "colour"},
		{"wrong type", `{"name":"x","count":"tiga"}`, "application/json", http.StatusUnprocessableEntity, "validation_failed", "count"},
		{"trailing data", `{"name":"x"} {"name":"y"}`, "application/json", http.StatusBadRequest, "malformed_json", ""},
		{"empty", ``, "application/json", http.StatusBadRequest, "empty_body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.do(http.MethodPost, "/test/json", strings.NewReader(tt.body), "Content-Type", tt.ctype).problem(tt.status)
			if p["code"] != tt.code {
				t.Errorf("code %v, want %s", p["code"], tt.code)
			}
			if tt.wantField != "" {
				if f := fields(p); len(f) != 1 || f[0] != tt.wantField {
					t.Errorf("fields %v, want [%s]", f, tt.wantField)
				}
			}
		})
	}
	ok := s.do(http.MethodPost, "/test/json", strings.NewReader(`{"name":"x","count":3}`), "Content-Type", "application/json")
	if ok.Code != http.StatusOK || !strings.Contains(ok.Body.String(), `"count":3`) {
		t.Errorf("valid body: %d %s", ok.Code, ok.Body.String())
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	t.Run("ready when migrated", func(t *testing.T) {
		s := newTestServer(t, nil)
		if r := s.do(http.MethodGet, "/healthz", nil); r.Code != http.StatusOK {
			t.Fatalf("healthz %d", r.Code)
		}
		if r := s.do(http.MethodGet, "/readyz", nil); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "ready") {
			t.Fatalf("readyz %d %s", r.Code, r.Body.String())
		}
	})
	t.Run("not ready when the schema is behind", func(t *testing.T) {
		s := newTestServer(t, dbtest.NewEmpty(t))
		if r := s.do(http.MethodGet, "/healthz", nil); r.Code != http.StatusOK {
			t.Fatalf("healthz %d: the process is alive whatever the schema", r.Code)
		}
		p := s.do(http.MethodGet, "/readyz", nil).problem(http.StatusServiceUnavailable)
		if p["code"] != "schema_behind" {
			t.Errorf("problem %v", p)
		}
	})
}

func TestMetricsExposeRequestsAndPool(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	s.do(http.MethodGet, "/healthz", nil)
	s.do(http.MethodGet, "/nowhere", nil)
	r := s.do(http.MethodGet, "/metrics", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("metrics %d", r.Code)
	}
	body := r.Body.String()
	for _, want := range []string{
		`kemitraan_http_requests_total{code="200",host="example.com",method="GET",url="/healthz"}`,
		`kemitraan_http_request_duration_seconds_bucket`,
		`code="404"`,
		`go_sql_open_connections{db_name="kemitraan"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
