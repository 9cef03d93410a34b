package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/cmptest"
)

func outletPath(id int64, action string) string {
	p := "/api/v1/outlets/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

func validOutlet(ikm int64) map[string]any {
	return map[string]any{"ikm_id": ikm, "location": "Pojok UMKM lobi timur", "slots": 2, "start_date": "2025-07-01"}
}

// approvedAgreementFor runs an agreement through to approval.
func (s *testServer) approvedAgreementFor(company caller, ikms ...int64) agreementResponse {
	s.t.Helper()
	ag := s.draftAgreement(company, ikms...)
	s.call(company, http.MethodPost, agreementPath(ag.ID, "submit"), nil).problemOrOK(s.t, http.StatusOK)
	return decode[agreementResponse](s.call(s.as(actor.RoleOfficer), http.MethodPost, agreementPath(ag.ID, "approve"), nil), http.StatusOK)
}

func TestOutletReportedThenConfirmedByItsIKM(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	ikm := s.newIKM()
	ag := s.approvedAgreementFor(company, ikm)

	body := validOutlet(ikm)
	body["agreement_id"] = ag.ID
	body["end_date"] = "2025-12-31"
	o := decode[outletResponse](s.call(company, http.MethodPost, "/api/v1/outlets", body), http.StatusCreated)
	wantO := outletResponse{Status: "reported", IKM: namedRef{ID: ikm}, Business: namedRef{ID: company.businessID},
		AgreementID: &ag.ID, EndDate: new("2025-12-31"), Slots: 2}
	if diff := cmp.Diff(wantO, o, cmptest.Only[outletResponse]("Status", "IKM", "Business", "AgreementID", "EndDate", "Slots"),
		cmptest.Only[namedRef]("ID")); diff != "" {
		t.Fatalf("reported (-want +got):\n%s", diff)
	}

	outsider := s.as(actor.RoleIKM)
	s.call(outsider, http.MethodPost, outletPath(o.ID, "confirm"), nil).problem(http.StatusNotFound)
	s.call(outsider, http.MethodGet, outletPath(o.ID, ""), nil).problem(http.StatusNotFound)
	s.call(s.as(actor.RoleCompany), http.MethodGet, outletPath(o.ID, ""), nil).problem(http.StatusNotFound)

	owner := s.asIKM(ikm)
	list := decode[listPage[outletResponse]](s.call(owner, http.MethodGet, "/api/v1/outlets", nil), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].ID != o.ID {
		t.Fatalf("the IKM's list %+v", list.Items)
	}
	o = decode[outletResponse](s.call(owner, http.MethodPost, outletPath(o.ID, "confirm"), nil), http.StatusOK)
	if o.Status != "confirmed" || o.ConfirmedAt == nil || o.Verified {
		t.Fatalf("confirmed %+v", o)
	}
	p := s.call(owner, http.MethodPost, outletPath(o.ID, "confirm"), nil).problem(http.StatusConflict)
	if p["current_status"] != "confirmed" {
		t.Errorf("second confirm %v", p)
	}
	p = s.call(company, http.MethodPost, outletPath(o.ID, "withdraw"), nil).problem(http.StatusConflict)
	if p["current_status"] != "confirmed" {
		t.Errorf("withdraw confirmed %v", p)
	}

	// The company brings the end forward; it may not stretch it.
	p = s.call(company, http.MethodPost, outletPath(o.ID, "end"), map[string]any{"end_date": "2026-03-31"}).
		problem(http.StatusUnprocessableEntity)
	if f := fields(p); len(f) != 1 || f[0] != "end_date" {
		t.Errorf("fields %v", f)
	}
	o = decode[outletResponse](s.call(company, http.MethodPost, outletPath(o.ID, "end"), map[string]any{"end_date": "2025-09-30"}), http.StatusOK)
	if o.Status != "confirmed" || *o.EndDate != "2025-09-30" {
		t.Errorf("ended %+v", o)
	}
	want := "outlet.report,outlet.confirm,outlet.end"
	if got := strings.Join(s.auditActions("outlet", strconv.FormatInt(o.ID, 10)), ","); got != want {
		t.Errorf("audit %s, want %s", got, want)
	}
}

func TestOutletDisputeVerifyRejectWithdraw(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	officer := s.as(actor.RoleOfficer)
	ikm := s.newIKM()
	owner := s.asIKM(ikm)
	report := func() outletResponse {
		return decode[outletResponse](s.call(company, http.MethodPost, "/api/v1/outlets", validOutlet(ikm)), http.StatusCreated)
	}

	disputed := report()
	p := s.call(owner, http.MethodPost, outletPath(disputed.ID, "dispute"), map[string]any{"reason": ""}).problem(http.StatusUnprocessableEntity)
	if f := fields(p); len(f) != 1 || f[0] != "reason" {
		t.Fatalf("fields %v", f)
	}
	disputed = decode[outletResponse](s.call(owner, http.MethodPost, outletPath(disputed.ID, "dispute"),
		map[string]any{"reason": "Tempat belum pernah diberikan"}), http.StatusOK)
	if disputed.Status != "disputed" || disputed.DisputeReason != "Tempat belum pernah diberikan" {
		t.Fatalf("disputed %+v", disputed)
	}
	s.call(owner, http.MethodPost, outletPath(disputed.ID, "confirm"), nil).problem(http.StatusConflict)
	verified := decode[outletResponse](s.call(officer, http.MethodPost, outletPath(disputed.ID, "verify"),
		map[string]any{"note": "Diperiksa di lokasi 12 Agustus"}), http.StatusOK)
	if verified.Status != "confirmed" || !verified.Verified || verified.ConfirmedAt == nil {
		t.Fatalf("verified %+v", verified)
	}

	rejected := report()
	rejected = decode[outletResponse](s.call(officer, http.MethodPost, outletPath(rejected.ID, "reject"),
		map[string]any{"reason": "Lokasi tidak ditemukan"}), http.StatusOK)
	if rejected.Status != "rejected" || rejected.ResolutionReason != "Lokasi tidak ditemukan" {
		t.Fatalf("rejected %+v", rejected)
	}
	s.call(officer, http.MethodPost, outletPath(rejected.ID, "verify"), map[string]any{}).problem(http.StatusConflict)

	withdrawn := report()
	s.call(s.as(actor.RoleCompany), http.MethodPost, outletPath(withdrawn.ID, "withdraw"), nil).problem(http.StatusNotFound)
	withdrawn = decode[outletResponse](s.call(company, http.MethodPost, outletPath(withdrawn.ID, "withdraw"), nil), http.StatusOK)
	if withdrawn.Status != "withdrawn" {
		t.Fatalf("withdrawn %+v", withdrawn)
	}
	p = s.call(owner, http.MethodPost, outletPath(withdrawn.ID, "confirm"), nil).problem(http.StatusConflict)
	if p["current_status"] != "withdrawn" {
		t.Errorf("confirm withdrawn %v", p)
	}

	list := decode[listPage[outletResponse]](s.call(officer, http.MethodGet, "/api/v1/outlets?status=confirmed", nil), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].ID != verified.ID {
		t.Errorf("confirmed filter %+v", list.Items)
	}
}

func TestOutletBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	rival := s.as(actor.RoleCompany)
	ikm, inactive, stranger := s.newIKM(), s.newIKM(), s.newIKM()
	s.setIKMStatus(inactive, "inactive")
	rivalAgreement := s.approvedAgreementFor(rival, ikm)
	ownDraft := s.draftAgreement(company, ikm)
	ownApproved := s.approvedAgreementFor(company, ikm)

	with := func(edit func(map[string]any)) map[string]any {
		b := validOutlet(ikm)
		edit(b)
		return b
	}
	tests := []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"zero slots", with(func(b map[string]any) { b["slots"] = 0 }), []string{"slots"}},
		{"no location", with(func(b map[string]any) { b["location"] = "   " }), []string{"location"}},
		{"end before start", with(func(b map[string]any) { b["end_date"] = "2025-06-30" }), []string{"end_date"}},
		{"no start", with(func(b map[string]any) { delete(b, "start_date") }), []string{"start_date"}},
		{"inactive ikm", with(func(b map[string]any) { b["ikm_id"] = inactive }), []string{"ikm_id"}},
		{"unknown ikm", with(func(b map[string]any) { b["ikm_id"] = 999999 }), []string{"ikm_id"}},
		{"another business's agreement", with(func(b map[string]any) { b["agreement_id"] = rivalAgreement.ID }), []string{"agreement_id"}},
		{"a draft agreement", with(func(b map[string]any) { b["agreement_id"] = ownDraft.ID }), []string{"agreement_id"}},
		{"an agreement without this ikm", with(func(b map[string]any) {
			b["ikm_id"] = stranger
			b["agreement_id"] = ownApproved.ID
		}), []string{"agreement_id"}},
		{"another business", with(func(b map[string]any) { b["business_id"] = rival.businessID }), []string{"business_id"}},
		{"slots as text", with(func(b map[string]any) { b["slots"] = "dua" }), []string{"slots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.call(company, http.MethodPost, "/api/v1/outlets", tt.body).problem(http.StatusUnprocessableEntity)
			if got := fields(p); strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v (%v)", got, tt.fields, p["errors"])
			}
		})
	}
	if n := s.count("SELECT count(*) FROM outlets"); n != 0 {
		t.Fatalf("%d outlets written from bad input", n)
	}
	if n := s.count("SELECT count(*) FROM audit_events WHERE entity_type = 'outlet'"); n != 0 {
		t.Fatalf("%d audit events from bad input", n)
	}
}
