// Package app_test holds the checks that span the whole tree: imports run
// one way, cmd → api, web, jobs → services → domain → platform, so a domain
// package never reaches for a handler and platform knows no domain; and each
// table is written by the one package that owns it.
package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// layer is a package's place in the one-way order; a package may import its
// own layer's packages only where sameLayer says so.
func layer(pkg string) int {
	switch {
	case pkg == "kemitraan/migrations" || strings.HasPrefix(pkg, "kemitraan/app/platform/"):
		return 0
	case pkg == "kemitraan/app/services":
		return 2
	case pkg == "kemitraan/app/api", pkg == "kemitraan/app/web", pkg == "kemitraan/app/jobs":
		return 3
	case strings.HasPrefix(pkg, "kemitraan/app/cmd/"), strings.HasPrefix(pkg, "kemitraan/app/bench/"):
		return 4
	default: // the domain packages: registry, procurement, compliance, …
		return 1
	}
}

// sameLayer are the imports within a layer that are allowed: the domain
// packages build on one another (Go refuses a cycle), platform's parts too,
// and the API and the admin's page run the jobs by hand.
func sameLayer(from, to string) bool {
	switch layer(from) {
	case 0, 1:
		return true
	case 3:
		return (from == "kemitraan/app/api" || from == "kemitraan/app/web") && to == "kemitraan/app/jobs"
	}
	return false
}

func TestImportsRunOneWay(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		from := path.Join("kemitraan/app", filepath.ToSlash(filepath.Dir(p)))
		for _, imp := range f.Imports {
			to := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(to, "kemitraan/") || to == from {
				continue
			}
			checked++
			lf, lt := layer(from), layer(to)
			if from == "kemitraan/app/web" && strings.HasSuffix(p, "_test.go") {
				// The pages' tests assemble the whole server, API and jobs
				// included, as main does: they stand where main stands.
				lf = 4
			}
			if lt > lf || (lt == lf && !sameLayer(from, to)) {
				t.Errorf("%s imports %s: an arrow running back up (layer %d → %d)", p, to, lf, lt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d imports checked: the walk missed the tree", checked)
	}
}

// owners is the package that writes each table. Another package that needs
// a row written goes through the owner (audit.Selected, notify.From,
// procurement.PurgeExpiredLinks, …).
var owners = map[string]string{
	"businesses": "registry", "ikms": "registry", "kecamatan": "registry",
	"users": "auth", "sessions": "auth", "login_attempts": "auth", "api_tokens": "auth",
	"agreements": "partnership", "agreement_ikms": "partnership", "outlets": "partnership",
	"period_reports": "partnership",
	"purchases":      "procurement", "confirmation_tokens": "procurement", "idempotency_keys": "procurement",
	"purchase_import":   "procurement", // an import's temporary staging table
	"payment_reminders": "procurement",
	"evaluations":       "compliance", "evaluated_periods": "compliance", "exemptions": "compliance",
	"rule_sets": "compliance", "reminders_sent": "compliance",
	"sanction_cases": "sanction", "sanction_findings": "sanction", "sanction_letters": "sanction",
	"sanction_response_files": "sanction", "letter_counters": "sanction",
	"outbox":       "notify",
	"audit_events": "audit",
	"files":        "platform/files",
	"ikm_activity": "report", "ikm_activity_snapshots": "report", "payment_delays": "report",
	"job_runs":       "jobs",
	"bare_purchases": "bench", // the load benchmark's own bare server
}

// writes finds the statements that change a table, in SQL written in Go.
var writes = regexp.MustCompile(`\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)`)

// TestEachTableHasOneWriter reads the SQL of every package but seed (the
// demo and benchmark data loader, which fills every table in bulk),
// platform/dbtest (the tests' fixtures) and the tests.
func TestEachTableHasOneWriter(t *testing.T) {
	found := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		parts := strings.Split(filepath.ToSlash(p), "/")
		pkg := parts[0]
		if pkg == "platform" {
			pkg = parts[0] + "/" + parts[1]
		}
		if pkg == "seed" || pkg == "platform/dbtest" {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range writes.FindAllStringSubmatch(string(src), -1) {
			table := m[1]
			found++
			owner, ok := owners[table]
			switch {
			case !ok:
				t.Errorf("%s writes %s, a table with no owner named here", p, table)
			case owner != pkg:
				t.Errorf("%s writes %s, which belongs to %s", p, table, owner)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 30 {
		t.Fatalf("only %d writes found: the walk missed the tree", found)
	}
}
