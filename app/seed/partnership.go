package seed

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/files"
)

// DemoPartnership counts what DemoPartnerships inserted.
type DemoPartnership struct {
	Agreements int64
	Outlets    int64
}

type demoAgreement struct {
	business    int // DemoNIB number
	number      string
	form        string
	ikms        []int // demo IKM numbers (1-based, as in their NIB)
	purchase    int64
	ikmCount    int
	outletSlots int
}

// demoAgreements are approved agreements of the demo businesses for 2025–2026.
var demoAgreements = []demoAgreement{
	{1, "PKS/KICJ/001/I/2025", "procurement", []int{1, 4, 10, 14, 20}, 100_000_000, 5, 0},
	{1, "PKS/KICJ/002/I/2025", "outlet_space", []int{3, 21}, 0, 0, 2},
	{10, "PKS/SLP/014/II/2025", "subcontract", []int{24, 26}, 30_000_000, 2, 0},
	{11, "PKS/MPN/007/I/2025", "procurement", []int{10, 12, 16}, 25_000_000, 3, 0},
	{20, "PKS/HGC/003/I/2025", "procurement", []int{13, 14, 17}, 15_000_000, 3, 1},
	{30, "PKS/RMSS/01/2025", "procurement", []int{15}, 6_000_000, 1, 0},
	{40, "PKS/MCS/021/I/2025", "outlet_space", []int{5, 19, 22}, 10_000_000, 0, 3},
}

type demoOutlet struct {
	business int
	ikm      int
	location string
	slots    int
}

// demoOutlets are confirmed places under the outlet-space agreements above.
var demoOutlets = []demoOutlet{
	{1, 3, "Galeri IKM gedung pengelola kawasan, lantai 1", 1},
	{1, 21, "Galeri IKM gedung pengelola kawasan, lantai 1", 1},
	{40, 5, "Pojok UMKM atrium utama", 1},
	{40, 19, "Pojok UMKM atrium utama", 1},
	{40, 22, "Gerai pameran lantai 2, unit 2-17", 1},
	{20, 17, "Etalase lobi hotel", 1},
}

// DemoPartnerships loads approved agreements (each with a signed document
// kept in store) and confirmed outlets for the demo businesses of DemoData.
// Run it after DemoData; it skips what exists.
func DemoPartnerships(ctx context.Context, db *gorm.DB, store *files.Store) (DemoPartnership, error) {
	var out DemoPartnership
	approvedAt := time.Date(2025, 1, 20, 3, 0, 0, 0, time.UTC)
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, a := range demoAgreements {
			// One small document per agreement, the same bytes every run, so
			// the store keeps one copy.
			doc, err := store.Save(ctx, tx, bytes.NewReader(demoPDF("Perjanjian Kemitraan "+a.number)),
				"perjanjian-"+fmt.Sprint(a.business)+".pdf", files.Options{Types: []string{files.PDF}})
			if err != nil {
				return fmt.Errorf("seed: agreement document: %w", err)
			}
			var ids []int64
			err = tx.Raw(`INSERT INTO agreements (business_id, form, number, agreement_date, start_date, end_date,
					target_purchase_value, target_ikm_count, target_outlet_slots, document_file_id, status,
					submitted_at, decided_at, created_at, updated_at)
				SELECT b.id, ?, ?, '2025-01-06', '2025-01-01', '2026-12-31', ?, ?, ?, ?, 'approved', ?, ?, ?, ?
				FROM businesses b WHERE b.nib = ?
				ON CONFLICT (business_id, number) DO NOTHING
				RETURNING id`,
				a.form, a.number, a.purchase, a.ikmCount, a.outletSlots, doc.ID,
				approvedAt.AddDate(0, 0, -7), approvedAt, approvedAt.AddDate(0, 0, -10), approvedAt,
				DemoNIB(a.business)).Scan(&ids).Error
			if err != nil {
				return fmt.Errorf("seed: agreement %s: %w", a.number, err)
			}
			if len(ids) == 0 {
				continue // already there
			}
			out.Agreements++
			nibs := make([]string, len(a.ikms))
			for i, n := range a.ikms {
				nibs[i] = demoIKMNIB(n)
			}
			if err := tx.Exec(`INSERT INTO agreement_ikms (agreement_id, ikm_id)
				SELECT ?, id FROM ikms WHERE nib IN ? ON CONFLICT DO NOTHING`, ids[0], nibs).Error; err != nil {
				return fmt.Errorf("seed: agreement %s ikms: %w", a.number, err)
			}
		}
		for _, o := range demoOutlets {
			res := tx.Exec(`INSERT INTO outlets (business_id, ikm_id, agreement_id, location, slots, start_date, status,
					confirmed_at, created_at, updated_at)
				SELECT b.id, i.id,
					(SELECT a.id FROM agreements a JOIN agreement_ikms x ON x.agreement_id = a.id
					 WHERE a.business_id = b.id AND x.ikm_id = i.id AND a.status = 'approved' ORDER BY a.id LIMIT 1),
					?, ?, '2025-01-15', 'confirmed', ?, ?, ?
				FROM businesses b, ikms i
				WHERE b.nib = ? AND i.nib = ?
				  AND NOT EXISTS (SELECT 1 FROM outlets o WHERE o.business_id = b.id AND o.ikm_id = i.id AND o.location = ?)`,
				o.location, o.slots, approvedAt.AddDate(0, 0, 3), approvedAt, approvedAt,
				DemoNIB(o.business), demoIKMNIB(o.ikm), o.location)
			if res.Error != nil {
				return fmt.Errorf("seed: outlet: %w", res.Error)
			}
			out.Outlets += res.RowsAffected
		}
		return nil
	})
	return out, err
}

// demoIKMNIB is the NIB of the n-th demo IKM (1-based).
func demoIKMNIB(n int) string { return fmt.Sprintf("8120%09d", n) }

// demoPDF writes a one-page PDF with a title line, valid enough for any
// viewer (correct cross-reference offsets).
func demoPDF(title string) []byte {
	content := fmt.Sprintf("BT /F1 16 Tf 72 760 Td (%s) Tj 0 -28 Td /F1 11 Tf (Dokumen contoh data demo Kemitraan - bukan dokumen resmi.) Tj ET", title)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
