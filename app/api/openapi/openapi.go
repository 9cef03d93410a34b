// Package openapi writes the API's OpenAPI 3.0 document from its route
// table, once, when the server starts: a route cannot be added without
// appearing in it, and its schemas come from the very request and response
// types the handlers use (by reflection, honouring json tags), so the
// document cannot drift from the code the way a hand-written file does.
//
// Field tags read on request, response, query, params and form types:
//
//	json:"name,omitempty"  a response field without omitempty is always sent
//	                       (required); a request field is required unless it
//	                       has omitempty or is a pointer
//	doc:"…"                the field's description
//	example:"…"            an example value
//	openapi:"nullable,optional,required,format=date,min=0,max=100,enum=a|b|c"
//	openapi:"vocab=name"   the values of the vocabulary Options.Vocabularies
//	                       names: one list in the domain, not a copy in a tag
//
// A nil slice or map encodes as null, which the document rejects for a list:
// answer an empty slice, or tag the field openapi:"nullable".
package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

const (
	mediaJSON    = "application/json"
	mediaProblem = "application/problem+json"
	bearerScheme = "bearerAuth"
)

// Doc describes one route. Everything beyond Summary and Tag is optional;
// zero values give sensible defaults. Build derives the rest: path
// parameters, security and roles from the Operation, the problem+json
// error statuses.
type Doc struct {
	Summary  string
	Tag      string
	Request  any // the JSON body shape, nil for none
	Response any // the success body shape, nil for none
	Status   int // the success status; 0 means 200

	Description string      // longer text (Markdown) after the summary
	Query       any         // struct of query parameters, named by `query:"name"` tags
	Params      any         // struct of path parameters by `param:"name"` tags; default: integer for id-like names, else string
	Form        any         // multipart/form-data body: struct with `form:"name"` tags; *multipart.FileHeader fields are files
	Consumes    []string    // raw body media types (e.g. "text/csv"), sent as the whole body
	Produces    []string    // success media types; default application/json when Response is set. Others (text/csv, application/pdf, …) are binary downloads
	Others      map[int]any // further success statuses and their JSON bodies (nil for none), e.g. {200: importResult{}} beside status 201
	Errors      []int       // error statuses beyond the derived ones (401/403 with a permission, 404 with a path id, 400/413/415/422 with a body, 400/422 with query, 409 on authenticated writes, 500 and 503 always), e.g. 429, 410
	Example     any         // an example success body (a value of the response type)
	ReqExample  any         // an example request body
	NoBodyOK    bool        // the route also accepts no body at all (the request body is not required)
}

// Operation is one route as the document sees it.
type Operation struct {
	Method, Path string // Path in echo's form, /businesses/:id
	// Handler names the operation after its method (listBusinesses); a
	// function literal falls back to the method and path.
	Handler    any
	Permission string   // empty for a public route
	Roles      []string // the roles holding Permission
	ERPToken   bool     // whether a company's ERP token holds it too
	BodyLimit  int64    // the body limit in bytes
	Doc        Doc
}

// Options are what the document says beyond the routes.
type Options struct {
	Title, Version, Description string
	SecurityDescription         string
	// Problem is a value of the error body's type; its schema is the
	// Problem component, open to extra members (ProblemDescription says
	// which), and every error status answers it.
	Problem            any
	ProblemDescription string
	// Errors describes each error status a route may answer.
	Errors map[int]string
	// Vocabularies are the closed lists of values fields name with
	// openapi:"vocab=name".
	Vocabularies map[string][]string
}

// builder assembles the document from the route table.
type builder struct {
	opts       Options
	spec       *openapi3.T
	req, resp  *schemaMaker
	components map[bodyKey]string
	names      map[string]bodyKey
	opIDs      map[string]bool
}

type bodyKey struct {
	side side
	t    reflect.Type
}

// Document is the generated document. Its JSON is written on first
// request: encoding costs several times what building does, and most
// servers (every test's) never serve it.
type Document struct {
	Spec *openapi3.T
	json func() ([]byte, error)
}

// JSON is the document encoded, made once.
func (d *Document) JSON() ([]byte, error) { return d.json() }

// Build describes the operations as an OpenAPI 3.0 document.
func Build(ops []Operation, o Options) (*Document, error) {
	spec := &openapi3.T{
		OpenAPI: "3.0.3",
		Info:    &openapi3.Info{Title: o.Title, Version: o.Version, Description: o.Description},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:   openapi3.Schemas{},
			Responses: openapi3.ResponseBodies{},
			SecuritySchemes: openapi3.SecuritySchemes{bearerScheme: {Value: &openapi3.SecurityScheme{
				Type: "http", Scheme: "bearer", Description: o.SecurityDescription,
			}}},
		},
	}
	b := &builder{
		opts:       o,
		spec:       spec,
		components: map[bodyKey]string{},
		names:      map[string]bodyKey{},
		opIDs:      map[string]bool{},
	}
	b.req = newSchemaMaker(inRequest, spec.Components.Schemas, o.Vocabularies)
	b.resp = newSchemaMaker(inResponse, spec.Components.Schemas, o.Vocabularies)
	if err := b.addProblem(); err != nil {
		return nil, fmt.Errorf("openapi: problem: %w", err)
	}

	seenTags := map[string]bool{}
	for _, r := range ops {
		op, err := b.operation(r)
		if err != nil {
			return nil, fmt.Errorf("openapi: route %s %s: %w", r.Method, r.Path, err)
		}
		path, _ := Path(r.Path)
		if item := spec.Paths.Value(path); item != nil && item.GetOperation(r.Method) != nil {
			return nil, fmt.Errorf("openapi: route %s %s is in the route table twice", r.Method, r.Path)
		}
		spec.AddOperation(path, r.Method, op)
		if r.Doc.Tag != "" && !seenTags[r.Doc.Tag] {
			seenTags[r.Doc.Tag] = true
			spec.Tags = append(spec.Tags, &openapi3.Tag{Name: r.Doc.Tag})
		}
	}
	return &Document{Spec: spec, json: sync.OnceValues(func() ([]byte, error) {
		return json.Marshal(spec)
	})}, nil
}

// addProblem declares the error body's shape, from its Go type, and one
// shared response per error status.
func (b *builder) addProblem() error {
	if b.opts.Problem == nil {
		return fmt.Errorf("Options.Problem is required")
	}
	ref, err := b.resp.schema(b.opts.Problem)
	if err != nil {
		return err
	}
	problem := ref.Value
	problem.Description = b.opts.ProblemDescription
	problem.AdditionalProperties = openapi3.AdditionalProperties{} // extra members may follow
	b.spec.Components.Schemas["Problem"] = openapi3.NewSchemaRef("", problem)

	for status, text := range b.opts.Errors {
		resp := openapi3.NewResponse().WithDescription(text).
			WithContent(openapi3.Content{mediaProblem: {Schema: openapi3.NewSchemaRef("#/components/schemas/Problem", nil)}})
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			resp.Headers = openapi3.Headers{"Retry-After": {Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Description: "Detik sebelum boleh mencoba lagi.",
				Schema:      openapi3.NewSchemaRef("", openapi3.NewIntegerSchema().WithMin(0)),
			}}}}
		}
		b.spec.Components.Responses[problemResponse(status)] = &openapi3.ResponseRef{Value: resp}
	}
	return nil
}

func problemResponse(status int) string { return "Problem" + strconv.Itoa(status) }

// operation describes one route.
func (b *builder) operation(r Operation) (*openapi3.Operation, error) {
	d := r.Doc
	if d.Summary == "" || d.Tag == "" {
		return nil, fmt.Errorf("Doc.Summary and Doc.Tag are required")
	}
	if strings.Contains(r.Path, "*") {
		return nil, fmt.Errorf("a wildcard path cannot be described; use :name segments")
	}
	op := &openapi3.Operation{
		Summary:     d.Summary,
		OperationID: b.operationID(r),
		Responses:   openapi3.NewResponses(),
	}
	op.Tags = []string{d.Tag}
	// NewResponses starts with a "default" response; every status is listed
	// explicitly instead, so an undocumented one fails the response check.
	op.Responses.Delete("default")

	_, pathParams := Path(r.Path)
	if err := b.pathParameters(op, pathParams, d.Params); err != nil {
		return nil, err
	}
	if err := b.queryParameters(op, d.Query); err != nil {
		return nil, err
	}
	hasBody, err := b.requestBody(op, d)
	if err != nil {
		return nil, err
	}
	if err := b.successResponses(op, d); err != nil {
		return nil, err
	}

	var notes []string
	if d.Description != "" {
		notes = append(notes, d.Description)
	}
	if r.Permission == "" {
		notes = append(notes, "**Publik:** tanpa masuk.")
	} else {
		roles := r.Roles
		if roles == nil {
			roles = []string{}
		}
		op.Security = &openapi3.SecurityRequirements{{bearerScheme: {}}}
		op.Extensions = map[string]any{"x-permission": r.Permission, "x-roles": roles, "x-erp-token": r.ERPToken}
		who := "peran " + strings.Join(roles, ", ")
		if len(roles) == 0 {
			who = "tidak ada peran"
		}
		if r.ERPToken {
			who += "; juga token API ERP untuk usahanya sendiri"
		}
		notes = append(notes, fmt.Sprintf("**Izin:** `%s` (%s).", r.Permission, who))
	}
	if hasBody {
		notes = append(notes, fmt.Sprintf("**Batas ukuran badan:** %d bita.", r.BodyLimit))
	}
	op.Description = strings.Join(notes, "\n\n")

	for _, status := range errorStatuses(r, hasBody, len(pathParams) > 0) {
		if _, known := b.opts.Errors[status]; !known {
			return nil, fmt.Errorf("Doc.Errors: status %d has no problem response; use one of %v", status, slices.Sorted(maps.Keys(b.opts.Errors)))
		}
		op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: "#/components/responses/" + problemResponse(status)})
	}
	return op, nil
}

// errorStatuses derives the problem statuses a route can answer.
func errorStatuses(r Operation, hasBody, hasPathParams bool) []int {
	// Any route may find the database gone or busy, or run out of time.
	set := map[int]bool{http.StatusInternalServerError: true, http.StatusServiceUnavailable: true}
	if r.Permission != "" {
		set[http.StatusUnauthorized], set[http.StatusForbidden] = true, true
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			set[http.StatusConflict] = true
		}
	}
	if hasPathParams {
		set[http.StatusNotFound] = true
	}
	if hasBody {
		for _, s := range []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity} {
			set[s] = true
		}
	}
	if r.Doc.Query != nil {
		set[http.StatusBadRequest], set[http.StatusUnprocessableEntity] = true, true
	}
	for _, s := range r.Doc.Errors {
		set[s] = true
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// operationID names an operation after its handler method (listBusinesses),
// or after its method and path when the handler is not a plain method.
func (b *builder) operationID(r Operation) string {
	id := ""
	if h := reflect.ValueOf(r.Handler); h.Kind() == reflect.Func {
		if fn := runtime.FuncForPC(h.Pointer()); fn != nil {
			if name, method := strings.CutSuffix(fn.Name(), "-fm"); method {
				id = name[strings.LastIndex(name, ".")+1:]
			}
		}
	}
	if id == "" || strings.HasPrefix(id, "func") || b.opIDs[id] {
		var sb strings.Builder
		sb.WriteString(strings.ToLower(r.Method))
		for _, part := range strings.FieldsFunc(r.Path, func(c rune) bool {
			return c == '/' || c == '.' || c == '-' || c == '_' || c == ':'
		}) {
			sb.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
		id = sb.String()
	}
	b.opIDs[id] = true
	return id
}

// Path turns echo's /businesses/:id into /businesses/{id} and lists
// the parameter names.
func Path(p string) (string, []string) {
	segs := strings.Split(p, "/")
	var names []string
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			names = append(names, s[1:])
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/"), names
}

func (b *builder) pathParameters(op *openapi3.Operation, names []string, params any) error {
	declared := map[string]reflect.StructField{}
	if params != nil {
		for _, f := range taggedFields(reflect.TypeOf(params), "param") {
			declared[f.Tag.Get("param")] = f
		}
	}
	for _, name := range names {
		var schema *openapi3.SchemaRef
		if f, ok := declared[name]; ok {
			var err error
			if schema, err = b.req.fieldSchema(f); err != nil {
				return fmt.Errorf("Doc.Params: %w", err)
			}
			delete(declared, name)
		} else if idLike(name) {
			schema = openapi3.NewSchemaRef("", openapi3.NewInt64Schema().WithMin(1))
		} else {
			schema = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
		}
		p := openapi3.NewPathParameter(name).WithSchema(schema.Value)
		p.Description, schema.Value.Description = schema.Value.Description, ""
		op.AddParameter(p)
	}
	if len(declared) > 0 {
		extra := slices.Sorted(maps.Keys(declared))
		return fmt.Errorf("Doc.Params names %q, which the path does not have", extra)
	}
	return nil
}

func idLike(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "ID")
}

func (b *builder) queryParameters(op *openapi3.Operation, query any) error {
	if query == nil {
		return nil
	}
	fields := taggedFields(reflect.TypeOf(query), "query")
	if len(fields) == 0 {
		return fmt.Errorf("Doc.Query %T has no field with a `query:\"name\"` tag", query)
	}
	for _, f := range fields {
		schema, err := b.req.fieldSchema(f)
		if err != nil {
			return fmt.Errorf("Doc.Query: %w", err)
		}
		p := openapi3.NewQueryParameter(f.Tag.Get("query")).WithSchema(schema.Value)
		p.Description, schema.Value.Description = schema.Value.Description, ""
		p.Required = tagOptions(f.Tag.Get("openapi")).has("required")
		op.AddParameter(p)
	}
	return nil
}

// requestBody documents the JSON, multipart or raw body a route accepts.
func (b *builder) requestBody(op *openapi3.Operation, d Doc) (bool, error) {
	content := openapi3.Content{}
	if d.Request != nil {
		ref, err := b.body(inRequest, d.Request)
		if err != nil {
			return false, fmt.Errorf("Doc.Request: %w", err)
		}
		content[mediaJSON] = &openapi3.MediaType{Schema: ref, Example: d.ReqExample}
	}
	if d.Form != nil {
		form := openapi3.NewObjectSchema()
		fields := taggedFields(reflect.TypeOf(d.Form), "form")
		if len(fields) == 0 {
			return false, fmt.Errorf("Doc.Form %T has no field with a `form:\"name\"` tag", d.Form)
		}
		for _, f := range fields {
			ref, err := b.req.fieldSchema(f)
			if err != nil {
				return false, fmt.Errorf("Doc.Form: %w", err)
			}
			name := f.Tag.Get("form")
			form.Properties[name] = ref
			if tagOptions(f.Tag.Get("openapi")).has("required") {
				form.Required = append(form.Required, name)
			}
		}
		content["multipart/form-data"] = openapi3.NewMediaType().WithSchema(form)
	}
	for _, mt := range d.Consumes {
		content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
	}
	if len(content) == 0 {
		return false, nil
	}
	op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(!d.NoBodyOK).WithContent(content)}
	return true, nil
}

func (b *builder) successResponses(op *openapi3.Operation, d Doc) error {
	status := d.Status
	if status == 0 {
		status = http.StatusOK
	}
	resp, err := b.success(status, d.Response, d.Produces, d.Example)
	if err != nil {
		return fmt.Errorf("Doc.Response: %w", err)
	}
	op.Responses.Set(strconv.Itoa(status), resp)
	for st, body := range d.Others {
		if st == status {
			return fmt.Errorf("Doc.Others repeats the main status %d", st)
		}
		resp, err := b.success(st, body, nil, nil)
		if err != nil {
			return fmt.Errorf("Doc.Others[%d]: %w", st, err)
		}
		op.Responses.Set(strconv.Itoa(st), resp)
	}
	return nil
}

func (b *builder) success(status int, body any, produces []string, example any) (*openapi3.ResponseRef, error) {
	resp := openapi3.NewResponse().WithDescription(statusTitleID(status))
	if len(produces) == 0 && body != nil {
		produces = []string{mediaJSON}
	}
	if len(produces) > 0 {
		resp.Content = openapi3.Content{}
	}
	for _, mt := range produces {
		if !isJSONMedia(mt) {
			resp.Content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
			continue
		}
		if body == nil { // a JSON document whose shape is not ours to fix (the OpenAPI document itself)
			resp.Content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewObjectSchema())
			continue
		}
		ref, err := b.body(inResponse, body)
		if err != nil {
			return nil, err
		}
		resp.Content[mt] = &openapi3.MediaType{Schema: ref, Example: example}
	}
	return &openapi3.ResponseRef{Value: resp}, nil
}

func statusTitleID(status int) string {
	switch status {
	case http.StatusOK:
		return "Berhasil"
	case http.StatusCreated:
		return "Dibuat"
	case http.StatusAccepted:
		return "Diterima untuk diproses"
	case http.StatusNoContent:
		return "Berhasil, tanpa isi"
	}
	return http.StatusText(status)
}

func isJSONMedia(mt string) bool {
	base, _, err := mime.ParseMediaType(mt)
	if err != nil {
		base = mt
	}
	return base == mediaJSON || strings.HasSuffix(base, "+json")
}

// body describes a request or response body. A named struct becomes a
// component (listed under Schemas for readers); anything else is inline.
func (b *builder) body(s side, v any) (*openapi3.SchemaRef, error) {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	maker := b.resp
	if s == inRequest {
		maker = b.req
	}
	if t.Kind() != reflect.Struct || t.Name() == "" || t == timeType {
		return maker.schema(v)
	}
	key := bodyKey{s, t}
	if name, ok := b.components[key]; ok {
		return openapi3.NewSchemaRef("#/components/schemas/"+name, nil), nil
	}
	ref, err := maker.schema(v)
	if err != nil {
		return nil, err
	}
	name := b.componentName(key)
	b.components[key] = name
	b.spec.Components.Schemas[name] = openapi3.NewSchemaRef("", ref.Value)
	return openapi3.NewSchemaRef("#/components/schemas/"+name, nil), nil
}

// componentName gives each (side, type) its own name: a type used both
// ways gets an Input variant, and two packages' types of one name are
// told apart by package.
func (b *builder) componentName(key bodyKey) string {
	base := componentName(key.t)
	candidates := []string{base}
	if key.side == inRequest {
		candidates = append(candidates, base+"Input")
	}
	pkg := key.t.PkgPath()
	pkg = pkg[strings.LastIndex(pkg, "/")+1:]
	if pkg != "" {
		pkg = strings.ToUpper(pkg[:1]) + pkg[1:]
	}
	candidates = append(candidates, pkg+base)
	for i := 2; ; i++ {
		for _, c := range candidates {
			if _, taken := b.names[c]; !taken && b.spec.Components.Schemas[c] == nil {
				b.names[c] = key
				return c
			}
		}
		candidates = []string{pkg + base + strconv.Itoa(i)}
	}
}
