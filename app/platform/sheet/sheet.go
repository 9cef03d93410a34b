// Package sheet reads an uploaded table (CSV or XLSX) into rows of text, for
// the bulk imports. The format is decided by the file's content, never by its
// name: an XLSX is a ZIP holding a workbook, a CSV is text. Line numbers are
// the ones a person sees when opening the file (the first row is line 1), so
// an error can point at them.
package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"kemitraan/app/platform/fault"
)

// Format is the kind of file that was read.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Row is one non-blank data row.
type Row struct {
	Line  int      // 1-based, as a spreadsheet program numbers it
	Cells []string // trimmed; as many as the header has columns
}

// Table is the header and the non-blank rows below it.
type Table struct {
	Format     Format
	Header     []string // trimmed, as written in the file
	HeaderLine int
	Rows       []Row
}

// Limits keep a hostile or mistaken file from exhausting the server.
type Limits struct {
	MaxRows int // data rows; more is a 422
	// MaxUnzipped caps the total uncompressed size of an XLSX.
	MaxUnzipped int64
}

// DefaultLimits suits registry and purchase imports.
var DefaultLimits = Limits{MaxRows: 50_000, MaxUnzipped: 256 << 20}

// FieldName is the field every problem about the file as a whole names.
const FieldName = "file"

// Read detects the format of data and returns its whole table, for imports
// small enough to hold (the registries). Failures are *fault.Error:
// KindUnsupported (415) for a file that is neither CSV nor XLSX,
// KindInvalid (422) for one that is but cannot be used.
func Read(data []byte, lim Limits) (Table, error) {
	r, err := Open(bytes.NewReader(data), lim)
	if err != nil {
		return Table{}, err
	}
	defer r.Close()
	t := Table{Format: r.Format}
	for {
		cells, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return t.finish()
		}
		if err != nil {
			return Table{}, err
		}
		if err := t.add(line, cells, lim); err != nil {
			return Table{}, err
		}
	}
}

// Reader streams the rows of an uploaded table one at a time, so an
// import's memory does not grow with the file. Blank rows are returned too
// (callers skip them) so line numbers stay those a person sees.
type Reader struct {
	Format Format
	next   func() (cells []string, line int, err error)
	close  func() error
}

// Next returns the next row's cells and its 1-based line; io.EOF at the end.
func (r *Reader) Next() ([]string, int, error) { return r.next() }

// Close releases the reader (an XLSX's temporary copy).
func (r *Reader) Close() error { return r.close() }

// Open detects the format of the content in src and returns a streaming
// reader. An XLSX needs random access, so it is spooled to a temporary file
// and its worksheet streamed from disk; a CSV is read straight from src.
func Open(src io.Reader, lim Limits) (*Reader, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	switch {
	case len(bytes.TrimSpace(head)) == 0:
		return nil, invalidFile(0, "berkas kosong")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return openXLSX(br, lim)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, unsupported("format Excel lama (.xls) atau buku kerja berkata sandi tidak didukung; simpan sebagai .xlsx tanpa kata sandi atau .csv")
	}
	return openCSV(br, head)
}

func unsupported(reason string) *fault.Error {
	return &fault.Error{
		Kind: fault.KindUnsupported, Code: "unsupported_file_type",
		Detail: "Berkas harus berupa CSV atau XLSX.",
		Fields: []fault.FieldError{{Field: FieldName, Reason: reason}},
	}
}

func invalidFile(line int, reason string) *fault.Error {
	e := fault.Invalid(fault.FieldError{Field: FieldName, Reason: reason, Line: line})
	e.Code = "invalid_file"
	e.Detail = "Berkas tidak dapat dibaca."
	return e
}

// openCSV reads text in UTF-8 (with or without a byte-order mark), UTF-16
// ("Unicode text" from Excel) or Windows-1252 (Excel's "CSV" on Windows),
// refusing binary content. head is the start of the stream, already peeked.
func openCSV(br *bufio.Reader, head []byte) (*Reader, error) {
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		decoded, err := dec.Bytes(head[:len(head)&^1])
		if err != nil {
			return nil, unsupported("teks UTF-16 tidak dapat dibaca")
		}
		head = decoded
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	}
	sniff := http.DetectContentType(head)
	if !strings.HasPrefix(sniff, "text/") || bytes.IndexByte(head, 0) >= 0 {
		return nil, unsupported("isi berkas bukan teks CSV maupun XLSX (terdeteksi " + sniff + ")")
	}
	r := csv.NewReader(text)
	r.Comma = delimiter(head)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	windows1252 := charmap.Windows1252.NewDecoder()
	next := func() ([]string, int, error) {
		cells, err := r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, pe.StartLine, invalidFile(pe.StartLine, "baris CSV rusak: "+csvReason(err))
			}
			return nil, 0, err
		}
		// The reader skips blank lines; a record's line is where its
		// first field starts.
		line, _ := r.FieldPos(0)
		for i, c := range cells {
			// Text that is not UTF-8 came from a Windows spreadsheet.
			if !utf8.ValidString(c) {
				if d, err := windows1252.String(c); err == nil {
					cells[i] = d
				}
			}
		}
		return cells, line, nil
	}
	return &Reader{Format: CSV, next: next, close: func() error { return nil }}, nil
}

func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "tanda kutip (\") tidak berpasangan"
	default:
		return err.Error()
	}
}

// delimiter picks the separator the header line uses most: spreadsheet
// programs in an Indonesian locale write ';', others ','.
func delimiter(head []byte) rune {
	first, _, _ := bytes.Cut(head, []byte("\n"))
	best, bestN := ',', bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(d))); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func openXLSX(br *bufio.Reader, lim Limits) (*Reader, error) {
	tmp, err := os.CreateTemp("", "kemitraan-sheet-*.xlsx")
	if err != nil {
		return nil, err
	}
	path := tmp.Name()
	_, copyErr := io.Copy(tmp, br)
	if err := errors.Join(copyErr, tmp.Close()); err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	// Worksheets over 1 MiB unzip to disk and stream from there.
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: lim.MaxUnzipped, UnzipXMLSizeLimit: 1 << 20})
	if err != nil {
		_ = os.Remove(path)
		switch {
		case strings.Contains(err.Error(), "unzip size"):
			return nil, invalidFile(0, "isi berkas XLSX terlalu besar setelah diekstrak")
		case errors.Is(err, zip.ErrFormat):
			// Looks like a workbook but is truncated or damaged.
			return nil, invalidFile(0, "berkas XLSX rusak atau terpotong")
		}
		return nil, unsupported("berkas ZIP ini bukan buku kerja XLSX yang dapat dibaca")
	}
	closeAll := func(rows *excelize.Rows) error {
		if rows != nil {
			_ = rows.Close()
		}
		_ = f.Close()
		return os.Remove(path)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = closeAll(nil)
		return nil, invalidFile(0, "buku kerja tidak memiliki lembar")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = closeAll(nil)
		return nil, invalidFile(0, "lembar pertama tidak dapat dibaca")
	}
	line := 0
	next := func() ([]string, int, error) {
		if !rows.Next() {
			if rows.Error() != nil {
				return nil, line, invalidFile(0, "lembar pertama tidak dapat dibaca")
			}
			return nil, line, io.EOF
		}
		line++
		// Raw values: a number is read as stored (25000000, 9120000000001),
		// not as a locale's display format, and a date as its serial number.
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, line, invalidFile(line, "baris tidak dapat dibaca")
		}
		for i, c := range cells {
			cells[i] = expandExponent(c)
		}
		return cells, line, nil
	}
	return &Reader{Format: XLSX, next: next, close: func() error { return closeAll(rows) }}, nil
}

// expandExponent writes a whole number that a spreadsheet stored in
// exponent form (9.120000000001E+12) in plain digits.
func expandExponent(s string) string {
	if !strings.ContainsAny(s, "eE") || strings.ContainsAny(s, " ,") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) || f > 1e15 || f < -1e15 {
		return s
	}
	return strconv.FormatInt(int64(f), 10)
}

func (t *Table) add(line int, cells []string, lim Limits) error {
	cells = slices.Clone(cells) // a streaming reader reuses its slice
	blank := true
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
		if cells[i] != "" {
			blank = false
		}
	}
	if blank {
		return nil
	}
	if t.Header == nil {
		t.Header, t.HeaderLine = trimTrailingEmpty(cells), line
		return nil
	}
	if len(t.Rows) >= lim.MaxRows {
		return invalidFile(line, fmt.Sprintf("berkas berisi lebih dari %d baris data; bagi menjadi beberapa berkas", lim.MaxRows))
	}
	row := make([]string, len(t.Header))
	for i, c := range cells {
		if i < len(row) {
			row[i] = c
		} else if c != "" {
			return invalidFile(line, fmt.Sprintf("baris berisi %d kolom, lebih banyak dari %d kolom judul", len(trimTrailingEmpty(cells)), len(t.Header)))
		}
	}
	t.Rows = append(t.Rows, Row{Line: line, Cells: row})
	return nil
}

func trimTrailingEmpty(cells []string) []string {
	n := len(cells)
	for n > 0 && cells[n-1] == "" {
		n--
	}
	return cells[:n]
}

func (t *Table) finish() (Table, error) {
	if t.Header == nil {
		return Table{}, invalidFile(0, "berkas tidak berisi baris judul")
	}
	if len(t.Rows) == 0 {
		return Table{}, invalidFile(t.HeaderLine, "berkas tidak berisi baris data di bawah judul")
	}
	return *t, nil
}

// DateCell turns an XLSX date serial (a raw numeric cell) into YYYY-MM-DD;
// any other value, and every CSV value, is returned as it is.
func DateCell(v string, format Format) string {
	if format != XLSX || v == "" {
		return v
	}
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil || serial < 1 || serial > 2958465 {
		return v
	}
	t, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		return v
	}
	return t.Format(time.DateOnly)
}
