package seed

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
)

// DemoUser is one demo account; the README lists them with their passwords.
type DemoUser struct {
	Username, Password, Name string
	Role                     actor.Role
	BusinessNIB, IKMNIB      string
}

// DemoIKMNIB is the NIB of the n-th demo IKM (1-based).
func DemoIKMNIB(n int) string { return fmt.Sprintf("8120%09d", n) }

// DemoUsers are one account per role. The company user works for PT Sinar
// Logam Presisi, the IKM user for Batik Tulis Bekasi Asri. The passwords are
// public: demo data only.
var DemoUsers = []DemoUser{
	{"admin", "demo-admin-2025", "Admin Dinas", actor.RoleAdmin, "", ""},
	{"officer", "demo-officer-2025", "Rina Petugas Disperin", actor.RoleOfficer, "", ""},
	{"reviewer", "demo-reviewer-2025", "Kepala Bidang Industri", actor.RoleReviewer, "", ""},
	{"company", "demo-company-2025", "Budi Santoso (PT Sinar Logam Presisi)", actor.RoleCompany, DemoNIB(10), ""},
	{"ikm", "demo-ikm-2025", "Siti Nurhaliza (Batik Tulis Bekasi Asri)", actor.RoleIKM, "", DemoIKMNIB(1)},
}

// DemoAccounts creates the demo users that do not exist yet (by username,
// whatever its case) and reports how many it created. Run it after DemoData.
func DemoAccounts(ctx context.Context, db *gorm.DB) (int64, error) {
	var existing []string
	if err := db.WithContext(ctx).Raw(`SELECT lower(username) FROM users`).Scan(&existing).Error; err != nil {
		return 0, fmt.Errorf("seed: users: %w", err)
	}
	have := make(map[string]bool, len(existing))
	for _, u := range existing {
		have[u] = true
	}
	var created int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, u := range DemoUsers {
			if have[u.Username] {
				continue
			}
			// Hashing is the slow part, so only missing users pay for it.
			hash, err := auth.HashPassword(u.Password)
			if err != nil {
				return err
			}
			res := tx.Exec(`
				INSERT INTO users (username, name, role, business_id, ikm_id, password_hash)
				VALUES (?, ?, ?, (SELECT id FROM businesses WHERE nib = NULLIF(?, '')),
				        (SELECT id FROM ikms WHERE nib = NULLIF(?, '')), ?)
				ON CONFLICT ((lower(username))) DO NOTHING`,
				u.Username, u.Name, string(u.Role), u.BusinessNIB, u.IKMNIB, hash)
			if res.Error != nil {
				return fmt.Errorf("seed: user %s: %w", u.Username, res.Error)
			}
			created += res.RowsAffected
		}
		return nil
	})
	return created, err
}
