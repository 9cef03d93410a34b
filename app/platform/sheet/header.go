package sheet

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"kemitraan/app/platform/fault"
)

// Column is one column an import knows.
type Column struct {
	Name     string   // the documented header, e.g. "nib"
	Aliases  []string // other headers people write for it
	Required bool
}

// Header is a file's header row matched to the known columns.
type Header struct {
	index   map[string]int    // column name -> cell index
	written map[string]string // column name -> the header as the file writes it
}

// MatchHeader matches the header row cells (at line) to cols. Headers are
// compared without regard to case, spaces, dots, dashes or a trailing "*"
// ("Nama Usaha" is nama_usaha). An unknown or repeated column, a blank
// header between named ones, or a missing required column is an error on
// the header line: no row can be read safely without knowing its columns.
func MatchHeader(cells []string, line int, cols []Column) (Header, []fault.FieldError) {
	h := Header{index: map[string]int{}, written: map[string]string{}}
	known := map[string]string{}
	var names []string
	for _, c := range cols {
		known[c.Name] = c.Name
		for _, a := range c.Aliases {
			known[a] = c.Name
		}
		names = append(names, c.Name)
	}
	var errs []fault.FieldError
	for i, raw := range trimTrailingEmpty(trimAll(cells)) {
		name, ok := known[FoldHeader(raw)]
		switch {
		case raw == "":
			errs = append(errs, fault.FieldError{Field: fmt.Sprintf("kolom %d", i+1), Line: line,
				Reason: "judul kolom kosong"})
		case !ok:
			errs = append(errs, fault.FieldError{Field: raw, Line: line,
				Reason: "kolom tidak dikenal; kolom yang dikenal: " + strings.Join(names, ", ")})
		case h.Has(name):
			errs = append(errs, fault.FieldError{Field: raw, Line: line,
				Reason: fmt.Sprintf("kolom %s muncul lebih dari sekali", name)})
		default:
			h.index[name], h.written[name] = i, raw
		}
	}
	for _, c := range cols {
		if c.Required && !h.Has(c.Name) {
			errs = append(errs, fault.FieldError{Field: c.Name, Line: line, Reason: "kolom wajib tidak ada"})
		}
	}
	return h, errs
}

// Has reports whether the file has the column.
func (h Header) Has(name string) bool { _, ok := h.index[name]; return ok }

// Cell is the row's value in the column, trimmed ("" when the file has no
// such column or the row is short).
func (h Header) Cell(cells []string, name string) string {
	i, ok := h.index[name]
	if !ok || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// Written is how the file itself calls a column, for error messages.
func (h Header) Written(name string) string {
	if w, ok := h.written[name]; ok {
		return w
	}
	return name
}

// Position is the cell index of the column the file writes as written, or
// -1, so errors can be listed in the file's column order.
func (h Header) Position(written string) int {
	for name, w := range h.written {
		if w == written {
			return h.index[name]
		}
	}
	return -1
}

var headerSeparators = regexp.MustCompile(`[\s.\-/]+`)

// FoldHeader is the form headers are compared in.
func FoldHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimRightFunc(s, func(r rune) bool { return r == '*' || unicode.IsSpace(r) })
	return strings.Trim(headerSeparators.ReplaceAllString(s, "_"), "_")
}

func trimAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.TrimSpace(c)
	}
	return out
}
