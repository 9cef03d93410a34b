package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
)

// TestBearerAuthentication checks the middleware and the permission guard on
// stand-in routes, independent of any resource's routes.
func TestBearerAuthentication(t *testing.T) {
	t.Parallel()
	clk := clock.NewFixed(time.Now())
	s := newTestServerWith(t, nil, clk, nil)
	whoami := func(c echo.Context) error {
		a := actor.From(c.Request().Context())
		return c.JSON(http.StatusOK, map[string]any{"user_id": a.UserID, "token_id": a.TokenID,
			"business_id": a.BusinessID, "ip": a.IP})
	}
	s.e.GET("/test/users", whoami, require(auth.PermUsersManage))
	s.e.GET("/test/purchases", whoami, require(auth.PermPurchasesRead))
	s.e.GET("/test/public", whoami)

	admin := s.as(actor.RoleAdmin)
	officer := s.as(actor.RoleOfficer)
	business := s.newBusiness("factory")
	erp := s.asToken(business)
	expiring := s.as(actor.RoleReviewer)
	revoked := s.as(actor.RoleOfficer)
	if err := s.db.Exec(`UPDATE sessions SET revoked_at = now() WHERE user_id = ?`, revoked.userID).Error; err != nil {
		t.Fatal(err)
	}
	inactive := s.as(actor.RoleOfficer)
	if err := s.db.Exec(`UPDATE users SET active = false WHERE id = ?`, inactive.userID).Error; err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		header string
		path   string
		status int
		detail string // a fragment of the problem's detail
	}{
		{"no header", "", "/test/users", 401, "Silakan masuk"},
		{"not bearer", "Basic YWRtaW46YWRtaW4=", "/test/users", 401, "Bearer"},
		{"unknown session token", "Bearer kms_tidakada", "/test/users", 401, "tidak dikenal"},
		{"unknown api token", "Bearer kmt_tidakada", "/test/purchases", 401, "tidak dikenal"},
		{"garbage token", "Bearer halo", "/test/users", 401, "tidak dikenal"},
		{"revoked session", "Bearer " + revoked.token, "/test/users", 401, "diakhiri"},
		{"inactive account", "Bearer " + inactive.token, "/test/users", 401, "dinonaktifkan"},
		{"admin allowed", "Bearer " + admin.token, "/test/users", 200, ""},
		{"officer forbidden", "Bearer " + officer.token, "/test/users", 403, "tidak berhak"},
		{"token outside its permissions", "Bearer " + erp.token, "/test/users", 403, "tidak berhak"},
		{"token inside its permissions", "Bearer " + erp.token, "/test/purchases", 200, ""},
		{"public route, no header", "", "/test/public", 200, ""},
		{"public route, stale token is ignored", "Bearer kms_tidakada", "/test/public", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.header != "" {
				headers = []string{"Authorization", tt.header}
			}
			r := s.do(http.MethodGet, tt.path, nil, headers...)
			if tt.status == http.StatusOK {
				if r.Code != http.StatusOK {
					t.Fatalf("status %d: %s", r.Code, r.Body.String())
				}
				return
			}
			p := r.problem(tt.status)
			wantCode := map[int]string{401: "unauthenticated", 403: "forbidden"}[tt.status]
			if p["code"] != wantCode || !strings.Contains(p["detail"].(string), tt.detail) {
				t.Errorf("problem %v, want code %s and detail with %q", p, wantCode, tt.detail)
			}
			if tt.status == 401 && !strings.HasPrefix(r.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", r.Header().Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("the actor carries the binding and the address", func(t *testing.T) {
		got := decode[map[string]any](s.call(erp, http.MethodGet, "/test/purchases", nil), 200)
		if int64(got["business_id"].(float64)) != business || got["token_id"].(float64) == 0 || got["ip"] != "192.0.2.1" {
			t.Errorf("actor %v", got)
		}
	})

	t.Run("an expired session is refused", func(t *testing.T) {
		if r := s.call(expiring, http.MethodGet, "/test/purchases", nil); r.Code != 200 {
			t.Fatalf("before expiry: %d", r.Code)
		}
		clk.Advance(s.cfg.Auth.SessionTTL)
		p := s.call(expiring, http.MethodGet, "/test/purchases", nil).problem(401)
		if !strings.Contains(p["detail"].(string), "berakhir") {
			t.Errorf("problem %v", p)
		}
	})

	t.Run("using a token records when, at most once a minute", func(t *testing.T) {
		var first, second time.Time
		s.call(erp, http.MethodGet, "/test/purchases", nil)
		s.db.Raw(`SELECT last_used_at FROM api_tokens WHERE business_id = ?`, business).Row().Scan(&first)
		clk.Advance(10 * time.Second)
		s.call(erp, http.MethodGet, "/test/purchases", nil)
		s.db.Raw(`SELECT last_used_at FROM api_tokens WHERE business_id = ?`, business).Row().Scan(&second)
		if first.IsZero() || !second.Equal(first) {
			t.Errorf("last_used_at %v then %v: want set and unchanged within a minute", first, second)
		}
		clk.Advance(time.Minute)
		s.call(erp, http.MethodGet, "/test/purchases", nil)
		s.db.Raw(`SELECT last_used_at FROM api_tokens WHERE business_id = ?`, business).Row().Scan(&second)
		if !second.After(first) {
			t.Errorf("last_used_at %v not moved on after a minute", second)
		}
	})
}
