package database

import "testing"

func TestLikeContaining(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"batik":  "%batik%",
		"50%":    `%50\%%`,
		"a_b":    `%a\_b%`,
		`c:\tmp`: `%c:\\tmp%`,
	} {
		if got := LikeContaining(in); got != want {
			t.Errorf("LikeContaining(%q) = %q, want %q", in, got, want)
		}
	}
}
