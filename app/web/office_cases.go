package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
	"kemitraan/app/sanction"
)

// The reviewer's workspace: the case queue, a case's whole story on one
// page, and a decision read as the letter it would issue before it is
// taken.

func (p *Pages) reviewRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas/kasus", perm: auth.PermWorkspace, handler: p.caseQueue},
		{method: http.MethodGet, path: "/dinas/kasus/:id", perm: auth.PermWorkspace, handler: p.reviewCase},
		{method: http.MethodPost, path: "/dinas/kasus/:id/periksa", perm: auth.PermCasesDecide, handler: p.checkDecision},
		{method: http.MethodGet, path: "/dinas/kasus/:id/konsep.pdf", perm: auth.PermCasesDecide, handler: p.draftLetter},
		{method: http.MethodPost, path: "/dinas/kasus/:id/putuskan", perm: auth.PermCasesDecide, handler: p.decideCase},
		{method: http.MethodGet, path: "/dinas/kasus/:id/surat/:letter", perm: auth.PermWorkspace, handler: p.reviewLetter},
	}
}

type caseQueueView struct {
	Items      []sanction.Case
	Pager      pager
	Columns    map[string]column
	Stage      string
	Overdue    bool
	Category   string
	Kecamatan  string
	Stages     []sanction.Stage
	Categories []string
	Kecamatans []registry.Kecamatan
}

func (p *Pages) caseQueue(c echo.Context) error {
	q := newListQuery(c, "/dinas/kasus")
	v := caseQueueView{Stage: q.get("tahap"), Overdue: q.get("lewat") == "ya", Category: q.get("kategori"),
		Kecamatan: q.get("kecamatan"), Stages: sanction.Stages, Categories: registry.Categories,
		Columns: q.columns(c, sanction.QueueSorts, "deadline")}
	ctx := c.Request().Context()
	var err error
	if v.Kecamatans, err = p.svc.Registry.ListKecamatan(ctx); err != nil {
		return err
	}
	page, err := p.svc.Sanction.Queue(ctx, sanction.QueueFilter{Stage: sanction.Stage(v.Stage), Overdue: v.Overdue,
		Category: v.Category, Kecamatan: v.Kecamatan, Sort: q.get("urut"), Page: q.page()})
	if err != nil {
		return p.refusedList(c, "office_cases", say(c, "review.queue.title"), v, err)
	}
	v.Items, v.Pager = page.Items, newPager(q, page.Page, page.PerPage, page.Total)
	return p.render(c, http.StatusOK, "office_cases", p.newPage(c, say(c, "review.queue.title"), v))
}

// event is one entry of a case's timeline.
type event struct {
	At       time.Time
	Title    string
	Detail   string
	LetterID int64
	Letter   string
}

type reviewCaseView struct {
	Case      sanction.CaseDetail
	Timeline  []event
	CanDecide bool
	Decision  string
	Reason    string
	Checking  bool // the check-your-decision page
	DraftURL  string
}

func (p *Pages) reviewCaseView(c echo.Context) (reviewCaseView, error) {
	id, err := pathID(c)
	if err != nil {
		return reviewCaseView{}, err
	}
	d, err := p.svc.Sanction.GetCase(c.Request().Context(), id)
	if err != nil {
		return reviewCaseView{}, err
	}
	v := reviewCaseView{Case: d, CanDecide: auth.Allowed(actor.From(c.Request().Context()), auth.PermCasesDecide) &&
		len(d.Allowed) > 0}
	v.Timeline = append(v.Timeline, event{At: d.OpenedAt, Title: say(c, "review.event.opened", strings.Join(d.Periods, ", "))})
	for _, r := range d.Responses {
		title := say(c, "cases.response_sent")
		if r.Objection {
			title += " (" + say(c, "cases.objection") + ")"
		}
		v.Timeline = append(v.Timeline, event{At: r.SubmittedAt, Title: title, Detail: r.Explanation})
	}
	for _, dec := range d.Decisions {
		v.Timeline = append(v.Timeline, event{At: dec.DecidedAt,
			Title:  say(c, "cases.decision", say(c, "decision."+string(dec.Decision)), dec.ReviewerName),
			Detail: dec.Reason, LetterID: dec.LetterID, Letter: dec.LetterNumber})
	}
	if d.LapsedAt != nil {
		v.Timeline = append(v.Timeline, event{At: *d.LapsedAt, Title: say(c, "review.event.lapsed")})
	}
	if d.CuredAt != nil {
		v.Timeline = append(v.Timeline, event{At: *d.CuredAt, Title: say(c, "review.event.cured")})
	}
	sort.SliceStable(v.Timeline, func(i, j int) bool { return v.Timeline[i].At.Before(v.Timeline[j].At) })
	return v, nil
}

func (p *Pages) reviewCase(c echo.Context) error {
	v, err := p.reviewCaseView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "review.case.title", v.Case.Business.Name), v)
	if c.QueryParam("pesan") == "diputuskan" {
		pg.Notice = say(c, "review.decided")
	}
	return p.render(c, http.StatusOK, "office_case", pg)
}

// decisionForm reads the decision and its reason from the form.
func decisionForm(c echo.Context, v *reviewCaseView) sanction.DecisionInput {
	v.Decision, v.Reason = c.FormValue("keputusan"), strings.TrimSpace(c.FormValue("alasan"))
	return sanction.DecisionInput{Decision: sanction.Decision(v.Decision), Reason: v.Reason}
}

// refusedDecision shows the case page again with why the decision cannot
// be taken.
func (p *Pages) refusedDecision(c echo.Context, v reviewCaseView, err error) error {
	v.Checking = false
	pg := p.newPage(c, say(c, "review.case.title", v.Case.Business.Name), v)
	status, ok := formErrors(pg, err, map[string]string{"decision": say(c, "office.decision"),
		"reason": say(c, "office.reason")})
	if !ok {
		return err
	}
	return p.render(c, status, "office_case", pg)
}

// checkDecision is "confirm an action": what the decision does and the
// letter it would issue, as a draft, before anything is written.
func (p *Pages) checkDecision(c echo.Context) error {
	v, err := p.reviewCaseView(c)
	if err != nil {
		return err
	}
	in := decisionForm(c, &v)
	if !slices.Contains(v.Case.Allowed, in.Decision) {
		return p.refusedDecision(c, v, fault.Invalid(fault.Field("decision", say(c, "office.decision_required"))))
	}
	// The draft is rendered once here so a refusal (a guard of the stage,
	// a missing reason) is told now, not after the reviewer confirms.
	if _, err := p.svc.Sanction.PreviewLetter(c.Request().Context(), v.Case.ID, in); err != nil {
		return p.refusedDecision(c, v, err)
	}
	v.Checking = true
	query := url.Values{"keputusan": {v.Decision}, "alasan": {v.Reason}}.Encode()
	v.DraftURL = fmt.Sprintf("/dinas/kasus/%d/konsep.pdf?%s", v.Case.ID, strings.ReplaceAll(query, "+", "%20"))
	return p.render(c, http.StatusOK, "office_case", p.newPage(c, say(c, "review.check.title"), v))
}

// draftLetter is the letter a decision would issue, marked as a draft,
// with no number taken and nothing written.
func (p *Pages) draftLetter(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	pdf, err := p.svc.Sanction.PreviewLetter(c.Request().Context(), id, sanction.DecisionInput{
		Decision: sanction.Decision(c.QueryParam("keputusan")), Reason: strings.TrimSpace(c.QueryParam("alasan"))})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="konsep-kasus-%d.pdf"`, id))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

func (p *Pages) decideCase(c echo.Context) error {
	v, err := p.reviewCaseView(c)
	if err != nil {
		return err
	}
	in := decisionForm(c, &v)
	if _, err := p.svc.Sanction.Decide(c.Request().Context(), v.Case.ID, in); err != nil {
		return p.refusedDecision(c, v, err)
	}
	return redirect(c, fmt.Sprintf("/dinas/kasus/%d?pesan=diputuskan", v.Case.ID))
}

func (p *Pages) reviewLetter(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	letterID, err := strconv.ParseInt(c.Param("letter"), 10, 64)
	if err != nil || letterID <= 0 {
		return fault.NotFound("letter_not_found", say(c, "error.404.detail"))
	}
	l, pdf, err := p.svc.Sanction.LetterPDF(c.Request().Context(), id, letterID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="surat-%d.pdf"`, l.ID))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
