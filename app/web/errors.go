package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
)

// formErrors puts a domain refusal on the form's page. Each field error
// becomes "<label> <reason>" in the error summary; it links to its field
// (and shows beside it) only when onPage names the field, since a link must
// lead somewhere. A field the page does not have is still named, by the
// catalogue's "field.<name>" label. A refusal naming no field gives its
// detail. It reports the status to answer with, and false for an error that
// is not the caller's (the one error handler then answers it).
func formErrors(pg *page, err error, onPage map[string]string) (int, bool) {
	fe, ok := fault.As(err)
	if !ok || fe.Kind.Status() == 0 {
		return 0, false
	}
	for _, f := range fe.Fields {
		label, here := onPage[f.Field]
		if !here {
			label = fieldLabel(pg.Lang, f.Field)
		}
		e := fault.FieldError{Reason: label + " " + f.Reason}
		if here {
			e.Field = f.Field
		}
		pg.Errors = append(pg.Errors, e)
	}
	if len(pg.Errors) == 0 {
		pg.Errors = []fault.FieldError{{Reason: fe.Detail}}
	}
	return fe.Kind.Status(), true
}

// fieldLabel is how people call a domain field that is not on the page.
func fieldLabel(lang, name string) string {
	if m, err := translateIn(lang, "field."+name); err == nil {
		return m
	}
	return name
}

// faultDetail is the sentence a refusal gives a person.
func faultDetail(err error) string {
	if fe, ok := fault.As(err); ok && fe.Detail != "" {
		return fe.Detail
	}
	return msg("error.500.detail")
}

type errorView struct {
	Status     int
	Detail     string
	RetryAfter int // seconds; 0 when not given
}

// ErrorPage renders an error for a browser. The API's one error handler
// calls it for every path outside /api/, after classifying the error and
// logging it, so pages and API answer the same status for the same fault.
// A 500's detail never carries the cause.
func (p *Pages) ErrorPage(c echo.Context, status int, detail string, retryAfter int) error {
	if status >= 500 || detail == "" {
		detail = say(c, "error."+strconv.Itoa(errorKey(status))+".detail")
	}
	pg := p.newPage(c, say(c, "error."+strconv.Itoa(errorKey(status))+".title"), errorView{Status: status, Detail: detail, RetryAfter: retryAfter})
	// Also for a path no page route matched, which ran no page middleware.
	setPageHeaders(c)
	return p.render(c, status, "error", pg)
}

// errorKey is the status whose texts describe status: the four the pages
// word themselves, and 400 for the other refusals.
func errorKey(status int) int {
	switch status {
	case http.StatusNotFound, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		return status
	case http.StatusUnauthorized:
		return http.StatusForbidden
	}
	if status >= 500 {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}
