package procurement

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
)

// Reasons shared by single reports and imports, so both say the same thing.
const (
	reasonRequired      = "wajib diisi"
	reasonDate          = "harus berupa tanggal dengan format YYYY-MM-DD"
	reasonFutureDate    = "tidak boleh di masa depan"
	reasonTooOld        = "tidak boleh sebelum tahun 2000"
	reasonPaidBefore    = "tidak boleh sebelum tanggal pembelian"
	reasonAmountPos     = "harus lebih dari 0"
	reasonQuantityPos   = "harus paling sedikit 1"
	reasonInvoiceTaken  = "nomor faktur ini sudah pernah dilaporkan oleh usaha Anda"
	reasonIKMUnknown    = "IKM tidak terdaftar"
	reasonIKMInactive   = "IKM tidak aktif"
	reasonNIB           = "NIB harus terdiri dari 13 angka"
	reasonAgreementGone = "perjanjian tidak ditemukan untuk usaha Anda"
	reasonAgreementIKM  = "IKM ini tidak termasuk dalam perjanjian tersebut"
	reasonAgreementDate = "tanggal pembelian di luar masa berlaku perjanjian"
	maxInvoiceLen       = 100
	maxDescriptionLen   = 2000
)

var earliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

var nibPattern = regexp.MustCompile(`^[0-9]{13}$`)

func reasonAmountMax(max int64) string {
	return "tidak boleh lebih dari " + format.Rupiah(max)
}

// reasonBeforeRules refuses a purchase no period can judge: it is dated
// before the first period of the first rule set.
func reasonBeforeRules(first time.Time) string {
	return "tidak boleh sebelum " + format.Date(first) + ": belum ada aturan kemitraan yang menilai pembelian sebelum tanggal itu"
}

func reasonAgreementStatus(status string) string {
	return fmt.Sprintf("perjanjian belum disetujui (status: %s)", status)
}

// parseDate reads YYYY-MM-DD, or DD/MM/YYYY as Indonesian spreadsheets
// write it, into a UTC midnight.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// purchaseFields is a purchase's own data after parsing, before any lookup.
type purchaseFields struct {
	invoice      string
	purchaseDate time.Time
	paidDate     *time.Time
	description  string
	quantity     int64
	amount       int64
}

// rawFields is what a client sent, as text where a spreadsheet has text.
type rawFields struct {
	invoice      string
	purchaseDate string
	paidDate     string
	description  string
	quantity     int64
	amount       int64
}

// checkFields validates a purchase's own data, naming fields as the client
// does (names maps our names to theirs: JSON keys or file columns).
func (s *Service) checkFields(c *fault.Checker, r rawFields, names func(string) string) purchaseFields {
	var out purchaseFields
	out.invoice = strings.TrimSpace(r.invoice)
	switch {
	case out.invoice == "":
		c.Add(names("invoice_number"), reasonRequired)
	case len([]rune(out.invoice)) > maxInvoiceLen:
		c.Add(names("invoice_number"), fmt.Sprintf("paling panjang %d karakter", maxInvoiceLen))
	}
	today := s.today()
	if strings.TrimSpace(r.purchaseDate) == "" {
		c.Add(names("purchase_date"), reasonRequired)
	} else if d, ok := parseDate(r.purchaseDate); !ok {
		c.Add(names("purchase_date"), reasonDate)
	} else if d.After(today) {
		c.Add(names("purchase_date"), reasonFutureDate)
	} else if d.Before(earliestDate) {
		c.Add(names("purchase_date"), reasonTooOld)
	} else {
		out.purchaseDate = d
	}
	if strings.TrimSpace(r.paidDate) != "" {
		if d, ok := parseDate(r.paidDate); !ok {
			c.Add(names("paid_date"), reasonDate)
		} else if d.After(today) {
			c.Add(names("paid_date"), reasonFutureDate)
		} else if !out.purchaseDate.IsZero() && d.Before(out.purchaseDate) {
			c.Add(names("paid_date"), reasonPaidBefore)
		} else {
			out.paidDate = &d
		}
	}
	out.description = strings.TrimSpace(r.description)
	switch {
	case out.description == "":
		c.Add(names("description"), reasonRequired)
	case len([]rune(out.description)) > maxDescriptionLen:
		c.Add(names("description"), fmt.Sprintf("paling panjang %d karakter", maxDescriptionLen))
	}
	out.quantity = r.quantity
	if out.quantity < 1 {
		c.Add(names("quantity"), reasonQuantityPos)
	}
	out.amount = r.amount
	switch {
	case out.amount <= 0:
		c.Add(names("amount"), reasonAmountPos)
	case out.amount > s.cfg.MaxAmount:
		c.Add(names("amount"), reasonAmountMax(s.cfg.MaxAmount))
	}
	return out
}

// parseWhole reads a whole number as spreadsheets write it: digits, maybe
// with a trailing ".0" from a numeric cell.
func parseWhole(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".0")
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
