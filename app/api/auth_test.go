package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/config"
)

// usernameOf reads back the username the helpers gave a caller.
func (s *testServer) usernameOf(c caller) string {
	s.t.Helper()
	var name string
	if err := s.db.Raw(`SELECT username FROM users WHERE id = ?`, c.userID).Row().Scan(&name); err != nil {
		s.t.Fatal(err)
	}
	return name
}

// loginFrom logs in from a given address (the helpers' requests all come
// from 192.0.2.1).
func (s *testServer) loginFrom(ip, username, password string) response {
	s.t.Helper()
	body, _ := json.Marshal(loginRequest{Username: username, Password: password})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = ip + ":40000"
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return response{rec, s.t}
}

// auditActions lists the actions of the audit events about an entity, oldest first.
func (s *testServer) auditActions(entityType, entityID string) []string {
	s.t.Helper()
	var out []string
	if err := s.db.Raw(`SELECT action FROM audit_events WHERE entity_type = ? AND entity_id = ? ORDER BY id`,
		entityType, entityID).Scan(&out).Error; err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *testServer) count(query string, args ...any) int64 {
	s.t.Helper()
	var n int64
	if err := s.db.Raw(query, args...).Row().Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestSessionRoundTrip(t *testing.T) {
	t.Parallel()
	clk := clock.NewFixed(time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC))
	s := newTestServerWith(t, nil, clk, nil)
	business := s.newBusiness("hotel")
	user := s.asCompany(business)
	username := s.usernameOf(user)

	// Usernames are case-insensitive.
	login := decode[sessionResponse](s.json(http.MethodPost, "/api/v1/auth/login",
		loginRequest{Username: strings.ToUpper(username), Password: testPassword}), http.StatusOK)
	if !strings.HasPrefix(login.Token, "kms_") || login.TokenType != "Bearer" ||
		!login.ExpiresAt.Equal(clk.Now().Add(s.cfg.Auth.SessionTTL)) || login.User.ID != user.userID {
		t.Fatalf("login answer %+v", login)
	}
	if n := s.count(`SELECT count(*) FROM sessions WHERE token_hash = sha256(convert_to(?, 'UTF8'))`, login.Token); n != 1 {
		t.Errorf("the session is not stored under the token's SHA-256 (%d rows)", n)
	}
	if n := s.count(`SELECT count(*) FROM sessions WHERE position(convert_to(?, 'UTF8') IN token_hash) > 0`, login.Token); n != 0 {
		t.Error("the token itself is stored")
	}
	c := caller{token: login.Token, userID: user.userID, businessID: business}

	me := decode[meResponse](s.call(c, http.MethodGet, "/api/v1/me", nil), http.StatusOK)
	wantMe := meResponse{userResponse: userResponse{ID: user.userID, Role: actor.RoleCompany, BusinessID: &business},
		SessionExpiresAt: login.ExpiresAt}
	if diff := cmp.Diff(wantMe, me, cmp.AllowUnexported(meResponse{}),
		cmptest.Only[meResponse]("userResponse", "SessionExpiresAt"),
		cmptest.Only[userResponse]("ID", "Role", "BusinessID")); diff != "" {
		t.Errorf("me (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(me.BusinessName, "PT Uji") {
		t.Errorf("me: business name %q", me.BusinessName)
	}
	if !slices.Contains(me.Permissions, auth.PermPurchasesReport) || slices.Contains(me.Permissions, auth.PermUsersManage) {
		t.Errorf("permissions %v", me.Permissions)
	}

	clk.Advance(time.Hour)
	refreshed := decode[sessionResponse](s.call(c, http.MethodPost, "/api/v1/auth/refresh", nil), http.StatusOK)
	if refreshed.Token == login.Token || !refreshed.ExpiresAt.Equal(clk.Now().Add(s.cfg.Auth.SessionTTL)) ||
		refreshed.User.ID != user.userID {
		t.Fatalf("refresh answer %+v", refreshed)
	}
	p := s.call(c, http.MethodGet, "/api/v1/me", nil).problem(http.StatusUnauthorized)
	if p["code"] != "unauthenticated" {
		t.Errorf("old token after refresh: %v", p)
	}
	c.token = refreshed.Token
	if r := s.call(c, http.MethodGet, "/api/v1/me", nil); r.Code != http.StatusOK {
		t.Fatalf("new token: %d %s", r.Code, r.Body.String())
	}

	if r := s.call(c, http.MethodPost, "/api/v1/auth/logout", nil); r.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Code, r.Body.String())
	}
	s.call(c, http.MethodGet, "/api/v1/me", nil).problem(http.StatusUnauthorized)
	s.call(c, http.MethodPost, "/api/v1/auth/logout", nil).problem(http.StatusUnauthorized)

	// Every step is in the audit trail, by the user, with the request id.
	type auditRow struct {
		Action      string
		Actor       string
		ActorUserID *int64
		RequestID   string
		After       []byte
	}
	var events []auditRow
	s.db.Raw(`SELECT action, actor, actor_user_id, request_id, after FROM audit_events WHERE action LIKE 'auth.%' ORDER BY id`).Scan(&events)
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
		if diff := cmp.Diff(auditRow{Actor: username, ActorUserID: &user.userID}, e,
			cmptest.Only[auditRow]("Actor", "ActorUserID")); diff != "" {
			t.Errorf("event %s actor (-want +got):\n%s", e.Action, diff)
		}
		if e.RequestID == "" {
			t.Errorf("event %s has no request id", e.Action)
		}
		if bytes.Contains(e.After, []byte(login.Token)) || bytes.Contains(e.After, []byte(refreshed.Token)) {
			t.Errorf("event %s holds a token", e.Action)
		}
	}
	if strings.Join(actions, ",") != "auth.login,auth.refresh,auth.logout" {
		t.Errorf("audit actions %v", actions)
	}

	t.Run("an expired session is refused, and refresh cannot revive it", func(t *testing.T) {
		c := s.as(actor.RoleOfficer)
		clk.Advance(s.cfg.Auth.SessionTTL + time.Second)
		p := s.call(c, http.MethodPost, "/api/v1/auth/refresh", nil).problem(http.StatusUnauthorized)
		if !strings.Contains(p["detail"].(string), "berakhir") {
			t.Errorf("problem %v", p)
		}
	})
	t.Run("a deactivated account cannot log in", func(t *testing.T) {
		c := s.as(actor.RoleReviewer)
		s.db.Exec(`UPDATE users SET active = false WHERE id = ?`, c.userID)
		p := s.json(http.MethodPost, "/api/v1/auth/login",
			loginRequest{Username: s.usernameOf(c), Password: testPassword}).problem(http.StatusUnauthorized)
		if !strings.Contains(p["detail"].(string), "dinonaktifkan") {
			t.Errorf("problem %v", p)
		}
	})
	t.Run("an ERP token has no session to show or end", func(t *testing.T) {
		erp := s.asToken(business)
		for _, path := range []string{"/api/v1/auth/logout", "/api/v1/auth/refresh"} {
			s.call(erp, http.MethodPost, path, nil).problem(http.StatusForbidden)
		}
		s.call(erp, http.MethodGet, "/api/v1/me", nil).problem(http.StatusForbidden)
	})
}

func TestLoginProblems(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	user := s.as(actor.RoleOfficer)
	username := s.usernameOf(user)
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		fields []string
	}{
		{"wrong password", `{"username":"` + username + `","password":"salah-sekali-123"}`, 401, "invalid_credentials", nil},
		{"unknown user", `{"username":"tidak.ada","password":"salah-sekali-123"}`, 401, "invalid_credentials", nil},
		{"empty fields", `{"username":" ","password":""}`, 422, "validation_failed", []string{"username", "password"}},
		{"missing fields", `{}`, 422, "validation_failed", []string{"username", "password"}},
		{"unknown field", `{"username":"a","password":"b","remember":true}`, 422, "validation_failed", []string{"remember"}},
		{"wrong type", `{"username":"a","password":12345}`, 422, "validation_failed", []string{"password"}},
		{"malformed", `{"username":`, 400, "malformed_json", nil},
		{"oversized password", `{"username":"a","password":"` + strings.Repeat("x", 300) + `"}`, 422, "validation_failed", []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.count(`SELECT count(*) FROM sessions`)
			p := s.do(http.MethodPost, "/api/v1/auth/login", strings.NewReader(tt.body),
				"Content-Type", "application/json").problem(tt.status)
			if p["code"] != tt.code || strings.Join(fields(p), ",") != strings.Join(tt.fields, ",") {
				t.Errorf("problem %v, want code %s fields %v", p, tt.code, tt.fields)
			}
			if s.count(`SELECT count(*) FROM sessions`) != before {
				t.Error("a session was written")
			}
		})
	}
	// Failures are audited as such, naming the username typed.
	var reasons []string
	s.db.Raw(`SELECT after->>'reason' FROM audit_events WHERE action = 'auth.login_failed' ORDER BY id`).Scan(&reasons)
	if strings.Join(reasons, ",") != "wrong_password,unknown_user" {
		t.Errorf("failed-login events %v", reasons)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)
	const maxFails, maxFailsPerAddress = 4, 10
	setup := func(t *testing.T) (*testServer, *clock.Fixed) {
		clk := clock.NewFixed(start)
		s := newTestServerWith(t, nil, clk, func(c *config.Config) {
			c.Auth.LoginMaxFails = maxFails
			c.Auth.LoginMaxFailsPerAddress = maxFailsPerAddress
			c.Auth.LoginLockWindow = 15 * time.Minute
		})
		return s, clk
	}
	retryAfter := func(t *testing.T, r response) int {
		t.Helper()
		p := r.problem(http.StatusTooManyRequests)
		secs, err := strconv.Atoi(r.Header().Get("Retry-After"))
		if err != nil || secs < 1 || p["code"] != "too_many_login_attempts" || int(p["retry_after"].(float64)) != secs {
			t.Fatalf("Retry-After %q, problem %v", r.Header().Get("Retry-After"), p)
		}
		return secs
	}

	t.Run("per username: slowed, then locked, even from many addresses", func(t *testing.T) {
		s, clk := setup(t)
		name := s.usernameOf(s.as(actor.RoleOfficer))
		ip := func(i int) string { return "198.51.100." + strconv.Itoa(i) }
		// Two failures (half the limit) cost nothing.
		for i := range 2 {
			s.loginFrom(ip(i), name, "tebakan-salah-1").problem(http.StatusUnauthorized)
		}
		// Now each attempt must wait 1s, then 2s, after the last failure…
		if secs := retryAfter(t, s.loginFrom(ip(10), name, testPassword)); secs != 1 {
			t.Errorf("first slow-down %ds, want 1", secs)
		}
		clk.Advance(time.Second)
		s.loginFrom(ip(11), name, "tebakan-salah-2").problem(http.StatusUnauthorized)
		if secs := retryAfter(t, s.loginFrom(ip(12), name, "tebakan-salah-3")); secs != 2 {
			t.Errorf("second slow-down %ds, want 2", secs)
		}
		clk.Advance(2 * time.Second)
		s.loginFrom(ip(13), name, "tebakan-salah-3").problem(http.StatusUnauthorized)
		// …and at the limit even the right password is refused until the
		// oldest failure leaves the 15-minute window.
		r := s.loginFrom(ip(14), name, testPassword)
		if secs := retryAfter(t, r); secs != 15*60-3 {
			t.Errorf("lock %ds, want %d", secs, 15*60-3)
		}
		if n := s.count(`SELECT count(*) FROM login_attempts WHERE username = lower(?)`, name); n != maxFails {
			t.Errorf("%d failures recorded, want %d: refused attempts must not count", n, maxFails)
		}
		clk.Advance(15*time.Minute - 3*time.Second)
		if r := s.loginFrom(ip(15), name, testPassword); r.Code != http.StatusOK {
			t.Fatalf("after the window: %d %s", r.Code, r.Body.String())
		}
		// A successful login clears the username's count.
		s.loginFrom(ip(16), name, "tebakan-salah-4").problem(http.StatusUnauthorized)
		s.loginFrom(ip(17), name, "tebakan-salah-5").problem(http.StatusUnauthorized)
		if r := s.loginFrom(ip(18), name, "tebakan-salah-6"); r.Code != http.StatusTooManyRequests {
			// two fresh failures slow it down again, which shows the count restarted at zero rather than at four
			t.Fatalf("after two fresh failures: %d", r.Code)
		}
	})

	t.Run("a burst of parallel guesses is counted as it arrives", func(t *testing.T) {
		s, _ := setup(t)
		name := s.usernameOf(s.as(actor.RoleOfficer))
		const burst = 16
		codes := make(chan int, burst)
		var wg sync.WaitGroup
		for i := range burst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, _ := json.Marshal(loginRequest{Username: name, Password: "tebakan-" + strconv.Itoa(i)})
				req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.RemoteAddr = "198.51.100." + strconv.Itoa(i+1) + ":40000"
				rec := httptest.NewRecorder()
				s.e.ServeHTTP(rec, req)
				codes <- rec.Code
			}()
		}
		wg.Wait()
		close(codes)
		checked := 0
		for code := range codes {
			switch code {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
			default:
				t.Errorf("status %d", code)
			}
		}
		// Only attempts that found fewer failures ahead of them than the
		// slow-down threshold had their password checked.
		if checked < 1 || checked > maxFails {
			t.Errorf("%d of %d parallel guesses were checked, want 1 to %d", checked, burst, maxFails)
		}
		if n := s.count(`SELECT count(*) FROM login_attempts WHERE username = lower(?)`, name); n != int64(checked) {
			t.Errorf("%d failures recorded for %d checked guesses", n, checked)
		}
	})

	t.Run("per address: its own, higher limit, whatever the usernames", func(t *testing.T) {
		s, clk := setup(t)
		victim := s.usernameOf(s.as(actor.RoleAdmin))
		const office = "203.0.113.9" // many people behind one address
		fail := func(username string) {
			t.Helper()
			s.loginFrom(office, username, "kata-sandi-acak").problem(http.StatusUnauthorized)
			clk.Advance(time.Minute) // past any slow-down: only the limits matter here
		}
		// As many typos as one username may make, by different people:
		// nobody else there is locked out.
		for i := range maxFails {
			fail("tebak" + strconv.Itoa(i))
		}
		if r := s.loginFrom(office, victim, testPassword); r.Code != http.StatusOK {
			t.Fatalf("after %d failures of other usernames from the address: %d %s", maxFails, r.Code, r.Body.String())
		}
		// At the address's own limit everyone there waits, even with the
		// right password, until the oldest failure leaves the window.
		for i := maxFails; i < maxFailsPerAddress; i++ {
			fail("tebak" + strconv.Itoa(i))
		}
		secs := retryAfter(t, s.loginFrom(office, victim, testPassword))
		if want := 15*60 - maxFailsPerAddress*60; secs != want {
			t.Errorf("Retry-After %d, want %d", secs, want)
		}
		// The victim, elsewhere, is not locked out by the address.
		if r := s.loginFrom("198.51.100.7", victim, testPassword); r.Code != http.StatusOK {
			t.Fatalf("victim from another address: %d %s", r.Code, r.Body.String())
		}
		// Logging in does not clear the address's count.
		retryAfter(t, s.loginFrom(office, victim, testPassword))
	})

	t.Run("per username: locked at its own limit behind a shared address", func(t *testing.T) {
		s, clk := setup(t)
		name := s.usernameOf(s.as(actor.RoleOfficer))
		colleague := s.usernameOf(s.as(actor.RoleOfficer))
		const office = "203.0.113.9"
		for range maxFails {
			s.loginFrom(office, name, "tebakan-salah").problem(http.StatusUnauthorized)
			clk.Advance(time.Minute)
		}
		retryAfter(t, s.loginFrom(office, name, testPassword))
		if r := s.loginFrom(office, colleague, testPassword); r.Code != http.StatusOK {
			t.Fatalf("a colleague at the same address: %d %s", r.Code, r.Body.String())
		}
	})
}

// X-Forwarded-For is believed only from a configured proxy: the address a
// failed login records (its audit event, and the attempt the per-address
// limit counts) is otherwise the TCP peer's, loopback and private ones too.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		trusted   []string
		peer, xff string
		want      string
	}{
		{"no proxy configured, a loopback peer", nil, "127.0.0.1", "203.0.113.50", "127.0.0.1"},
		{"no proxy configured, a private peer", nil, "10.1.2.3", "203.0.113.50", "10.1.2.3"},
		{"the trusted proxy", []string{"127.0.0.1/32"}, "127.0.0.1", "203.0.113.50", "203.0.113.50"},
		{"the trusted proxy, a forged hop before the client", []string{"127.0.0.1"}, "127.0.0.1",
			"198.51.100.1, 203.0.113.50", "203.0.113.50"},
		{"a peer other than the trusted proxy", []string{"10.0.0.5"}, "10.0.0.6", "203.0.113.50", "10.0.0.6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServerWith(t, nil, clock.System{}, func(c *config.Config) { c.HTTP.TrustedProxies = tt.trusted })
			body, _ := json.Marshal(loginRequest{Username: "tidak-ada", Password: "kata-sandi-acak"})
			req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", tt.xff)
			req.RemoteAddr = tt.peer + ":40000"
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("login: %d %s", rec.Code, rec.Body.String())
			}
			var audited, attempted []string
			s.db.Raw(`SELECT ip FROM audit_events WHERE action = 'auth.login_failed'`).Scan(&audited)
			s.db.Raw(`SELECT ip FROM login_attempts`).Scan(&attempted)
			want := map[string][]string{"audit event": {tt.want}, "login attempt": {tt.want}}
			got := map[string][]string{"audit event": audited, "login attempt": attempted}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("recorded client IPs (-want +got):\n%s", diff)
			}
		})
	}
}
