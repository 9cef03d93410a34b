package web

import (
	"bytes"
	"fmt"
	"net/http"

	"codeberg.org/go-pdf/fpdf"
	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/procurement"
)

// The period report: a company declares a finished period complete. A
// check-your-answers page shows what stands reported for the period, the
// submission is one click, and the receipt has a reference and a PDF.

func (p *Pages) periodReportRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/perusahaan/laporan", perm: auth.PermReportsSubmit, handler: p.periodReport},
		{method: http.MethodPost, path: "/perusahaan/laporan", perm: auth.PermReportsSubmit, handler: p.submitPeriodReport},
		{method: http.MethodGet, path: "/perusahaan/laporan/tanda-terima.pdf", perm: auth.PermReportsSubmit, handler: p.periodReportReceipt},
	}
}

type periodReportView struct {
	Period    compliance.Period
	Summary   []procurement.PeriodSummary
	Counted   int64 // rupiah confirmed: what counts
	Awaiting  int64 // purchases still awaiting the IKM
	Report    *partnership.PeriodReport
	Open      bool // the period has not ended: nothing to submit yet
	Reference string
}

// reportPeriod is the period the page is about: the query's, else the last
// one that has ended.
func (p *Pages) reportPeriod(c echo.Context) (compliance.Period, error) {
	raw := c.QueryParam("periode")
	if raw == "" && c.Request().Method == http.MethodPost {
		raw = c.FormValue("periode")
	}
	if raw != "" {
		pd, err := compliance.ParsePeriod(raw)
		if err != nil {
			return compliance.Period{}, fault.Invalid(fault.Field("period", err.Error()))
		}
		return pd, nil
	}
	rs, err := p.svc.Compliance.RuleSetInForce(c.Request().Context())
	if err != nil {
		return compliance.Period{}, err
	}
	return compliance.PeriodContaining(rs.Period, p.clock.Now()).Prev(), nil
}

func (p *Pages) periodReportView(c echo.Context) (periodReportView, error) {
	pd, err := p.reportPeriod(c)
	if err != nil {
		return periodReportView{}, err
	}
	ctx := c.Request().Context()
	v := periodReportView{Period: pd, Open: !pd.Closed(p.clock.Now())}
	if v.Summary, err = p.svc.Purchases.Summary(ctx, pd.FirstDay(), pd.LastDay()); err != nil {
		return v, err
	}
	for _, s := range v.Summary {
		switch s.Status {
		case procurement.StatusConfirmed:
			v.Counted = s.Amount
		case procurement.StatusReported:
			v.Awaiting = s.Count
		}
	}
	r, err := p.svc.Partnership.Report(ctx, actor.From(ctx).BusinessID, pd.String())
	switch {
	case err == nil:
		v.Report, v.Reference = &r, reportReference(r)
	case !isKind(err, fault.KindNotFound):
		return v, err
	}
	return v, nil
}

// reportReference is the number a receipt quotes: LAP-2025Q1-000123.
func reportReference(r partnership.PeriodReport) string {
	return fmt.Sprintf("LAP-%s-%06d", r.Period[:4]+r.Period[5:], r.ID)
}

func (p *Pages) periodReport(c echo.Context) error {
	v, err := p.periodReportView(c)
	if err != nil {
		if isKind(err, fault.KindInvalid) {
			pg := p.newPage(c, say(c, "preport.title"), periodReportView{})
			status, _ := formErrors(pg, err, nil)
			return p.render(c, status, "company_report", pg)
		}
		return err
	}
	title := say(c, "preport.title")
	if v.Report != nil {
		title = say(c, "preport.done.title")
	}
	return p.render(c, http.StatusOK, "company_report", p.newPage(c, title, v))
}

func (p *Pages) submitPeriodReport(c echo.Context) error {
	pd, err := p.reportPeriod(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := p.svc.Partnership.SubmitReport(ctx, actor.From(ctx).BusinessID, pd.String()); err != nil {
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindConflict {
			return err
		}
		v, verr := p.periodReportView(c)
		if verr != nil {
			return verr
		}
		pg := p.newPage(c, say(c, "preport.title"), v)
		pg.Errors = []fault.FieldError{{Reason: fe.Detail}}
		return p.render(c, http.StatusConflict, "company_report", pg)
	}
	return redirect(c, "/perusahaan/laporan?periode="+pd.String())
}

// periodReportReceipt is the receipt of a submitted report as a PDF, to
// print or keep.
func (p *Pages) periodReportReceipt(c echo.Context) error {
	v, err := p.periodReportView(c)
	if err != nil {
		return err
	}
	if v.Report == nil {
		return &fault.Error{Kind: fault.KindNotFound, Code: "report_not_found", Detail: say(c, "preport.none")}
	}
	ctx := c.Request().Context()
	me, err := p.svc.Auth.WhoAmI(ctx)
	if err != nil {
		return err
	}
	pdf, err := p.receiptPDF(c, v, me.BusinessName)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, v.Reference))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

func (p *Pages) receiptPDF(c echo.Context, v periodReportView, business string) ([]byte, error) {
	r := v.Report
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetMargins(25, 20, 20)
	doc.SetCreationDate(r.SubmittedAt)
	doc.SetModificationDate(r.SubmittedAt)
	doc.SetTitle(say(c, "preport.receipt.title")+" "+v.Reference, true)
	tr := doc.UnicodeTranslatorFromDescriptor("")
	doc.AddPage()
	doc.SetFont("Helvetica", "B", 12)
	doc.CellFormat(0, 6, tr(p.cfg.Office.Government), "", 1, "C", false, 0, "")
	doc.CellFormat(0, 6, tr(p.cfg.Office.Name), "", 1, "C", false, 0, "")
	doc.Ln(6)
	doc.SetFont("Helvetica", "B", 14)
	doc.CellFormat(0, 8, tr(say(c, "preport.receipt.title")), "", 1, "L", false, 0, "")
	doc.SetFont("Helvetica", "", 11)
	status := say(c, "preport.on_time")
	if !r.OnTime {
		status = say(c, "preport.late")
	}
	for _, kv := range [][2]string{
		{say(c, "confirm.reference"), v.Reference},
		{say(c, "preport.business"), business},
		{say(c, "stats.period"), v.Period.Label()},
		{say(c, "preport.submitted_at"), format.Time(r.SubmittedAt)},
		{say(c, "preport.deadline"), format.Time(r.Deadline.In(clock.WIB))},
		{say(c, "ikm.col.status"), status},
		{say(c, "preport.counted"), format.Rupiah(v.Counted)},
	} {
		doc.CellFormat(55, 7, tr(kv[0]), "", 0, "L", false, 0, "")
		doc.MultiCell(0, 7, tr(kv[1]), "", "L", false)
	}
	doc.Ln(4)
	doc.SetFont("Helvetica", "", 9)
	doc.MultiCell(0, 5, tr(say(c, "preport.receipt.note")), "", "L", false)
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return nil, fmt.Errorf("web: receipt %s: %w", v.Reference, err)
	}
	return buf.Bytes(), nil
}
