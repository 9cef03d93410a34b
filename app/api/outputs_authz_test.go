package api

// The outputs' rows of the authorisation matrix (authz_test.go): the
// sanction list for officers and reviewers, statistics for staff, the
// dashboard for company users (each sees its own business), and the public
// API for everyone, logged in or not.
func init() {
	authzMatrix = append(authzMatrix, outputsAuthzRows...)
}

// withRules loads the shipped rule set (the outputs need one to know what a
// period is) and leaves the route as it is.
func withRules(route string) func(f *authzFixture) string {
	return func(f *authzFixture) string {
		f.s.loadRules()
		return route
	}
}

var outputsAuthzRows = []authzRow{
	{"GET", "/api/v1/sanction-list", withRules("/api/v1/sanction-list"), nil, allowed(200, officer, reviewer)},
	{"GET", "/api/v1/stats", withRules("/api/v1/stats"), nil, allowed(200, admin, officer, reviewer)},
	// A company user sees its own business's dashboard; an ERP token has none.
	{"GET", "/api/v1/stats/me", withRules("/api/v1/stats/me"), nil, allowed(200, own, other)},
	{"GET", "/api/v1/public/stats", withRules("/api/v1/public/stats"), nil, everyone(200)},
	{"GET", "/api/v1/public/ikms", nil, nil, everyone(200)},
	{"GET", "/api/v1/public/recommendations", nil, nil, everyone(200)},
}
