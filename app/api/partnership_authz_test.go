package api

import (
	"net/http"
)

// The partnership routes' rows of the authorisation matrix (authz_test.go).
// Record ids come from the fixture's own business and IKM, so "other" (a
// company user of another business) must get 404, never the record.
func init() {
	authzMatrix = append(authzMatrix, partnershipAuthzRows...)
}

var partnershipAuthzRows = []authzRow{
	{"GET", "/api/v1/agreements", nil, nil, allowed(200, admin, officer, reviewer, own, other, ikmUser)},
	{"POST", "/api/v1/agreements", nil, func(f *authzFixture) any {
		b := validAgreement(f.ikm)
		b["business_id"] = f.business
		return b
	}, allowed(201, officer, own).with(other, 422)},
	{"GET", "/api/v1/agreements/:id", func(f *authzFixture) string {
		return agreementPath(f.agreement("submitted"), "")
	}, nil, allowed(200, admin, officer, reviewer, own, ikmUser).with(other, 404)},
	{"PUT", "/api/v1/agreements/:id", func(f *authzFixture) string {
		return agreementPath(f.agreement("draft"), "")
	}, func(f *authzFixture) any { return validAgreement(f.ikm) }, allowed(200, officer, own).with(other, 404)},
	// A JSON body is not an upload: whoever passes the guard gets 415.
	{"PUT", "/api/v1/agreements/:id/document", func(f *authzFixture) string {
		return agreementPath(f.agreement("draft"), "document")
	}, func(*authzFixture) any { return map[string]any{} }, allowed(415, officer, own, other)},
	{"GET", "/api/v1/agreements/:id/document", func(f *authzFixture) string {
		return agreementPath(f.agreement("submitted"), "document")
	}, nil, allowed(200, admin, officer, reviewer, own, ikmUser).with(other, 404)},
	{"POST", "/api/v1/agreements/:id/submit", func(f *authzFixture) string {
		return agreementPath(f.agreement("draft"), "submit")
	}, nil, allowed(200, officer, own).with(other, 404)},
	{"POST", "/api/v1/agreements/:id/approve", func(f *authzFixture) string {
		return agreementPath(f.agreement("submitted"), "approve")
	}, nil, allowed(200, officer)},
	{"POST", "/api/v1/agreements/:id/reject", func(f *authzFixture) string {
		return agreementPath(f.agreement("submitted"), "reject")
	}, func(*authzFixture) any { return reasonRequest{Reason: "Dokumen tidak lengkap"} }, allowed(200, officer)},
	{"POST", "/api/v1/agreements/:id/revise", func(f *authzFixture) string {
		return agreementPath(f.agreement("rejected"), "revise")
	}, nil, allowed(200, officer, own).with(other, 404)},
	{"POST", "/api/v1/agreements/:id/end", func(f *authzFixture) string {
		return agreementPath(f.agreement("approved"), "end")
	}, func(*authzFixture) any { return reasonRequest{Reason: "Kerja sama dihentikan"} }, allowed(200, officer)},

	{"GET", "/api/v1/outlets", nil, nil, allowed(200, admin, officer, reviewer, own, other, ikmUser, token)},
	{"POST", "/api/v1/outlets", nil, func(f *authzFixture) any { return validOutlet(f.ikm) },
		allowed(201, own, other, token)},
	{"GET", "/api/v1/outlets/:id", func(f *authzFixture) string { return outletPath(f.outlet(), "") }, nil,
		allowed(200, admin, officer, reviewer, own, ikmUser, token).with(other, 404)},
	{"POST", "/api/v1/outlets/:id/confirm", func(f *authzFixture) string { return outletPath(f.outlet(), "confirm") }, nil,
		allowed(200, ikmUser)},
	{"POST", "/api/v1/outlets/:id/dispute", func(f *authzFixture) string { return outletPath(f.outlet(), "dispute") },
		func(*authzFixture) any { return reasonRequest{Reason: "Tempat tidak ada"} }, allowed(200, ikmUser)},
	{"POST", "/api/v1/outlets/:id/verify", func(f *authzFixture) string { return outletPath(f.outlet(), "verify") },
		func(*authzFixture) any { return verifyRequest{} }, allowed(200, officer)},
	{"POST", "/api/v1/outlets/:id/reject", func(f *authzFixture) string { return outletPath(f.outlet(), "reject") },
		func(*authzFixture) any { return reasonRequest{Reason: "Tempat tidak ditemukan"} }, allowed(200, officer)},
	{"POST", "/api/v1/outlets/:id/withdraw", func(f *authzFixture) string { return outletPath(f.outlet(), "withdraw") }, nil,
		allowed(200, own, token).with(other, 404)},
	{"POST", "/api/v1/outlets/:id/end", func(f *authzFixture) string { return outletPath(f.outlet(), "end") },
		func(*authzFixture) any { return endOutletRequest{EndDate: "2025-12-31"} }, allowed(200, own, token).with(other, 404)},

	{"GET", "/api/v1/reports", func(f *authzFixture) string {
		f.s.loadRules()
		return "/api/v1/reports?period=2025-Q1"
	}, nil, allowed(200, admin, officer, reviewer, own, other)},
	{"POST", "/api/v1/reports/:business/:period/submit", func(f *authzFixture) string {
		f.s.loadRules()
		return reportPath(f.business, "2025-Q1")
	}, nil, allowed(201, own).with(other, 404)},
}

// agreement makes a fresh agreement of the fixture's business naming its
// IKM, brought to status by the fixture's own company user and officer.
func (f *authzFixture) agreement(status string) int64 {
	f.s.t.Helper()
	s, company, officer := f.s, f.callers[own], f.callers[officer]
	ag := s.draftAgreement(company, f.ikm)
	step := func(who caller, action string, body any) {
		s.call(who, http.MethodPost, agreementPath(ag.ID, action), body).problemOrOK(s.t, http.StatusOK)
	}
	switch status {
	case "draft":
	case "submitted":
		step(company, "submit", nil)
	case "approved":
		step(company, "submit", nil)
		step(officer, "approve", nil)
	case "rejected":
		step(company, "submit", nil)
		step(officer, "reject", reasonRequest{Reason: "Belum lengkap"})
	default:
		s.t.Fatalf("agreement fixture: unknown status %s", status)
	}
	return ag.ID
}

// outlet makes a fresh reported outlet of the fixture's business for its IKM.
func (f *authzFixture) outlet() int64 {
	f.s.t.Helper()
	return decode[outletResponse](f.s.call(f.callers[own], http.MethodPost, "/api/v1/outlets", validOutlet(f.ikm)), http.StatusCreated).ID
}
