package sanction

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"
	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/format"
)

// classification is the archive classification code that opens every
// letter number (500: economy, in the regional government's filing plan).
const classification = "500"

// letterCode is the part of a letter number that says what the letter is.
func letterCode(d Decision, rungName string) string {
	switch d {
	case Warn:
		return rungName // SP1, SP2, SP3
	case Recommend:
		return "REK"
	case Dismiss:
		return "HENTI"
	case AcceptResponse:
		return "TRM"
	case RejectResponse:
		return "TOLAK"
	default: // CloseCured
		return "SELESAI"
	}
}

// nextLetterNumber takes the year's next number inside tx. The counter row
// is locked until tx ends, so concurrent decisions queue behind it and a
// rolled-back decision gives its number back: numbers are gap-free.
func nextLetterNumber(ctx context.Context, tx *gorm.DB, year int) (int, error) {
	var seq int
	err := tx.WithContext(ctx).Raw(`INSERT INTO letter_counters (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = letter_counters.last + 1 RETURNING last`, year).Scan(&seq).Error
	if err != nil {
		return 0, fmt.Errorf("sanction: letter number for %d: %w", year, err)
	}
	return seq, nil
}

// formatLetterNumber writes a number like 500/SP1/DISPERIN/2025/0007.
func formatLetterNumber(code, office string, year, seq int) string {
	return fmt.Sprintf("%s/%s/%s/%d/%04d", classification, code, office, year, seq)
}

// letterData is everything printed on a letter.
type letterData struct {
	Office       config.Office
	Number       string
	Decision     Decision
	RungName     string // the warning issued (warn) or last issued
	Final        bool   // the warning is the ladder's last
	Objection    bool   // the response decided was an objection
	IssuedAt     time.Time
	BusinessName string
	BusinessNIB  string
	Address      string
	Findings     []findingRow
	ResponseDue  *time.Time
	Reason       string
	ReviewerName string
	CaseID       int64
	// VerificationCode and its address are printed, the address also as a
	// QR code, so anyone can check the letter is genuine.
	VerificationCode string
	VerificationURL  string
}

var ordinals = []string{"", "Pertama", "Kedua", "Ketiga", "Keempat", "Kelima", "Keenam", "Ketujuh", "Kedelapan", "Kesembilan"}

func ordinal(rungName string) string {
	n, err := strconv.Atoi(strings.TrimPrefix(rungName, "SP"))
	if err != nil || n < 1 || n >= len(ordinals) {
		return rungName
	}
	return ordinals[n]
}

func (d letterData) subject() string {
	switch d.Decision {
	case Warn:
		return fmt.Sprintf("Teguran Tertulis %s (%s) atas Kewajiban Kemitraan dengan IKM", ordinal(d.RungName), d.RungName)
	case Recommend:
		return "Rekomendasi Pengenaan Sanksi Administratif atas Kewajiban Kemitraan dengan IKM"
	case Dismiss:
		return "Pemberitahuan Penghentian Penanganan Kasus Kepatuhan Kemitraan"
	case AcceptResponse:
		return "Pemberitahuan Penerimaan " + d.responseNoun()
	case RejectResponse:
		return "Pemberitahuan Penolakan " + d.responseNoun()
	default:
		return "Pemberitahuan Pemenuhan Kewajiban Kemitraan dan Penutupan Kasus"
	}
}

func (d letterData) responseNoun() string {
	if d.Objection {
		return "Keberatan"
	}
	return "Tanggapan"
}

// shortfallRows lists, per finding, each obligation with its target,
// realisation and shortfall, in rupiah and counts.
func (d letterData) shortfallRows() [][5]string {
	var rows [][5]string
	for _, f := range d.Findings {
		label := f.Period
		if p, err := compliance.ParsePeriod(f.Period); err == nil {
			label = p.Label()
		}
		if f.TargetPurchaseValue > 0 {
			rows = append(rows, [5]string{label, "Nilai pembelian produk IKM", format.Rupiah(f.TargetPurchaseValue),
				format.Rupiah(f.RealisedPurchaseValue), shortOf(format.Rupiah(max(f.TargetPurchaseValue-f.RealisedPurchaseValue, 0)),
					f.RealisedPurchaseValue >= f.TargetPurchaseValue)})
			label = ""
		}
		if f.TargetIKMCount > 0 {
			gap := max(f.TargetIKMCount-f.RealisedIKMCount, 0)
			rows = append(rows, [5]string{label, "Jumlah IKM mitra", fmt.Sprintf("%d IKM", f.TargetIKMCount),
				fmt.Sprintf("%d IKM", f.RealisedIKMCount), shortOf(fmt.Sprintf("%d IKM", gap), gap == 0)})
			label = ""
		}
		if f.TargetOutletSlots > 0 {
			gap := max(float64(f.TargetOutletSlots)-f.RealisedOutletSlots, 0)
			rows = append(rows, [5]string{label, "Slot tempat bagi IKM (rerata)", fmt.Sprintf("%d slot", f.TargetOutletSlots),
				format.Decimal(f.RealisedOutletSlots, 2) + " slot", shortOf(format.Decimal(gap, 2)+" slot", gap == 0)})
			label = ""
		}
		report := "disampaikan tepat waktu"
		switch f.ReportStatus {
		case compliance.ReportMissing:
			report = "tidak ada"
		case compliance.ReportLate:
			report = "terlambat"
		}
		rows = append(rows, [5]string{label, "Laporan berkala", "tepat waktu", report,
			shortOf("tidak memenuhi", f.ReportStatus == compliance.ReportOnTime)})
	}
	return rows
}

func shortOf(gap string, met bool) string {
	if met {
		return "-"
	}
	return gap
}

func (d letterData) body() []string {
	who := fmt.Sprintf("%s (NIB %s)", d.BusinessName, d.BusinessNIB)
	intro := "Berdasarkan hasil evaluasi kepatuhan kewajiban kemitraan usaha besar dengan Industri Kecil dan Menengah (IKM) " +
		"menurut Peraturan Bupati tentang kemitraan, " + who + " belum memenuhi kewajiban pada periode berikut:"
	due := ""
	if d.ResponseDue != nil {
		due = format.Date(*d.ResponseDue)
	}
	switch d.Decision {
	case Warn:
		next := "teguran tertulis berikutnya akan diterbitkan sesuai ketentuan."
		if d.Final {
			next = "Dinas Perindustrian akan merekomendasikan pengenaan sanksi administratif kepada instansi yang berwenang di bidang perizinan berusaha."
		}
		return []string{intro, "@table",
			fmt.Sprintf("Sehubungan dengan hal tersebut, dengan ini diberikan Teguran Tertulis %s (%s). Saudara diminta memenuhi kekurangan tersebut "+
				"dan/atau menyampaikan tanggapan beserta bukti pendukung melalui aplikasi Kemitraan paling lambat tanggal %s. "+
				"Apabila sampai batas waktu tersebut kewajiban tidak dipenuhi dan tanggapan tidak disampaikan, %s",
				ordinal(d.RungName), d.RungName, due, next)}
	case Recommend:
		return []string{
			"Bersama ini kami sampaikan bahwa " + who + " tidak memenuhi kewajiban kemitraan dengan IKM pada periode berikut:",
			"@table",
			fmt.Sprintf("Kepada perusahaan tersebut telah diberikan teguran tertulis sampai dengan %s tanpa pemenuhan kewajiban "+
				"atau tanggapan yang dapat diterima. Oleh karena itu kami merekomendasikan pengenaan sanksi administratif "+
				"sesuai ketentuan perizinan berusaha berbasis risiko melalui sistem OSS.", d.RungName)}
	case Dismiss:
		return []string{
			"Bersama ini kami beritahukan bahwa penanganan kasus kepatuhan kemitraan atas " + who +
				" untuk periode berikut dihentikan:", "@table", "Alasan: " + d.Reason}
	case AcceptResponse:
		return []string{
			"Bersama ini kami beritahukan bahwa " + strings.ToLower(d.responseNoun()) + " " + who + " atas teguran " + d.RungName +
				" telah diterima, dan kasus kepatuhan kemitraan untuk periode berikut ditutup:", "@table", reasonLine(d.Reason)}
	case RejectResponse:
		return []string{
			"Bersama ini kami beritahukan bahwa " + strings.ToLower(d.responseNoun()) + " " + who + " atas teguran " + d.RungName +
				" tidak dapat diterima. Kewajiban pada periode berikut tetap belum terpenuhi:", "@table", "Alasan: " + d.Reason,
			"Penanganan kasus dilanjutkan sesuai tahapan teguran."}
	default:
		return []string{
			"Bersama ini kami beritahukan bahwa " + who + " telah memenuhi kekurangan kewajiban kemitraan dengan IKM " +
				"untuk periode berikut, sehingga kasus kepatuhan kemitraan ditutup:", "@table", reasonLine(d.Reason)}
	}
}

func reasonLine(reason string) string {
	if strings.TrimSpace(reason) == "" {
		return ""
	}
	return "Catatan: " + reason
}

// renderLetter draws the letter as an A4 PDF in Bahasa Indonesia. The
// document's dates are the letter's own, so the same letter renders to the
// same bytes.
func renderLetter(d letterData) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(25, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.SetCreationDate(d.IssuedAt)
	pdf.SetModificationDate(d.IssuedAt)
	pdf.SetTitle(d.Number+" "+d.subject(), true)
	pdf.SetAuthor(d.Office.Government+" - "+d.Office.Name, true)
	pdf.SetProducer("Kemitraan", false)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252 for the core fonts
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Nomor %s - kasus #%d - halaman %d", d.Number, d.CaseID, pdf.PageNo())),
			"", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	text := width - left - right

	// Letterhead.
	pdf.SetFont("Helvetica", "B", 13)
	pdf.CellFormat(text, 6, tr(d.Office.Government), "", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "B", 15)
	pdf.CellFormat(text, 7, tr(d.Office.Name), "", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(text, 4.5, tr(d.Office.Address), "", "C", false)
	y := pdf.GetY() + 1.5
	pdf.SetLineWidth(0.8)
	pdf.Line(left, y, width-right, y)
	pdf.SetLineWidth(0.2)
	pdf.Line(left, y+1, width-right, y+1)
	pdf.SetY(y + 5)

	issued := format.Date(d.IssuedAt.In(clock.WIB))
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(text, 5.5, tr(d.Office.City+", "+issued), "", 1, "R", false, 0, "")
	pdf.Ln(2)
	for _, kv := range [][2]string{{"Nomor", d.Number}, {"Sifat", "Penting"}, {"Lampiran", "-"}, {"Perihal", d.subject()}} {
		pdf.CellFormat(25, 5.5, kv[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(4, 5.5, ":", "", 0, "L", false, 0, "")
		pdf.MultiCell(text-29, 5.5, tr(kv[1]), "", "L", false)
	}
	pdf.Ln(4)
	pdf.CellFormat(text, 5.5, "Kepada Yth.", "", 1, "L", false, 0, "")
	if d.Decision == Recommend {
		pdf.MultiCell(text, 5.5, tr("Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu\nselaku instansi yang berwenang di bidang perizinan berusaha"), "", "L", false)
	} else {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.MultiCell(text, 5.5, tr("Pimpinan "+d.BusinessName), "", "L", false)
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(text, 5.5, tr("NIB "+d.BusinessNIB), "", "L", false)
		if d.Address != "" {
			pdf.MultiCell(text, 5.5, tr(d.Address), "", "L", false)
		}
	}
	pdf.CellFormat(text, 5.5, "di tempat", "", 1, "L", false, 0, "")
	pdf.Ln(4)

	for _, para := range d.body() {
		switch para {
		case "":
			continue
		case "@table":
			drawShortfalls(pdf, tr, text, d.shortfallRows())
		default:
			pdf.MultiCell(text, 5.5, tr(para), "", "J", false)
			pdf.Ln(2)
		}
	}
	pdf.MultiCell(text, 5.5, tr("Demikian disampaikan untuk menjadi perhatian dan dilaksanakan sebagaimana mestinya."), "", "J", false)

	// Signature.
	pdf.Ln(8)
	sigX := left + text*0.55
	pdf.SetX(sigX)
	pdf.MultiCell(text*0.45, 5.5, tr("a.n. Kepala "+titleCase(d.Office.Name)+"\n"+titleCase(d.Office.Government)), "", "L", false)
	pdf.Ln(16)
	pdf.SetX(sigX)
	pdf.SetFont("Helvetica", "BU", 11)
	pdf.MultiCell(text*0.45, 5.5, tr(d.ReviewerName), "", "L", false)
	if d.Decision == Recommend {
		pdf.Ln(6)
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(text, 5, tr("Tembusan:\n1. "+d.BusinessName+" (NIB "+d.BusinessNIB+")\n2. Arsip"), "", "L", false)
	}

	if err := drawVerification(pdf, tr, left, text, d); err != nil {
		return nil, err
	}

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("sanction: render letter %s: %w", d.Number, err)
	}
	return buf.Bytes(), nil
}

func drawShortfalls(pdf *fpdf.Fpdf, tr func(string) string, width float64, rows [][5]string) {
	cols := []float64{width * 0.17, width * 0.33, width * 0.16, width * 0.16, width * 0.18}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(230, 230, 230)
	for i, h := range []string{"Periode", "Kewajiban", "Target", "Realisasi", "Kekurangan"} {
		pdf.CellFormat(cols[i], 6, h, "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 9)
	for _, r := range rows {
		for i, v := range r {
			align := "L"
			if i >= 2 {
				align = "R"
			}
			pdf.CellFormat(cols[i], 6, tr(v), "1", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "", 11)
}

// titleCase turns "DINAS PERINDUSTRIAN" into "Dinas Perindustrian".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// drawVerification prints the QR code of the letter's verification address
// and the code beside it, at the foot of the last page.
func drawVerification(pdf *fpdf.Fpdf, tr func(string) string, left, width float64, d letterData) error {
	if d.VerificationCode == "" {
		return nil
	}
	png, err := qrcode.Encode(d.VerificationURL, qrcode.Medium, 256)
	if err != nil {
		return fmt.Errorf("sanction: QR code of %s: %w", d.Number, err)
	}
	const size = 24.0 // mm
	_, pageH := pdf.GetPageSize()
	if pdf.GetY()+size+8 > pageH-20 {
		pdf.AddPage()
	}
	y := max(pdf.GetY()+8, pageH-20-size-2)
	pdf.RegisterImageOptionsReader("verifikasi", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("verifikasi", left, y, size, size, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(left+size+4, y+2)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(width-size-4, 4.5, tr("Keaslian surat ini dapat diperiksa dengan memindai kode QR di samping, "+
		"atau di "+d.VerificationURL), "", "L", false)
	pdf.SetX(left + size + 4)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(width-size-4, 5, tr("Kode verifikasi: "+FormatVerificationCode(d.VerificationCode)), "", "L", false)
	return nil
}
