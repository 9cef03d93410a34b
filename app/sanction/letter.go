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

// draftLetterNumber is what a draft shows for its number: everything but
// the sequence, which only issuing gives.
func draftLetterNumber(code, office string, year int) string {
	return fmt.Sprintf("%s/%s/%s/%d/....", classification, code, office, year)
}

// draftMark is printed across every page of a draft.
const draftMark = "KONSEP — BELUM DITERBITKAN"

// signer is who signs a letter: the deciding user, with the profile an
// admin keeps on their account (position, rank, NIP; each may be empty).
type signer struct {
	Name     string
	Position string
	Rank     string
	NIP      string
}

// letterData is everything printed on a letter.
type letterData struct {
	Office config.Office
	// Draft marks a preview: the draft mark on every page, no number and no
	// verification code.
	Draft        bool
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
	Signer       signer
	CaseID       int64
	// LegalBasis is the rule set's citation of the Perbup (nil for an old
	// rule set that has none).
	LegalBasis *compliance.LegalBasis
	// PortalURL is the case's page in the company portal, where the
	// business answers.
	PortalURL string
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

// basis is the provision a letter invokes: "Pasal 15 Peraturan Bupati
// Bekasi Nomor 12 Tahun 2024 tentang …", or the Perbup by name when the
// rule set does not record it.
func (d letterData) basis() string {
	if d.LegalBasis == nil {
		return "Peraturan Bupati tentang kemitraan"
	}
	return d.LegalBasis.Article + " " + d.LegalBasis.Citation()
}

// copies is the letter's copy list (tembusan): the configured one on
// warnings; on a recommendation, the business it concerns and the archive.
func (d letterData) copies() []string {
	switch d.Decision {
	case Warn:
		return d.Office.LetterCopies
	case Recommend:
		return []string{d.BusinessName + " (NIB " + d.BusinessNIB + ")", "Arsip"}
	}
	return nil
}

// footer is the line at the foot of page n: what the letter is, for a
// reader holding one loose page. {nb} becomes the page count.
func (d letterData) footer(page int) string {
	if d.Draft {
		return fmt.Sprintf("%s - halaman %d dari {nb}", draftMark, page)
	}
	parts := []string{"Surat Nomor " + d.Number}
	if d.VerificationCode != "" {
		parts = append(parts, "kode verifikasi "+FormatVerificationCode(d.VerificationCode))
	}
	return strings.Join(append(parts, fmt.Sprintf("halaman %d dari {nb}", page)), " - ")
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
			target := float64(f.TargetOutletSlots)
			gap := max(target-f.RealisedOutletSlots, 0)
			rows = append(rows, [5]string{label, "Slot tempat bagi IKM (rerata)", slots(target),
				slots(f.RealisedOutletSlots), shortOf(slots(gap), format.Number(gap) == "0")})
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

// slots writes a number of outlet slots, whole or averaged, in the one
// number format: 2 slot, 0,5 slot.
func slots(n float64) string { return format.Number(n) + " slot" }

func shortOf(gap string, met bool) string {
	if met {
		return "-"
	}
	return gap
}

// linkMark opens a paragraph of body() that is an address, printed on a
// line of its own; "@table" is where the findings go.
const linkMark = "@link "

func (d letterData) body() []string {
	who := fmt.Sprintf("%s (NIB %s)", d.BusinessName, d.BusinessNIB)
	notice := "Sehubungan dengan evaluasi kepatuhan kewajiban kemitraan usaha besar dengan Industri Kecil dan Menengah (IKM) " +
		"berdasarkan " + d.basis() + ", bersama ini kami beritahukan bahwa "
	portal := ""
	if d.PortalURL != "" {
		portal = "Surat ini dan riwayat kasus dapat dilihat pada portal perusahaan aplikasi Kemitraan di " + d.PortalURL + "."
	}
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
		where, link := "melalui aplikasi Kemitraan.", ""
		if d.PortalURL != "" {
			where, link = "melalui portal perusahaan aplikasi Kemitraan pada alamat:", linkMark+d.PortalURL
		}
		return []string{
			"Berdasarkan " + d.basis() + ", usaha besar wajib bermitra dengan Industri Kecil dan Menengah (IKM) " +
				"melalui pembelian produk IKM, penyediaan tempat usaha bagi IKM dan penyampaian laporan berkala. " +
				"Hasil evaluasi kepatuhan menunjukkan bahwa " + who + " belum memenuhi kewajiban tersebut pada periode berikut:",
			"@table",
			labelled("Pertimbangan", d.Reason),
			fmt.Sprintf("Sehubungan dengan hal tersebut, dengan ini diberikan Teguran Tertulis %s (%s). Saudara diminta memenuhi kekurangan tersebut "+
				"dan/atau menyampaikan tanggapan beserta bukti pendukung paling lambat tanggal %s %s",
				ordinal(d.RungName), d.RungName, due, where),
			link,
			"Apabila sampai batas waktu tersebut kewajiban tidak dipenuhi dan tanggapan tidak disampaikan, " + next}
	case Recommend:
		return []string{
			"Bersama ini kami sampaikan bahwa " + who + " tidak memenuhi kewajiban kemitraan dengan IKM sebagaimana diatur dalam " +
				d.basis() + " pada periode berikut:",
			"@table",
			labelled("Pertimbangan", d.Reason),
			fmt.Sprintf("Kepada perusahaan tersebut telah diberikan teguran tertulis sampai dengan %s tanpa pemenuhan kewajiban "+
				"atau tanggapan yang dapat diterima. Oleh karena itu kami merekomendasikan pengenaan sanksi administratif "+
				"sesuai ketentuan perizinan berusaha berbasis risiko melalui sistem OSS.", d.RungName)}
	case Dismiss:
		return []string{notice + "penanganan kasus kepatuhan kemitraan atas " + who + " untuk periode berikut dihentikan:",
			"@table", labelled("Alasan", d.Reason), portal}
	case AcceptResponse:
		return []string{notice + strings.ToLower(d.responseNoun()) + " " + who + " atas teguran " + d.RungName +
			" telah diterima, dan kasus kepatuhan kemitraan untuk periode berikut ditutup:", "@table",
			labelled("Catatan", d.Reason), portal}
	case RejectResponse:
		return []string{notice + strings.ToLower(d.responseNoun()) + " " + who + " atas teguran " + d.RungName +
			" tidak dapat diterima. Kewajiban pada periode berikut tetap belum terpenuhi:", "@table",
			labelled("Alasan", d.Reason), "Penanganan kasus dilanjutkan sesuai tahapan teguran.", portal}
	default:
		return []string{notice + who + " telah memenuhi kekurangan kewajiban kemitraan dengan IKM " +
			"untuk periode berikut, sehingga kasus kepatuhan kemitraan ditutup:", "@table", labelled("Catatan", d.Reason), portal}
	}
}

// labelled is "Label: text", or nothing when there is no text.
func labelled(label, text string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return label + ": " + text
}

// renderLetter draws the letter as an A4 PDF in Bahasa Indonesia: an
// issued letter, or with d.Draft its preview, from the same code. The
// document's dates are the letter's own, so the same letter renders to the
// same bytes.
func renderLetter(d letterData) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(25, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AliasNbPages("")
	pdf.SetCreationDate(d.IssuedAt)
	pdf.SetModificationDate(d.IssuedAt)
	title := d.Number + " " + d.subject()
	if d.Draft {
		title = "KONSEP " + d.subject()
	}
	pdf.SetTitle(title, true)
	pdf.SetAuthor(d.Office.Government+" - "+d.Office.Name, true)
	pdf.SetProducer("Kemitraan", false)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252 for the core fonts
	if d.Draft {
		pdf.SetHeaderFunc(func() { drawDraftMark(pdf, tr) })
	}
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.CellFormat(0, 5, tr(d.footer(pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	width, pageH := pdf.GetPageSize()
	left, _, right, bottom := pdf.GetMargins()
	text := width - left - right

	if err := drawLetterhead(pdf, tr, left, text, d.Office); err != nil {
		return nil, err
	}

	issued := format.Date(d.IssuedAt.In(clock.WIB))
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(text, 5.5, tr(d.Office.City+", "+issued), "", 1, "R", false, 0, "")
	pdf.Ln(2)
	number := d.Number
	if d.Draft {
		number += " (belum diberikan)"
	}
	for _, kv := range [][2]string{{"Nomor", number}, {"Sifat", "Penting"}, {"Lampiran", "-"}, {"Perihal", d.subject()}} {
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
			drawShortfalls(pdf, tr, left, text, d.shortfallRows())
		case linkMark + d.PortalURL:
			// The address to type or follow, on a line of its own.
			pdf.SetFont("Helvetica", "B", 11)
			pdf.SetX(left + 10)
			pdf.MultiCell(text-10, 5.5, tr(d.PortalURL), "", "L", false)
			pdf.SetFont("Helvetica", "", 11)
			pdf.Ln(2)
		default:
			pdf.MultiCell(text, 5.5, tr(para), "", "J", false)
			pdf.Ln(2)
		}
	}
	// The closing sentence stays with the signature: a page holding a
	// signature and nothing of the letter is not signed.
	closing := tr("Demikian disampaikan untuk menjadi perhatian dan dilaksanakan sebagaimana mestinya.")
	pdf.SetFont("Helvetica", "", 11)
	if pdf.GetY()+float64(len(pdf.SplitLines([]byte(closing), text)))*5.5+signatureHeight(pdf, tr, text*0.5, d) > pageH-bottom {
		pdf.AddPage()
	}
	pdf.MultiCell(text, 5.5, closing, "", "J", false)

	drawSignature(pdf, tr, left+text*0.5, text*0.5, pageH-bottom, d)
	if copies := d.copies(); len(copies) > 0 {
		pdf.Ln(6)
		pdf.SetFont("Helvetica", "", 10)
		lines := []string{"Tembusan:"}
		for i, c := range copies {
			end := ";"
			if i == len(copies)-1 {
				end = "."
			}
			lines = append(lines, fmt.Sprintf("%d. %s%s", i+1, c, end))
		}
		pdf.MultiCell(text, 5, tr(strings.Join(lines, "\n")), "", "L", false)
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

// drawDraftMark marks a page of a draft: a red line at the top and the
// word across the page, drawn first so the letter's text lies over it.
func drawDraftMark(pdf *fpdf.Fpdf, tr func(string) string) {
	width, height := pdf.GetPageSize()
	left, top, right, _ := pdf.GetMargins()
	pdf.SetFont("Helvetica", "B", 80)
	pdf.SetTextColor(225, 225, 225)
	word := "KONSEP"
	w := pdf.GetStringWidth(word)
	pdf.TransformBegin()
	pdf.TransformRotate(55, width/2, height/2)
	pdf.Text(width/2-w/2, height/2+10, word)
	pdf.TransformEnd()
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetTextColor(190, 0, 0)
	pdf.SetXY(left, 9)
	pdf.CellFormat(width-left-right, 5, tr(draftMark+" - tidak berlaku sebagai surat resmi"), "", 0, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(left, top)
}

// letterheadLogo is the logo's height on the letterhead, in mm.
const letterheadLogo = 24.0

// drawLetterhead draws the office's letterhead: its logo when configured,
// the government and office names, its address and its telephone, e-mail
// and website, over a double rule.
func drawLetterhead(pdf *fpdf.Fpdf, tr func(string) string, left, width float64, o config.Office) error {
	top := pdf.GetY()
	x, w, bottom := left, width, top
	if o.LogoFile != "" {
		data, kind, err := config.ReadLogo(o.LogoFile)
		if err != nil {
			return fmt.Errorf("sanction: letterhead logo %s %w", o.LogoFile, err)
		}
		opt := fpdf.ImageOptions{ImageType: kind}
		info := pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(data))
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("sanction: letterhead logo %s: %w", o.LogoFile, err)
		}
		lw := min(letterheadLogo*info.Width()/info.Height(), 32)
		pdf.ImageOptions("logo", left, top, lw, lw*info.Height()/info.Width(), false, opt, 0, "")
		// The text is centred in the width right of the logo.
		x, w, bottom = left+lw+3, width-lw-3, top+lw*info.Height()/info.Width()
	}
	pdf.SetXY(x, top)
	pdf.SetFont("Helvetica", "B", 13)
	pdf.MultiCell(w, 6, tr(o.Government), "", "C", false)
	pdf.SetX(x)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(w, 7, tr(o.Name), "", "C", false)
	pdf.SetFont("Helvetica", "", 9)
	var contact []string
	for _, part := range [][2]string{{"Telepon ", o.Telephone}, {"Pos-el ", o.Email},
		{"Laman ", strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(o.Website, "https://"), "http://"), "/")}} {
		if part[1] != "" {
			contact = append(contact, part[0]+part[1])
		}
	}
	for _, line := range []string{o.Address, strings.Join(contact, ", ")} {
		if line != "" {
			pdf.SetX(x)
			pdf.MultiCell(w, 4.5, tr(line), "", "C", false)
		}
	}
	y := max(pdf.GetY(), bottom) + 1.5
	pdf.SetLineWidth(0.8)
	pdf.Line(left, y, left+width, y)
	pdf.SetLineWidth(0.2)
	pdf.Line(left, y+1, left+width, y+1)
	pdf.SetXY(left, y+5)
	return nil
}

// shortfallColumns are the table's columns, as shares of the text width:
// the money columns fit Rp1.000.000.000 on one line.
var shortfallColumns = [5]float64{0.16, 0.30, 0.18, 0.18, 0.18}

// tableLine is the height of one line of the table's 9 pt text, in mm.
const tableLine = 4.5

// drawShortfalls draws the findings' table. A cell's text wraps inside its
// column and every cell of a row takes the row's height, so no text runs
// into its neighbour; a row that does not fit the page starts the next,
// under the header again.
func drawShortfalls(pdf *fpdf.Fpdf, tr func(string) string, left, width float64, rows [][5]string) {
	var cols [5]float64
	for i, share := range shortfallColumns {
		cols[i] = width * share
	}
	header := [5]string{"Periode", "Kewajiban", "Target", "Realisasi", "Kekurangan"}
	drawHeader := func() {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.SetFillColor(230, 230, 230)
		drawRow(pdf, tr, left, cols, header, true)
		pdf.SetFont("Helvetica", "", 9)
	}
	drawHeader()
	_, pageH := pdf.GetPageSize()
	_, _, _, bottom := pdf.GetMargins()
	for _, r := range rows {
		if pdf.GetY()+rowHeight(pdf, tr, cols, r) > pageH-bottom {
			pdf.AddPage()
			drawHeader()
		}
		drawRow(pdf, tr, left, cols, r, false)
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "", 11)
}

// cellLines splits each cell of a row into the lines that fit its column
// in the current font (already in the font's encoding).
func cellLines(pdf *fpdf.Fpdf, tr func(string) string, cols [5]float64, cells [5]string) [5][]string {
	var out [5][]string
	for i, v := range cells {
		for _, l := range pdf.SplitLines([]byte(tr(v)), cols[i]) {
			out[i] = append(out[i], string(l))
		}
	}
	return out
}

// rowHeight is the height of a row: its tallest cell, plus padding.
func rowHeight(pdf *fpdf.Fpdf, tr func(string) string, cols [5]float64, cells [5]string) float64 {
	n := 1
	for _, l := range cellLines(pdf, tr, cols, cells) {
		n = max(n, len(l))
	}
	return float64(n)*tableLine + 1.5
}

// drawRow draws one row at the current position: a framed cell per column,
// all of the row's height, with the text's lines inside; the header is
// centred and filled, the figures aligned right.
func drawRow(pdf *fpdf.Fpdf, tr func(string) string, left float64, cols [5]float64, cells [5]string, header bool) {
	lines := cellLines(pdf, tr, cols, cells)
	h := rowHeight(pdf, tr, cols, cells)
	y := pdf.GetY()
	x := left
	for i, w := range cols {
		style, align := "D", "L"
		switch {
		case header:
			style, align = "FD", "C"
		case i >= 2:
			align = "R"
		}
		pdf.Rect(x, y, w, h, style)
		for j, l := range lines[i] {
			pdf.SetXY(x, y+0.75+float64(j)*tableLine)
			pdf.CellFormat(w, tableLine, l, "", 0, align, false, 0, "")
		}
		x += w
	}
	pdf.SetXY(left, y+h)
}

// signatureHeading is the lines above the signature: on behalf of the head
// of the office (a.n.), then the signer's own position; the head signs
// under their position alone.
func signatureHeading(o config.Office, position string) []string {
	head := "Kepala " + o.Title()
	region := o.Region()
	if p := strings.ToLower(position); p == strings.ToLower(head) || p == strings.ToLower(head+" "+region) {
		return []string{position + ","}
	}
	lines := []string{"a.n. " + head, region}
	if position != "" {
		lines = append(lines, position+",")
	}
	return lines
}

// formatNIP writes a NIP in its printed groups: birth date, appointment,
// sex, sequence (19700101 199503 2 001).
func formatNIP(nip string) string {
	if len(nip) != 18 {
		return nip
	}
	return nip[:8] + " " + nip[8:14] + " " + nip[14:15] + " " + nip[15:]
}

// drawSignature draws the signature block in the right half of the page,
// kept whole on one page: heading, room to sign, the name, rank and NIP
// (a dotted NIP line to fill by hand when the account has none).
func drawSignature(pdf *fpdf.Fpdf, tr func(string) string, x, width, limit float64, d letterData) {
	heading := signatureHeading(d.Office, d.Signer.Position)
	if pdf.GetY()+signatureHeight(pdf, tr, width, d) > limit {
		pdf.AddPage()
	} else {
		pdf.Ln(8)
	}
	pdf.SetFont("Helvetica", "", 11)
	pdf.SetX(x)
	pdf.MultiCell(width, 5.5, tr(strings.Join(heading, "\n")), "", "L", false)
	pdf.Ln(18)
	pdf.SetX(x)
	pdf.SetFont("Helvetica", "BU", 11)
	pdf.MultiCell(width, 5.5, tr(d.Signer.Name), "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	if d.Signer.Rank != "" {
		pdf.SetX(x)
		pdf.MultiCell(width, 5.5, tr(d.Signer.Rank), "", "L", false)
	}
	nip := "NIP ...................................."
	if d.Signer.NIP != "" {
		nip = "NIP " + formatNIP(d.Signer.NIP)
	}
	pdf.SetX(x)
	pdf.MultiCell(width, 5.5, nip, "", "L", false)
}

// signatureHeight is the height the signature block takes, its space
// above included.
func signatureHeight(pdf *fpdf.Fpdf, tr func(string) string, width float64, d letterData) float64 {
	pdf.SetFont("Helvetica", "", 11)
	n := 3 // name, rank, NIP
	for _, l := range signatureHeading(d.Office, d.Signer.Position) {
		n += len(pdf.SplitLines([]byte(tr(l)), width))
	}
	return 8 + float64(n)*5.5 + 18
}

// drawVerification prints the QR code of the letter's verification address
// and the code beside it, at the foot of the last page. A draft has neither
// yet, and says so in their place.
func drawVerification(pdf *fpdf.Fpdf, tr func(string) string, left, width float64, d letterData) error {
	const size = 24.0 // mm
	_, pageH := pdf.GetPageSize()
	if d.Draft {
		pdf.Ln(8)
		pdf.SetFont("Helvetica", "I", 9)
		pdf.MultiCell(width, 4.5, tr("Kode verifikasi dan kode QR keaslian surat dicetak saat surat diterbitkan."), "", "L", false)
		return nil
	}
	if d.VerificationCode == "" {
		return nil
	}
	png, err := qrcode.Encode(d.VerificationURL, qrcode.Medium, 256)
	if err != nil {
		return fmt.Errorf("sanction: QR code of %s: %w", d.Number, err)
	}
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
