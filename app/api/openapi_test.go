package api

import (
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
)

// servedDocument fetches and loads the document a fresh server publishes.
func servedDocument(t *testing.T) (*testServer, *openapi3.T) {
	t.Helper()
	s := newTestServer(t, nil)
	r := s.do(http.MethodGet, "/api/v1/openapi.json", nil)
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", r.Code, r.Header().Get("Content-Type"))
	}
	spec, err := openapi3.NewLoader().LoadFromData(r.Body.Bytes())
	if err != nil {
		t.Fatalf("loading the served document: %v", err)
	}
	return s, spec
}

// TestOpenAPIDescribesEveryRoute fails when a route registered on echo is
// missing from the document, or the document lists an operation that is
// not registered.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	s, spec := servedDocument(t)

	registered := map[string]bool{}
	for _, r := range s.e.Routes() {
		if !slices.Contains(standardMethods, r.Method) {
			continue // echo's own bookkeeping entries (route-not-found and the like)
		}
		p, _ := openapi.Path(r.Path)
		registered[r.Method+" "+p] = true
	}
	documented := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for op := range registered {
		if !documented[op] {
			t.Errorf("route %s is registered but missing from /api/v1/openapi.json", op)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("operation %s is in /api/v1/openapi.json but no such route is registered", op)
		}
	}
	if len(registered) < 6 {
		t.Errorf("only %d routes registered; the walk found nothing to compare", len(registered))
	}
}

var standardMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// TestOpenAPIDocumentIsValid validates the document (examples included) and
// what every operation must carry.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	_, spec := servedDocument(t)
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	if id := spec.Paths.Value("/healthz").Get.OperationID; id != "healthz" {
		t.Errorf("operation id %q, want the handler's name healthz", id)
	}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.Summary == "" || len(op.Tags) != 1 {
				t.Errorf("%s: summary %q, tags %v", name, op.Summary, op.Tags)
			}
			success := 0
			for code, resp := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") {
					continue
				}
				success++
				if code != "204" && resp.Value != nil && len(resp.Value.Content) == 0 {
					t.Errorf("%s: success %s declares no body: set doc.response or doc.produces, or answer 204", name, code)
				}
			}
			if success == 0 {
				t.Errorf("%s documents no success response", name)
			}
			want := []int{http.StatusInternalServerError}
			if op.Security != nil {
				want = append(want, http.StatusUnauthorized, http.StatusForbidden)
				if roles, _ := op.Extensions["x-roles"].([]any); len(roles) == 0 {
					t.Errorf("%s requires permission %v that no role holds", name, op.Extensions["x-permission"])
				}
			}
			if strings.Contains(path, "{") {
				want = append(want, http.StatusNotFound)
			}
			if op.RequestBody != nil {
				want = append(want, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
					http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
			}
			for _, status := range want {
				r := op.Responses.Status(status)
				if r == nil || r.Value == nil || r.Value.Content.Get(mediaProblem) == nil {
					t.Errorf("%s does not document a problem+json %d", name, status)
				}
			}
		}
	}
}

// The types below stand for a resource's request and response shapes.
type sampleRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type sampleOut struct {
	ID      int64      `json:"id" example:"7"`
	Status  string     `json:"status" openapi:"enum=draft|approved" doc:"Status kesepakatan."`
	Note    string     `json:"note,omitempty"`
	Parent  *sampleRef `json:"parent"`
	Tags    []string   `json:"tags"`
	Maybe   []string   `json:"maybe" openapi:"nullable"`
	Amount  int64      `json:"amount" openapi:"min=0"`
	Day     string     `json:"day" openapi:"format=date"`
	Count   int64      `json:"count,string"`
	Payload any        `json:"payload"`
	//lint:ignore U1000 the generator must leave unexported fields out; this is the one it is shown
	secret string
}

type sampleIn struct {
	Name     string  `json:"name"`
	Note     string  `json:"note,omitempty"`
	ParentID *int64  `json:"parent_id"`
	Draft    bool    `json:"draft" openapi:"optional"`
	Ref      *string `json:"ref" openapi:"required"`
}

type samplePage[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

type sampleQuery struct {
	Status  []string `query:"status" openapi:"enum=draft|approved"`
	Page    int      `query:"page" openapi:"min=1" doc:"Halaman, mulai 1."`
	Ignored string
}

type sampleParams struct {
	Period string `param:"period" example:"2025-Q1"`
}

type sampleForm struct {
	File   *multipart.FileHeader `form:"file" openapi:"required"`
	DryRun bool                  `form:"dry_run"`
}

func nop(echo.Context) error { return nil }

func sampleRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/samples", perm: auth.PermRegistryRead, handler: nop,
			doc: openapi.Doc{Summary: "Daftar", Tag: "contoh", Query: sampleQuery{}, Response: samplePage[sampleOut]{}}},
		{method: http.MethodPost, path: "/api/v1/samples", perm: auth.PermRegistryManage, handler: nop,
			doc: openapi.Doc{Summary: "Buat", Tag: "contoh", Request: sampleIn{}, Response: sampleOut{}, Status: http.StatusCreated,
				ReqExample: sampleIn{Name: "x"}, Errors: []int{http.StatusTooManyRequests}}},
		{method: http.MethodGet, path: "/api/v1/samples/:id/periods/:period", handler: nop,
			doc: openapi.Doc{Summary: "Satu", Tag: "contoh", Params: sampleParams{}, Response: &sampleOut{},
				Produces: []string{"application/json", "text/csv"}}},
		{method: http.MethodPost, path: "/api/v1/samples/import", perm: auth.PermPurchasesReport, handler: nop, limit: 1 << 20,
			doc: openapi.Doc{Summary: "Impor", Tag: "contoh", Form: sampleForm{}, Response: sampleRef{},
				Others: map[int]any{http.StatusAccepted: nil}}},
		{method: http.MethodPut, path: "/api/v1/samples/:id", perm: auth.PermRegistryManage, handler: nop,
			doc: openapi.Doc{Summary: "Ubah", Tag: "contoh", Request: sampleOut{}, Response: sampleOut{}}},
	}
}

// TestOpenAPIFromGoTypes pins how Go types and doc fields become the
// document: required and nullable members, tags, parameters, bodies,
// statuses and roles.
func TestOpenAPIFromGoTypes(t *testing.T) {
	t.Parallel()
	raw := mustDocumentJSON(t, sampleRoutes(), 4096)
	spec, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("invalid: %v", err)
	}
	schemas := spec.Components.Schemas
	op := func(method, path string) *openapi3.Operation {
		t.Helper()
		item := spec.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Fatalf("no operation %s %s", method, path)
		}
		return item.GetOperation(method)
	}
	out := schemas["SampleOut"].Value
	in := schemas["SampleIn"].Value
	prop := func(s *openapi3.Schema, name string) *openapi3.Schema {
		t.Helper()
		p := s.Properties[name]
		if p == nil || p.Value == nil {
			t.Fatalf("no property %s", name)
		}
		return p.Value
	}
	list := op(http.MethodGet, "/api/v1/samples")
	create := op(http.MethodPost, "/api/v1/samples")
	one := op(http.MethodGet, "/api/v1/samples/{id}/periods/{period}")
	imp := op(http.MethodPost, "/api/v1/samples/import")
	put := op(http.MethodPut, "/api/v1/samples/{id}")

	tests := []struct {
		name      string
		got, want any
	}{
		{"response: members without omitempty are required", out.Required,
			[]string{"id", "status", "parent", "tags", "maybe", "amount", "day", "count", "payload"}},
		{"response: no members beyond the type's", *out.AdditionalProperties.Has, false},
		{"response: unexported fields are left out", out.Properties["secret"] == nil, true},
		{"response: pointer is nullable", prop(out, "parent").Nullable, true},
		{"response: nested struct is closed", *prop(out, "parent").AdditionalProperties.Has, false},
		{"response: slice is not nullable", prop(out, "tags").Nullable, false},
		{"response: openapi:nullable", prop(out, "maybe").Nullable, true},
		{"response: any is nullable", prop(out, "payload").Nullable, true},
		{"enum tag", prop(out, "status").Enum, []any{"draft", "approved"}},
		{"doc tag", prop(out, "status").Description, "Status kesepakatan."},
		{"example tag typed", prop(out, "id").Example, float64(7)},
		{"min tag", *prop(out, "amount").Min, float64(0)},
		{"format tag", prop(out, "day").Format, "date"},
		{",string is a string", prop(out, "count").Type.Is("string"), true},
		{"request: non-pointer without omitempty, or openapi:required", in.Required, []string{"name", "ref"}},
		{"request: closed, as bindJSON refuses unknown fields", *in.AdditionalProperties.Has, false},
		{"a type used both ways gets an Input variant", schemas["SampleOutInput"] != nil, true},
		{"the Input variant has request semantics", schemas["SampleOutInput"].Value.Required,
			[]string{"id", "status", "tags", "maybe", "amount", "day", "count", "payload"}},
		{"generic page named after its argument", schemas["SamplePageSampleOut"] != nil, true},
		{"query parameters from query tags", paramNames(list, "query"), []string{"status", "page"}},
		{"query array items carry the enum", paramSchema(list, "status").Items.Value.Enum, []any{"draft", "approved"}},
		{"query description moves to the parameter", paramDescription(list, "page"), "Halaman, mulai 1."},
		{"path id defaults to a positive integer", paramSchema(one, "id").Type.Is("integer"), true},
		{"path parameter typed by doc.params", paramSchema(one, "period").Example, "2025-Q1"},
		{"public route has no security", one.Security == nil, true},
		{"permission and roles", []any{create.Extensions["x-permission"], create.Extensions["x-roles"]},
			[]any{"registry.manage", []any{"officer"}}},
		{"ERP token marked", imp.Extensions["x-erp-token"], true},
		{"derived and extra error statuses, write", statuses(create),
			[]string{"201", "400", "401", "403", "409", "413", "415", "422", "429", "500", "503"}},
		{"derived error statuses, list with query", statuses(list), []string{"200", "400", "401", "403", "422", "500", "503"}},
		{"derived error statuses, public with path id", statuses(one), []string{"200", "404", "500", "503"}},
		{"others adds a success status", statuses(imp),
			[]string{"200", "202", "400", "401", "403", "409", "413", "415", "422", "500", "503"}},
		{"download is binary", one.Responses.Status(200).Value.Content.Get("text/csv").Schema.Value.Format, "binary"},
		{"multipart file is binary", imp.RequestBody.Value.Content.Get("multipart/form-data").Schema.Value.
			Properties["file"].Value.Format, "binary"},
		{"multipart required from the tag", imp.RequestBody.Value.Content.Get("multipart/form-data").Schema.Value.Required,
			[]string{"file"}},
		{"route body limit in the description", strings.Contains(imp.Description, "1048576 bita"), true},
		{"default body limit in the description", strings.Contains(create.Description, "4096 bita"), true},
		{"roles in the description", strings.Contains(put.Description, "`registry.manage` (peran officer)"), true},
		{"operation named after the path when the handler is no Server method", []string{list.OperationID, create.OperationID},
			[]string{"getApiV1Samples", "postApiV1Samples"}},
	}
	for _, tt := range tests {
		if gotJSON, wantJSON := mustJSON(tt.got), mustJSON(tt.want); gotJSON != wantJSON {
			t.Errorf("%s: got %s, want %s", tt.name, gotJSON, wantJSON)
		}
	}
}

func TestOpenAPIRefusesIncompleteDocs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    route
		want string
	}{
		{"no summary", route{method: http.MethodGet, path: "/x", handler: nop, doc: openapi.Doc{Tag: "t"}}, "Doc.Summary"},
		{"unknown error status", route{method: http.MethodGet, path: "/x", handler: nop,
			doc: openapi.Doc{Summary: "s", Tag: "t", Errors: []int{418}}}, "Doc.Errors: status 418"},
		{"params not in path", route{method: http.MethodGet, path: "/x/:id", handler: nop,
			doc: openapi.Doc{Summary: "s", Tag: "t", Params: sampleParams{}}}, `Doc.Params names ["period"]`},
		{"wildcard", route{method: http.MethodGet, path: "/x/*", handler: nop, doc: openapi.Doc{Summary: "s", Tag: "t"}}, "wildcard"},
		{"query without tags", route{method: http.MethodGet, path: "/x", handler: nop,
			doc: openapi.Doc{Summary: "s", Tag: "t", Query: sampleRef{}}}, "Doc.Query"},
		{"enum copying a vocabulary", route{method: http.MethodGet, path: "/x", handler: nop,
			doc: openapi.Doc{Summary: "s", Tag: "t", Query: struct {
				Status string `query:"status" openapi:"enum=inactive|active"`
			}{}}}, `vocab=ikm_status`},
		{"unknown vocabulary", route{method: http.MethodGet, path: "/x", handler: nop,
			doc: openapi.Doc{Summary: "s", Tag: "t", Query: struct {
				Colour string `query:"colour" openapi:"vocab=colour"`
			}{}}}, "no such vocabulary"},
		{"bad example tag", route{method: http.MethodGet, path: "/x", handler: nop,
			doc: openapi.Doc{Summary: "s", Tag: "t", Response: struct {
				N int `json:"n" example:"many"`
			}{}}}, `example "many"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := describe([]route{tt.r}, 1024)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/x") {
				t.Errorf("error %v, want one naming the route and %q", err, tt.want)
			}
		})
	}
	dup := route{method: http.MethodGet, path: "/x/:id", handler: nop, doc: openapi.Doc{Summary: "s", Tag: "t"}}
	if _, err := describe([]route{dup, dup}, 1024); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a route listed twice: %v", err)
	}
}

// TestOpenAPIVocabulariesAreTheDomainLists checks that a vocab tag puts
// the domain's own list into the document, so a value added to the domain
// reaches the document without a second edit.
func TestOpenAPIVocabulariesAreTheDomainLists(t *testing.T) {
	t.Parallel()
	r := route{method: http.MethodGet, path: "/api/v1/x", handler: nop, doc: openapi.Doc{Summary: "s", Tag: "t", Query: struct {
		Sector string `query:"sector" openapi:"vocab=sector"`
		Status string `query:"status" openapi:"vocab=purchase_status"`
	}{}}}
	var spec openapi3.T
	if err := json.Unmarshal(mustDocumentJSON(t, []route{r}, 1024), &spec); err != nil {
		t.Fatal(err)
	}
	op := spec.Paths.Find("/api/v1/x").Get
	for name, want := range map[string][]string{"sector": registry.Sectors, "status": texts(procurement.Statuses)} {
		var got []string
		for _, v := range paramSchema(op, name).Enum {
			got = append(got, fmt.Sprint(v))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("enum of %s (-domain +document):\n%s", name, diff)
		}
	}
}

// fakeReporter collects what the document check reports.
type fakeReporter struct{ msgs []string }

func (f *fakeReporter) Helper() {}
func (f *fakeReporter) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

// TestDocumentCheckCatchesMismatches runs real exchanges on routes whose
// handlers disagree with their doc, and expects the check to say so and
// name the doc field to fix.
func TestDocumentCheckCatchesMismatches(t *testing.T) {
	t.Parallel()
	good := sampleOut{ID: 1, Status: "draft", Tags: []string{}, Maybe: nil, Day: "2025-03-31"}
	answer := func(status int, v any) echo.HandlerFunc {
		return func(c echo.Context) error { return c.JSON(status, v) }
	}
	routes := []route{
		{method: http.MethodGet, path: "/good/:id", handler: answer(http.StatusOK, good),
			doc: openapi.Doc{Summary: "s", Tag: "t", Response: sampleOut{}, Query: sampleQuery{}}},
		{method: http.MethodGet, path: "/missing-field", handler: answer(http.StatusOK, map[string]any{"id": 1}),
			doc: openapi.Doc{Summary: "s", Tag: "t", Response: sampleRef{}}},
		{method: http.MethodGet, path: "/null-list", handler: answer(http.StatusOK, samplePage[sampleRef]{}),
			doc: openapi.Doc{Summary: "s", Tag: "t", Response: samplePage[sampleRef]{}}},
		{method: http.MethodGet, path: "/conflict", handler: func(echo.Context) error {
			return newProblem(http.StatusConflict, "conflict", "Konflik.")
		}, doc: openapi.Doc{Summary: "s", Tag: "t", Response: sampleRef{}}},
		{method: http.MethodGet, path: "/undocumented-body", handler: answer(http.StatusOK, sampleRef{}),
			doc: openapi.Doc{Summary: "s", Tag: "t"}},
		{method: http.MethodGet, path: "/csv", handler: func(c echo.Context) error {
			return c.Blob(http.StatusOK, "text/csv", []byte("a;b\n"))
		}, doc: openapi.Doc{Summary: "s", Tag: "t", Response: sampleRef{}}},
		{method: http.MethodPost, path: "/lenient", handler: answer(http.StatusCreated, sampleRef{ID: 1, Name: "x"}),
			doc: openapi.Doc{Summary: "s", Tag: "t", Request: sampleIn{}, Response: sampleRef{}, Status: http.StatusCreated}},
		{method: http.MethodGet, path: "/created", handler: answer(http.StatusCreated, sampleRef{}),
			doc: openapi.Doc{Summary: "s", Tag: "t", Response: sampleRef{}}},
	}
	dc, err := newDocumentChecker(mustDocumentJSON(t, routes, 1024))
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(nil, nil)
	for _, r := range routes {
		e.Add(r.method, r.path, r.handler)
	}

	tests := []struct {
		name, method, target, body string
		want                       string // "" for no complaint
	}{
		{"matching answer", http.MethodGet, "/good/3?page=2&status=draft", "", ""},
		{"unknown route is not checked", http.MethodGet, "/nowhere", "", ""},
		{"wrong method is not checked", http.MethodDelete, "/good/3", "", ""},
		{"invalid path id answered 200", http.MethodGet, "/good/abc", "", "calls invalid"},
		{"undocumented query parameter", http.MethodGet, "/good/3?colour=red", "", "add them to doc.query"},
		{"missing required member", http.MethodGet, "/missing-field", "", "does not match doc.response"},
		{"nil slice written as null", http.MethodGet, "/null-list", "", "make([]T, 0)"},
		{"undocumented error status", http.MethodGet, "/conflict", "", "add 409 to doc.errors"},
		{"undocumented success status", http.MethodGet, "/created", "", "doc.status or doc.others to 201"},
		{"body where none is documented", http.MethodGet, "/undocumented-body", "", "set doc.response"},
		{"media type not produced", http.MethodGet, "/csv", "", "doc.produces"},
		{"request the document rejects, accepted", http.MethodPost, "/lenient", `{"name":"x"}`, "calls invalid"},
		{"request the document accepts", http.MethodPost, "/lenient", `{"name":"x","ref":null}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			var f fakeReporter
			check := httptest.NewRequest(tt.method, tt.target, nil)
			check.Header = req.Header
			dc.check(&f, check, []byte(tt.body), rec)
			got := strings.Join(f.msgs, "\n")
			switch {
			case tt.want == "" && got != "":
				t.Errorf("unexpected complaint: %s", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("complaint %q, want one containing %q", got, tt.want)
			}
		})
	}
}

func TestDocsPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	page := s.do(http.MethodGet, "/api/docs", nil)
	if page.Code != http.StatusOK || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", page.Code, page.Header().Get("Content-Type"))
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("page CSP %q", csp)
	}
	for _, asset := range []struct{ path, ctype, contains string }{
		{"/api/docs/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"},
		{"/api/docs/swagger-ui.css", "text/css", ".swagger-ui"},
		{"/api/docs/init.js", "text/javascript", "/api/v1/openapi.json"},
		{"/api/docs/favicon-32x32.png", "image/png", "PNG"},
		{"/api/docs/LICENSE", "text/plain", "Apache License"},
	} {
		if !strings.Contains(page.Body.String(), asset.path) && !strings.HasSuffix(asset.path, "LICENSE") {
			t.Errorf("page does not load %s", asset.path)
		}
		r := s.do(http.MethodGet, asset.path, nil)
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), asset.ctype) ||
			!strings.Contains(r.Body.String(), asset.contains) {
			t.Errorf("%s: %d %s", asset.path, r.Code, r.Header().Get("Content-Type"))
		}
	}
	if !strings.Contains(s.do(http.MethodGet, "/api/docs/init.js", nil).Body.String(), "validatorUrl: null") {
		t.Error("the page would ask an outside validator about the document")
	}
	for _, bad := range []string{"/api/docs/nope.js", "/api/docs/..%2Fdocs.go", "/api/docs/%2E%2E"} {
		s.do(http.MethodGet, bad, nil).problem(http.StatusNotFound)
	}
}

func mustDocumentJSON(t *testing.T, routes []route, limit int64) []byte {
	t.Helper()
	d, err := describe(routes, limit)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(unmarshalable %T: %v)", v, err)
	}
	return string(b)
}

func paramNames(op *openapi3.Operation, in string) []string {
	var out []string
	for _, p := range op.Parameters {
		if p.Value.In == in {
			out = append(out, p.Value.Name)
		}
	}
	return out
}

func paramSchema(op *openapi3.Operation, name string) *openapi3.Schema {
	for _, p := range op.Parameters {
		if p.Value.Name == name {
			return p.Value.Schema.Value
		}
	}
	return &openapi3.Schema{}
}

func paramDescription(op *openapi3.Operation, name string) string {
	for _, p := range op.Parameters {
		if p.Value.Name == name {
			return p.Value.Description
		}
	}
	return ""
}

func statuses(op *openapi3.Operation) []string {
	var out []string
	for code := range op.Responses.Map() {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// BenchmarkOpenAPIDocument measures what building the document adds to
// server start, and what encoding it costs on first request.
func BenchmarkOpenAPIDocument(b *testing.B) {
	routes := (&Server{metrics: prometheus.NewRegistry()}).routes()
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := describe(routes, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		d, err := describe(routes, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := json.Marshal(d.Spec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
