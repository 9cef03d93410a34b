package auth

import (
	"testing"

	"kemitraan/app/platform/actor"
)

func TestPermissionTable(t *testing.T) {
	t.Parallel()
	user := func(r actor.Role) actor.Actor { return actor.Actor{UserID: 1, Role: r} }
	token := actor.Actor{TokenID: 9, BusinessID: 3}
	tests := []struct {
		who  actor.Actor
		perm Permission
		want bool
	}{
		{user(actor.RoleAdmin), PermUsersManage, true},
		{user(actor.RoleOfficer), PermUsersManage, false},
		{user(actor.RoleReviewer), PermCasesDecide, true},
		{user(actor.RoleOfficer), PermCasesDecide, false},
		{user(actor.RoleCompany), PermPurchasesReport, true},
		{user(actor.RoleIKM), PermPurchasesReport, false},
		{user(actor.RoleIKM), PermPurchasesConfirm, true},
		{user(actor.RoleCompany), PermPurchasesConfirm, false},
		{user(actor.RoleOfficer), PermPurchasesVerify, true},
		{user(actor.RoleCompany), PermSanctionListRead, false},
		{token, PermPurchasesReport, true},
		{token, PermAgreementsWrite, false},
		{token, PermRegistryRead, false},
		{actor.Actor{}, PermReferenceRead, false},
		{actor.SystemActor, PermJobsRun, true},
	}
	for _, tt := range tests {
		if got := Allowed(tt.who, tt.perm); got != tt.want {
			t.Errorf("Allowed(%s/%s, %s) = %v, want %v", tt.who.Role, tt.who.Label(), tt.perm, got, tt.want)
		}
	}
	for p := range tokenPermissions {
		if _, ok := roleTable[p]; !ok {
			t.Errorf("token permission %s is not in the role table", p)
		}
	}
}
