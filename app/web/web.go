// Package web is the face of Kemitraan for people: server-rendered pages at
// Indonesian paths on the same echo server as the JSON API. Handlers bind a
// form, call the same domain services the API calls, and render a template;
// they never build SQL and never call the API over HTTP. Every page works
// without JavaScript.
package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/jobs"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/services"
)

// Deps is what the pages need from main.
type Deps struct {
	Config   config.Config
	Log      *slog.Logger
	Clock    clock.Clock
	Services *services.Set
	// Jobs runs the scheduled jobs by hand from the admin's page; nil
	// leaves that page out.
	Jobs *jobs.Runner
}

// Pages holds the parsed templates, the hashed assets and the services.
type Pages struct {
	cfg      config.Config
	log      *slog.Logger
	clock    clock.Clock
	svc      *services.Set
	views    map[string]*views // by language
	assets   *assets
	secure   bool // cookies carry Secure: the public URL is https
	sessions sessionCookie
	imports  *importJobs
	// registryUploads are the registry files officers uploaded to import.
	registryUploads registryUploads
	jobs            *jobs.Runner
}

// New parses the templates and hashes the assets, once.
func New(d Deps) (*Pages, error) {
	if d.Services == nil {
		return nil, fmt.Errorf("web: the services are required")
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	u, err := url.Parse(d.Config.HTTP.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("web: http.public_url: %w", err)
	}
	p := &Pages{cfg: d.Config, log: d.Log, clock: d.Clock, svc: d.Services, jobs: d.Jobs,
		secure: u.Scheme == "https"}
	p.sessions = sessionCookie{secure: p.secure}
	p.imports = newImportJobs(d.Log, d.Config.HTTP.ImportTimeout, importParallel)
	if p.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	p.views = map[string]*views{}
	for lang := range catalogues {
		if p.views[lang], err = parseViews(p.funcs(lang)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// importParallel is how many page imports run at once; the others wait
// their turn, shown as such on their pages.
const importParallel = 2

// pageRoute is one page: method, path, the permission a caller needs
// ("" for everyone) and the handler.
type pageRoute struct {
	method  string
	path    string
	perm    auth.Permission
	handler echo.HandlerFunc
	// upload is the body limit of a form that carries a file: evidence and
	// documents take the upload store's, imports the import's. Other forms
	// take http.body_limit.
	upload uploadKind
	// long: a whole export or a job run by hand, with http.export_timeout.
	long bool
}

type uploadKind int

const (
	noUpload uploadKind = iota
	documentUpload
	responseUpload // a response to a warning: up to ten files
	importUpload
)

// formOverhead is room for a file form's other fields and its multipart
// framing beside the file itself.
const formOverhead = 64 << 10

func (p *Pages) bodyLimit(u uploadKind) int64 {
	switch u {
	case documentUpload:
		return p.cfg.Uploads.MaxBytes + formOverhead
	case responseUpload:
		return 10*p.cfg.Uploads.MaxBytes + formOverhead
	case importUpload:
		return p.cfg.Procurement.ImportMaxBytes + formOverhead
	}
	return p.cfg.HTTP.BodyLimit
}

// shownLimit is the limit a refusal names: the file's, not the form's.
func (p *Pages) shownLimit(u uploadKind) int64 {
	switch u {
	case documentUpload, responseUpload:
		return p.cfg.Uploads.MaxBytes
	case importUpload:
		return p.cfg.Procurement.ImportMaxBytes
	}
	return p.cfg.HTTP.BodyLimit
}

// Budgets are the time budgets of the pages that take files (a large body
// over a slow line): http.import_timeout, as the API's uploads have; and of
// whole exports and jobs run by hand: http.export_timeout.
func (p *Pages) Budgets() map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, r := range p.routes() {
		switch {
		case r.upload != noUpload:
			out[r.method+" "+r.path] = p.cfg.HTTP.ImportTimeout
		case r.long:
			out[r.method+" "+r.path] = p.cfg.HTTP.ExportTimeout
		}
	}
	return out
}

func (p *Pages) routes() []pageRoute {
	var all []pageRoute
	for _, group := range [][]pageRoute{
		p.publicRoutes(),
		p.publicSiteRoutes(),
		p.sessionRoutes(),
		p.confirmationRoutes(),
		p.ikmRoutes(),
		p.companyRoutes(),
		p.companyMoreRoutes(),
		p.caseRoutes(),
		p.periodReportRoutes(),
		p.agreementRoutes(),
		p.importRoutes(),
		p.officeRoutes(),
		p.registryRoutes(),
		p.registryFormRoutes(),
		p.registryImportRoutes(),
		p.reviewRoutes(),
		p.sanctionListRoutes(),
		p.adminRoutes(),
		p.auditRoutes(),
		p.adminTokenRoutes(),
		p.outboxRoutes(),
		p.staffStatsRoutes(),
		p.evaluationRoutes(),
		p.ruleRoutes(),
		p.verifyRoutes(),
	} {
		all = append(all, group...)
	}
	return all
}

// Mount adds the pages to e. Each page runs behind the session cookie, the
// CSRF check and the page headers; the API's routes are untouched.
func (p *Pages) Mount(e *echo.Echo) error {
	e.GET(p.assets.prefix+":name", p.asset)
	for _, r := range p.routes() {
		mw := []echo.MiddlewareFunc{p.headers, limitBody(p.bodyLimit(r.upload), p.shownLimit(r.upload)), p.session, p.csrf}
		if r.perm != "" {
			mw = append(mw, p.require(r.perm))
		}
		e.Add(r.method, r.path, r.handler, mw...)
	}
	return nil
}

// headers are what every page answer carries: a Content-Security-Policy
// that allows no inline script and nothing from elsewhere, and no caching
// of pages that may hold a person's data.
func (p *Pages) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		setPageHeaders(c)
		return next(c)
	}
}

func setPageHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
}

const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// limitBody caps what a form post may send; reading past it fails, and
// the CSRF check, the first to read the form, answers 413 naming shown.
func limitBody(limit, shown int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if r := c.Request(); r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
				r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
				c.Set(shownLimitKey, shown)
			}
			return next(c)
		}
	}
}

const shownLimitKey = "kemitraan.shown_limit"

// redirect answers a form post with 303 See Other, so a reload does not
// post again.
func redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
