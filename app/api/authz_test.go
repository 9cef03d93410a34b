package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kemitraan/app/platform/actor"
)

// The authorisation matrix: every route of the API, called by every kind of
// caller, with the status each must get.
//
// To add your routes, append rows to authzMatrix:
//
//		{method, route, path, body, want}
//
//	  - method, route: exactly as in the route table ("/api/v1/users/:id"). The
//	    test fails when the route is not registered, and when a registered
//	    /api/v1 route has no row.
//	  - path: builds the concrete path from the fixture (nil: route as is). It
//	    is called once per caller, so it may create a fresh record each time
//	    (f.s is the test server; f.business is the business "own" belongs to).
//	  - body: the JSON body (nil: none), also built once per caller.
//	  - want: the status per caller. allowed(status, who...) means anonymous
//	    401, the listed callers get status, everyone else 403; adjust single
//	    columns with .with(who, status); 0 means "not asserted" for a column
//	    where the status is not the point.
//
// Every row gets a fresh fixture, so a row that ends a session or revokes a
// token cannot disturb the next.
var authzMatrix = []authzRow{
	{"GET", "/api/v1/openapi.json", nil, nil, everyone(200)},
	// WhatsApp's webhook is public but signed, and off here (no app secret):
	// TestWhatsAppWebhook covers it on.
	{"GET", "/api/v1/webhooks/whatsapp", nil, nil, everyone(404)},
	{"POST", "/api/v1/webhooks/whatsapp", nil, nil, everyone(404)},

	// Sessions.
	{"POST", "/api/v1/auth/login", nil, func(f *authzFixture) any {
		return loginRequest{Username: f.s.usernameOf(f.callers[officer]), Password: testPassword}
	}, everyone(200)},
	{"POST", "/api/v1/auth/refresh", nil, nil, allowed(200, people...)},
	{"POST", "/api/v1/auth/logout", nil, nil, allowed(204, people...)},
	{"GET", "/api/v1/me", nil, nil, allowed(200, people...)},

	// Accounts: admins only.
	{"GET", "/api/v1/users", nil, nil, allowed(200, admin)},
	{"POST", "/api/v1/users", nil, func(f *authzFixture) any {
		return createUserRequest{Username: "baru-" + randomDigits(8), Name: "Pengguna Baru", Role: actor.RoleOfficer,
			Password: "kata-sandi-baru-1"}
	}, allowed(201, admin)},
	{"GET", "/api/v1/users/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/users/%d", f.callers[own].userID)
	}, nil, allowed(200, admin)},
	{"PATCH", "/api/v1/users/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/users/%d", f.s.as(actor.RoleOfficer).userID)
	}, func(*authzFixture) any { return map[string]any{"name": "Nama Baru " + randomDigits(4)} }, allowed(200, admin)},
	{"POST", "/api/v1/users/:id/password", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/users/%d/password", f.s.as(actor.RoleOfficer).userID)
	}, func(*authzFixture) any { return passwordRequest{Password: "kata-sandi-baru-2"} }, allowed(200, admin)},

	// ERP tokens: a company for its own business, officers and admins for any.
	{"GET", "/api/v1/tokens", nil, nil, allowed(200, admin, officer, own, other)},
	{"POST", "/api/v1/tokens", nil, func(f *authzFixture) any {
		return map[string]any{"name": "ERP", "business_id": f.business}
	}, allowed(201, admin, officer, own).with(other, 422)},
	{"DELETE", "/api/v1/tokens/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/tokens/%d", f.newAPIToken())
	}, nil, allowed(200, admin, officer, own).with(other, 404)},

	// The audit trail.
	{"GET", "/api/v1/audit-events", nil, nil, allowed(200, admin, officer)},
}

type authzRow struct {
	method string
	route  string
	path   func(f *authzFixture) string
	body   func(f *authzFixture) any
	want   expect
}

// who is a column of the matrix.
type who int

const (
	anon     who = iota // no login
	admin               // an admin
	officer             // a Dinas officer
	reviewer            // an official who decides cases
	own                 // a company user of f.business
	other               // a company user of another business
	ikmUser             // an IKM user of f.ikm
	token               // an ERP API token of f.business
	columns
)

var whoNames = [columns]string{"no login", "admin", "officer", "reviewer", "company (own)",
	"company (other)", "ikm", "ERP token"}

// people are the logged-in users (everyone but the anonymous and the token).
var people = []who{admin, officer, reviewer, own, other, ikmUser}

// expect is the status per column; 0 is not asserted.
type expect [columns]int

// allowed: anonymous 401, the listed callers status, the rest 403.
func allowed(status int, ok ...who) expect {
	var e expect
	for w := range e {
		e[w] = http.StatusForbidden
	}
	e[anon] = http.StatusUnauthorized
	for _, w := range ok {
		e[w] = status
	}
	return e
}

// everyone: a public route, the same status for all.
func everyone(status int) expect {
	var e expect
	for w := range e {
		e[w] = status
	}
	return e
}

func (e expect) with(w who, status int) expect {
	e[w] = status
	return e
}

// authzFixture is one row's world: a business with its company user and ERP
// token, another business with its company user, an IKM with its user, and
// the three Dinas roles.
type authzFixture struct {
	s                       *testServer
	business, otherBusiness int64
	ikm                     int64
	callers                 [columns]caller
}

func newAuthzFixture(s *testServer) *authzFixture {
	s.t.Helper()
	f := &authzFixture{s: s, business: s.newBusiness("factory"), otherBusiness: s.newBusiness("hotel"), ikm: s.newIKM()}
	f.callers[admin] = s.as(actor.RoleAdmin)
	f.callers[officer] = s.as(actor.RoleOfficer)
	f.callers[reviewer] = s.as(actor.RoleReviewer)
	f.callers[own] = s.asCompany(f.business)
	f.callers[other] = s.asCompany(f.otherBusiness)
	f.callers[ikmUser] = s.asIKM(f.ikm)
	f.callers[token] = s.asToken(f.business)
	return f
}

// newAPIToken makes a fresh ERP token of f.business and returns its id.
func (f *authzFixture) newAPIToken() int64 {
	f.s.t.Helper()
	f.s.asToken(f.business)
	var id int64
	if err := f.s.db.Raw(`SELECT max(id) FROM api_tokens WHERE business_id = ?`, f.business).Row().Scan(&id); err != nil {
		f.s.t.Fatal(err)
	}
	return id
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	registered := map[string]bool{}
	for _, r := range s.e.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	for _, row := range authzMatrix {
		t.Run(row.method+" "+row.route, func(t *testing.T) {
			if !registered[row.method+" "+row.route] {
				t.Fatalf("%s %s is in the matrix but not registered", row.method, row.route)
			}
			s := s.in(t)
			f := newAuthzFixture(s)
			for w := range columns {
				want := row.want[w]
				path := row.route
				if row.path != nil {
					path = row.path(f)
				}
				var body any
				if row.body != nil {
					body = row.body(f)
				}
				r := s.call(f.callers[w], row.method, path, body)
				if want != 0 && r.Code != want {
					t.Errorf("%s: %s %s = %d, want %d: %s", whoNames[w], row.method, path, r.Code, want,
						strings.TrimSpace(r.Body.String()))
				}
			}
		})
	}
}

// TestAuthorizationMatrixCoversEveryRoute fails when a route under /api/v1
// has no row in the matrix: add one (see the comment on authzMatrix).
func TestAuthorizationMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	inMatrix := map[string]bool{}
	for _, row := range authzMatrix {
		inMatrix[row.method+" "+row.route] = true
	}
	for _, r := range s.e.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") && !inMatrix[r.Method+" "+r.Path] {
			t.Errorf("%s %s has no row in authzMatrix (app/api/authz_test.go)", r.Method, r.Path)
		}
	}
}
