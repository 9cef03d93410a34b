package actor

import (
	"reflect"
	"testing"
)

func TestBusinessScope(t *testing.T) {
	tests := []struct {
		name string
		a    Actor
		cond string
		args []any
	}{
		{"system", SystemActor, "true", nil},
		{"officer", Actor{UserID: 1, Role: RoleOfficer}, "true", nil},
		{"company", Actor{UserID: 2, Role: RoleCompany, BusinessID: 7}, "b.id = ?", []any{int64(7)}},
		{"erp token", Actor{TokenID: 3, Role: RoleCompany, BusinessID: 8}, "b.id = ?", []any{int64(8)}},
		{"company without business", Actor{UserID: 4, Role: RoleCompany}, "false", nil},
		{"ikm", Actor{UserID: 5, Role: RoleIKM, IKMID: 9}, "false", nil},
		{"public", Actor{}, "false", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cond, args := tt.a.BusinessScope("b.id")
			if cond != tt.cond || !reflect.DeepEqual(args, tt.args) {
				t.Errorf("BusinessScope = %q %v, want %q %v", cond, args, tt.cond, tt.args)
			}
		})
	}
}
