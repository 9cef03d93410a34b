// Package migrations embeds the numbered SQL migrations so the binary applies
// its own schema. Applied files are never edited: a change is a new file.
package migrations

import "embed"

//go:embed *.sql
var FS embed.FS
