package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/audit"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
	"kemitraan/app/sanction"
)

// The registries for the Dinas: businesses and IKM, searched, filtered,
// sorted and paged with totals, all in the URL; a page per record with
// what the Dinas knows of it and its audit trail.

func (p *Pages) registryRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas/usaha", perm: auth.PermWorkspace, handler: p.businessList},
		{method: http.MethodGet, path: "/dinas/usaha/:id", perm: auth.PermWorkspace, handler: p.businessRecord},
		{method: http.MethodPost, path: "/dinas/usaha/:id/pengecualian", perm: auth.PermExemptionsManage,
			handler: p.grantExemption, upload: documentUpload},
		{method: http.MethodPost, path: "/dinas/usaha/:id/pengecualian/:ex/cabut", perm: auth.PermExemptionsManage,
			handler: p.revokeExemption},
		{method: http.MethodGet, path: "/dinas/ikm", perm: auth.PermWorkspace, handler: p.ikmList},
	}
}

// column is a sortable column head: its label, the link that sorts by it
// (the other way round when it already does) and its aria-sort.
type column struct {
	Label, Href, Sort string
}

// listQuery is a list page's query string, kept as the user wrote it.
type listQuery struct {
	path   string
	values url.Values
}

func newListQuery(c echo.Context, path string) listQuery {
	return listQuery{path: path, values: c.QueryParams()}
}

func (q listQuery) get(name string) string { return strings.TrimSpace(q.values.Get(name)) }

// with is the list's address with name set to value (and back on page 1
// when the filter or the order changes).
func (q listQuery) with(name, value string) string {
	v := url.Values{}
	for k, vs := range q.values {
		v[k] = vs
	}
	if name != "halaman" {
		v.Del("halaman")
	}
	if value == "" {
		v.Del(name)
	} else {
		v.Set(name, value)
	}
	if len(v) == 0 {
		return q.path
	}
	return q.path + "?" + v.Encode()
}

func (q listQuery) page() int {
	n, err := strconv.Atoi(q.get("halaman"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// columns are the sortable heads of a list sorted by q's "urut".
func (q listQuery) columns(c echo.Context, keys []string, fallback string) map[string]column {
	sort := q.get("urut")
	if sort == "" {
		sort = fallback
	}
	out := map[string]column{}
	for _, k := range keys {
		col := column{Label: say(c, "registry.col."+k), Href: q.with("urut", k)}
		switch sort {
		case k:
			col.Sort, col.Href = "ascending", q.with("urut", "-"+k)
		case "-" + k:
			col.Sort = "descending"
		}
		out[k] = col
	}
	return out
}

// pager is a list's paging: where it is and the links around it.
type pager struct {
	Page, Pages int
	Total       int64
	Prev, Next  string
}

func newPager(q listQuery, page int, perPage int, total int64) pager {
	pg := pager{Page: page, Total: total, Pages: max(1, int(math.Ceil(float64(total)/float64(perPage))))}
	if page > 1 {
		pg.Prev = q.with("halaman", strconv.Itoa(page-1))
	}
	if page < pg.Pages {
		pg.Next = q.with("halaman", strconv.Itoa(page+1))
	}
	return pg
}

type businessListView struct {
	Items      []registry.Business
	Pager      pager
	Columns    map[string]column
	Q          string
	Category   string
	Kecamatan  string
	Status     string
	Categories []string
	Statuses   []string
	Kecamatans []registry.Kecamatan
	CanManage  bool
}

func (p *Pages) businessList(c echo.Context) error {
	q := newListQuery(c, "/dinas/usaha")
	v := businessListView{Q: q.get("q"), Category: q.get("kategori"), Kecamatan: q.get("kecamatan"),
		Status: q.get("status"), Categories: registry.Categories, Statuses: registry.BusinessStatuses,
		Columns:   q.columns(c, []string{"name", "nib", "category", "kecamatan", "employee_count", "registered_at"}, "name"),
		CanManage: auth.Allowed(actor.From(c.Request().Context()), auth.PermRegistryManage)}
	ctx := c.Request().Context()
	var err error
	if v.Kecamatans, err = p.svc.Registry.ListKecamatan(ctx); err != nil {
		return err
	}
	page, err := p.svc.Registry.ListBusinesses(ctx, registry.BusinessFilter{Q: v.Q, Category: v.Category,
		Kecamatan: v.Kecamatan, Status: v.Status, Sort: q.get("urut"), Paging: registry.Paging{Page: q.page()}})
	if err != nil {
		return p.refusedList(c, "office_businesses", say(c, "registry.businesses.title"), v, err)
	}
	v.Items, v.Pager = page.Items, newPager(q, page.Page, page.PerPage, page.Total)
	return p.render(c, http.StatusOK, "office_businesses", p.newPage(c, say(c, "registry.businesses.title"), v))
}

// refusedList shows a list page again with the filters that were refused
// named in its error summary.
func (p *Pages) refusedList(c echo.Context, name, title string, v any, err error) error {
	pg := p.newPage(c, title, v)
	status, ok := formErrors(pg, err, map[string]string{"q": say(c, "registry.search"),
		"category": say(c, "registry.col.category"), "sector": say(c, "registry.col.sector"),
		"kecamatan": say(c, "registry.col.kecamatan"), "status": say(c, "ikm.col.status"),
		"verified": say(c, "registry.verified"), "stage": say(c, "cases.col.stage"), "period": say(c, "stats.period"),
		"statuses": say(c, "sanctions.status")})
	if !ok {
		return err
	}
	return p.render(c, status, name, pg)
}

type ikmListView struct {
	Items      []registry.IKM
	Pager      pager
	Columns    map[string]column
	Q          string
	Sector     string
	Kecamatan  string
	Status     string
	Verified   string
	Sectors    []string
	Statuses   []string
	Kecamatans []registry.Kecamatan
	CanManage  bool
}

func (p *Pages) ikmList(c echo.Context) error {
	q := newListQuery(c, "/dinas/ikm")
	v := ikmListView{Q: q.get("q"), Sector: q.get("sektor"), Kecamatan: q.get("kecamatan"), Status: q.get("status"),
		Verified: q.get("verifikasi"), Sectors: registry.Sectors, Statuses: registry.IKMStatuses,
		Columns:   q.columns(c, []string{"name", "nib", "sector", "kecamatan", "monthly_capacity", "created_at"}, "name"),
		CanManage: auth.Allowed(actor.From(c.Request().Context()), auth.PermRegistryManage)}
	ctx := c.Request().Context()
	var err error
	if v.Kecamatans, err = p.svc.Registry.ListKecamatan(ctx); err != nil {
		return err
	}
	f := registry.IKMFilter{Q: v.Q, Sector: v.Sector, Kecamatan: v.Kecamatan, Status: v.Status, Sort: q.get("urut"),
		Paging: registry.Paging{Page: q.page()}}
	switch v.Verified {
	case "":
	case "ya", "tidak":
		verified := v.Verified == "ya"
		f.Verified = &verified
	default:
		return p.refusedList(c, "office_ikms", say(c, "registry.ikms.title"), v,
			fault.Invalid(fault.Field("verified", say(c, "registry.verified_invalid"))))
	}
	page, err := p.svc.Registry.ListIKMs(ctx, f)
	if err != nil {
		return p.refusedList(c, "office_ikms", say(c, "registry.ikms.title"), v, err)
	}
	v.Items, v.Pager = page.Items, newPager(q, page.Page, page.PerPage, page.Total)
	return p.render(c, http.StatusOK, "office_ikms", p.newPage(c, say(c, "registry.ikms.title"), v))
}

// recordShown is how many rows of each list a record's page shows.
const recordShown = 20

type businessRecordView struct {
	Business   registry.Business
	Agreements []partnership.Agreement
	Purchases  []procurement.Purchase
	// Evaluations are its latest periods' evaluations, newest first, with
	// how it paid its IKM.
	Evaluations []compliance.Evaluation
	Cases       []sanction.Case
	Exemptions  []compliance.Exemption
	CanExempt   bool
	CanManage   bool              // may edit and deactivate it
	Form        map[string]string // the exemption form as sent
	Audit       auditTrail
}

func (p *Pages) businessRecordView(c echo.Context) (businessRecordView, error) {
	id, err := pathID(c)
	if err != nil {
		return businessRecordView{}, err
	}
	ctx := c.Request().Context()
	v := businessRecordView{CanExempt: auth.Allowed(actor.From(ctx), auth.PermExemptionsManage),
		CanManage: auth.Allowed(actor.From(ctx), auth.PermRegistryManage), Form: map[string]string{}}
	if v.Business, err = p.svc.Registry.GetBusiness(ctx, id); err != nil {
		return v, err
	}
	if v.Agreements, _, err = p.svc.Partnership.ListAgreements(ctx, partnership.AgreementFilter{BusinessID: id},
		partnership.Page{Limit: recordShown}); err != nil {
		return v, err
	}
	purchases, err := p.svc.Purchases.List(ctx, procurement.Filter{BusinessID: id, Limit: recordShown})
	if err != nil {
		return v, err
	}
	v.Purchases = purchases.Items
	if v.Evaluations, _, err = p.svc.Compliance.Evaluations(ctx, compliance.EvaluationFilter{BusinessID: id},
		compliance.EvaluationPage{Limit: 8}); err != nil {
		return v, err
	}
	if v.Cases, _, err = p.svc.Sanction.ListCases(ctx, sanction.CaseFilter{BusinessID: id},
		sanction.Page{Limit: recordShown}); err != nil {
		return v, err
	}
	if auth.Allowed(actor.From(ctx), auth.PermExemptionsRead) {
		if v.Exemptions, _, err = p.svc.Compliance.ListExemptions(ctx, compliance.ExemptionFilter{BusinessID: id},
			0, recordShown); err != nil {
			return v, err
		}
	}
	v.Audit, err = p.auditOf(c, "business", id)
	return v, err
}

func (p *Pages) businessRecord(c echo.Context) error {
	v, err := p.businessRecordView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, v.Business.Name, v)
	switch c.QueryParam("pesan") {
	case "dikecualikan":
		pg.Notice = say(c, "exemption.granted")
	case "dicabut":
		pg.Notice = say(c, "exemption.revoked")
	case "dibuat", "diubah", "dinonaktifkan":
		pg.Notice = say(c, "registry.notice."+c.QueryParam("pesan"))
	}
	return p.render(c, http.StatusOK, "office_business", pg)
}

// refusedRecord shows the business's page again with why a change was
// refused.
func (p *Pages) refusedRecord(c echo.Context, v businessRecordView, err error) error {
	pg := p.newPage(c, v.Business.Name, v)
	labels := map[string]string{"period": say(c, "exemption.period"), "reason": say(c, "exemption.reason"),
		"document": say(c, "exemption.document")}
	for _, e := range v.Exemptions {
		labels[revokeField(e.ID)] = say(c, "exemption.revoke_reason")
	}
	status, ok := formErrors(pg, err, labels)
	if !ok {
		return err
	}
	return p.render(c, status, "office_business", pg)
}

// grantExemption exempts the business from a period's obligations, with
// the reason and the signed document; refused, nothing is stored.
func (p *Pages) grantExemption(c echo.Context) error {
	v, err := p.businessRecordView(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	in := compliance.ExemptionInput{BusinessID: v.Business.ID, Period: strings.TrimSpace(c.FormValue("periode")),
		Reason: c.FormValue("alasan")}
	v.Form["period"], v.Form["reason"] = in.Period, in.Reason
	if err := p.svc.Compliance.CheckExemption(ctx, &in); err != nil {
		return p.refusedRecord(c, v, err)
	}
	fh, err := c.FormFile("dokumen")
	if err != nil || fh.Size == 0 {
		return p.refusedRecord(c, v, fault.Invalid(fault.Field("document", say(c, "exemption.document_required"))))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := p.svc.Compliance.Grant(ctx, in, fh.Filename, f); err != nil {
		return p.refusedRecord(c, v, err)
	}
	return redirect(c, fmt.Sprintf("/dinas/usaha/%d?pesan=dikecualikan", v.Business.ID))
}

// revokeField is the id of an exemption's revocation reason on the page.
func revokeField(id int64) string { return "revoke_reason-" + strconv.FormatInt(id, 10) }

func (p *Pages) revokeExemption(c echo.Context) error {
	v, err := p.businessRecordView(c)
	if err != nil {
		return err
	}
	ex, err := strconv.ParseInt(c.Param("ex"), 10, 64)
	if err != nil || ex <= 0 || !slices.ContainsFunc(v.Exemptions, func(e compliance.Exemption) bool { return e.ID == ex }) {
		return fault.NotFound("exemption_not_found", say(c, "error.404.detail"))
	}
	if _, err := p.svc.Compliance.Revoke(c.Request().Context(), ex, c.FormValue("alasan")); err != nil {
		return p.refusedRecord(c, v, renamed(err, "reason", revokeField(ex)))
	}
	return redirect(c, fmt.Sprintf("/dinas/usaha/%d?pesan=dicabut", v.Business.ID))
}

// auditTrail is the latest of a record's audit trail, shown to staff who
// may read it (not to reviewers).
type auditTrail struct {
	Shown  bool
	Events []audit.Stored
}

func (p *Pages) auditOf(c echo.Context, entity string, id int64) (auditTrail, error) {
	if !auth.Allowed(actor.From(c.Request().Context()), auth.PermAuditRead) {
		return auditTrail{}, nil
	}
	events, _, err := p.svc.Audit.List(c.Request().Context(), audit.Filter{EntityType: entity,
		EntityID: strconv.FormatInt(id, 10), Limit: recordShown})
	return auditTrail{Shown: true, Events: events}, err
}
