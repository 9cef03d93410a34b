package seed_test

import (
	"context"
	"testing"

	"kemitraan/app/auth"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/seed"
)

func TestDemoAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := seed.DemoData(ctx, db); err != nil {
		t.Fatal(err)
	}
	n, err := seed.DemoAccounts(ctx, db)
	if err != nil || n != int64(len(seed.DemoUsers)) {
		t.Fatalf("first run: %d created, %v", n, err)
	}
	if n, err := seed.DemoAccounts(ctx, db); err != nil || n != 0 {
		t.Fatalf("second run: %d created, %v", n, err)
	}
	for _, u := range seed.DemoUsers {
		var got struct {
			Role         string
			PasswordHash string
			BusinessNIB  *string
			IKMNIB       *string `gorm:"column:ikm_nib"`
		}
		err := db.Raw(`SELECT u.role, u.password_hash, b.nib AS business_nib, i.nib AS ikm_nib FROM users u
			LEFT JOIN businesses b ON b.id = u.business_id LEFT JOIN ikms i ON i.id = u.ikm_id
			WHERE u.username = ?`, u.Username).Take(&got).Error
		if err != nil {
			t.Fatalf("%s: %v", u.Username, err)
		}
		if got.Role != string(u.Role) || orEmpty(got.BusinessNIB) != u.BusinessNIB || orEmpty(got.IKMNIB) != u.IKMNIB {
			t.Errorf("%s: %+v", u.Username, got)
		}
		if ok, _ := auth.VerifyPassword(got.PasswordHash, u.Password); !ok {
			t.Errorf("%s: the documented password does not work", u.Username)
		}
	}
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
