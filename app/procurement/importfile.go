package procurement

import (
	"strings"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/sheet"
)

// importColumns are the columns of a purchase import file: the documented
// name and the names people may write in the header (Indonesian or
// English, any case, spaces or underscores).
var importColumns = []sheet.Column{
	{Name: "invoice_number", Aliases: []string{"nomor_faktur", "no_faktur", "faktur"}, Required: true},
	{Name: "ikm_nib", Aliases: []string{"nib_ikm", "nib"}, Required: true},
	{Name: "purchase_date", Aliases: []string{"tanggal_pembelian", "tanggal"}, Required: true},
	{Name: "paid_date", Aliases: []string{"tanggal_bayar", "tanggal_pembayaran"}},
	{Name: "description", Aliases: []string{"uraian", "keterangan", "deskripsi"}, Required: true},
	{Name: "quantity", Aliases: []string{"jumlah_barang", "kuantitas", "jumlah"}},
	{Name: "amount", Aliases: []string{"nilai", "nilai_rupiah", "nominal"}, Required: true},
	{Name: "agreement_number", Aliases: []string{"nomor_perjanjian", "no_perjanjian"}},
}

func readLayout(header []string, line int) (sheet.Header, error) {
	h, errs := sheet.MatchHeader(header, line, importColumns)
	if len(errs) > 0 {
		e := fault.Invalid(errs...)
		e.Detail = "Baris judul berkas tidak sesuai."
		return h, e
	}
	return h, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// importError is a bad row found while streaming.
func rowError(line int, column, reason string) fault.FieldError {
	return fault.FieldError{Field: column, Line: line, Reason: reason}
}
