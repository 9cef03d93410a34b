package procurement

import (
	"strings"

	"kemitraan/app/platform/fault"
)

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
