package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
)

// pathID reads a positive integer path parameter. Anything else cannot name
// a record, so it is "not found", like an id that does not exist.
func pathID(c echo.Context, name string) (int64, error) {
	return idParam(c, name, fault.NotFound("not_found", "Catatan yang diminta tidak ditemukan."))
}

// idParam reads a positive id path parameter; anything else answers
// notFound, the same error the route gives for an id that does not exist,
// so a caller cannot tell a malformed id from a missing record.
func idParam(c echo.Context, name string, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, notFound
	}
	return id, nil
}

// queryReader reads typed query parameters, collecting one field error per
// bad parameter so a list request reports all of them at once (422).
type queryReader struct {
	c     echo.Context
	check fault.Checker
}

func newQuery(c echo.Context) *queryReader { return &queryReader{c: c} }

// pathText reads a text path parameter (a version, a token, a period).
// Text that is not valid UTF-8 or holds a NUL cannot name a record, and
// PostgreSQL would refuse it as a query argument: "not found".
func pathText(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if !cleanText(v) {
		return "", fault.NotFound("not_found", "Catatan yang diminta tidak ditemukan.")
	}
	return v, nil
}

// cleanText reports whether s is text PostgreSQL can take: valid UTF-8
// without NUL characters.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// queryText reads a text query parameter, trimmed, recording a field error
// (and answering "") when it is not clean text.
func queryText(c echo.Context, check *fault.Checker, name string) string {
	v := strings.TrimSpace(c.QueryParam(name))
	if !cleanText(v) {
		check.Add(name, "harus teks UTF-8 yang sah tanpa karakter NUL")
		return ""
	}
	return v
}

func (q *queryReader) text(name string) string { return queryText(q.c, &q.check, name) }

func (q *queryReader) number(name string, lo, hi int) int {
	raw := q.text(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		q.check.Add(name, "harus bilangan bulat antara "+strconv.Itoa(lo)+" dan "+strconv.Itoa(hi))
		return 0
	}
	return n
}

// id reads a positive record id; absent is 0.
func (q *queryReader) id(name string) int64 {
	raw := q.text(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 1 {
		q.check.Add(name, "harus bilangan bulat positif")
		return 0
	}
	return n
}

// boolean reads true or false; absent is nil.
func (q *queryReader) boolean(name string) *bool {
	raw := q.text(name)
	if raw == "" {
		return nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		q.check.Add(name, "harus true atau false")
		return nil
	}
	return &b
}

func (q *queryReader) page() auth.PageRequest {
	return auth.PageRequest{Page: q.number("page", 1, 1_000_000), PerPage: q.number("per_page", 1, auth.MaxPerPage)}
}

// flag reads true or false; absent is false.
func (q *queryReader) flag(name string) bool {
	b := q.boolean(name)
	return b != nil && *b
}

// instant reads an RFC 3339 time or a date in loc. A date as an upper bound
// means the end of that day.
func (q *queryReader) instant(name string, upper bool, loc *time.Location) time.Time {
	raw := q.text(name)
	if raw == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t
	}
	d, err := time.ParseInLocation(time.DateOnly, raw, loc)
	if err != nil {
		q.check.Add(name, "harus tanggal (YYYY-MM-DD) atau waktu RFC 3339")
		return time.Time{}
	}
	if upper {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// int64 reads a whole number ≥ 0; absent is 0.
func (q *queryReader) int64(name string) int64 {
	raw := q.text(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		q.check.Add(name, "harus bilangan bulat tidak negatif")
		return 0
	}
	return n
}

// limit reads the page size: 1–max, absent is 0 (the domain's default).
func (q *queryReader) limit(max int) int {
	raw := q.text("limit")
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		q.check.Add("limit", fmt.Sprintf("harus antara 1 dan %d", max))
		return 0
	}
	return n
}

func (q *queryReader) err() error { return q.check.Err() }

// listPage is the envelope of a keyset-paginated list.
type listPage[T any] struct {
	Items      []T    `json:"items"`
	NextCursor *int64 `json:"next_cursor" openapi:"nullable" doc:"Kirim sebagai ?cursor= untuk halaman berikutnya; null bila ini halaman terakhir."`
}

func newListPage[T any](items []T, next int64) listPage[T] {
	if items == nil {
		items = []T{}
	}
	p := listPage[T]{Items: items}
	if next != 0 {
		p.NextCursor = &next
	}
	return p
}

// pageQuery is the documented shape of the keyset pagination parameters.
type pageQuery struct {
	Cursor int64 `query:"cursor" doc:"Kursor dari next_cursor halaman sebelumnya"`
	Limit  int   `query:"limit" doc:"Jumlah baris per halaman (1–200, bawaan 50)" openapi:"min=1,max=200"`
}

// dateText writes a calendar date (a date column) as YYYY-MM-DD.
func dateText(t time.Time) string { return t.Format(time.DateOnly) }

// optDateText writes an optional calendar date, nil for none.
func optDateText(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := dateText(*t)
	return &s
}

// utcPtr writes an optional instant in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
