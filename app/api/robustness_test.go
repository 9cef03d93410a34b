package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
)

// Hostile input on every route: each route of the route table is called by
// each kind of caller allowed to use it (Dinas staff, a company user, an IKM
// user), with path ids, query parameters and JSON bodies no client should
// send. Whatever the input, the answer must not be a 5xx, a hostile path id
// must not be accepted, every 4xx must be application/problem+json (a 422
// naming its fields and reasons), and a refused request must change no row
// of any table (a trigger on every table logs each change). The harness
// also checks every exchange against the OpenAPI document.
//
// Real paths and valid bodies come from the authorisation matrix
// (authz_test.go), so one input at a time is spoiled and the rest of the
// request is good enough to reach the domain code and the database.

// hostileSegments replace one path parameter at a time.
var hostileSegments = []string{
	"0", "-1", "99999999999999999999", "9223372036854775808", "1.5", "1e3", "0x10", "abc",
	url.PathEscape("1' OR '1'='1"), url.PathEscape("1; DROP TABLE users; --"), "%00", "1%00",
	"%FF%FE", url.PathEscape("../../etc/passwd"), "2025-Q9", "abcd", "2025-13-45",
	strings.Repeat("9", 5000),
}

// hostileQuery values are sent to every documented query parameter.
var hostileQuery = []string{
	"abc", "-1", "0", "99999999999999999999", "9223372036854775808", "1e309", "1.5",
	"2025-13-45", "2025-02-30", "2025-Q9", "2025-Q0", "abcd", "tidak_dikenal",
	"%00", "a%00b", "%FF%FE", url.QueryEscape("1' OR '1'='1"), url.QueryEscape("%_\\"),
	url.QueryEscape(strings.Repeat("x", 100_000)),
}

// hostileBodies replace the whole JSON body.
var hostileBodies = []string{
	`[]`, `"x"`, `123`, `null`, `true`, ``, `{`, `{"a":`, `{} {}`, `{"a":1}`,
	"\xff\xfe", strings.Repeat("[", 100_000), strings.Repeat(`{"x":`, 20_000) + "1" + strings.Repeat("}", 20_000),
}

// hostileValues replace one field of a valid body at a time. Whitespace
// alone is left out: the registry and partnership validators trim every
// field and read blank as "absent" (shared with spreadsheet imports), which
// the document's enums and date formats cannot express.
var hostileValues = []string{
	`"x"`, `123`, `true`, `[]`, `{}`, `null`, `-1`, `0`, `1.5`,
	`1e309`, `9223372036854775808`, `-9223372036854775809`, `99999999999999999999`, `2147483648`,
	`"a\u0000b"`, "\"\xff\xfe\"", `"\ud800"`, `"2025-13-45"`, `"2025-Q9"`, `"abcd"`,
	`"` + strings.Repeat("x", 100_000) + `"`,
	strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
	`[123, "x", null, {}]`, `["` + strings.Repeat("y", 10_000) + `"]`,
}

// robustCallers picks, per route, the columns of the authorisation fixture
// that auth.Allowed lets use the route: the first of the Dinas staff roles,
// and the company and the IKM user where they may; public routes are called
// anonymously.
func robustCallers(perm auth.Permission) []who {
	if perm == "" {
		return []who{anon}
	}
	var out []who
	for _, c := range []struct {
		role actor.Role
		w    who
	}{
		{actor.RoleOfficer, officer}, {actor.RoleAdmin, admin}, {actor.RoleReviewer, reviewer},
		{actor.RoleCompany, own}, {actor.RoleIKM, ikmUser},
	} {
		staff := c.w == officer || c.w == admin || c.w == reviewer
		if auth.Allowed(actor.Actor{UserID: 1, Role: c.role}, perm) && (!staff || len(out) == 0) {
			out = append(out, c.w)
		}
	}
	return out
}

// queryNames lists the query parameters of a doc.query struct.
func queryNames(v any) []string {
	if v == nil {
		return nil
	}
	var out []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			if name, _, _ := strings.Cut(f.Tag.Get("query"), ","); name != "" && name != "-" {
				out = append(out, name)
			}
		}
	}
	walk(reflect.TypeOf(v))
	return out
}

// bodyFields lists the JSON field names of a doc.request type and of a
// concrete valid body.
func bodyFields(request any, base map[string]json.RawMessage) []string {
	seen := map[string]bool{}
	for k := range base {
		seen[k] = true
	}
	if request != nil {
		t := reflect.TypeOf(request)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			for i := range t.NumField() {
				if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
					seen[name] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// withField renders base with field set to raw (raw JSON, possibly invalid
// UTF-8 or otherwise broken on purpose).
func withField(base map[string]json.RawMessage, field, raw string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	keys := make([]string, 0, len(base)+1)
	for k := range base {
		if k != field {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%q:%s,", k, base[k])
	}
	fmt.Fprintf(&b, "%q:%s}", field, raw)
	return b.Bytes()
}

// withSegment replaces the path segment where route has param.
func withSegment(route, path, param, value string) string {
	p, q, _ := strings.Cut(path, "?")
	rs, ps := strings.Split(route, "/"), strings.Split(p, "/")
	for i := range rs {
		if rs[i] == ":"+param && i < len(ps) {
			ps[i] = value
		}
	}
	out := strings.Join(ps, "/")
	if q != "" {
		out += "?" + q
	}
	return out
}

// withQuery sets one query parameter of path to an already escaped value.
func withQuery(path, name, escaped string) string {
	p, q, _ := strings.Cut(path, "?")
	var kept []string
	for _, kv := range strings.Split(q, "&") {
		if kv != "" && !strings.HasPrefix(kv, name+"=") {
			kept = append(kept, kv)
		}
	}
	kept = append(kept, name+"="+escaped)
	return p + "?" + strings.Join(kept, "&")
}

// hostileCase is one request: the real path with at most one path or query
// parameter spoiled, and a body.
type hostileCase struct {
	name         string
	param, query string // the path or query parameter set to value
	value        string
	contentType  string
	body         []byte
	hasBody      bool
	dropped      bool   // the connection drops after body (see droppedBody)
	wantCode     string // when set, the answer must be a 400 with this code
}

func TestRobustnessHostileInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	logChanges(t, s)
	rows := map[string]authzRow{}
	for _, row := range authzMatrix {
		rows[row.method+" "+row.route] = row
	}
	routes := (&Server{metrics: prometheus.NewRegistry()}).routes()
	total := 0
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			s := s.in(t)
			callers := robustCallers(r.perm)
			if len(callers) == 0 {
				t.Fatalf("no role may use %s", r.perm)
			}
			f := newAuthzFixture(s)
			row := rows[r.method+" "+r.path]
			realPath := func() string {
				if row.path != nil {
					return row.path(f)
				}
				return r.path
			}
			var base map[string]json.RawMessage
			if r.doc.Request != nil && row.body != nil {
				raw, err := json.Marshal(row.body(f))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(raw, &base); err != nil {
					t.Fatalf("the matrix body of %s is not an object: %v", r.path, err)
				}
			}
			baseBody := func() hostileCase {
				if r.doc.Request == nil {
					return hostileCase{}
				}
				b, _ := json.Marshal(base)
				return hostileCase{contentType: "application/json", body: b, hasBody: true}
			}

			var cases []hostileCase
			for _, seg := range strings.Split(r.path, "/") {
				param, isParam := strings.CutPrefix(seg, ":")
				if !isParam {
					continue
				}
				for _, v := range hostileSegments {
					c := baseBody()
					c.name, c.param, c.value = fmt.Sprintf("path %s=%.40s", param, v), param, v
					cases = append(cases, c)
				}
			}
			for _, q := range queryNames(r.doc.Query) {
				for _, v := range hostileQuery {
					c := baseBody()
					c.name, c.query, c.value = fmt.Sprintf("query %s=%.40s", q, v), q, v
					cases = append(cases, c)
				}
			}
			if r.doc.Request != nil || r.doc.Form != nil || len(r.doc.Consumes) > 0 {
				for _, b := range hostileBodies {
					cases = append(cases, hostileCase{name: fmt.Sprintf("body %.30q", b),
						contentType: "application/json", body: []byte(b), hasBody: true})
				}
			}
			if r.doc.Request != nil {
				for _, field := range bodyFields(r.doc.Request, base) {
					for _, v := range hostileValues {
						cases = append(cases, hostileCase{name: fmt.Sprintf("field %s=%.30q", field, v),
							contentType: "application/json", body: withField(base, field, v), hasBody: true})
					}
				}
			}
			if r.doc.Form != nil {
				for _, ct := range []string{"multipart/form-data", "multipart/form-data; boundary=x"} {
					cases = append(cases, hostileCase{name: "form " + ct, contentType: ct, hasBody: true,
						body: []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\x00.pdf\"\r\n\r\n\xff\x00")})
				}
			}
			for _, ct := range r.doc.Consumes {
				for _, b := range []string{"", "\x00\xff\xfe", strings.Repeat("a,", 50_000), strings.Repeat("- [", 5000)} {
					cases = append(cases, hostileCase{name: fmt.Sprintf("%s %.20q", ct, b), contentType: ct,
						body: []byte(b), hasBody: true})
				}
			}
			cases = append(cases, truncatedUploads(t, f, r.doc)...)
			total += len(cases) * len(callers)

			for _, w := range callers {
				current := realPath()
				for _, c := range cases {
					path := current
					if c.param != "" {
						path = withSegment(r.path, current, c.param, c.value)
					}
					if c.query != "" {
						path = withQuery(current, c.query, c.value)
					}
					var headers []string
					if tok := f.callers[w].token; tok != "" {
						headers = append(headers, "Authorization", "Bearer "+tok)
					}
					if c.hasBody {
						headers = append(headers, "Content-Type", c.contentType)
					}
					before := s.changes()
					var res response
					switch {
					case c.dropped:
						res = s.do(r.method, path, droppedBody(c.body), headers...)
					case c.hasBody:
						res = s.do(r.method, path, bytes.NewReader(c.body), headers...)
					default:
						res = s.do(r.method, path, nil, headers...)
					}
					body := strings.TrimSpace(res.Body.String())
					if c.wantCode != "" && (res.Code != http.StatusBadRequest || problemCode(res) != c.wantCode) {
						t.Errorf("%s: %s %.120s = %d, want 400 %s: %.300s", c.name, r.method, path, res.Code, c.wantCode, body)
					}
					switch {
					case res.Code >= 500:
						t.Errorf("%s: %s %.120s = %d: %.300s", c.name, r.method, path, res.Code, body)
					case res.Code >= 400:
						checkProblem(t, c.name, res)
						if diff := cmp.Diff(before, s.changes()); diff != "" {
							t.Errorf("%s: refused with %d but changed rows (-before +after):\n%s", c.name, res.Code, diff)
						}
					case c.param != "":
						t.Errorf("%s as %s: %s %.120s = %d: a hostile path id was accepted: %.300s",
							c.name, whoNames[w], r.method, path, res.Code, body)
					default:
						// Accepted: act on a fresh record next, so one success
						// does not turn the rest into state conflicts.
						current = realPath()
					}
				}
			}
		})
	}
	t.Logf("%d routes, %d hostile requests", len(routes), total)
}

// logChanges puts a trigger on every table of the test server's database
// that logs each changed row in test_changes, in the transaction that
// changes it (so a rolled-back change leaves no trace). Failed logins and
// their limits are recorded on purpose and left out, and so are the session
// a request touches and the installation's signing secret, made the first
// time a confirmation link is signed.
func logChanges(t *testing.T, s *testServer) {
	t.Helper()
	err := s.db.Exec(`
		CREATE TABLE test_changes (table_name text NOT NULL);
		CREATE FUNCTION test_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF TG_TABLE_NAME = 'audit_events' AND TG_OP = 'INSERT' THEN
				IF to_jsonb(NEW) ->> 'action' = 'auth.login_failed' THEN
					RETURN NULL;
				END IF;
			END IF;
			INSERT INTO test_changes VALUES (TG_TABLE_NAME);
			RETURN NULL;
		END $$;
		DO $$
		DECLARE r record;
		BEGIN
			FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'public' AND c.relkind = 'r'
					AND c.relname NOT IN ('test_changes', 'goose_db_version', 'login_attempts', 'sessions',
						'installation_secrets')
			LOOP
				EXECUTE format('CREATE TRIGGER test_log_change AFTER INSERT OR UPDATE OR DELETE ON %I
					FOR EACH ROW EXECUTE FUNCTION test_log_change()', r.relname);
			END LOOP;
		END $$`).Error
	if err != nil {
		t.Fatal(err)
	}
}

// changes counts, per table, the rows changed since logChanges.
func (s *testServer) changes() map[string]int64 {
	s.t.Helper()
	rows, err := s.db.Raw(`SELECT table_name, count(*) FROM test_changes GROUP BY table_name`).Rows()
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var table string
		var n int64
		if err := rows.Scan(&table, &n); err != nil {
			s.t.Fatal(err)
		}
		out[table] = n
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	return out
}

// problemCode is the code of a problem answer ("" for any other).
func problemCode(res response) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(res.Body.Bytes(), &p)
	return p.Code
}

// formValues gives each text field of an upload form a valid value, so
// that in truncatedUploads the body ending early is all that is wrong.
var formValues = map[string]func(f *authzFixture) string{
	"business_id": func(f *authzFixture) string {
		f.s.loadRules()
		return strconv.FormatInt(f.s.newBusiness("hotel"), 10)
	},
	"period":      func(*authzFixture) string { return "2025-Q1" },
	"reason":      func(*authzFixture) string { return "Keadaan kahar" },
	"explanation": func(*authzFixture) string { return "Pembelian sudah dilakukan." },
	"objection":   func(*authzFixture) string { return "false" },
}

// truncatedUploads are bodies of an upload route that end early: a
// multipart body cut in a text field, in the file's headers, in the file,
// before or inside its closing delimiter, in a second file's headers, with
// the file sent as a plain text field, or with the connection dropped; and
// a file sent as the whole body that the connection drops. Every one must
// be a 400 upload_unreadable that keeps nothing.
func truncatedUploads(t *testing.T, f *authzFixture, d openapi.Doc) []hostileCase {
	t.Helper()
	if d.Form == nil {
		return nil
	}
	content := string(samplePDF("terpotong"))
	if len(d.Consumes) > 0 {
		// An import: a purchases header, which a purchase import checks
		// before it reads on (a registry import reads the whole file first).
		content = "invoice_number,ikm_nib,purchase_date,description,amount\n" +
			strings.Repeat("INV-1,8120000000001,2025-03-01,Besek,150000\n", 20)
	}
	const boundary = "batas-uji-robust"
	part := func(name, filename, value string) string {
		disposition := fmt.Sprintf("form-data; name=%q", name)
		if filename != "" {
			disposition += fmt.Sprintf("; filename=%q", filename)
		}
		return "--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n\r\n" + value + "\r\n"
	}
	var fileField, texts, firstText string
	form := reflect.TypeOf(d.Form)
	for i := range form.NumField() {
		name := form.Field(i).Tag.Get("form")
		if form.Field(i).Type.String() == "*multipart.FileHeader" || form.Field(i).Type.String() == "[]*multipart.FileHeader" {
			fileField = name
			continue
		}
		value, ok := formValues[name]
		if !ok {
			t.Fatalf("form field %q has no valid value in formValues", name)
		}
		text := part(name, "", value(f))
		if firstText == "" {
			firstText = text
		}
		texts += text
	}
	file := part(fileField, "berkas.csv", content)
	half := func(s string) string { return s[:len(s)/2] }
	head := strings.Index(file, "\r\n\r\n") + 4
	type cut struct {
		name    string
		body    string
		dropped bool
	}
	bodies := []cut{
		{"cut in the file's headers", texts + file[:head/2], false},
		{"cut in the file", texts + file[:head] + half(content), false},
		{"file as a text field, cut", texts + half(part(fileField, "", content)), false},
		{"cut before the closing delimiter", texts + file, false},
		{"cut inside the closing delimiter", texts + file + "--" + boundary, false},
		{"cut in a second file's headers", texts + file + half(part(fileField, "kedua.pdf", content)), false},
		{"dropped in the file", texts + file[:head] + half(content), true},
	}
	if firstText != "" {
		bodies = append(bodies, cut{"cut in a text field", half(firstText), false})
	}
	var cases []hostileCase
	for _, b := range bodies {
		cases = append(cases, hostileCase{name: "truncated: " + b.name, hasBody: true, dropped: b.dropped,
			contentType: "multipart/form-data; boundary=" + boundary, body: []byte(b.body), wantCode: "upload_unreadable"})
	}
	for _, ct := range d.Consumes {
		cases = append(cases, hostileCase{name: "truncated: " + ct + " dropped", hasBody: true, dropped: true,
			contentType: ct, body: []byte(half(content)), wantCode: "upload_unreadable"})
	}
	return cases
}

// checkProblem asserts a 4xx answer is a complete problem document, and a
// validation failure names each field and why.
func checkProblem(t *testing.T, name string, res response) {
	t.Helper()
	if ct := res.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: %d with content type %q: %.300s", name, res.Code, ct, res.Body.String())
		return
	}
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
		Errors []struct {
			Field  string `json:"field"`
			Reason string `json:"reason"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &p); err != nil {
		t.Errorf("%s: problem body: %v: %.300s", name, err, res.Body.String())
		return
	}
	if p.Status != res.Code || p.Code == "" || p.Detail == "" {
		t.Errorf("%s: incomplete problem: %.300s", name, res.Body.String())
	}
	if res.Code == http.StatusUnprocessableEntity && p.Code == "validation_failed" {
		if len(p.Errors) == 0 {
			t.Errorf("%s: 422 names no field: %.300s", name, res.Body.String())
		}
		for _, e := range p.Errors {
			if e.Field == "" || e.Reason == "" {
				t.Errorf("%s: field error without field or reason: %.300s", name, res.Body.String())
			}
		}
	}
}
