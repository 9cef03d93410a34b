package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
)

// unavailableProblem checks a 503 problem with its code and Retry-After.
func unavailableProblem(t *testing.T, r response, code string) {
	t.Helper()
	p := r.problem(http.StatusServiceUnavailable)
	if text(p, "code") != code {
		t.Errorf("code %q, want %q: %v", text(p, "code"), code, p)
	}
	if after, err := strconv.Atoi(r.Header().Get("Retry-After")); err != nil || after < 1 {
		t.Errorf("Retry-After %q", r.Header().Get("Retry-After"))
	}
}

// While the database is away, whether it refuses connections, dropped them,
// or says it is starting up or shutting down, every request is answered 503
// database_unavailable with Retry-After, nothing else; once it is back the
// same server answers again, and nothing acknowledged is lost.
func TestDatabaseOutageAnswers503(t *testing.T) {
	t.Parallel()
	through, proxy, direct := dbtest.NewProxied(t)
	s := newTestServerWith(t, through, clock.NewFixed(purchaseNow), nil)
	business := s.newBusiness("factory")
	erp := s.asToken(business)
	officer := s.as("officer")
	ikm := s.newIKM()
	s.report(erp, purchaseBody(ikm))

	requests := []struct {
		name string
		send func() response
	}{
		{"report a purchase (ERP token)", func() response {
			return s.call(erp, http.MethodPost, "/api/v1/purchases", purchaseBody(ikm))
		}},
		{"list purchases (session)", func() response { return s.call(officer, http.MethodGet, "/api/v1/purchases", nil) }},
		{"public figures", func() response { return s.call(caller{}, http.MethodGet, "/api/v1/public/stats", nil) }},
		{"login", func() response {
			return s.json(http.MethodPost, "/api/v1/auth/login", map[string]string{"username": "siapa", "password": "salah-sekali"})
		}},
	}
	outages := []struct {
		name  string
		begin func()
	}{
		{"connection refused", proxy.Down},
		{"starting up", func() { proxy.NotReady("the database system is starting up") }},
		{"shutting down", func() { proxy.NotReady("the database system is shutting down") }},
	}
	for _, o := range outages {
		o.begin()
		for _, r := range requests {
			t.Run(o.name+"/"+r.name, func(t *testing.T) { unavailableProblem(t, r.send(), "database_unavailable") })
		}
		// /readyz says so as it always has.
		if p := s.call(caller{}, http.MethodGet, "/readyz", nil).problem(http.StatusServiceUnavailable); text(p, "code") != "database_unreachable" {
			t.Errorf("/readyz: %v", p)
		}
		proxy.Up()
		// Back: the same server answers at once.
		s.report(erp, purchaseBody(ikm))
	}
	var stored int64
	direct.Raw("SELECT count(*) FROM purchases").Scan(&stored)
	if want := int64(1 + len(outages)); stored != want {
		t.Errorf("%d purchases stored, want the %d acknowledged", stored, want)
	}
}

// A request that outlives its budget is answered 503 request_timeout, and
// what it was doing is rolled back.
func TestRequestPastItsBudgetAnswers503(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	s := newTestServerWith(t, db, clock.NewFixed(purchaseNow), func(c *config.Config) {
		c.HTTP.RequestTimeout = 300 * time.Millisecond
	})
	business := s.newBusiness("factory")
	erp := s.asToken(business)
	ikm := s.newIKM()

	// Another session holds the IKM's table, so the report waits.
	other := dbtest.Reopen(t, db)
	hold := other.Begin()
	defer hold.Rollback()
	if err := hold.Exec("LOCK TABLE ikms IN ACCESS EXCLUSIVE MODE").Error; err != nil {
		t.Fatal(err)
	}
	before := s.written()
	start := time.Now()
	r := s.call(erp, http.MethodPost, "/api/v1/purchases", purchaseBody(ikm))
	took := time.Since(start)
	unavailableProblem(t, r, "request_timeout")
	if took > 5*time.Second {
		t.Errorf("answered after %s", took)
	}
	hold.Rollback()
	if after := s.written(); after != before {
		t.Errorf("a timed-out request wrote %+v (before %+v)", after, before)
	}
}

// A session the database ends in the middle of a request (an administrator
// terminates it, or the connection drops) is answered 503 too.
func TestSessionEndedMidRequestAnswers503(t *testing.T) {
	t.Parallel()
	for _, end := range []string{"terminated", "connection dropped"} {
		t.Run(end, func(t *testing.T) {
			through, proxy, direct := dbtest.NewProxied(t)
			s := newTestServerWith(t, through, clock.NewFixed(purchaseNow), nil)
			erp := s.asToken(s.newBusiness("factory"))
			ikm := s.newIKM()
			// Lock, watch and end sessions from a pool of its own, whatever
			// size the pools under test have.
			watch := dbtest.Reopen(t, direct)
			hold := direct.Begin()
			defer hold.Rollback()
			if err := hold.Exec("LOCK TABLE ikms IN ACCESS EXCLUSIVE MODE").Error; err != nil {
				t.Fatal(err)
			}
			answer := make(chan response, 1)
			go func() { answer <- s.call(erp, http.MethodPost, "/api/v1/purchases", purchaseBody(ikm)) }()
			// Wait until the report waits for the lock, then end its session.
			deadline := time.Now().Add(10 * time.Second)
			for {
				var waiting int64
				watch.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
					AND wait_event_type = 'Lock'`).Scan(&waiting)
				if waiting > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the report never waited for the lock")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if end == "terminated" {
				watch.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()
					AND wait_event_type = 'Lock'`)
			} else {
				proxy.Down()
			}
			unavailableProblem(t, <-answer, "database_unavailable")
		})
	}
}
