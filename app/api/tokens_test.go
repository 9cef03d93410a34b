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

func TestAPITokenLifecycle(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	otherCompany := s.as(actor.RoleCompany)
	officer := s.as(actor.RoleOfficer)

	// A company user's token is for their own business, whatever they send.
	created := decode[createdTokenResponse](s.call(company, http.MethodPost, "/api/v1/tokens",
		map[string]any{"name": "  SAP produksi "}), http.StatusCreated)
	wantCreated := tokenResponse{BusinessID: business, Name: "SAP produksi", CreatedBy: company.userID, Revoked: false,
		LastUsedAt: nil}
	if diff := cmp.Diff(wantCreated, created.tokenResponse,
		cmptest.Only[tokenResponse]("BusinessID", "Name", "CreatedBy", "Revoked", "LastUsedAt")); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(created.Token, "kmt_") || created.Prefix != created.Token[:12] {
		t.Fatalf("created token %q with prefix %q", created.Token, created.Prefix)
	}
	if n := s.count(`SELECT count(*) FROM api_tokens WHERE token_hash = sha256(convert_to(?, 'UTF8'))`, created.Token); n != 1 {
		t.Error("the token is not stored under its SHA-256")
	}
	var events string
	s.db.Raw(`SELECT string_agg(after::text, '') FROM audit_events WHERE action = 'token.create' AND entity_id = ?`,
		strconv.FormatInt(created.ID, 10)).Row().Scan(&events)
	if events == "" || strings.Contains(events, created.Token) {
		t.Errorf("token.create event %q: missing or holding the secret", events)
	}
	erp := caller{token: created.Token, businessID: business}

	// The token may only report and read procurement for its business.
	for _, path := range []string{"/api/v1/tokens", "/api/v1/users", "/api/v1/audit-events", "/api/v1/me"} {
		if p := s.call(erp, http.MethodGet, path, nil).problem(http.StatusForbidden); p["code"] != "forbidden" {
			t.Errorf("%s: %v", path, p)
		}
	}
	s.call(erp, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "anak token"}).problem(http.StatusForbidden)
	if r := s.call(erp, http.MethodGet, "/api/v1/purchases", nil); r.Code != http.StatusOK {
		t.Errorf("token reading its purchases: %d %s", r.Code, r.Body.String())
	}

	// Officers create for any business, and must say which.
	officers := decode[createdTokenResponse](s.call(officer, http.MethodPost, "/api/v1/tokens",
		map[string]any{"name": "Oracle", "business_id": otherCompany.businessID}), http.StatusCreated)
	if officers.BusinessID != otherCompany.businessID {
		t.Errorf("officer's token for %d", officers.BusinessID)
	}

	// Lists: the secret never again; a company sees only its own tokens.
	list := decode[tokenList](s.call(company, http.MethodGet, "/api/v1/tokens", nil), http.StatusOK)
	if list.Total != 1 || list.Items[0].ID != created.ID || list.Items[0].LastUsedAt == nil {
		t.Errorf("company's list %+v (last_used_at is set by the calls above)", list.Items)
	}
	all := s.call(officer, http.MethodGet, "/api/v1/tokens", nil)
	if strings.Contains(all.Body.String(), created.Token) || strings.Contains(all.Body.String(), `"token"`) {
		t.Error("a list shows a secret")
	}
	if got := decode[tokenList](all, http.StatusOK); got.Total != 2 {
		t.Errorf("officer sees %d tokens, want 2", got.Total)
	}
	filtered := decode[tokenList](s.call(officer, http.MethodGet, fmt.Sprintf("/api/v1/tokens?business_id=%d", business), nil), http.StatusOK)
	if filtered.Total != 1 {
		t.Errorf("officer filtering by business sees %d", filtered.Total)
	}

	// Revoking: another company cannot even see it; the owner can.
	path := fmt.Sprintf("/api/v1/tokens/%d", created.ID)
	if p := s.call(otherCompany, http.MethodDelete, path, nil).problem(http.StatusNotFound); p["code"] != "token_not_found" {
		t.Errorf("other company: %v", p)
	}
	revoked := decode[tokenResponse](s.call(company, http.MethodDelete, path, nil), http.StatusOK)
	if !revoked.Revoked || revoked.RevokedAt == nil {
		t.Errorf("revoked %+v", revoked)
	}
	p := s.call(erp, http.MethodGet, "/api/v1/purchases", nil).problem(http.StatusUnauthorized)
	if !strings.Contains(p["detail"].(string), "dicabut") {
		t.Errorf("revoked token: %v", p)
	}
	// Revoking again changes nothing and writes nothing.
	again := decode[tokenResponse](s.call(officer, http.MethodDelete, path, nil), http.StatusOK)
	if !again.RevokedAt.Equal(*revoked.RevokedAt) {
		t.Errorf("second revoke moved revoked_at: %v → %v", revoked.RevokedAt, again.RevokedAt)
	}
	if got := s.auditActions("api_token", strconv.FormatInt(created.ID, 10)); strings.Join(got, ",") != "token.create,token.revoke" {
		t.Errorf("audit %v", got)
	}
	var revokedBy int64
	s.db.Raw(`SELECT revoked_by FROM api_tokens WHERE id = ?`, created.ID).Row().Scan(&revokedBy)
	if revokedBy != company.userID {
		t.Errorf("revoked_by %d", revokedBy)
	}
	live := decode[tokenList](s.call(company, http.MethodGet, "/api/v1/tokens", nil), http.StatusOK)
	withRevoked := decode[tokenList](s.call(company, http.MethodGet, "/api/v1/tokens?include_revoked=true", nil), http.StatusOK)
	if live.Total != 0 || withRevoked.Total != 1 || !withRevoked.Items[0].Revoked {
		t.Errorf("after revoking: %d live, %d with revoked", live.Total, withRevoked.Total)
	}
}

func TestAPITokenProblems(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	officer := s.as(actor.RoleOfficer)
	company := s.as(actor.RoleCompany)
	closed := s.newBusiness("hotel")
	s.db.Exec(`UPDATE businesses SET status = 'closed' WHERE id = ?`, closed)
	other := s.newBusiness("hotel")

	tests := []struct {
		name   string
		who    caller
		body   string
		status int
		fields string
	}{
		{"officer names no business", officer, `{"name":"ERP"}`, 422, "business_id"},
		{"missing business", officer, `{"name":"ERP","business_id":999999}`, 422, "business_id"},
		{"closed business", officer, fmt.Sprintf(`{"name":"ERP","business_id":%d}`, closed), 422, "business_id"},
		{"company names another business", company, fmt.Sprintf(`{"name":"ERP","business_id":%d}`, other), 422, "business_id"},
		{"no name", company, `{"name":"  "}`, 422, "name"},
		{"long name", company, `{"name":"` + strings.Repeat("n", 101) + `"}`, 422, "name"},
		{"unknown field", company, `{"name":"ERP","scopes":["all"]}`, 422, "scopes"},
		{"malformed", company, `{"name":`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens, events := s.count(`SELECT count(*) FROM api_tokens`), s.count(`SELECT count(*) FROM audit_events`)
			r := s.do(http.MethodPost, "/api/v1/tokens", strings.NewReader(tt.body),
				"Content-Type", "application/json", "Authorization", "Bearer "+tt.who.token)
			p := r.problem(tt.status)
			if got := strings.Join(fields(p), ","); got != tt.fields {
				t.Errorf("fields %q, want %q: %v", got, tt.fields, p)
			}
			if s.count(`SELECT count(*) FROM api_tokens`) != tokens || s.count(`SELECT count(*) FROM audit_events`) != events {
				t.Error("something was written")
			}
		})
	}
	s.call(officer, http.MethodDelete, "/api/v1/tokens/999999", nil).problem(http.StatusNotFound)
	s.call(officer, http.MethodDelete, "/api/v1/tokens/abc", nil).problem(http.StatusNotFound)
	s.call(officer, http.MethodGet, "/api/v1/tokens?business_id=x&include_revoked=kadang", nil).problem(422)
}
