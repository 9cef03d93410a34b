package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
	"kemitraan/app/report"
)

//go:embed templates
var templateFS embed.FS

// views are the page templates, each parsed once with the layout and the
// partials (files named partial-*; go:embed leaves out names starting with "_").
type views struct {
	pages map[string]*template.Template
}

func parseViews(funcs template.FuncMap) (*views, error) {
	base := template.New("").Funcs(funcs)
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	var pages []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "partial-") {
			if _, err := base.ParseFS(templateFS, "templates/"+e.Name()); err != nil {
				return nil, fmt.Errorf("web: %s: %w", e.Name(), err)
			}
		} else {
			pages = append(pages, e.Name())
		}
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, name := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name); err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		v.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return v, nil
}

// page is what the layout needs beside a page's own data.
type page struct {
	Title  string // the page's h1 and <title>, before " — Kemitraan"
	Lang   string
	Actor  actor.Actor
	Nav    []navItem
	Office config.Office
	CSRF   string
	// Errors, when set, are shown as the error summary at the top, each
	// linking to its field; the title gets "Galat: " before it.
	Errors []fault.FieldError
	Notice string // a one-line message after a redirect ("Anda sudah keluar.")
	Script bool   // the page loads site.js (upload progress, a job's progress)
	Data   any
}

type navItem struct {
	Label, Href string
	Current     bool
}

// FieldError is the message for one field, for the template beside it.
func (pg *page) FieldError(field string) string {
	for _, e := range pg.Errors {
		if e.Field == field {
			return e.Reason
		}
	}
	return ""
}

// newPage fills the layout's part for the caller of c.
func (p *Pages) newPage(c echo.Context, title string, data any) *page {
	a := actor.From(c.Request().Context())
	pg := &page{Title: title, Lang: langOf(a), Actor: a, Office: p.cfg.Office, Data: data}
	if tok, ok := c.Get(csrfKey).(string); ok {
		pg.CSRF = tok
	}
	pg.Nav = p.nav(a, pg.Lang, c.Request().URL.Path)
	return pg
}

// nav is the navigation a caller sees: what their role may open.
func (p *Pages) nav(a actor.Actor, lang, current string) []navItem {
	msg := func(key string) string { return msgIn(lang, key) }
	items := []navItem{{Label: msg("nav.home"), Href: "/"}, {Label: msg("nav.stats"), Href: "/statistik"},
		{Label: msg("nav.directory"), Href: "/direktori"}}
	if a.Role == actor.RoleIKM {
		items = append(items, navItem{Label: msg("nav.ikm.purchases"), Href: "/ikm"},
			navItem{Label: msg("nav.ikm.outlets"), Href: "/ikm/gerai"},
			navItem{Label: msg("nav.ikm.sales"), Href: "/ikm/penjualan"},
			navItem{Label: msg("nav.ikm.profile"), Href: "/ikm/profil"})
	}
	if a.Role == actor.RoleOfficer {
		items = append(items, navItem{Label: msg("nav.office"), Href: "/dinas"})
	}
	if a.Staff() && !a.System {
		items = append(items, navItem{Label: msg("nav.cases_review"), Href: "/dinas/kasus"})
		if auth.Allowed(a, auth.PermSanctionListRead) {
			items = append(items, navItem{Label: msg("nav.evaluations"), Href: "/dinas/penilaian"},
				navItem{Label: msg("nav.sanctions"), Href: "/dinas/sanksi"})
		}
		if auth.Allowed(a, auth.PermStatsRead) {
			items = append(items, navItem{Label: msg("nav.staffstats"), Href: "/dinas/statistik"})
		}
		items = append(items, navItem{Label: msg("nav.businesses"), Href: "/dinas/usaha"},
			navItem{Label: msg("nav.ikms"), Href: "/dinas/ikm"})
	}
	if a.Role == actor.RoleCompany {
		items = append(items, navItem{Label: msg("nav.company.home"), Href: "/perusahaan"},
			navItem{Label: msg("nav.company.purchases"), Href: "/perusahaan/pembelian"},
			navItem{Label: msg("nav.company.report"), Href: "/perusahaan/pembelian/baru"},
			navItem{Label: msg("nav.company.import"), Href: "/perusahaan/impor"},
			navItem{Label: msg("nav.company.agreements"), Href: "/perusahaan/perjanjian"},
			navItem{Label: msg("nav.company.outlets"), Href: "/perusahaan/gerai"},
			navItem{Label: msg("nav.company.report_period"), Href: "/perusahaan/laporan"},
			navItem{Label: msg("nav.company.cases"), Href: "/perusahaan/kasus"},
			navItem{Label: msg("nav.company.tokens"), Href: "/perusahaan/token"})
	}
	if a.Role == actor.RoleAdmin {
		items = append(items, navItem{Label: msg("nav.admin.users"), Href: "/admin/pengguna"},
			navItem{Label: msg("nav.admin.jobs"), Href: "/admin/tugas"},
			navItem{Label: msg("nav.admin.outbox"), Href: "/admin/pesan"},
			navItem{Label: msg("nav.admin.tokens"), Href: "/admin/token"},
			navItem{Label: msg("nav.admin.rules"), Href: "/admin/aturan"})
	}
	if auth.Allowed(a, auth.PermAuditRead) && !a.System {
		items = append(items, navItem{Label: msg("nav.admin.audit"), Href: "/admin/jejak"})
	}
	if a.Authenticated() && auth.Allowed(a, auth.PermSessionOwn) {
		items = append(items, navItem{Label: msg("nav.password"), Href: "/akun/kata-sandi"})
	}
	if a.Role == actor.RoleCompany {
		items = append(items, navItem{Label: msg("nav.language"), Href: "/akun/bahasa"})
	}
	for i := range items {
		items[i].Current = items[i].Href == current
	}
	return items
}

// render writes the page template name with status. The page is rendered
// into a buffer first, so a template error is a clean 500, not half a page.
func (p *Pages) render(c echo.Context, status int, name string, pg *page) error {
	t, ok := p.views[pg.Lang].pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func (p *Pages) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":           func(key string, args ...any) (string, error) { return translateIn(lang, key, args...) },
		"asset":       func(name string) (string, error) { return p.assets.url(name) },
		"rupiah":      format.Rupiah,
		"number":      func(n int64) string { return format.Thousands(uint64(max(n, 0))) },
		"count":       func(n int) string { return format.Thousands(uint64(max(n, 0))) },
		"date":        format.Date,
		"when":        format.Time,
		"percent":     format.Percent,
		"decimal":     format.Decimal,
		"period":      periodLabel,
		"deref":       func(t *time.Time) time.Time { return *t },
		"derefAmount": func(n *int64) int64 { return *n },
		"derefInt":    func(n *int) int { return *n },
		"derefFloat":  func(f *float64) float64 { return *f },
		"owedFor":     func(o procurement.Owed, ikm bool) owedView { return owedView{Owed: o, IKMView: ikm} },
		// payDue says when a payment falls due ("n hari lagi", "lewat n
		// hari"): the due date is the last day to pay, in WIB.
		"payDue":      func(day time.Time) string { return p.due(lang, compliance.StartOfDay(day)) },
		"derefText":   deref,
		"ratio":       func(r *float64) string { return format.Percent(*r) },
		"revokeField": revokeField,
		"groupPair":   groupPair,
		"status":      func(s string) (string, error) { return translateIn(lang, "status."+s) },
		"fieldOf":     fieldOf,
		"textField":   textField,
		"named":       named,
		"selectField": selectOf,
		"statusField": func(pg *page, options []string, chosen string) choice {
			return choice{Options: options, Chosen: chosen, Error: pg.FieldError("status")}
		},
		"categoryField": func(pg *page, options []string, chosen string) choice {
			return choice{Options: options, Chosen: chosen, Error: pg.FieldError("category")}
		},
		"dial":      dial,
		"due":       func(deadline time.Time) string { return p.due(lang, deadline) },
		"add":       func(a, b float64) float64 { return a + b },
		"sub":       func(a, b int) int { return a - b },
		"groupOf":   groupOf,
		"importRef": importReference,
		"badRows": func(download string, n int, errs []fault.FieldError) badRowsView {
			return badRowsView{Download: download, Count: n, Errors: errs}
		},
		"searchOf": func(action, search string) map[string]string {
			return map[string]string{"Action": action, "Search": search}
		},
		"waLink":        waLink,
		"category":      categoryName,
		"startingShare": func() float64 { return startingShare },
	}
}

// owedView is what the unpaid purchases' partial needs: the list and
// whose page it is on (the IKM sees buyers, a company its IKM).
type owedView struct {
	procurement.Owed
	IKMView bool
}

// choice is what a select's partial needs.
type choice struct {
	Options       []string
	Chosen, Error string
}

// badRowsView is what the bad-rows partial needs.
type badRowsView struct {
	Download string // the XLSX of just the bad rows; "" when there is none
	Count    int
	Errors   []fault.FieldError
}

// option is one of a form's select's options: its value and its label.
type option struct{ Value, Label string }

// selectField is what a form's select partial needs.
type selectField struct {
	field
	Options []option
}

func selectOf(pg *page, name, label, hint, chosen string, options []option) selectField {
	return selectField{field: field{Name: name, Label: label, Hint: hint, Value: chosen, Error: pg.FieldError(name)},
		Options: options}
}

// categoryName is how people call a business category.
func categoryName(c string) string {
	if n, ok := registry.CategoryNames[c]; ok {
		return n
	}
	return c
}

// field is what a form field's partial needs.
type field struct {
	Name, Label, Autocomplete, Hint, Error string
	Type, Value                            string
	// FormName is the name the form sends when it differs from Name (the
	// id, and the domain field its errors name): "periode" for "period".
	FormName string
}

// named is f sent under the form name name.
func named(f field, name string) field {
	f.FormName = name
	return f
}

// SentAs is the name the form sends the field under.
func (f field) SentAs() string {
	if f.FormName != "" {
		return f.FormName
	}
	return f.Name
}

func textField(pg *page, name, label, hint, typ, autocomplete, value string) field {
	return field{Name: name, Label: label, Hint: hint, Type: typ, Autocomplete: autocomplete, Value: value,
		Error: pg.FieldError(name)}
}

func fieldOf(pg *page, name, label, autocomplete, hint string) field {
	return field{Name: name, Label: label, Autocomplete: autocomplete, Hint: hint, Error: pg.FieldError(name)}
}

// periodLabel writes "2025-Q1" as "Triwulan I 2025"; text that is not a
// period stays as it is.
func periodLabel(s string) string {
	pd, err := compliance.ParsePeriod(s)
	if err != nil {
		return s
	}
	return pd.Label()
}

// dial is a telephone number as a tel: link wants it: digits only.
func dial(number string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, number)
}

// due says how long is left until deadline, as a person counts it in
// calendar days in WIB: "hari ini", "besok", "3 hari lagi", "lewat 2 hari".
func (p *Pages) due(lang string, deadline time.Time) string {
	msg := func(key string, args ...any) string { return msgIn(lang, key, args...) }
	day := func(t time.Time) time.Time {
		t = t.In(clock.WIB)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	days := int(day(deadline).Sub(day(p.clock.Now())).Hours() / 24)
	switch {
	case days == 0:
		return msg("due.today")
	case days == 1:
		return msg("due.tomorrow")
	case days > 1:
		return msg("due.days", days)
	}
	return msg("due.past", -days)
}

// group is what the group-table partial needs.
type group struct {
	ID, Title, Column, Period string
	Chart                     barChart
	Groups                    []report.PublicGroup
}

func groupOf(id, title, column string, chart barChart, groups []report.PublicGroup, period string) group {
	return group{ID: id, Title: title, Column: column, Chart: chart, Groups: groups, Period: period}
}

// waLink is a WhatsApp click-to-chat link for an Indonesian mobile number
// (+628…), or "" for a number WhatsApp cannot take (a landline).
func waLink(phone string) string {
	n := strings.TrimPrefix(dial(phone), "+")
	if strings.HasPrefix(n, "08") { // a mobile number written the local way
		n = "62" + n[1:]
	}
	if !strings.HasPrefix(n, "628") || len(n) < 10 {
		return ""
	}
	return "https://wa.me/" + n
}
