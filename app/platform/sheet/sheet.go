// Package sheet reads an uploaded table (CSV or XLSX) into rows of text, for
// the bulk imports. The format is decided by the file's content, never by its
// name: an XLSX is a ZIP holding a workbook, a CSV is text. Line numbers are
// the ones a person sees when opening the file (the first row is line 1), so
// an error can point at them.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

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

// Read detects the format of data and returns its table. Failures are
// *fault.Error: KindUnsupported (415) for a file that is neither CSV nor
// XLSX, KindInvalid (422) for one that is but cannot be used.
func Read(data []byte, lim Limits) (Table, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return Table{}, invalidFile(0, "berkas kosong")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data, lim)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return Table{}, unsupported("format Excel lama (.xls) atau buku kerja berkata sandi tidak didukung; simpan sebagai .xlsx tanpa kata sandi atau .csv")
	}
	text, err := decodeText(data)
	if err != nil {
		return Table{}, err
	}
	return readCSV(text, lim)
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

// decodeText turns the bytes of a supposed CSV into UTF-8, refusing binary
// content. Excel on Windows saves "CSV" in Windows-1252 and "Unicode text"
// in UTF-16; both are accepted.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", unsupported("teks UTF-16 tidak dapat dibaca")
		}
		data = out
	}
	sniff := http.DetectContentType(data)
	if !strings.HasPrefix(sniff, "text/") || bytes.IndexByte(data, 0) >= 0 {
		return "", unsupported("isi berkas bukan teks CSV maupun XLSX (terdeteksi " + sniff + ")")
	}
	if !utf8.Valid(data) {
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", unsupported("teks berkas tidak dapat dibaca sebagai UTF-8 maupun Windows-1252")
		}
		data = out
	}
	return string(data), nil
}

func readCSV(text string, lim Limits) (Table, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delimiter(text)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	t := Table{Format: CSV}
	for {
		cells, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return Table{}, invalidFile(line, "baris CSV rusak: "+csvReason(err))
		}
		// The reader skips blank lines; a record's line is where its first
		// field starts.
		line, _ := r.FieldPos(0)
		if err := t.add(line, cells, lim); err != nil {
			return Table{}, err
		}
	}
	return t.finish()
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
func delimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	best, bestN := ',', strings.Count(first, ",")
	for _, d := range []rune{';', '\t'} {
		if n := strings.Count(first, string(d)); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func readXLSX(data []byte, lim Limits) (Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    lim.MaxUnzipped,
		UnzipXMLSizeLimit: lim.MaxUnzipped / 4,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return Table{}, invalidFile(0, "isi berkas XLSX terlalu besar setelah diekstrak")
		}
		return Table{}, unsupported("berkas ZIP ini bukan buku kerja XLSX yang dapat dibaca")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, invalidFile(0, "buku kerja tidak memiliki lembar")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return Table{}, invalidFile(0, "lembar pertama tidak dapat dibaca")
	}
	defer rows.Close()
	t := Table{Format: XLSX}
	for line := 1; rows.Next(); line++ {
		// Raw values: a number is read as stored (25000000, 9120000000001),
		// not as a locale's display format, and a date as its serial number.
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return Table{}, invalidFile(line, "baris tidak dapat dibaca")
		}
		for i, c := range cells {
			cells[i] = expandExponent(c)
		}
		if err := t.add(line, cells, lim); err != nil {
			return Table{}, err
		}
	}
	if err := rows.Error(); err != nil {
		return Table{}, invalidFile(0, "lembar pertama tidak dapat dibaca")
	}
	return t.finish()
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
