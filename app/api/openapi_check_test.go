package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"
)

// Every request a test sends through testServer.do is checked against the
// OpenAPI document the server publishes: the answer must be one the
// document describes (status, media type, body shape), and a request the
// document calls invalid must not succeed. A mismatch fails the test with
// the route and the doc field to fix.

// reporter is the part of *testing.T the check needs (a fake in the
// check's own tests).
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// documentChecker validates exchanges against one OpenAPI document.
type documentChecker struct {
	router routers.Router
}

var (
	checkerMu     sync.Mutex
	sharedChecker *documentChecker
)

// checkerFor returns the checker for the document e serves, loading it on
// first use; every server of the test binary serves the same routes.
func checkerFor(r reporter, e *echo.Echo) *documentChecker {
	r.Helper()
	checkerMu.Lock()
	defer checkerMu.Unlock()
	if sharedChecker == nil {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
		c, err := newDocumentChecker(rec.Body.Bytes())
		if err != nil {
			r.Errorf("openapi: the served document (status %d) cannot check responses: %v", rec.Code, err)
			return nil
		}
		sharedChecker = c
	}
	return sharedChecker
}

func newDocumentChecker(document []byte) (*documentChecker, error) {
	spec, err := openapi3.NewLoader().LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	router, err := legacy.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	return &documentChecker{router: router}, nil
}

// check validates one exchange: the request as sent (sent is its body) and
// the recorded answer. Requests to routes outside the document (unknown
// paths, test-only routes, wrong methods) are not checked.
func (dc *documentChecker) check(r reporter, req *http.Request, sent []byte, rec *httptest.ResponseRecorder) {
	r.Helper()
	route, pathParams, err := dc.router.FindRoute(req)
	if err != nil {
		return
	}
	name := fmt.Sprintf("%s %s (operation %s)", route.Method, route.Path, route.Operation.OperationID)
	ctx := context.Background()
	req.Body = io.NopCloser(bytes.NewReader(sent))
	reqIn := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
		},
	}
	status := rec.Code
	if status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, reqIn); err != nil {
			r.Errorf("openapi: %s was answered %d to a request the document calls invalid; "+
				"describe what the route accepts in doc.request, doc.query, doc.params or doc.form "+
				"(json omitempty or openapi:\"optional\" for optional fields):\n%v", name, status, err)
		}
		if unknown := undocumentedQuery(req, route.Operation); len(unknown) > 0 {
			r.Errorf("openapi: %s was answered %d to query parameters the document does not list: %s; add them to doc.query",
				name, status, strings.Join(unknown, ", "))
		}
	}

	body := rec.Body.Bytes()
	if rec.Header().Get(echo.HeaderContentEncoding) == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			r.Errorf("openapi: %s: unreadable gzip body: %v", name, err)
			return
		}
	}
	respIn := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn, Status: status, Header: rec.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	respIn.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, respIn); err != nil {
		r.Errorf("openapi: %s answered %d, which the document does not describe; %s:\n%v\nbody: %.600s",
			name, status, fixHint(status, err), err, body)
		return
	}
	if doc := route.Operation.Responses.Status(status); doc != nil && doc.Value != nil &&
		len(doc.Value.Content) == 0 && len(body) > 0 {
		r.Errorf("openapi: %s answered %d with a %s body, but the document declares no body for it; "+
			"set doc.response (JSON) or doc.produces", name, status, rec.Header().Get(echo.HeaderContentType))
	}
}

// fixHint names the doc field that most likely needs fixing.
func fixHint(status int, err error) string {
	msg := err.Error()
	kind := "success"
	field := "doc.response (or the json tags of its type)"
	if status >= 400 {
		kind = "error"
		field = "the problem body (problem.go)"
	}
	switch {
	case strings.Contains(msg, "status is not supported"):
		if status >= 400 {
			return "add " + strconv.Itoa(status) + " to doc.errors"
		}
		return "set doc.status or doc.others to " + strconv.Itoa(status)
	case strings.Contains(msg, "content type") || strings.Contains(msg, "Content-Type"):
		return "list the answer's media type in doc.produces"
	case strings.Contains(msg, "Value is not nullable") || strings.Contains(msg, "value is not nullable"):
		return "a nil slice or map is written as null: answer an empty one (make([]T, 0)) or tag the field openapi:\"nullable\" in " + field
	}
	return "the " + kind + " body does not match " + field
}

// undocumentedQuery lists query parameters the request carries that the
// operation does not declare.
func undocumentedQuery(req *http.Request, op *openapi3.Operation) []string {
	declared := map[string]bool{}
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			declared[p.Value.Name] = true
		}
	}
	var out []string
	for name := range req.URL.Query() {
		if !declared[name] {
			out = append(out, name)
		}
	}
	return out
}

// checkExchange is how testServer.do hands each exchange over.
func (s *testServer) checkExchange(method, target string, headers []string, sent []byte, rec *httptest.ResponseRecorder) {
	s.t.Helper()
	dc := checkerFor(s.t, s.e)
	if dc == nil {
		return
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(sent))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	dc.check(s.t, req, sent, rec)
}
