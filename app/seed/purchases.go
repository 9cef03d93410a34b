package seed

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/procurement"
)

type demoPurchase struct {
	business    int    // DemoNIB number
	ikm         int    // demo IKM number
	invoice     string // unique per business
	date        string
	description string
	quantity    int64
	amount      int64
	status      string // confirmed, verified, disputed or reported (awaiting the IKM)
}

// demoPurchases spread over 2025-Q1 and Q2: most confirmed by their IKM,
// one verified by an officer, one disputed, a few awaiting confirmation.
var demoPurchases = []demoPurchase{
	{1, 1, "KICJ/INV/2025/0001", "2025-01-22", "Kain batik tulis untuk seragam pengelola kawasan", 60, 24_000_000, "confirmed"},
	{1, 4, "KICJ/INV/2025/0002", "2025-02-05", "Besek bambu untuk bingkisan tenant", 800, 6_400_000, "confirmed"},
	{1, 10, "KICJ/INV/2025/0003", "2025-02-18", "Dodol dan geplak untuk acara tahunan", 300, 9_000_000, "confirmed"},
	{1, 14, "KICJ/INV/2025/0004", "2025-03-11", "Nasi kotak rapat koordinasi tenant", 450, 15_750_000, "verified"},
	{1, 20, "KICJ/INV/2025/0005", "2025-03-25", "Seragam kerja petugas keamanan", 80, 16_000_000, "disputed"},
	{10, 24, "SLP/PO/25/0101", "2025-01-30", "Rak besi gudang suku cadang", 12, 18_600_000, "confirmed"},
	{10, 26, "SLP/PO/25/0102", "2025-02-27", "Mur baut khusus lini produksi", 5000, 7_500_000, "confirmed"},
	{10, 24, "SLP/PO/25/0147", "2025-04-14", "Pagar pengaman area parkir", 1, 9_800_000, "reported"},
	{11, 10, "MPN/FKT/0331", "2025-03-03", "Dodol sebagai bahan baku parsel Lebaran", 1200, 14_400_000, "confirmed"},
	{11, 12, "MPN/FKT/0332", "2025-03-04", "Keripik singkong aneka rasa", 900, 8_100_000, "confirmed"},
	{11, 16, "MPN/FKT/0415", "2025-04-21", "Bandeng presto untuk kantin karyawan", 400, 10_000_000, "reported"},
	{20, 13, "HGC/2025/PB/011", "2025-02-10", "Roti gambang untuk sarapan tamu", 1500, 4_500_000, "confirmed"},
	{20, 14, "HGC/2025/PB/012", "2025-03-14", "Snack box rapat MICE", 600, 9_000_000, "confirmed"},
	{20, 17, "HGC/2025/PB/019", "2025-05-06", "Jamu kemasan untuk spa", 240, 3_600_000, "reported"},
	{30, 15, "RMSS/0045", "2025-01-17", "Sambal kemasan botol", 300, 5_400_000, "confirmed"},
	{40, 5, "MCS/PO/2025/0008", "2025-02-20", "Tas anyaman pandan untuk gerai suvenir", 150, 11_250_000, "confirmed"},
}

// demoPayments are the purchases not simply paid a week after they were
// bought, so the demo shows every payment state: paid late, not paid (past
// due by the demo's dates), a consignment not yet sold, and one the IKM says
// was only partly paid though the company marked it paid (a payment
// dispute for the officers).
var demoPayments = map[string]string{
	"KICJ/INV/2025/0003": "paid_date = purchase_date + 45",
	"SLP/PO/25/0102":     "paid_date = NULL",
	"HGC/2025/PB/012":    "paid_date = NULL",
	"MCS/PO/2025/0008":   "paid_date = NULL, consignment = true",
	"MPN/FKT/0332": `ikm_payment = 'partial', ikm_paid_amount = 4000000, ikm_payment_on = purchase_date + 8,
		ikm_payment_at = (purchase_date + 8)::timestamp AT TIME ZONE 'Asia/Jakarta'`,
}

// DemoPurchases loads the demo purchases, skipping invoices that exist. The
// ones awaiting confirmation are reported through svc, so they carry a live
// confirmation link (and an e-mail in the outbox when the IKM has one).
func DemoPurchases(ctx context.Context, db *gorm.DB, svc *procurement.Service) (int64, error) {
	var n int64
	at := time.Date(2025, 6, 30, 3, 0, 0, 0, time.UTC)
	for _, p := range demoPurchases {
		if p.status == "reported" {
			continue
		}
		verified := p.status == "verified"
		status, via, reason := "confirmed", "app", ""
		switch p.status {
		case "verified":
			via = "officer"
		case "disputed":
			status, via, reason = "disputed", "", "Jumlah seragam yang diterima hanya 60 potong, bukan 80."
		}
		res := db.WithContext(ctx).Exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date,
				paid_date, description, quantity, amount, status, confirm_by, confirmed_via, confirmed_at, verified,
				verified_at, disputed_at, dispute_reason, source, created_at, updated_at)
			SELECT b.id, i.id, ?, ?::date, ?::date + 7, ?, ?, ?, ?, ?::date + 14,
				NULLIF(?, ''), CASE WHEN ? = 'confirmed' THEN ?::date + 3 END, ?, CASE WHEN ? THEN ?::date + 10 END,
				CASE WHEN ? = 'disputed' THEN ?::date + 4 END, ?, 'manual', ?, ?
			FROM businesses b, ikms i WHERE b.nib = ? AND i.nib = ?
			ON CONFLICT (business_id, invoice_number) DO NOTHING`,
			p.invoice, p.date, p.date, p.description, p.quantity, p.amount, status, p.date,
			via, status, p.date, verified, verified, p.date, status, p.date, reason, at, at,
			DemoNIB(p.business), demoIKMNIB(p.ikm))
		if res.Error != nil {
			return n, fmt.Errorf("seed: purchase %s: %w", p.invoice, res.Error)
		}
		if set, ok := demoPayments[p.invoice]; ok && res.RowsAffected > 0 {
			if err := db.WithContext(ctx).Exec(`UPDATE purchases SET `+set+` WHERE invoice_number = ?
				AND business_id = (SELECT id FROM businesses WHERE nib = ?)`, p.invoice, DemoNIB(p.business)).Error; err != nil {
				return n, fmt.Errorf("seed: payment of %s: %w", p.invoice, err)
			}
		}
		n += res.RowsAffected
	}
	for _, p := range demoPurchases {
		if p.status != "reported" {
			continue
		}
		var businessID, existing int64
		if err := db.WithContext(ctx).Raw(`SELECT b.id, (SELECT count(*) FROM purchases x WHERE x.business_id = b.id
				AND x.invoice_number = ?) FROM businesses b WHERE b.nib = ?`, p.invoice, DemoNIB(p.business)).
			Row().Scan(&businessID, &existing); err != nil {
			return n, fmt.Errorf("seed: purchase %s: %w", p.invoice, err)
		}
		if existing > 0 {
			continue
		}
		qty := p.quantity
		ctx := actor.With(ctx, actor.Actor{System: true, BusinessID: businessID})
		if _, _, err := svc.Report(ctx, procurement.ReportInput{IKMNIB: demoIKMNIB(p.ikm), InvoiceNumber: p.invoice,
			PurchaseDate: p.date, Description: p.description, Quantity: &qty, Amount: p.amount}, nil); err != nil {
			return n, fmt.Errorf("seed: purchase %s: %w", p.invoice, err)
		}
		n++
	}
	return n, nil
}
