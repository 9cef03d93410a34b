package procurement_test

import (
	"context"
	"testing"
	"time"

	"kemitraan/app/platform/dbtest"
	"kemitraan/app/procurement"
)

// TestPaymentRemindersGoOncePerStage: a purchase is reminded of three days
// before its due date and again once past it, each once; a paid one, a
// reversed one and an unconfirmed one never; a business without any address
// is not counted as reminded.
func TestPaymentRemindersGoOncePerStage(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	hotel := dbtest.AddBusiness(t, db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	if err := db.Exec(`UPDATE businesses SET contact_email = 'keuangan@hotel.co.id' WHERE id = ?`, hotel).Error; err != nil {
		t.Fatal(err)
	}
	silent := dbtest.AddBusiness(t, db, dbtest.Business{Name: "PT Tanpa Surel", Category: "factory"})
	ikm := dbtest.AddIKM(t, db, dbtest.IKM{})
	add := func(business int64, invoice, date, status string, paid any) int64 {
		t.Helper()
		var id int64
		if err := db.Raw(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, paid_date, amount, status,
				confirm_by, confirmed_via, confirmed_at, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1000000, ?, now(), CASE WHEN ? = 'confirmed' THEN 'app' END,
				CASE WHEN ? = 'confirmed' THEN now() END, 'manual', now(), now()) RETURNING id`,
			business, ikm, invoice, date, paid, status, status, status).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	add(hotel, "A", "2025-03-01", "confirmed", nil)          // due 31 March
	add(hotel, "B", "2025-03-02", "confirmed", nil)          // due 1 April
	add(hotel, "C", "2025-03-01", "confirmed", "2025-03-20") // paid
	add(hotel, "D", "2025-03-01", "reported", nil)           // not counted
	reversed := add(hotel, "E", "2025-03-01", "confirmed", nil)
	if err := db.Exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, amount, status, confirm_by,
			reverses_id, reversal_reason, source, created_at, updated_at)
		VALUES (?, ?, 'E-BATAL', '2025-03-01', -1000000, 'reported', now(), ?, 'salah', 'manual', now(), now())`,
		hotel, ikm, reversed).Error; err != nil {
		t.Fatal(err)
	}
	add(silent, "F", "2025-03-01", "confirmed", nil)

	run := func(day string) procurement.PaymentReminderResult {
		t.Helper()
		at, _ := time.Parse(time.RFC3339, day+"T08:00:00+07:00")
		res, err := procurement.SendPaymentReminders(ctx, db, at, "https://kemitraan.example", "Hormat kami,\nDinas")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// 27 March: nothing due within three days.
	if got := run("2025-03-27"); got != (procurement.PaymentReminderResult{}) {
		t.Errorf("27 March: %+v", got)
	}
	// 28 March: A (31 March) comes due; so does F, whose business has no
	// address: marked, never sent.
	if got := run("2025-03-28"); got != (procurement.PaymentReminderResult{Purchases: 2, Businesses: 2, Messages: 1}) {
		t.Errorf("28 March: %+v", got)
	}
	if got := run("2025-03-29"); got != (procurement.PaymentReminderResult{Purchases: 1, Businesses: 1, Messages: 1}) {
		t.Errorf("29 March (B comes due): %+v", got)
	}
	if got := run("2025-03-30"); got != (procurement.PaymentReminderResult{}) {
		t.Errorf("30 March: %+v", got)
	}
	// 2 April: A and B are past due, one message for the hotel.
	if got := run("2025-04-02"); got != (procurement.PaymentReminderResult{Purchases: 3, Businesses: 2, Messages: 1}) {
		t.Errorf("2 April: %+v", got)
	}
	if got := run("2025-04-03"); got != (procurement.PaymentReminderResult{}) {
		t.Errorf("3 April, again: %+v", got)
	}
	var msgs []struct{ Subject, Body, Recipient string }
	if err := db.Raw(`SELECT subject, body, recipient FROM outbox WHERE kind = 'reminder.payment' ORDER BY id`).
		Scan(&msgs).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{"Pengingat: 1 pembelian dari IKM jatuh tempo 31 Maret 2025",
		"Pengingat: 1 pembelian dari IKM jatuh tempo 1 April 2025", "Pengingat: 2 pembelian dari IKM lewat batas pembayaran"}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
	for i, m := range msgs {
		if m.Subject != want[i] || m.Recipient != "keuangan@hotel.co.id" {
			t.Errorf("message %d: %q to %q, want %q", i, m.Subject, m.Recipient, want[i])
		}
	}
	if last := msgs[2].Body; last != "Yth. Pimpinan PT Hotel Kencana,\n\n2 pembelian dari IKM senilai total Rp2.000.000 "+
		"sudah lewat batas pembayarannya dan belum ditandai dibayar. IKM menunggu uangnya; pembayaran yang terlambat "+
		"tercatat dalam evaluasi kepatuhan.\n\nBila sudah dibayar, tandai pembelian itu sudah dibayar beserta tanggalnya "+
		"di aplikasi Kemitraan: https://kemitraan.example/perusahaan\n\nHormat kami,\nDinas" {
		t.Errorf("the past-due reminder:\n%s", last)
	}
}
