package procurement

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/fault"
)

// rowReader yields the rows of an uploaded table one at a time, so memory
// does not grow with the file. line is the row's number as a spreadsheet
// program shows it.
type rowReader interface {
	Next() (cells []string, line int, err error) // io.EOF at the end
	Close() error
}

// ImportFormat is the kind of file an import was read from.
type ImportFormat string

const (
	FormatCSV  ImportFormat = "csv"
	FormatXLSX ImportFormat = "xlsx"
)

var zipMagic = []byte("PK\x03\x04")

// openRows decides the format from the content (an XLSX is a ZIP) and
// returns a streaming reader. An XLSX needs random access, so it is spooled
// to a temporary file first; a CSV is read straight from r.
func openRows(r io.Reader, tmpDir string) (rowReader, ImportFormat, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", err
	}
	if bytes.Equal(head, zipMagic) {
		x, err := openXLSX(br, tmpDir)
		return x, FormatXLSX, err
	}
	c, err := openCSV(br)
	return c, FormatCSV, err
}

type csvRows struct {
	r *csv.Reader
}

func openCSV(br *bufio.Reader) (*csvRows, error) {
	// A byte-order mark from spreadsheet programs is not part of the header.
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	// Spreadsheets set to Indonesian write ';' between fields.
	first, _ := br.Peek(4096) // fewer at the end of a short file
	line, _, _ := bytes.Cut(first, []byte("\n"))
	r := csv.NewReader(br)
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return &csvRows{r: r}, nil
}

func (c *csvRows) Next() ([]string, int, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.StartLine, fault.Invalid(fault.FieldError{Field: "file", Line: pe.StartLine,
				Reason: "baris CSV tidak dapat dibaca (periksa tanda kutip)"})
		}
		return nil, 0, err
	}
	line, _ := c.r.FieldPos(0)
	return rec, line, nil
}

func (c *csvRows) Close() error { return nil }

type xlsxRows struct {
	path string
	f    *excelize.File
	rows *excelize.Rows
	line int
}

func openXLSX(r io.Reader, tmpDir string) (*xlsxRows, error) {
	tmp, err := os.CreateTemp(tmpDir, "kemitraan-import-*.xlsx")
	if err != nil {
		return nil, err
	}
	x := &xlsxRows{path: tmp.Name()}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		x.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		x.Close()
		return nil, err
	}
	bad := fault.Invalid(fault.Field("file", "berkas XLSX rusak atau tidak dapat dibaca"))
	// Worksheets larger than 1 MiB are unzipped to disk and streamed from
	// there; the whole workbook may not unzip to more than 1 GiB.
	x.f, err = excelize.OpenFile(x.path, excelize.Options{UnzipXMLSizeLimit: 1 << 20, UnzipSizeLimit: 1 << 30})
	if err != nil {
		x.Close()
		return nil, bad
	}
	sheets := x.f.GetSheetList()
	if len(sheets) == 0 {
		x.Close()
		return nil, bad
	}
	if x.rows, err = x.f.Rows(sheets[0]); err != nil {
		x.Close()
		return nil, bad
	}
	return x, nil
}

func (x *xlsxRows) Next() ([]string, int, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, 0, fault.Invalid(fault.Field("file", "berkas XLSX rusak atau tidak dapat dibaca"))
		}
		return nil, 0, io.EOF
	}
	x.line++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, x.line, fault.Invalid(fault.FieldError{Field: "file", Line: x.line, Reason: "baris tidak dapat dibaca"})
	}
	return cells, x.line, nil
}

func (x *xlsxRows) Close() error {
	if x.rows != nil {
		_ = x.rows.Close()
	}
	if x.f != nil {
		_ = x.f.Close()
	}
	return os.Remove(x.path)
}

// columns of an import file: the canonical name and the names people may
// write in the header (Indonesian or English, any case, spaces or
// underscores).
var importColumns = []struct {
	name     string
	aliases  []string
	required bool
}{
	{"invoice_number", []string{"nomor_faktur", "no_faktur", "faktur"}, true},
	{"ikm_nib", []string{"nib_ikm", "nib"}, true},
	{"purchase_date", []string{"tanggal_pembelian", "tanggal"}, true},
	{"paid_date", []string{"tanggal_bayar", "tanggal_pembayaran"}, false},
	{"description", []string{"uraian", "keterangan", "deskripsi"}, true},
	{"quantity", []string{"jumlah_barang", "kuantitas", "jumlah"}, false},
	{"amount", []string{"nilai", "nilai_rupiah", "nominal"}, true},
	{"agreement_number", []string{"nomor_perjanjian", "no_perjanjian"}, false},
}

func normaliseHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.NewReplacer(" ", "_", "-", "_", ".", "").Replace(h)
	return h
}

// layout maps canonical column names to their index and header text.
type layout struct {
	index  map[string]int
	header map[string]string
}

func (l layout) cell(cells []string, name string) string {
	i, ok := l.index[name]
	if !ok || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// name is how the file itself calls a column, for error messages.
func (l layout) name(canonical string) string {
	if h, ok := l.header[canonical]; ok {
		return h
	}
	return canonical
}

func readLayout(header []string, line int) (layout, error) {
	l := layout{index: map[string]int{}, header: map[string]string{}}
	lookup := map[string]string{}
	for _, c := range importColumns {
		lookup[c.name] = c.name
		for _, a := range c.aliases {
			lookup[a] = c.name
		}
	}
	var errs []fault.FieldError
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		name, ok := lookup[normaliseHeader(h)]
		switch {
		case !ok:
			errs = append(errs, fault.FieldError{Field: strings.TrimSpace(h), Line: line, Reason: "kolom tidak dikenal"})
		case l.header[name] != "":
			errs = append(errs, fault.FieldError{Field: strings.TrimSpace(h), Line: line, Reason: "kolom ganda"})
		default:
			l.index[name], l.header[name] = i, strings.TrimSpace(h)
		}
	}
	for _, col := range importColumns {
		if _, ok := l.index[col.name]; col.required && !ok {
			errs = append(errs, fault.FieldError{Field: col.name, Line: line, Reason: "kolom wajib tidak ada di baris judul"})
		}
	}
	if len(errs) > 0 {
		e := fault.Invalid(errs...)
		e.Detail = "Baris judul berkas tidak sesuai. Kolom yang dikenal: " + knownColumns() + "."
		return l, e
	}
	return l, nil
}

func knownColumns() string {
	var names []string
	for _, c := range importColumns {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
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
