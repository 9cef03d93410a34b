package procurement_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
)

// A purchase's business and IKM are checked per statement (migration
// 00011): a purchase naming neither cannot be written, and neither can be
// deleted, truncated or renumbered away from a purchase, even by a
// transaction that began before the purchase committed.
func TestPurchaseParentsAreKept(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	business := dbtest.AddBusiness(t, db, dbtest.Business{})
	ikm := dbtest.AddIKM(t, db, dbtest.IKM{})
	spare := dbtest.AddIKM(t, db, dbtest.IKM{Name: "IKM Lain"})
	insert := func(db *gorm.DB, business, ikm int64, invoice string) error {
		return db.Exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, description, quantity,
				amount, status, confirm_by, source, created_at, updated_at)
			VALUES (?, ?, ?, '2025-03-10', 'Besek', 1, 100000, 'reported', now(), 'manual', now(), now())`,
			business, ikm, invoice).Error
	}
	if err := insert(db, business, ikm, "F-1"); err != nil {
		t.Fatal(err)
	}
	refused := func(what string, err error, constraint, mention string) {
		t.Helper()
		c, ok := database.ForeignKeyViolation(err)
		if !ok || (constraint != "" && c != constraint) || !strings.Contains(err.Error(), mention) {
			t.Errorf("%s: %v, want a foreign key violation (%s) mentioning %s", what, err, constraint, mention)
		}
	}
	refused("a purchase of no business", insert(db, 999999, ikm, "F-2"), "purchases_business_id_fkey", "businesses")
	refused("a purchase from no IKM", insert(db, business, 999999, "F-3"), "purchases_ikm_id_fkey", "ikms")
	refused("moving a purchase to another IKM", db.Exec("UPDATE purchases SET ikm_id = ?", spare).Error, "", "never change")
	refused("deleting the IKM", db.Exec("DELETE FROM ikms WHERE id = ?", ikm).Error, "", "purchases")
	refused("deleting the business", db.Exec("DELETE FROM businesses WHERE id = ?", business).Error, "", "purchases")
	refused("renumbering the IKM", db.Exec("UPDATE ikms SET id = id + 1000 WHERE id = ?", ikm).Error, "", "purchases")
	refused("truncating the businesses", db.Exec("TRUNCATE businesses CASCADE").Error, "", "purchases")
	err := db.Transaction(func(tx *gorm.DB) error {
		tx.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
		return insert(tx, business, ikm, "F-4")
	})
	if err == nil || !strings.Contains(err.Error(), "READ COMMITTED") {
		t.Errorf("inserting under REPEATABLE READ: %v, want a refusal naming READ COMMITTED", err)
	}

	// A delete waits for a purchase being written and then sees it.
	other := dbtest.Reopen(t, db)
	writer := other.Begin()
	defer writer.Rollback()
	if err := insert(writer, business, spare, "F-5"); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- db.Exec("DELETE FROM ikms WHERE id = ?", spare).Error }()
	time.Sleep(200 * time.Millisecond)
	if err := writer.Commit().Error; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-deleted:
		refused("deleting an IKM while its first purchase is written", err, "", "purchases")
	case <-time.After(10 * time.Second):
		t.Fatal("the delete never finished")
	}

	// Edits keep working, and what no purchase names can go.
	if err := db.Exec("UPDATE ikms SET name = 'IKM Baru' WHERE id = ?", ikm).Error; err != nil {
		t.Errorf("renaming an IKM: %v", err)
	}
	unused := dbtest.AddIKM(t, db, dbtest.IKM{Name: "IKM Kosong"})
	if err := db.WithContext(context.Background()).Exec("DELETE FROM ikms WHERE id = ?", unused).Error; err != nil {
		t.Errorf("deleting an IKM no purchase names: %v", err)
	}
}
