package procurement

import (
	"io"
	"slices"

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
	// The reason a file of bad rows gives beside each row; read and
	// ignored, so the fixed file goes back in as it is.
	{Name: RejectionColumn, Aliases: []string{"rejection_reason"}},
}

// RejectionColumn heads the reason column of a file of rejected rows.
const RejectionColumn = sheet.RejectionColumn

func readLayout(header []string, line int) (sheet.Header, error) {
	h, errs := sheet.MatchHeader(header, line, importColumns)
	if len(errs) > 0 {
		e := fault.Invalid(errs...)
		e.Detail = "Baris judul berkas tidak sesuai."
		return h, e
	}
	return h, nil
}

// columnOf is the import column a header cell names, or "".
func columnOf(header string) string {
	f := sheet.FoldHeader(header)
	for _, c := range importColumns {
		if c.Name == f || slices.Contains(c.Aliases, f) {
			return c.Name
		}
	}
	return ""
}

// importError is a bad row found while streaming.
func rowError(line int, column, reason string) fault.FieldError {
	return fault.FieldError{Field: column, Line: line, Reason: reason}
}

// WriteRejected writes the rows of src that reasons names (by line) to w as
// an XLSX with the reasons in a last column (see sheet.WriteRejected).
func WriteRejected(w io.Writer, src io.Reader, reasons map[int][]string) error {
	return sheet.WriteRejected(w, src, reasons, func(header string) bool {
		c := columnOf(header)
		return c == "purchase_date" || c == "paid_date"
	})
}
