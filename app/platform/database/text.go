package database

import (
	"strings"
	"unicode/utf8"
)

// Text makes s something a text column accepts, at most max bytes long:
// PostgreSQL refuses NUL and invalid UTF-8 (which would fail the whole
// statement), so NULs are dropped, invalid bytes become "?", and a cut never
// splits a character.
func Text(s string, max int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "?")
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
