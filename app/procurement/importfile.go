package procurement

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

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
const RejectionColumn = "alasan_ditolak"

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

// WriteRejected writes the rows of src that reasons names (by line) to w as
// an XLSX: the file's own header and cells, dates written out, and the
// reasons in a last column headed RejectionColumn. Fixed in a spreadsheet
// program, the file goes back in as it is: the import ignores that column.
func WriteRejected(w io.Writer, src io.Reader, reasons map[int][]string) error {
	rows, err := sheet.Open(src, sheet.Limits{MaxUnzipped: 1 << 30})
	if err != nil {
		return err
	}
	defer rows.Close()
	x := excelize.NewFile()
	defer x.Close()
	const name = "Baris ditolak"
	if err := x.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	var keep []int // the file's columns, without an earlier reason column
	dates := map[int]bool{}
	out := 1
	write := func(cells []any) error {
		cell, _ := excelize.CoordinatesToCellName(1, out)
		out++
		return sw.SetRow(cell, cells)
	}
	header := true
	for {
		cells, line, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if blank(cells) {
			continue
		}
		if header {
			header = false
			var head []any
			for i, h := range cells {
				switch columnOf(h) {
				case RejectionColumn:
					continue
				case "purchase_date", "paid_date":
					dates[i] = true
				}
				keep = append(keep, i)
				head = append(head, h)
			}
			if err := write(append(head, RejectionColumn)); err != nil {
				return err
			}
			continue
		}
		why, ok := reasons[line]
		if !ok {
			continue
		}
		row := make([]any, 0, len(keep)+1)
		for _, i := range keep {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			if dates[i] {
				v = sheet.DateCell(v, rows.Format)
			}
			row = append(row, v)
		}
		if err := write(append(row, fmt.Sprintf("baris %d: %s", line, strings.Join(why, "; ")))); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}
