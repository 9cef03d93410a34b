package dbtest

import (
	"crypto/rand"
	"math/big"
	"testing"

	"gorm.io/gorm"
)

// Business is a row of the businesses table for a test's setup. Empty
// fields take a default: a random 13-digit NIB, "PT Uji <nib>", a factory
// in Cikarang Utara (3216060), registered on 2024-01-01.
type Business struct {
	NIB, Name, LegalForm, Category, Kecamatan string
	RegisteredAt                              string // YYYY-MM-DD
	Email, Address, Status                    string
}

// AddBusiness inserts b straight into the table (no audit event, no
// validation: the test's setup, not the behaviour under test) and returns
// its id.
func AddBusiness(t testing.TB, db *gorm.DB, b Business) int64 {
	t.Helper()
	b.NIB = or(b.NIB, NIB())
	var id int64
	err := db.Raw(`INSERT INTO businesses (nib, name, legal_form, category, kecamatan_code, registered_at,
			contact_email, address, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.NIB, or(b.Name, "PT Uji "+b.NIB), b.LegalForm, or(b.Category, "factory"), or(b.Kecamatan, "3216060"),
		or(b.RegisteredAt, "2024-01-01"), b.Email, b.Address, or(b.Status, "active")).Row().Scan(&id)
	if err != nil {
		t.Fatalf("dbtest.AddBusiness: %v", err)
	}
	return id
}

// IKM is a row of the ikms table for a test's setup. Empty fields take a
// default: a random NIB, "IKM Uji", batik, in Cikarang Utara, active, no
// e-mail address, created now.
type IKM struct {
	NIB, Name, Owner, Sector, Kecamatan string
	Email, Status                       string
	CreatedAt                           string // a timestamp; empty for now()
}

// AddIKM inserts i straight into the table and returns its id.
func AddIKM(t testing.TB, db *gorm.DB, i IKM) int64 {
	t.Helper()
	var id int64
	err := db.Raw(`INSERT INTO ikms (nib, name, owner_name, sector, kecamatan_code, email, status, created_at)
		VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, COALESCE(NULLIF(?, '')::timestamptz, now())) RETURNING id`,
		or(i.NIB, NIB()), or(i.Name, "IKM Uji"), i.Owner, or(i.Sector, "batik"), or(i.Kecamatan, "3216060"),
		i.Email, or(i.Status, "active"), i.CreatedAt).Row().Scan(&id)
	if err != nil {
		t.Fatalf("dbtest.AddIKM: %v", err)
	}
	return id
}

// NIB returns a random 13-digit business registration number.
func NIB() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e12))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1e12)).String()
}

func or(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}
