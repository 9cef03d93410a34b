package api

import (
	"fmt"
)

// The registry routes' rows of the authorisation matrix (authz_test.go).
// Writes are officers' only; reads are scoped, so a company user asking for
// another business, or for an IKM, gets 404, and an IKM user asking for a
// business likewise.
func init() {
	authzMatrix = append(authzMatrix, registryAuthzRows...)
}

var registryAuthzRows = []authzRow{
	{"GET", "/api/v1/kecamatan", nil, nil, allowed(200, people...)},

	{"GET", "/api/v1/businesses", nil, nil, allowed(200, people...)},
	{"POST", "/api/v1/businesses", nil, func(*authzFixture) any { return newBusinessBody() }, allowed(201, officer)},
	// A JSON body is not an upload: whoever passes the guard gets 415.
	{"POST", "/api/v1/businesses/import", nil, func(*authzFixture) any { return map[string]any{} }, allowed(415, officer)},
	{"GET", "/api/v1/businesses/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/businesses/%d", f.business)
	}, nil, allowed(200, admin, officer, reviewer, own).with(other, 404).with(ikmUser, 404)},
	{"PUT", "/api/v1/businesses/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/businesses/%d", f.business)
	}, func(*authzFixture) any { return newBusinessBody() }, allowed(200, officer)},
	{"PATCH", "/api/v1/businesses/:id/profile", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/businesses/%d/profile", f.business)
	}, func(*authzFixture) any { return map[string]any{"contact_name": "Rina"} },
		allowed(200, officer, own).with(other, 404)},
	{"POST", "/api/v1/businesses/:id/deactivate", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/businesses/%d/deactivate", f.s.newBusiness("hotel"))
	}, nil, allowed(200, officer)},

	{"GET", "/api/v1/ikms", nil, nil, allowed(200, people...)},
	{"POST", "/api/v1/ikms", nil, func(*authzFixture) any { return newIKMBody() }, allowed(201, officer)},
	{"POST", "/api/v1/ikms/import", nil, func(*authzFixture) any { return map[string]any{} }, allowed(415, officer)},
	{"GET", "/api/v1/ikms/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/ikms/%d", f.ikm)
	}, nil, allowed(200, admin, officer, reviewer, ikmUser).with(own, 404).with(other, 404)},
	{"PUT", "/api/v1/ikms/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/ikms/%d", f.ikm)
	}, func(*authzFixture) any { return newIKMBody() }, allowed(200, officer)},
	{"POST", "/api/v1/ikms/:id/deactivate", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/ikms/%d/deactivate", f.s.newIKM())
	}, nil, allowed(200, officer)},
	{"POST", "/api/v1/ikms/:id/verify", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/ikms/%d/verify", f.s.newIKM())
	}, func(*authzFixture) any { return map[string]any{"verified": true} }, allowed(200, officer)},
}

// newBusinessBody is a valid business with a fresh NIB.
func newBusinessBody() map[string]any {
	return map[string]any{
		"nib": randomDigits(13), "name": "PT Matriks Uji", "category": "hotel", "kecamatan_code": "3216060",
	}
}

// newIKMBody is a valid IKM with a fresh NIB.
func newIKMBody() map[string]any {
	return map[string]any{"nib": randomDigits(13), "name": "IKM Matriks Uji", "sector": "batik", "kecamatan_code": "3216080"}
}
