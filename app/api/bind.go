package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
)

// bindJSON decodes the request body into dst strictly: JSON content type,
// no unknown fields, no trailing data, types as declared. Every failure is a
// 4xx problem naming the field where there is one.
func bindJSON(c echo.Context, dst any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Kirim data sebagai application/json.")
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decodeProblem(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newProblem(http.StatusBadRequest, "malformed_json",
			"Badan permintaan berisi data tambahan setelah objek JSON.")
	}
	return checkJSONValues(raw)
}

// checkJSONValues refuses what the decoder lets through but no field may
// hold: null, which Go would silently read as "absent" although no request
// field is documented nullable, and the NUL character, which PostgreSQL
// cannot store in text (it would fail as a 500 at the first write).
func checkJSONValues(raw []byte) error {
	// A NUL can only be written \u0000 (a raw one is not JSON, which the
	// decoder has refused): a body with neither that nor a null has
	// nothing to find, and is not decoded a second time.
	if !bytes.Contains(raw, []byte("null")) && !bytes.Contains(raw, []byte(`\u0000`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return decodeProblem(err)
	}
	if v == nil {
		return fault.Invalid(fault.Field("(badan)", "harus berupa objek"))
	}
	var check fault.Checker
	walkJSON(&check, "", v)
	return check.Err()
}

// walkJSON records a field error for every null member and every string
// with a NUL character below path.
func walkJSON(check *fault.Checker, path string, v any) {
	switch v := v.(type) {
	case nil:
		check.Add(path, "tidak boleh null; hapus kolomnya bila tidak diisi")
	case string:
		if strings.ContainsRune(v, 0) {
			check.Add(path, "tidak boleh memuat karakter NUL")
		}
	case []any:
		for i, e := range v {
			walkJSON(check, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if path != "" {
				name = path + "." + k
			}
			walkJSON(check, name, v[k])
		}
	}
}

func decodeProblem(err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return newProblem(http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("Badan permintaan melebihi batas %d bita.", maxErr.Limit))
	case errors.Is(err, io.EOF):
		return newProblem(http.StatusBadRequest, "empty_body", "Badan permintaan kosong.")
	case errors.As(err, &syntaxErr):
		return newProblem(http.StatusBadRequest, "malformed_json",
			fmt.Sprintf("JSON tidak dapat dibaca (posisi %d).", syntaxErr.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newProblem(http.StatusBadRequest, "malformed_json", "JSON terpotong atau tidak lengkap.")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(badan)"
		}
		return fault.Invalid(fault.Field(field, "harus berupa "+typeName(typeErr.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fault.Invalid(fault.Field(name, "kolom tidak dikenal"))
	default:
		// A field type's own UnmarshalJSON (dates, for example) rejected it.
		return newProblem(http.StatusBadRequest, "malformed_json", "JSON tidak valid: "+err.Error())
	}
}

// typeName names a Go type the way a form user understands it.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "teks"
	case reflect.Bool:
		return "true atau false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "bilangan bulat"
	case reflect.Float32, reflect.Float64:
		return "angka"
	case reflect.Slice, reflect.Array:
		return "daftar (array)"
	case reflect.Struct, reflect.Map:
		return "objek"
	default:
		return t.String()
	}
}
