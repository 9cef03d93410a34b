package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

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

func (q *queryReader) str(name string) string { return queryText(q.c, &q.check, name) }

// int64 reads a whole number ≥ 0; absent is 0.
func (q *queryReader) int64(name string) int64 {
	raw := q.str(name)
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
	raw := q.str("limit")
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
