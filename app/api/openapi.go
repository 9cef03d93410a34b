package api

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
	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
)

// The OpenAPI document is generated from the route table once, when the
// server starts: a route cannot be added without appearing in it, and its
// schemas come from the very request and response types the handlers use
// (by reflection, honouring json tags), so the document cannot drift from
// the code the way a hand-written file does. The test harness validates
// every response of the test suite against it.

const (
	mediaJSON    = echo.MIMEApplicationJSON
	mediaProblem = "application/problem+json"
	bearerScheme = "bearerAuth"
)

// errorText explains each error status in the document.
var errorText = map[int]string{
	http.StatusBadRequest:            "JSON rusak, kosong atau berisi data tambahan, atau parameter tidak dapat diurai.",
	http.StatusUnauthorized:          "Token tidak ada, tidak berlaku, kedaluwarsa atau sudah dicabut.",
	http.StatusForbidden:             "Peran pemanggil tidak memiliki izin untuk tindakan ini.",
	http.StatusNotFound:              "Catatan tidak ada, atau berada di luar cakupan pemanggil (milik perusahaan atau IKM lain).",
	http.StatusConflict:              "Keadaan data menolak tindakan ini (nilai unik sudah dipakai, atau status tidak sesuai); `errors` atau anggota tambahan menjelaskan.",
	http.StatusGone:                  "Sumber ini sudah tidak dapat dipakai (misalnya tautan yang kedaluwarsa).",
	http.StatusRequestEntityTooLarge: "Badan permintaan atau berkas melebihi batas ukuran.",
	http.StatusUnsupportedMediaType:  "Jenis media badan permintaan atau berkas tidak didukung.",
	http.StatusUnprocessableEntity:   "`errors` menyebut setiap kolom dan alasannya (`line` untuk baris berkas unggahan). Tidak ada yang disimpan.",
	http.StatusTooManyRequests:       "Coba lagi setelah `Retry-After` detik.",
	http.StatusInternalServerError:   "Sampaikan `request_id` kepada petugas bila berulang.",
	http.StatusServiceUnavailable: "Layanan tidak dapat menjawab sekarang; coba lagi setelah `Retry-After` detik. `code`: " +
		"`database_unavailable` (basis data tidak terjangkau), `database_busy` (semua koneksi sedang dipakai), " +
		"`request_timeout` (permintaan melewati batas waktunya), `shutting_down` (layanan sedang dimulai ulang); " +
		"untuk `/readyz`: `database_unreachable`, `schema_behind` dan `schema_unknown`.",
}

const apiDescription = `API Sistem Informasi Kemitraan Dinas Perindustrian Kabupaten Bekasi.

**Masuk.** Rute bertanda gembok memerlukan ` + "`Authorization: Bearer <token>`" + `: token sesi dari
` + "`POST /api/v1/auth/login`" + `, atau token API ERP sebuah perusahaan (hanya untuk melaporkan
dan membaca pembelian serta ruang gerai usahanya sendiri). Setiap operasi menyebut izin
yang diperlukan (` + "`x-permission`" + `) dan peran yang memilikinya (` + "`x-roles`" + `). Pengguna perusahaan
atau IKM yang meminta catatan milik pihak lain mendapat 404.

**Kesalahan.** Setiap kesalahan berupa ` + "`application/problem+json`" + ` (RFC 9457) dengan ` + "`code`" + ` yang
tetap untuk program, ` + "`detail`" + ` dalam Bahasa Indonesia, ` + "`request_id`" + `, dan untuk validasi daftar
` + "`errors`" + ` yang menyebut kolom dan alasannya.

**Nilai.** Uang dalam rupiah sebagai bilangan bulat. Waktu dalam UTC (RFC 3339);
periode dan tenggat dihitung menurut Asia/Jakarta (WIB).`

// openAPIBuilder assembles the document from the route table.
type openAPIBuilder struct {
	spec         *openapi3.T
	req, resp    *schemaMaker
	components   map[bodyKey]string
	names        map[string]bodyKey
	opIDs        map[string]bool
	defaultLimit int64
}

type bodyKey struct {
	side side
	t    reflect.Type
}

// openAPIDocument is the generated document. Its JSON is written on first
// request: encoding costs several times what building does, and most
// servers (every test's) never serve it.
type openAPIDocument struct {
	spec *openapi3.T
	json func() ([]byte, error)
}

// buildOpenAPI describes routes as an OpenAPI 3.0 document. defaultLimit is
// the body limit of routes that set none.
func buildOpenAPI(routes []route, defaultLimit int64) (*openAPIDocument, error) {
	spec := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       "Kemitraan API",
			Version:     "1",
			Description: apiDescription,
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:   openapi3.Schemas{},
			Responses: openapi3.ResponseBodies{},
			SecuritySchemes: openapi3.SecuritySchemes{bearerScheme: {Value: &openapi3.SecurityScheme{
				Type: "http", Scheme: "bearer",
				Description: "Token sesi (POST /api/v1/auth/login) atau token API ERP.",
			}}},
		},
	}
	b := &openAPIBuilder{
		spec:         spec,
		components:   map[bodyKey]string{},
		names:        map[string]bodyKey{},
		opIDs:        map[string]bool{},
		defaultLimit: defaultLimit,
	}
	b.req = newSchemaMaker(inRequest, spec.Components.Schemas)
	b.resp = newSchemaMaker(inResponse, spec.Components.Schemas)
	b.addProblem()

	seenTags := map[string]bool{}
	for _, r := range routes {
		op, err := b.operation(r)
		if err != nil {
			return nil, fmt.Errorf("openapi: route %s %s: %w", r.method, r.path, err)
		}
		path, _ := openAPIPath(r.path)
		if item := spec.Paths.Value(path); item != nil && item.GetOperation(r.method) != nil {
			return nil, fmt.Errorf("openapi: route %s %s is in the route table twice", r.method, r.path)
		}
		spec.AddOperation(path, r.method, op)
		if r.doc.tag != "" && !seenTags[r.doc.tag] {
			seenTags[r.doc.tag] = true
			spec.Tags = append(spec.Tags, &openapi3.Tag{Name: r.doc.tag})
		}
	}
	return &openAPIDocument{spec: spec, json: sync.OnceValues(func() ([]byte, error) {
		return json.Marshal(spec)
	})}, nil
}

// addProblem declares the problem+json shape and one shared response per
// error status.
func (b *openAPIBuilder) addProblem() {
	described := func(s *openapi3.Schema, desc string) *openapi3.Schema {
		s.Description = desc
		return s
	}
	str := func(desc string) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("", described(openapi3.NewStringSchema(), desc))
	}
	fieldError := openapi3.NewObjectSchema().
		WithProperty("field", described(openapi3.NewStringSchema(), "Nama kolom atau parameter, atau kolom berkas unggahan.")).
		WithProperty("reason", described(openapi3.NewStringSchema(), "Alasannya, dalam Bahasa Indonesia.")).
		WithProperty("line", described(openapi3.NewInt64Schema().WithMin(1), "Baris berkas unggahan (baris judul = 1)."))
	fieldError.Required = []string{"field", "reason"}
	fieldError.AdditionalProperties = noExtraMembers
	b.spec.Components.Schemas["FieldError"] = openapi3.NewSchemaRef("", fieldError)

	problem := &openapi3.Schema{
		Type:        &openapi3.Types{openapi3.TypeObject},
		Description: "Kesalahan menurut RFC 9457. Anggota tambahan (misalnya keadaan catatan saat ini pada 409) dapat menyertai.",
		Required:    []string{"type", "title", "status", "detail", "code"},
		Properties: openapi3.Schemas{
			"type":       str("URN jenis kesalahan, `urn:kemitraan:problem:<code>`."),
			"title":      str("Judul singkat menurut status."),
			"status":     openapi3.NewSchemaRef("", openapi3.NewIntegerSchema().WithMin(400).WithMax(599)),
			"detail":     str("Penjelasan untuk orang, dalam Bahasa Indonesia."),
			"code":       str("Kode tetap untuk program, snake_case."),
			"instance":   str("Jalur permintaan."),
			"request_id": str("Kode permintaan, untuk dilaporkan kepada petugas."),
			"errors": openapi3.NewSchemaRef("", described(openapi3.NewArraySchema(),
				"Setiap kolom yang salah dan alasannya.")),
		},
	}
	problem.Properties["errors"].Value.Items = openapi3.NewSchemaRef("#/components/schemas/FieldError", nil)
	b.spec.Components.Schemas["Problem"] = openapi3.NewSchemaRef("", problem)

	for status, text := range errorText {
		resp := openapi3.NewResponse().WithDescription(statusTitle(status) + ". " + text).
			WithContent(openapi3.Content{mediaProblem: {Schema: openapi3.NewSchemaRef("#/components/schemas/Problem", nil)}})
		if status == http.StatusTooManyRequests {
			resp.Headers = openapi3.Headers{"Retry-After": {Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Description: "Detik sebelum boleh mencoba lagi.",
				Schema:      openapi3.NewSchemaRef("", openapi3.NewIntegerSchema().WithMin(0)),
			}}}}
		}
		b.spec.Components.Responses[problemResponse(status)] = &openapi3.ResponseRef{Value: resp}
	}
}

func problemResponse(status int) string { return "Problem" + strconv.Itoa(status) }

func statusTitle(status int) string {
	if t := titles[status]; t != "" {
		return t
	}
	return http.StatusText(status)
}

// operation describes one route.
func (b *openAPIBuilder) operation(r route) (*openapi3.Operation, error) {
	d := r.doc
	if d.summary == "" || d.tag == "" {
		return nil, fmt.Errorf("doc.summary and doc.tag are required")
	}
	if strings.Contains(r.path, "*") {
		return nil, fmt.Errorf("a wildcard path cannot be described; use :name segments")
	}
	op := &openapi3.Operation{
		Summary:     d.summary,
		OperationID: b.operationID(r),
		Responses:   openapi3.NewResponses(),
	}
	op.Tags = []string{d.tag}
	// NewResponses starts with a "default" response; every status is listed
	// explicitly instead, so an undocumented one fails the response check.
	op.Responses.Delete("default")

	_, pathParams := openAPIPath(r.path)
	if err := b.pathParameters(op, pathParams, d.params); err != nil {
		return nil, err
	}
	if err := b.queryParameters(op, d.query); err != nil {
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
	if d.description != "" {
		notes = append(notes, d.description)
	}
	if r.perm == "" {
		notes = append(notes, "**Publik:** tanpa masuk.")
	} else {
		roles, token := whoMay(r.perm)
		op.Security = &openapi3.SecurityRequirements{{bearerScheme: {}}}
		op.Extensions = map[string]any{"x-permission": string(r.perm), "x-roles": roles, "x-erp-token": token}
		who := "peran " + strings.Join(roles, ", ")
		if len(roles) == 0 {
			who = "tidak ada peran"
		}
		if token {
			who += "; juga token API ERP untuk usahanya sendiri"
		}
		notes = append(notes, fmt.Sprintf("**Izin:** `%s` (%s).", r.perm, who))
	}
	if hasBody {
		limit := r.limit
		if limit == 0 {
			limit = b.defaultLimit
		}
		notes = append(notes, fmt.Sprintf("**Batas ukuran badan:** %d bita.", limit))
	}
	op.Description = strings.Join(notes, "\n\n")

	for _, status := range errorStatuses(r, hasBody, len(pathParams) > 0) {
		if _, known := errorText[status]; !known {
			return nil, fmt.Errorf("doc.errors: status %d has no problem response; use one of %v", status, knownErrorStatuses())
		}
		op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: "#/components/responses/" + problemResponse(status)})
	}
	return op, nil
}

// errorStatuses derives the problem statuses a route can answer.
func errorStatuses(r route, hasBody, hasPathParams bool) []int {
	// Any route may find the database gone or busy, or run out of time.
	set := map[int]bool{http.StatusInternalServerError: true, http.StatusServiceUnavailable: true}
	if r.perm != "" {
		set[http.StatusUnauthorized], set[http.StatusForbidden] = true, true
		if r.method != http.MethodGet && r.method != http.MethodHead {
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
	if r.doc.query != nil {
		set[http.StatusBadRequest], set[http.StatusUnprocessableEntity] = true, true
	}
	for _, s := range r.doc.errors {
		set[s] = true
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func knownErrorStatuses() []int {
	out := make([]int, 0, len(errorText))
	for s := range errorText {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// whoMay lists the roles holding p, and whether an ERP token does.
func whoMay(p auth.Permission) (roles []string, token bool) {
	for _, r := range actor.Roles {
		if auth.Allowed(actor.Actor{UserID: 1, Role: r}, p) {
			roles = append(roles, string(r))
		}
	}
	return roles, auth.Allowed(actor.Actor{TokenID: 1, BusinessID: 1}, p)
}

// operationID names an operation after its handler method (listBusinesses),
// or after its method and path when the handler is not a plain method.
func (b *openAPIBuilder) operationID(r route) string {
	id := ""
	if fn := runtime.FuncForPC(reflect.ValueOf(r.handler).Pointer()); fn != nil {
		name := strings.TrimSuffix(fn.Name(), "-fm")
		if strings.Contains(name, "(*Server).") {
			id = name[strings.LastIndex(name, ".")+1:]
		}
	}
	if id == "" || strings.HasPrefix(id, "func") || b.opIDs[id] {
		var sb strings.Builder
		sb.WriteString(strings.ToLower(r.method))
		for _, part := range strings.FieldsFunc(r.path, func(c rune) bool {
			return c == '/' || c == '.' || c == '-' || c == '_' || c == ':'
		}) {
			sb.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
		id = sb.String()
	}
	b.opIDs[id] = true
	return id
}

// openAPIPath turns echo's /businesses/:id into /businesses/{id} and lists
// the parameter names.
func openAPIPath(p string) (string, []string) {
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

func (b *openAPIBuilder) pathParameters(op *openapi3.Operation, names []string, params any) error {
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
				return fmt.Errorf("doc.params: %w", err)
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
		return fmt.Errorf("doc.params names %q, which the path does not have", extra)
	}
	return nil
}

func idLike(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "ID")
}

func (b *openAPIBuilder) queryParameters(op *openapi3.Operation, query any) error {
	if query == nil {
		return nil
	}
	fields := taggedFields(reflect.TypeOf(query), "query")
	if len(fields) == 0 {
		return fmt.Errorf("doc.query %T has no field with a `query:\"name\"` tag", query)
	}
	for _, f := range fields {
		schema, err := b.req.fieldSchema(f)
		if err != nil {
			return fmt.Errorf("doc.query: %w", err)
		}
		p := openapi3.NewQueryParameter(f.Tag.Get("query")).WithSchema(schema.Value)
		p.Description, schema.Value.Description = schema.Value.Description, ""
		p.Required = tagOptions(f.Tag.Get("openapi")).has("required")
		op.AddParameter(p)
	}
	return nil
}

// requestBody documents the JSON, multipart or raw body a route accepts.
func (b *openAPIBuilder) requestBody(op *openapi3.Operation, d doc) (bool, error) {
	content := openapi3.Content{}
	if d.request != nil {
		ref, err := b.body(inRequest, d.request)
		if err != nil {
			return false, fmt.Errorf("doc.request: %w", err)
		}
		content[mediaJSON] = &openapi3.MediaType{Schema: ref, Example: d.reqExample}
	}
	if d.form != nil {
		form := openapi3.NewObjectSchema()
		fields := taggedFields(reflect.TypeOf(d.form), "form")
		if len(fields) == 0 {
			return false, fmt.Errorf("doc.form %T has no field with a `form:\"name\"` tag", d.form)
		}
		for _, f := range fields {
			ref, err := b.req.fieldSchema(f)
			if err != nil {
				return false, fmt.Errorf("doc.form: %w", err)
			}
			name := f.Tag.Get("form")
			form.Properties[name] = ref
			if tagOptions(f.Tag.Get("openapi")).has("required") {
				form.Required = append(form.Required, name)
			}
		}
		content["multipart/form-data"] = openapi3.NewMediaType().WithSchema(form)
	}
	for _, mt := range d.consumes {
		content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
	}
	if len(content) == 0 {
		return false, nil
	}
	op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(!d.noBodyOK).WithContent(content)}
	return true, nil
}

func (b *openAPIBuilder) successResponses(op *openapi3.Operation, d doc) error {
	status := d.status
	if status == 0 {
		status = http.StatusOK
	}
	resp, err := b.success(status, d.response, d.produces, d.example)
	if err != nil {
		return fmt.Errorf("doc.response: %w", err)
	}
	op.Responses.Set(strconv.Itoa(status), resp)
	for st, body := range d.others {
		if st == status {
			return fmt.Errorf("doc.others repeats the main status %d", st)
		}
		resp, err := b.success(st, body, nil, nil)
		if err != nil {
			return fmt.Errorf("doc.others[%d]: %w", st, err)
		}
		op.Responses.Set(strconv.Itoa(st), resp)
	}
	return nil
}

func (b *openAPIBuilder) success(status int, body any, produces []string, example any) (*openapi3.ResponseRef, error) {
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
func (b *openAPIBuilder) body(s side, v any) (*openapi3.SchemaRef, error) {
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
func (b *openAPIBuilder) componentName(key bodyKey) string {
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
