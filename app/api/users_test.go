package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/cmptest"
)

func TestCreateUser(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	admin := s.as(actor.RoleAdmin)
	business := s.newBusiness("factory")
	ikm := s.newIKM()

	u := decode[userResponse](s.call(admin, http.MethodPost, "/api/v1/users", map[string]any{
		"username": "Budi.Santoso", "name": "  Budi Santoso ", "email": "budi@contoh.co.id",
		"role": "company", "business_id": business, "password": "rahasia-budi-2025",
	}), http.StatusCreated)
	wantU := userResponse{Username: "Budi.Santoso", Name: "Budi Santoso", Role: actor.RoleCompany,
		BusinessID: &business, IKMID: nil, Active: true}
	if diff := cmp.Diff(wantU, u,
		cmptest.Only[userResponse]("Username", "Name", "Role", "BusinessID", "IKMID", "Active")); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	var hash string
	s.db.Raw(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Row().Scan(&hash)
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, "rahasia-budi") {
		t.Errorf("stored password %q", hash)
	}
	var after string
	s.db.Raw(`SELECT after::text FROM audit_events WHERE action = 'user.create' AND entity_id = ?`, strconv.FormatInt(u.ID, 10)).Row().Scan(&after)
	if !strings.Contains(after, `"username": "Budi.Santoso"`) || strings.Contains(after, "argon2") || strings.Contains(after, "rahasia") {
		t.Errorf("audit after %s", after)
	}
	// The new user can log in, whatever case they type.
	if r := s.json(http.MethodPost, "/api/v1/auth/login", loginRequest{Username: "budi.santoso", Password: "rahasia-budi-2025"}); r.Code != http.StatusOK {
		t.Errorf("login: %d %s", r.Code, r.Body.String())
	}

	ikmUser := decode[userResponse](s.call(admin, http.MethodPost, "/api/v1/users", createUserRequest{
		Username: "pemilik-ikm", Name: "Siti", Role: actor.RoleIKM, IKMID: &ikm, Password: "rahasia-siti-2025",
	}), http.StatusCreated)
	if ikmUser.IKMID == nil || *ikmUser.IKMID != ikm || ikmUser.BusinessID != nil {
		t.Errorf("ikm user %+v", ikmUser)
	}

	missing := int64(999999)
	tests := []struct {
		name   string
		body   any
		status int
		fields string
	}{
		{"nothing", map[string]any{}, 422, "username,name,role,password"},
		{"bad username", map[string]any{"username": "a b", "name": "A", "role": "officer", "password": "cukup-panjang-1"}, 422, "username"},
		{"short username", map[string]any{"username": "ab", "name": "A", "role": "officer", "password": "cukup-panjang-1"}, 422, "username"},
		{"short password", map[string]any{"username": "andi", "name": "A", "role": "officer", "password": "pendek"}, 422, "password"},
		{"password is the username", map[string]any{"username": "andi.wijaya", "name": "A", "role": "officer", "password": "ANDI.WIJAYA"}, 422, "password"},
		{"unknown role", map[string]any{"username": "andi", "name": "A", "role": "raja", "password": "cukup-panjang-1"}, 422, "role"},
		{"bad email", map[string]any{"username": "andi", "name": "A", "email": "andi@", "role": "officer", "password": "cukup-panjang-1"}, 422, "email"},
		{"company without business", map[string]any{"username": "andi", "name": "A", "role": "company", "password": "cukup-panjang-1"}, 422, "business_id"},
		{"company with a missing business", map[string]any{"username": "andi", "name": "A", "role": "company", "business_id": missing, "password": "cukup-panjang-1"}, 422, "business_id"},
		{"ikm without ikm", map[string]any{"username": "andi", "name": "A", "role": "ikm", "password": "cukup-panjang-1"}, 422, "ikm_id"},
		{"ikm with a missing ikm", map[string]any{"username": "andi", "name": "A", "role": "ikm", "ikm_id": missing, "password": "cukup-panjang-1"}, 422, "ikm_id"},
		{"officer bound to a business and an ikm", map[string]any{"username": "andi", "name": "A", "role": "officer", "business_id": business, "ikm_id": ikm, "password": "cukup-panjang-1"}, 422, "business_id,ikm_id"},
		{"unknown field", map[string]any{"username": "andi", "is_admin": true}, 422, "is_admin"},
		{"wrong type", map[string]any{"username": "andi", "business_id": "sepuluh"}, 422, "business_id"},
		{"duplicate username, other case", map[string]any{"username": "BUDI.SANTOSO", "name": "B", "role": "officer", "password": "cukup-panjang-1"}, 409, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, events := s.count(`SELECT count(*) FROM users`), s.count(`SELECT count(*) FROM audit_events`)
			p := s.call(admin, http.MethodPost, "/api/v1/users", tt.body).problem(tt.status)
			if got := strings.Join(fields(p), ","); got != tt.fields {
				t.Errorf("fields %s, want %s (%v)", got, tt.fields, p)
			}
			if s.count(`SELECT count(*) FROM users`) != users || s.count(`SELECT count(*) FROM audit_events`) != events {
				t.Error("something was written")
			}
		})
	}
}

func TestListAndGetUsers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	admin := s.as(actor.RoleAdmin)
	for range 3 {
		s.as(actor.RoleOfficer)
	}
	inactive := s.as(actor.RoleOfficer)
	s.db.Exec(`UPDATE users SET active = false WHERE id = ?`, inactive.userID)
	company := s.as(actor.RoleCompany)

	list := decode[userList](s.call(admin, http.MethodGet, "/api/v1/users?role=officer&per_page=2", nil), http.StatusOK)
	if diff := cmp.Diff(userList{Total: 4, Page: 1, PerPage: 2}, list,
		cmptest.Only[userList]("Total", "Page", "PerPage")); diff != "" {
		t.Errorf("officers page 1 (-want +got):\n%s", diff)
	}
	if len(list.Items) != 2 {
		t.Errorf("officers page 1: %d items, want 2", len(list.Items))
	}
	page2 := decode[userList](s.call(admin, http.MethodGet, "/api/v1/users?role=officer&per_page=2&page=2", nil), http.StatusOK)
	if len(page2.Items) != 2 || page2.Items[0].ID == list.Items[0].ID || page2.Items[0].ID == list.Items[1].ID {
		t.Errorf("page 2 %+v repeats page 1", page2.Items)
	}
	active := decode[userList](s.call(admin, http.MethodGet, "/api/v1/users?role=officer&active=false", nil), http.StatusOK)
	if active.Total != 1 || active.Items[0].ID != inactive.userID {
		t.Errorf("inactive officers %+v", active.Items)
	}
	byBusiness := decode[userList](s.call(admin, http.MethodGet, fmt.Sprintf("/api/v1/users?business_id=%d", company.businessID), nil), http.StatusOK)
	if byBusiness.Total != 1 || byBusiness.Items[0].ID != company.userID {
		t.Errorf("by business %+v", byBusiness.Items)
	}
	name := s.usernameOf(company)
	byText := decode[userList](s.call(admin, http.MethodGet, "/api/v1/users?q="+strings.ToUpper(name[:12]), nil), http.StatusOK)
	if byText.Total != 1 {
		t.Errorf("search %q found %d", name[:12], byText.Total)
	}
	none := decode[userList](s.call(admin, http.MethodGet, "/api/v1/users?q=tidak-ada-sama-sekali", nil), http.StatusOK)
	if none.Items == nil || len(none.Items) != 0 {
		t.Errorf("empty list %+v", none)
	}

	p := s.call(admin, http.MethodGet, "/api/v1/users?role=raja&per_page=500&active=mungkin", nil).problem(422)
	if got := strings.Join(fields(p), ","); got != "active,per_page,role" {
		t.Errorf("fields %s", got)
	}

	got := decode[userResponse](s.call(admin, http.MethodGet, fmt.Sprintf("/api/v1/users/%d", company.userID), nil), http.StatusOK)
	if got.ID != company.userID || got.Role != actor.RoleCompany {
		t.Errorf("get %+v", got)
	}
	for _, path := range []string{"/api/v1/users/999999", "/api/v1/users/abc", "/api/v1/users/-1"} {
		if p := s.call(admin, http.MethodGet, path, nil).problem(404); p["code"] != "user_not_found" {
			t.Errorf("%s: %v", path, p)
		}
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	admin := s.as(actor.RoleAdmin)
	business := s.newBusiness("restaurant")
	path := func(c caller) string { return fmt.Sprintf("/api/v1/users/%d", c.userID) }

	t.Run("officer becomes a company user: binding required, sessions end", func(t *testing.T) {
		u := s.as(actor.RoleOfficer)
		p := s.call(admin, http.MethodPatch, path(u), map[string]any{"role": "company"}).problem(422)
		if strings.Join(fields(p), ",") != "business_id" {
			t.Errorf("fields %v", fields(p))
		}
		if r := s.call(u, http.MethodGet, "/api/v1/me", nil); r.Code != 200 {
			t.Fatalf("a refused change ended the session: %d", r.Code)
		}
		got := decode[userResponse](s.call(admin, http.MethodPatch, path(u),
			map[string]any{"role": "company", "business_id": business, "name": "Nama Baru"}), http.StatusOK)
		if got.Role != actor.RoleCompany || *got.BusinessID != business || got.Name != "Nama Baru" {
			t.Errorf("updated %+v", got)
		}
		s.call(u, http.MethodGet, "/api/v1/me", nil).problem(401)
		if got := s.auditActions("user", strconv.FormatInt(u.userID, 10)); strings.Join(got, ",") != "user.update" {
			t.Errorf("audit %v", got)
		}
	})
	t.Run("company user becomes a reviewer: the binding goes", func(t *testing.T) {
		u := s.asCompany(business)
		got := decode[userResponse](s.call(admin, http.MethodPatch, path(u), map[string]any{"role": "reviewer"}), http.StatusOK)
		if got.BusinessID != nil || got.Role != actor.RoleReviewer {
			t.Errorf("updated %+v", got)
		}
	})
	t.Run("a binding for a role without one is refused", func(t *testing.T) {
		u := s.as(actor.RoleOfficer)
		p := s.call(admin, http.MethodPatch, path(u), map[string]any{"business_id": business}).problem(422)
		if strings.Join(fields(p), ",") != "business_id" {
			t.Errorf("fields %v", fields(p))
		}
	})
	t.Run("deactivating ends the sessions and the login", func(t *testing.T) {
		u := s.as(actor.RoleReviewer)
		got := decode[userResponse](s.call(admin, http.MethodPatch, path(u), map[string]any{"active": false}), http.StatusOK)
		if got.Active {
			t.Fatal("still active")
		}
		s.call(u, http.MethodGet, "/api/v1/me", nil).problem(401)
		var before, after string
		s.db.Raw(`SELECT before->>'active', after->>'active' FROM audit_events WHERE action = 'user.update' AND entity_id = ?`,
			strconv.FormatInt(u.userID, 10)).Row().Scan(&before, &after)
		if before != "true" || after != "false" {
			t.Errorf("audit before %s after %s", before, after)
		}
	})
	t.Run("the last active admin stays", func(t *testing.T) {
		p := s.call(admin, http.MethodPatch, path(admin), map[string]any{"active": false}).problem(409)
		if p["code"] != "last_admin" {
			t.Errorf("problem %v", p)
		}
		s.call(admin, http.MethodPatch, path(admin), map[string]any{"role": "officer"}).problem(409)
		second := s.as(actor.RoleAdmin)
		if r := s.call(second, http.MethodPatch, path(admin), map[string]any{"role": "officer"}); r.Code != 200 {
			t.Fatalf("with another admin: %d %s", r.Code, r.Body.String())
		}
		admin = second
	})
	t.Run("bad input writes nothing", func(t *testing.T) {
		u := s.as(actor.RoleOfficer)
		for _, body := range []map[string]any{
			{"name": " "}, {"email": "bukan-email"}, {"role": "raja"}, {"password": "tidak-di-sini"}, {"active": "ya"},
		} {
			events := s.count(`SELECT count(*) FROM audit_events`)
			s.call(admin, http.MethodPatch, path(u), body).problem(422)
			if s.count(`SELECT count(*) FROM audit_events`) != events {
				t.Errorf("%v wrote an audit event", body)
			}
		}
		s.call(admin, http.MethodPatch, "/api/v1/users/999999", map[string]any{"name": "X"}).problem(404)
	})
	t.Run("no change, no event", func(t *testing.T) {
		u := s.as(actor.RoleOfficer)
		events := s.count(`SELECT count(*) FROM audit_events`)
		decode[userResponse](s.call(admin, http.MethodPatch, path(u), map[string]any{}), http.StatusOK)
		if s.count(`SELECT count(*) FROM audit_events`) != events {
			t.Error("an empty update wrote an event")
		}
	})
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	admin := s.as(actor.RoleAdmin)
	u := s.as(actor.RoleOfficer)
	path := fmt.Sprintf("/api/v1/users/%d/password", u.userID)

	p := s.call(admin, http.MethodPost, path, passwordRequest{Password: "pendek"}).problem(422)
	if strings.Join(fields(p), ",") != "password" {
		t.Errorf("fields %v", fields(p))
	}
	s.call(admin, http.MethodPost, "/api/v1/users/999999/password", passwordRequest{Password: "cukup-panjang-1"}).problem(404)
	if r := s.call(u, http.MethodGet, "/api/v1/me", nil); r.Code != 200 {
		t.Fatal("a refused reset ended the session")
	}

	decode[userResponse](s.call(admin, http.MethodPost, path, passwordRequest{Password: "kata-sandi-baru-2025"}), http.StatusOK)
	s.call(u, http.MethodGet, "/api/v1/me", nil).problem(401)
	name := s.usernameOf(u)
	s.json(http.MethodPost, "/api/v1/auth/login", loginRequest{Username: name, Password: testPassword}).problem(401)
	if r := s.json(http.MethodPost, "/api/v1/auth/login", loginRequest{Username: name, Password: "kata-sandi-baru-2025"}); r.Code != 200 {
		t.Errorf("login with the new password: %d %s", r.Code, r.Body.String())
	}
	var actor string
	var before, after *string
	s.db.Raw(`SELECT actor, before::text, after::text FROM audit_events WHERE action = 'user.password_reset' AND entity_id = ?`,
		strconv.FormatInt(u.userID, 10)).Row().Scan(&actor, &before, &after)
	if actor != s.usernameOf(admin) || before != nil || after != nil {
		t.Errorf("audit by %q, before %v, after %v", actor, before, after)
	}
}

// TestSignerProfile: an admin gives a reviewer the position, rank and NIP
// that letters print under the signature; a NIP is 18 digits (typed with
// or without the spaces between its groups), "" clears a field, and bad
// values are refused field by field without a write.
func TestSignerProfile(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	admin := s.as(actor.RoleAdmin)

	u := decode[userResponse](s.call(admin, http.MethodPost, "/api/v1/users", map[string]any{
		"username": "kabid.industri", "name": "Ir. Siti Rahayu, M.T.", "role": "reviewer", "password": "rahasia-siti-2025",
		"position": " Kepala Bidang Pengembangan Industri ", "rank": "Pembina Tingkat I (IV/b)", "nip": "19700101 199503 2 001",
	}), http.StatusCreated)
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	if str(u.Position) != "Kepala Bidang Pengembangan Industri" || str(u.Rank) != "Pembina Tingkat I (IV/b)" ||
		str(u.NIP) != "197001011995032001" {
		t.Fatalf("created profile %s | %s | %s", str(u.Position), str(u.Rank), str(u.NIP))
	}
	var stored string
	s.db.Raw(`SELECT nip FROM users WHERE id = ?`, u.ID).Row().Scan(&stored)
	if stored != "197001011995032001" {
		t.Errorf("stored NIP %q", stored)
	}
	// Without a profile the fields are null, not "".
	plain := decode[userResponse](s.call(admin, http.MethodPost, "/api/v1/users", map[string]any{
		"username": "petugas.biasa", "name": "Petugas", "role": "officer", "password": "rahasia-petugas-1",
	}), http.StatusCreated)
	if plain.Position != nil || plain.Rank != nil || plain.NIP != nil {
		t.Errorf("profile without input: %+v", plain)
	}

	path := fmt.Sprintf("/api/v1/users/%d", u.ID)
	got := decode[userResponse](s.call(admin, http.MethodPatch, path, map[string]any{"rank": "", "nip": "198005052006041002"}), http.StatusOK)
	if got.Rank != nil || str(got.NIP) != "198005052006041002" || str(got.Position) != "Kepala Bidang Pengembangan Industri" {
		t.Errorf("updated profile %s | %s | %s", str(got.Position), str(got.Rank), str(got.NIP))
	}
	var rank *string
	s.db.Raw(`SELECT rank FROM users WHERE id = ?`, u.ID).Row().Scan(&rank)
	if rank != nil {
		t.Errorf("cleared rank stored as %q", *rank)
	}
	if got := s.auditActions("user", strconv.FormatInt(u.ID, 10)); strings.Join(got, ",") != "user.create,user.update" {
		t.Errorf("audit %v", got)
	}

	long := strings.Repeat("x", 201)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   map[string]any
		fields string
	}{
		{"NIP too short", http.MethodPatch, path, map[string]any{"nip": "19700101199503200"}, "nip"},
		{"NIP with letters", http.MethodPatch, path, map[string]any{"nip": "19700101199503200A"}, "nip"},
		{"NIP too long", http.MethodPatch, path, map[string]any{"nip": "1970010119950320011"}, "nip"},
		{"position and rank too long", http.MethodPatch, path, map[string]any{"position": long, "rank": long[:101]}, "position,rank"},
		{"NIP not a string", http.MethodPatch, path, map[string]any{"nip": 197001011995032001}, "nip"},
		{"bad NIP on create", http.MethodPost, "/api/v1/users", map[string]any{"username": "andi", "name": "A",
			"role": "reviewer", "password": "cukup-panjang-1", "nip": "123"}, "nip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, events := s.count(`SELECT count(*) FROM users`), s.count(`SELECT count(*) FROM audit_events`)
			p := s.call(admin, tc.method, tc.path, tc.body).problem(422)
			if got := strings.Join(fields(p), ","); got != tc.fields {
				t.Errorf("fields %s, want %s (%v)", got, tc.fields, p)
			}
			if s.count(`SELECT count(*) FROM users`) != users || s.count(`SELECT count(*) FROM audit_events`) != events {
				t.Error("something was written")
			}
		})
	}
}
