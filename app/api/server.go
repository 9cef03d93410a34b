// Package api is the HTTP face of Kemitraan: the echo server, its middleware,
// the one error handler, and one file of handlers per resource. Handlers bind,
// validate, call a domain package and shape the answer; they never build SQL.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gorm.io/gorm"

	"kemitraan/app/api/openapi"
	"kemitraan/app/audit"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/jobs"
	"kemitraan/app/notify"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/files"
	"kemitraan/app/platform/logging"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
	"kemitraan/app/report"
	"kemitraan/app/sanction"
	"kemitraan/app/services"
)

// Deps is what the server needs from main.
type Deps struct {
	Config config.Config
	DB     *gorm.DB
	Log    *slog.Logger
	Clock  clock.Clock
	// Services are the domain services, built once by the caller.
	Services *services.Set
	// Jobs runs the scheduled jobs by hand (POST /api/v1/jobs/{name}/run).
	Jobs *jobs.Runner
	// Pages are the web pages served beside the API (package web); nil
	// serves the API alone.
	Pages Pages
}

// Pages are the people's pages on the same server. The API's middleware
// (request id, log, deadline, recovery, metrics, headers, gzip) and its one
// error handler serve them too; the handler leaves every error outside
// /api/ to ErrorPage, so a browser gets a page and a client a problem.
type Pages interface {
	Mount(e *echo.Echo) error
	// Budgets are the pages' time budgets where they are not
	// http.request_timeout, by method + " " + path.
	Budgets() map[string]time.Duration
	ErrorPage(c echo.Context, status int, detail string, retryAfter int) error
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg      config.Config
	db       *gorm.DB
	log      *slog.Logger
	clock    clock.Clock
	migrator *database.Migrator
	auth     *auth.Service
	// files keeps uploaded documents; partnership is agreements, outlets
	// and period reports.
	files       *files.Store
	registry    *registry.Service
	partnership *partnership.Service
	purchases   *procurement.Service
	compliance  *compliance.Service
	sanction    *sanction.Service
	audit       *audit.Service
	reports     *report.Service // sanction list, exports, statistics, public figures
	outbox      *notify.Queue
	jobs        *jobs.Runner
	metrics     *prometheus.Registry
	document    *openapi.Document        // generated from the route table at start
	budgets     map[string]time.Duration // method + " " + path → time budget, where not http.request_timeout
}

// clientIP says where a request comes from. X-Forwarded-For is believed
// only from the configured proxies (http.trusted_proxies), not from any
// loopback or private address as echo would by default: on the office
// network anyone could forge it, choosing the address audit events record
// and dodging the per-address login limit. With no proxy, the TCP peer.
func clientIP(cfg config.HTTP) (echo.IPExtractor, error) {
	nets, err := cfg.TrustedNets()
	if err != nil {
		return nil, fmt.Errorf("http.trusted_proxies: %w", err)
	}
	if len(nets) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range nets {
		trust = append(trust, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(trust...), nil
}

// New builds the echo instance with every route registered.
func New(d Deps) (*echo.Echo, error) {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return nil, err
	}
	migrator, err := database.NewMigrator(sqlDB)
	if err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.Services == nil || d.Jobs == nil {
		return nil, errors.New("api: the services and the job runner are required")
	}
	v := d.Services
	s := &Server{
		cfg: d.Config, db: d.DB, log: d.Log, clock: d.Clock,
		migrator: migrator, metrics: prometheus.NewRegistry(),
		auth: v.Auth, files: v.Files, registry: v.Registry, partnership: v.Partnership, purchases: v.Purchases,
		compliance: v.Compliance, sanction: v.Sanction, reports: v.Reports, audit: v.Audit, outbox: v.Outbox,
		jobs: d.Jobs,
	}
	s.metrics.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(sqlDB, "kemitraan"),
	)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log, d.Pages)
	if e.IPExtractor, err = clientIP(d.Config.HTTP); err != nil {
		return nil, err
	}
	e.Server.ReadTimeout = d.Config.HTTP.ReadTimeout
	e.Server.WriteTimeout = d.Config.HTTP.WriteTimeout

	metricsMW, err := echoprometheus.MiddlewareConfig{
		Namespace:  "kemitraan",
		Subsystem:  "http",
		Registerer: s.metrics,
		Skipper:    func(c echo.Context) bool { return c.Path() == "/metrics" },
	}.ToMiddleware()
	if err != nil {
		return nil, fmt.Errorf("metrics middleware: %w", err)
	}
	routes := s.routes()
	s.budgets = budgets(routes, d.Config.HTTP)
	if d.Pages != nil {
		maps.Copy(s.budgets, d.Pages.Budgets())
	}
	e.Use(
		middleware.RequestID(),
		requestContext,
		requestLogger(d.Log),
		s.deadline,
		// Recovery sits above everything that touches the database, the
		// authentication included, so a panic anywhere is a problem+json 500.
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableErrorHandler: true, DisablePrintStack: true}),
		metricsMW,
		s.authenticate,
		middleware.SecureWithConfig(middleware.SecureConfig{
			XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
			ReferrerPolicy: "no-referrer",
		}),
		middleware.GzipWithConfig(middleware.GzipConfig{
			Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" },
			// An answer that fits a packet or two gains nothing from
			// compression and costs a compressor per request.
			MinLength: 2048,
		}),
	)
	if s.document, err = describe(routes, d.Config.HTTP.BodyLimit); err != nil {
		return nil, err
	}
	for _, r := range routes {
		limit := r.limit
		if limit == 0 {
			limit = d.Config.HTTP.BodyLimit
		}
		mw := []echo.MiddlewareFunc{bodyLimit(limit)}
		if r.perm != "" {
			// Before the body limit: a stranger's oversized upload is a 401.
			mw = append([]echo.MiddlewareFunc{require(r.perm)}, mw...)
		}
		e.Add(r.method, r.path, r.handler, mw...)
	}
	if d.Pages != nil {
		if err := d.Pages.Mount(e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// requestContext carries the request id into the request's context so domain
// code can log it and audit events can record it.
func requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		req := c.Request()
		c.SetRequest(req.WithContext(logging.WithRequestID(req.Context(), id)))
		return next(c)
	}
}

func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true,
		LogRequestID: true, LogRoutePath: true, LogError: true, LogRemoteIP: true,
		// Let the error handler write the problem first so the logged status
		// is the one the client saw.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			uri := v.URI
			if tok := c.Param("token"); tok != "" {
				// A confirmation link is its own password: never in the log.
				uri = strings.ReplaceAll(uri, tok, "[token]")
			}
			log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", v.Method), slog.String("uri", uri),
				slog.String("route", v.RoutePath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID),
				slog.String("ip", v.RemoteIP))
			return nil
		},
	})
}

// bodyLimit refuses bodies over n bytes with 413, whether or not the client
// announced the length.
func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > n {
				return newProblem(http.StatusRequestEntityTooLarge, "body_too_large",
					fmt.Sprintf("Badan permintaan melebihi batas %d bita.", n))
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, n)
			return next(c)
		}
	}
}

// route is one line of the route table: method and path, the permission a
// caller needs ("" for public), the handler, and what the OpenAPI document
// says about it.
type route struct {
	method  string
	path    string
	perm    auth.Permission
	handler echo.HandlerFunc
	limit   int64 // body limit in bytes; 0 means http.body_limit
	doc     openapi.Doc
}

// routes is the whole API: one table per resource, each in the resource's
// file, joined here in the order the OpenAPI document lists them.
func (s *Server) routes() []route {
	var all []route
	for _, group := range [][]route{
		s.operationalRoutes(),
		s.docsRoutes(),
		s.registryRoutes(),
		s.agreementRoutes(),
		s.outletRoutes(),
		s.periodReportRoutes(),
		s.purchaseRoutes(),
		s.confirmationRoutes(),
		s.webhookRoutes(),
		s.ruleRoutes(),
		s.evaluationRoutes(),
		s.exemptionRoutes(),
		s.caseRoutes(),
		s.sanctionListRoutes(),
		s.statsRoutes(),
		s.publicRoutes(),
		s.jobRoutes(),
		s.authRoutes(),
	} {
		all = append(all, group...)
	}
	return all
}

func (s *Server) operationalRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/healthz", handler: s.healthz,
			doc: openapi.Doc{Summary: "Proses hidup", Tag: "operasional", Response: healthResponse{}}},
		{method: http.MethodGet, path: "/readyz", handler: s.readyz,
			doc: openapi.Doc{Summary: "Basis data terjangkau dan skema mutakhir", Tag: "operasional", Response: healthResponse{},
				Errors: []int{http.StatusServiceUnavailable}}},
		{method: http.MethodGet, path: "/metrics", handler: echoprometheus.NewHandlerWithConfig(
			echoprometheus.HandlerConfig{Gatherer: s.metrics}),
			doc: openapi.Doc{Summary: "Metrik Prometheus", Tag: "operasional", Produces: []string{"text/plain"}}},
	}
}

type healthResponse struct {
	Status string `json:"status" openapi:"enum=ok|ready"`
	Time   string `json:"time" openapi:"format=date-time"`
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, healthResponse{Status: "ok", Time: s.clock.Now().Format(time.RFC3339)})
}

// readyz answers 200 only when the database answers and no migration is
// pending, so a load balancer keeps traffic away from a half-deployed replica.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	sqlDB, err := s.db.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		s.log.WarnContext(ctx, "readyz: database unreachable", "err", err)
		return newProblem(http.StatusServiceUnavailable, "database_unreachable", "Basis data tidak dapat dihubungi.")
	}
	pending, err := s.migrator.Pending(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "readyz: migration status", "err", err)
		return newProblem(http.StatusServiceUnavailable, "schema_unknown", "Status skema basis data tidak dapat dibaca.")
	}
	if pending {
		return newProblem(http.StatusServiceUnavailable, "schema_behind",
			"Skema basis data belum mutakhir. Jalankan `kemitraan migrate up`.")
	}
	return c.JSON(http.StatusOK, healthResponse{Status: "ready", Time: s.clock.Now().Format(time.RFC3339)})
}
