// Package auth decides who the caller is (sessions, API tokens, passwords)
// and what they may do (the permission table by role).
package auth

import (
	"slices"

	"kemitraan/app/platform/actor"
)

// Permission names one thing a caller may do; each route in the API's route
// table names the permission it needs. Whether a permitted caller may touch a
// particular record (a company only its own business) is decided by the
// domain package's scoping, which answers "not found" for other records.
type Permission string

const (
	// PermSessionOwn is a logged-in person's own session: /me, refresh,
	// logout. ERP tokens are not sessions and lack it.
	PermSessionOwn   Permission = "session.own"
	PermUsersManage  Permission = "users.manage"
	PermTokensManage Permission = "tokens.manage" // company: for its own business
	PermAuditRead    Permission = "audit.read"
	PermRulesRead    Permission = "rules.read"
	PermRulesManage  Permission = "rules.manage"
	PermJobsRead     Permission = "jobs.read"
	PermJobsRun      Permission = "jobs.run"

	PermReferenceRead  Permission = "reference.read" // kecamatan and other lists
	PermRegistryRead   Permission = "registry.read"  // company/ikm: their own record only
	PermRegistryManage Permission = "registry.manage"
	// PermBusinessProfile: contact details and the like of a business; a
	// company user only for its own.
	PermBusinessProfile Permission = "business.profile"
	PermIKMVerify       Permission = "ikm.verify"
	PermIKMProfile      Permission = "ikm.profile" // an IKM: its own contact and directory consent

	PermAgreementsRead   Permission = "agreements.read"
	PermAgreementsWrite  Permission = "agreements.write" // draft, edit, submit
	PermAgreementsDecide Permission = "agreements.decide"

	PermPurchasesRead    Permission = "purchases.read"
	PermPurchasesReport  Permission = "purchases.report"  // report, import, withdraw, reverse
	PermPurchasesConfirm Permission = "purchases.confirm" // confirm or dispute as the IKM
	PermPurchasesVerify  Permission = "purchases.verify"  // verify, resolve disputes, reject
	// PermConfirmationLinks: see a purchase's password-less confirmation link,
	// to pass it on to an IKM without e-mail (by phone, on a visit).
	PermConfirmationLinks Permission = "purchases.confirmation_links"

	PermOutletsRead    Permission = "outlets.read"
	PermOutletsReport  Permission = "outlets.report"
	PermOutletsConfirm Permission = "outlets.confirm"
	PermOutletsVerify  Permission = "outlets.verify" // verify after a field check, or reject

	PermReportsRead   Permission = "reports.read"
	PermReportsSubmit Permission = "reports.submit"

	PermEvaluationsRead  Permission = "evaluations.read"
	PermExemptionsRead   Permission = "exemptions.read"
	PermExemptionsManage Permission = "exemptions.manage"

	PermCasesRead    Permission = "cases.read"
	PermCasesDecide  Permission = "cases.decide"
	PermCasesRespond Permission = "cases.respond"

	PermSanctionListRead Permission = "sanction_list.read"
	// PermWorkspace: the Dinas's own pages (queues, registries, cases).
	PermWorkspace Permission = "workspace"
	PermStatsRead Permission = "stats.read"
	PermStatsOwn  Permission = "stats.own" // a company's own dashboard
)

const (
	admin    = actor.RoleAdmin
	officer  = actor.RoleOfficer
	reviewer = actor.RoleReviewer
	company  = actor.RoleCompany
	ikm      = actor.RoleIKM
)

// roleTable is the one place that says which role may do what.
var roleTable = map[Permission][]actor.Role{
	PermSessionOwn:   {admin, officer, reviewer, company, ikm},
	PermUsersManage:  {admin},
	PermTokensManage: {admin, officer, company},
	PermAuditRead:    {admin, officer},
	PermRulesRead:    {admin, officer, reviewer},
	PermRulesManage:  {admin},
	PermJobsRead:     {admin, officer},
	PermJobsRun:      {admin},

	PermReferenceRead:   {admin, officer, reviewer, company, ikm},
	PermRegistryRead:    {admin, officer, reviewer, company, ikm},
	PermRegistryManage:  {officer},
	PermBusinessProfile: {officer, company},
	PermIKMVerify:       {officer},
	PermIKMProfile:      {officer, ikm},

	PermAgreementsRead:   {admin, officer, reviewer, company, ikm},
	PermAgreementsWrite:  {officer, company},
	PermAgreementsDecide: {officer},

	PermPurchasesRead:     {admin, officer, reviewer, company, ikm},
	PermPurchasesReport:   {company},
	PermPurchasesConfirm:  {ikm},
	PermPurchasesVerify:   {officer},
	PermConfirmationLinks: {admin, officer},

	PermOutletsRead:    {admin, officer, reviewer, company, ikm},
	PermOutletsReport:  {company},
	PermOutletsConfirm: {ikm},
	PermOutletsVerify:  {officer},

	PermReportsRead:   {admin, officer, reviewer, company},
	PermReportsSubmit: {company},

	PermEvaluationsRead:  {admin, officer, reviewer, company},
	PermExemptionsRead:   {admin, officer, reviewer},
	PermExemptionsManage: {officer},

	PermCasesRead:    {admin, officer, reviewer, company},
	PermCasesDecide:  {reviewer},
	PermCasesRespond: {company},

	PermSanctionListRead: {officer, reviewer},
	PermWorkspace:        {admin, officer, reviewer},
	PermStatsRead:        {admin, officer, reviewer},
	PermStatsOwn:         {company},
}

// tokenPermissions is all an ERP API token may do, always for its own
// business: report procurement and read back what it reported.
var tokenPermissions = map[Permission]bool{
	PermPurchasesReport: true,
	PermPurchasesRead:   true,
	PermOutletsReport:   true,
	PermOutletsRead:     true,
}

// Allowed reports whether a may use p. The system actor (jobs, command line)
// may do everything.
func Allowed(a actor.Actor, p Permission) bool {
	switch {
	case a.System:
		return true
	case a.TokenID != 0:
		return tokenPermissions[p]
	case a.UserID == 0:
		return false
	}
	for _, r := range roleTable[p] {
		if r == a.Role {
			return true
		}
	}
	return false
}

// PermissionsOf lists what a may do, sorted, so a screen can show or hide
// its actions without repeating the table.
func PermissionsOf(a actor.Actor) []Permission {
	var out []Permission
	for p := range roleTable {
		if Allowed(a, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
