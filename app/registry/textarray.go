package registry

import (
	"database/sql/driver"
	"fmt"
	"strings"
)

// textArray is a PostgreSQL text[] column. Through database/sql, pgx hands
// an array back in PostgreSQL's text form ({a,"b c"}), which a []string
// cannot scan, so the column gets its own type.
type textArray []string

// Scan parses PostgreSQL's array text form: elements separated by commas,
// double-quoted when they hold special characters, backslash escapes
// inside quotes. One-dimensional arrays only; NULL elements become "".
func (a *textArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("textArray: cannot scan %T", src)
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return fmt.Errorf("textArray: not an array literal: %q", s)
	}
	body := s[1 : len(s)-1]
	out := textArray{}
	if body == "" {
		*a = out
		return nil
	}
	var cur strings.Builder
	quoted, inQuotes, escaped := false, false, false
	flush := func() {
		v := cur.String()
		if !quoted && v == "NULL" {
			v = ""
		}
		out = append(out, v)
		cur.Reset()
		quoted = false
	}
	for _, r := range body {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == '"':
			inQuotes = !inQuotes
			quoted = true
		case r == ',' && !inQuotes:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	if inQuotes || escaped {
		return fmt.Errorf("textArray: unterminated array literal: %q", s)
	}
	flush()
	*a = out
	return nil
}

// Value writes the array in its text form, every element quoted, which
// PostgreSQL accepts for a text[] parameter.
func (a textArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
