package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/sheet"
)

// importColumn is one column an import file may carry.
type importColumn struct {
	name     string   // the documented header, e.g. "nib"
	aliases  []string // other headers people write for it
	field    string   // the input field whose errors it reports
	required bool
}

// businessColumns and ikmColumns are the import headers, documented in the
// README. Headers are matched without regard to case, spaces, dots or
// dashes ("Nama Usaha" is nama_usaha).
var businessColumns = []importColumn{
	{name: "nib", aliases: []string{"nomor_induk_berusaha"}, field: "nib", required: true},
	{name: "nama", aliases: []string{"nama_usaha", "nama_perusahaan", "name"}, field: "name", required: true},
	{name: "bentuk_usaha", aliases: []string{"bentuk_badan_usaha", "badan_usaha", "legal_form"}, field: "legal_form"},
	{name: "kategori", aliases: []string{"category", "jenis_usaha"}, field: "category", required: true},
	{name: "kbli", aliases: []string{"kode_kbli"}, field: "kbli"},
	{name: "alamat", aliases: []string{"address"}, field: "address"},
	{name: "kecamatan", aliases: []string{"kode_kecamatan", "kecamatan_code"}, field: "kecamatan_code", required: true},
	{name: "nib_induk", aliases: []string{"nib_kawasan", "parent_nib"}, field: "parent_id"},
	{name: "jumlah_karyawan", aliases: []string{"jumlah_tenaga_kerja", "karyawan", "tenaga_kerja", "employee_count"}, field: "employee_count"},
	{name: "nama_kontak", aliases: []string{"narahubung", "kontak", "contact_name"}, field: "contact_name"},
	{name: "telepon_kontak", aliases: []string{"telepon", "no_telepon", "no_hp", "contact_phone"}, field: "contact_phone"},
	{name: "email_kontak", aliases: []string{"email", "e_mail", "contact_email"}, field: "contact_email"},
	{name: "tanggal_terdaftar", aliases: []string{"tanggal_daftar", "tanggal_registrasi", "registered_at"}, field: "registered_at"},
	{name: "status", field: "status"},
	rejectionColumn,
}

// rejectionColumn is the reason beside each row of a file of rejected rows
// (sheet.WriteRejected): read and ignored, so the fixed file goes back in
// as it is.
var rejectionColumn = importColumn{name: sheet.RejectionColumn, aliases: []string{"rejection_reason"}}

var ikmColumns = []importColumn{
	{name: "nib", aliases: []string{"nomor_induk_berusaha"}, field: "nib", required: true},
	{name: "nama", aliases: []string{"nama_ikm", "nama_usaha", "name"}, field: "name", required: true},
	{name: "pemilik", aliases: []string{"nama_pemilik", "owner_name"}, field: "owner_name"},
	{name: "sektor", aliases: []string{"sector", "jenis_industri"}, field: "sector", required: true},
	{name: "produk", aliases: []string{"jenis_produk", "products"}, field: "products"},
	{name: "kecamatan", aliases: []string{"kode_kecamatan", "kecamatan_code"}, field: "kecamatan_code", required: true},
	{name: "desa", aliases: []string{"kelurahan", "desa_kelurahan"}, field: "desa"},
	{name: "alamat", aliases: []string{"address"}, field: "address"},
	{name: "telepon", aliases: []string{"no_telepon", "no_hp", "hp", "whatsapp", "phone"}, field: "phone"},
	{name: "email", aliases: []string{"e_mail"}, field: "email"},
	{name: "kapasitas_bulanan", aliases: []string{"kapasitas", "kapasitas_per_bulan", "monthly_capacity"}, field: "monthly_capacity"},
	{name: "status", field: "status"},
	{name: "kontak_publik", aliases: []string{"tampilkan_kontak", "public_contact"}, field: "public_contact"},
	{name: "whatsapp", aliases: []string{"setuju_whatsapp", "whatsapp_consent"}, field: "whatsapp_consent"},
	rejectionColumn,
}

// BusinessImportColumns and IKMImportColumns list the documented headers,
// required ones first, for the API description.
func BusinessImportColumns() []string { return columnNames(businessColumns) }
func IKMImportColumns() []string      { return columnNames(ikmColumns) }

func columnNames(cols []importColumn) []string {
	var out []string
	for _, c := range cols {
		if c.field == "" {
			continue
		}
		name := c.name
		if c.required {
			name += " (wajib)"
		}
		out = append(out, name)
	}
	return out
}

// header is an import file's header matched to the known columns, with
// which column reports each input field's errors.
type header struct {
	sheet.Header
	byField map[string]string // input field -> column name
}

func (h header) cell(r sheet.Row, column string) string { return h.Cell(r.Cells, column) }

// column names what a person should look at for a field's error: the
// header as the file writes it.
func (h header) column(field string) string {
	if col, ok := h.byField[field]; ok {
		return h.Written(col)
	}
	return field
}

// readHeader matches t's header to cols (see sheet.MatchHeader).
func readHeader(t sheet.Table, cols []importColumn) (header, error) {
	known := make([]sheet.Column, len(cols))
	for i, c := range cols {
		known[i] = sheet.Column{Name: c.name, Aliases: c.aliases, Required: c.required}
	}
	matched, errs := sheet.MatchHeader(t.Header, t.HeaderLine, known)
	h := header{Header: matched, byField: map[string]string{}}
	for _, c := range cols {
		if h.Has(c.name) && c.field != "" {
			h.byField[c.field] = c.name
		}
	}
	if len(errs) > 0 {
		return h, importInvalid(errs, 0)
	}
	return h, nil
}

// maxImportErrors caps the errors one answer lists; the count says how many
// there were.
const maxImportErrors = 1000

func importInvalid(errs []fault.FieldError, badRows int) error {
	slices.SortStableFunc(errs, func(a, b fault.FieldError) int { return a.Line - b.Line })
	e := fault.Invalid()
	e.Code = "import_invalid"
	e.Detail = "Berkas berisi data yang tidak valid; tidak ada data yang disimpan. Perbaiki setiap baris yang disebut lalu unggah ulang."
	e.Extra = map[string]any{"error_count": len(errs)}
	if badRows > 0 {
		e.Extra["invalid_rows"] = badRows
		e.Detail = fmt.Sprintf("%d baris berisi data yang tidak valid; tidak ada data yang disimpan. "+
			"Perbaiki setiap baris yang disebut lalu unggah ulang.", badRows)
	}
	if len(errs) > maxImportErrors {
		errs = errs[:maxImportErrors]
		e.Extra["errors_truncated"] = true
	}
	e.Fields = errs
	return e
}

// rowErrors collects one row's errors under its line, naming columns.
type rowErrors struct {
	h    header
	line int
	errs []fault.FieldError
}

func (r *rowErrors) add(column, reason string) {
	r.errs = append(r.errs, fault.FieldError{Field: r.h.Written(column), Reason: reason, Line: r.line})
}

// sorted returns the row's errors in the file's column order.
func (r *rowErrors) sorted() []fault.FieldError {
	slices.SortStableFunc(r.errs, func(a, b fault.FieldError) int {
		return r.h.Position(a.Field) - r.h.Position(b.Field)
	})
	return r.errs
}

// addChecked moves the errors of a field checker, named by input field,
// onto the row, named by column.
func (r *rowErrors) addChecked(err error) {
	fe, ok := fault.As(err)
	if !ok {
		return
	}
	for _, f := range fe.Fields {
		r.errs = append(r.errs, fault.FieldError{Field: r.h.column(f.Field), Reason: f.Reason, Line: r.line})
	}
}

// Cell parsers: spreadsheets write numbers and dates many ways.

var (
	plainInt      = regexp.MustCompile(`^-?[0-9]+$`)
	dotThousands  = regexp.MustCompile(`^-?[0-9]{1,3}(\.[0-9]{3})+(,0+)?$`)
	commaThousand = regexp.MustCompile(`^-?[0-9]{1,3}(,[0-9]{3})+(\.0+)?$`)
	zeroDecimals  = regexp.MustCompile(`^-?[0-9]+[.,]0+$`)
	excelSerial   = regexp.MustCompile(`^[0-9]{1,6}(\.[0-9]+)?$`)
	dayFirstDate  = regexp.MustCompile(`^([0-9]{1,2})[/\-.]([0-9]{1,2})[/\-.]([0-9]{4})$`)
)

// parseWhole reads a whole number written plainly (25000000), with
// Indonesian (25.000.000) or English (25,000,000) thousands separators,
// with "Rp" in front or zero decimals behind (25.000.000,00).
func parseWhole(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	for _, prefix := range []string{"rp.", "rp", "idr"} {
		if strings.HasPrefix(lower, prefix) {
			s = strings.TrimSpace(s[len(prefix):])
			break
		}
	}
	s = strings.ReplaceAll(s, " ", "")
	switch {
	case plainInt.MatchString(s):
	case dotThousands.MatchString(s):
		s, _, _ = strings.Cut(s, ",")
		s = strings.ReplaceAll(s, ".", "")
	case commaThousand.MatchString(s):
		s, _, _ = strings.Cut(s, ".")
		s = strings.ReplaceAll(s, ",", "")
	case zeroDecimals.MatchString(s):
		s = s[:strings.IndexAny(s, ".,")]
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseDate reads YYYY-MM-DD, DD/MM/YYYY (also with - or .), and, from an
// XLSX, a date cell's serial number. It returns YYYY-MM-DD.
func parseDate(s string, format sheet.Format) (string, bool) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Format(time.DateOnly), true
	}
	if m := dayFirstDate.FindStringSubmatch(s); m != nil {
		day, _ := strconv.Atoi(m[1])
		month, _ := strconv.Atoi(m[2])
		year, _ := strconv.Atoi(m[3])
		d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if d.Day() != day || int(d.Month()) != month {
			return "", false // 31/02/2024
		}
		return d.Format(time.DateOnly), true
	}
	if format == sheet.XLSX && excelSerial.MatchString(s) {
		whole, _, _ := strings.Cut(s, ".")
		days, _ := strconv.Atoi(whole)
		if days > 60 { // serials count from 1900-01-00 with a phantom 29 February 1900
			return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(time.DateOnly), true
		}
	}
	return "", false
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "tidak", "t", "n", "no", "false", "0":
		return false, true
	case "ya", "y", "yes", "true", "1":
		return true, true
	}
	return false, false
}

// splitCodes splits a cell holding several codes ("10110, 10391; 47111").
func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '/' || unicode.IsSpace(r) })
}

// aliased maps a cell's value through aliases (after folding) and leaves
// anything else as written for the validator to refuse.
func aliased(s string, aliases map[string]string) string {
	if v, ok := aliases[sheet.FoldHeader(s)]; ok {
		return v
	}
	return strings.TrimSpace(s)
}

var categoryAliases = map[string]string{
	"industrial_estate": "industrial_estate", "kawasan_industri": "industrial_estate", "kawasan": "industrial_estate",
	"factory": "factory", "pabrik": "factory", "industri": "factory",
	"hotel":      "hotel",
	"restaurant": "restaurant", "restoran": "restaurant", "rumah_makan": "restaurant",
	"modern_retail": "modern_retail", "ritel_modern": "modern_retail", "toko_modern": "modern_retail",
	"mal": "modern_retail", "pusat_perbelanjaan": "modern_retail",
	"other": "other", "lainnya": "other", "lain_lain": "other",
}

var businessStatusAliases = map[string]string{
	"active": "active", "aktif": "active",
	"closed": "closed", "tutup": "closed", "tidak_aktif": "closed",
	"exempt": "exempt", "dikecualikan": "exempt",
}

var ikmStatusAliases = map[string]string{
	"active": "active", "aktif": "active",
	"inactive": "inactive", "tidak_aktif": "inactive", "nonaktif": "inactive", "non_aktif": "inactive",
}

var sectorAliases = func() map[string]string {
	m := map[string]string{"fashion": "fesyen", "kriya": "kerajinan", "lain_lain": "lainnya", "other": "lainnya"}
	for _, s := range Sectors {
		m[s] = s
	}
	return m
}()
