// Package fault is the error vocabulary shared by domain packages. A domain
// function returns a *fault.Error (or wraps a sentinel) and the API's one error
// handler turns it into application/problem+json; domain code never knows HTTP.
package fault

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	KindInvalid         Kind = iota + 1 // the input is wrong; fix it and retry
	KindNotFound                        // no such record, or not yours to see
	KindConflict                        // the record's state forbids it now
	KindUnauthenticated                 // who are you?
	KindForbidden                       // you may not
	KindTooMany                         // slow down
	KindTooLarge                        // body or upload too big
	KindUnsupported                     // media type not accepted
	KindGone                            // existed once, no longer usable
)

// Status is the HTTP status a kind answers with, in the API and on the
// pages alike; 0 for a kind it does not know.
func (k Kind) Status() int {
	switch k {
	case KindInvalid:
		return http.StatusUnprocessableEntity
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindUnauthenticated:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindTooMany:
		return http.StatusTooManyRequests
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnsupported:
		return http.StatusUnsupportedMediaType
	case KindGone:
		return http.StatusGone
	}
	return 0
}

// Sentinels for errors.Is; every *Error of a kind matches its sentinel.
var (
	ErrInvalid         = &Error{Kind: KindInvalid, Code: "invalid"}
	ErrNotFound        = &Error{Kind: KindNotFound, Code: "not_found"}
	ErrConflict        = &Error{Kind: KindConflict, Code: "conflict"}
	ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Code: "unauthenticated"}
	ErrForbidden       = &Error{Kind: KindForbidden, Code: "forbidden"}
)

// FieldError names one bad input field and why, in Bahasa Indonesia.
// Line is set for rows of an uploaded file (1-based, the header is line 1).
type FieldError struct {
	Field  string `json:"field" doc:"Nama kolom atau parameter, atau kolom berkas unggahan."`
	Reason string `json:"reason" doc:"Alasannya, dalam Bahasa Indonesia."`
	Line   int    `json:"line,omitempty" openapi:"min=1" doc:"Baris berkas unggahan (baris judul = 1)."`
}

// Error is a classified error with a stable machine code and a human detail.
type Error struct {
	Kind   Kind
	Code   string // stable, snake_case, for clients to branch on
	Detail string // for people, in Bahasa Indonesia
	Fields []FieldError
	// Extra carries additional problem members (for example the current
	// state of a record in a 409, or counts of an import).
	Extra map[string]any
	// RetryAfter, in seconds, for KindTooMany.
	RetryAfter int
	Err        error // the cause, logged but never shown
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf("; %s: %s", f.Field, f.Reason)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches sentinels by kind, so errors.Is(err, fault.ErrNotFound) holds for
// every not-found error whatever its code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t == ErrInvalid || t == ErrNotFound || t == ErrConflict || t == ErrUnauthenticated || t == ErrForbidden {
		return e.Kind == t.Kind
	}
	return e == t
}

// NotFound says a record does not exist (or is outside the caller's scope,
// which callers must not be able to tell apart).
func NotFound(code, detail string) *Error {
	return &Error{Kind: KindNotFound, Code: code, Detail: detail}
}

// Conflict says the record's current state forbids the operation.
func Conflict(code, detail string) *Error {
	return &Error{Kind: KindConflict, Code: code, Detail: detail}
}

// Invalid is a validation failure with one or more field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: "validation_failed", Detail: "Data yang dikirim tidak valid.", Fields: fields}
}

// Field builds a FieldError.
func Field(field, reason string) FieldError { return FieldError{Field: field, Reason: reason} }

// OneOf is the reason for a value outside its vocabulary: "harus salah satu
// dari a, b, c".
func OneOf[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return "harus salah satu dari " + strings.Join(names, ", ")
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Checker collects field errors so a validator can report all of them at once.
type Checker struct{ fields []FieldError }

// Check records reason against field when ok is false.
func (c *Checker) Check(ok bool, field, reason string) {
	if !ok {
		c.fields = append(c.fields, FieldError{Field: field, Reason: reason})
	}
}

// Add records a field error unconditionally.
func (c *Checker) Add(field, reason string) { c.Check(false, field, reason) }

// Has reports whether field already has an error (to avoid piling on).
func (c *Checker) Has(field string) bool {
	for _, f := range c.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when every check passed, else an Invalid error.
func (c *Checker) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return Invalid(c.fields...)
}
