package database

import "testing"

func TestBind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"SELECT ?":                          "SELECT $1",
		"INSERT INTO t VALUES (?, ?, 'a?')": "INSERT INTO t VALUES ($1, $2, 'a?')",
		`SELECT "odd?name", ? FROM t`:       `SELECT "odd?name", $1 FROM t`,
		"SELECT 'it''s ?', ?":               "SELECT 'it''s ?', $1",
		"SELECT 1":                          "SELECT 1",
	} {
		if got := bind(in); got != want {
			t.Errorf("bind(%q) = %q, want %q", in, got, want)
		}
	}
}
