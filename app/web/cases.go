package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
	"kemitraan/app/sanction"
)

// A company's warnings: each case with its letters (the PDF opens in the
// browser), its deadline as "n hari lagi", its history, and the response
// form with a check-your-answers step before anything is sent.

func (p *Pages) caseRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/perusahaan/kasus", perm: auth.PermCasesRespond, handler: p.companyCases},
		{method: http.MethodGet, path: "/perusahaan/kasus/:id", perm: auth.PermCasesRespond, handler: p.companyCase},
		{method: http.MethodGet, path: "/perusahaan/kasus/:id/surat/:letter", perm: auth.PermCasesRespond, handler: p.caseLetter},
		{method: http.MethodPost, path: "/perusahaan/kasus/:id/periksa", perm: auth.PermCasesRespond, handler: p.checkResponse, upload: responseUpload},
		{method: http.MethodPost, path: "/perusahaan/kasus/:id/tanggapan", perm: auth.PermCasesRespond, handler: p.sendResponse, upload: responseUpload},
	}
}

func (p *Pages) companyCases(c echo.Context) error {
	cases, _, err := p.svc.Sanction.ListCases(c.Request().Context(), sanction.CaseFilter{}, sanction.Page{Limit: 100})
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "company_cases", p.newPage(c, say(c, "cases.title"), cases))
}

type caseView struct {
	Case        sanction.CaseDetail
	CanRespond  bool
	Explanation string
	Objection   bool
	Checking    bool // the check-your-answers step
}

func (p *Pages) caseView(c echo.Context) (caseView, error) {
	id, err := pathID(c)
	if err != nil {
		return caseView{}, err
	}
	d, err := p.svc.Sanction.GetCase(c.Request().Context(), id)
	if err != nil {
		return caseView{}, err
	}
	v := caseView{Case: d}
	v.CanRespond = d.Stage == sanction.StageWarned && d.ResponseDeadline != nil && p.clock.Now().Before(*d.ResponseDeadline)
	return v, nil
}

func (p *Pages) companyCase(c echo.Context) error {
	v, err := p.caseView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "cases.case.title", v.Case.ID), v)
	if c.QueryParam("pesan") == "terkirim" {
		pg.Notice = say(c, "cases.sent")
	}
	return p.render(c, http.StatusOK, "company_case", pg)
}

func (p *Pages) caseLetter(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	letter, err := strconv.ParseInt(c.Param("letter"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	l, pdf, err := p.svc.Sanction.LetterPDF(c.Request().Context(), id, letter)
	if err != nil {
		return err
	}
	name := strings.NewReplacer("/", "-").Replace(l.Number) + ".pdf"
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, name))
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// checkResponse is the check-your-answers step: what will be sent, with a
// way back to change it and the evidence files to add before sending.
func (p *Pages) checkResponse(c echo.Context) error {
	v, err := p.caseView(c)
	if err != nil {
		return err
	}
	v.Explanation, v.Objection = strings.TrimSpace(c.FormValue("penjelasan")), c.FormValue("keberatan") == "ya"
	if !v.CanRespond {
		return &fault.Error{Kind: fault.KindConflict, Code: "response_closed", Detail: say(c, "cases.closed")}
	}
	if c.FormValue("ubah") == "1" {
		// Back from the check to change the answer: the form with it.
		return p.render(c, http.StatusOK, "company_case", p.newPage(c, say(c, "cases.case.title", v.Case.ID), v))
	}
	if v.Explanation == "" {
		pg := p.newPage(c, say(c, "cases.case.title", v.Case.ID), v)
		pg.Errors = []fault.FieldError{{Field: "penjelasan", Reason: say(c, "cases.explanation_required")}}
		return p.render(c, http.StatusUnprocessableEntity, "company_case", pg)
	}
	v.Checking = true
	return p.render(c, http.StatusOK, "company_case", p.newPage(c, say(c, "cases.check.title"), v))
}

func (p *Pages) sendResponse(c echo.Context) error {
	v, err := p.caseView(c)
	if err != nil {
		return err
	}
	v.Explanation, v.Objection = strings.TrimSpace(c.FormValue("penjelasan")), c.FormValue("keberatan") == "ya"
	form, err := c.MultipartForm()
	if err != nil && err != http.ErrNotMultipart {
		return err
	}
	in := sanction.ResponseInput{Explanation: v.Explanation, Objection: v.Objection}
	if form != nil && len(form.File["bukti"]) > 0 {
		files := form.File["bukti"]
		in.Files = func(save func(name string, r io.Reader) error) error {
			for _, fh := range files {
				if fh.Size == 0 {
					continue
				}
				f, err := fh.Open()
				if err != nil {
					return err
				}
				err = save(fh.Filename, f)
				f.Close()
				if err != nil {
					return err
				}
			}
			return nil
		}
	}
	if _, err := p.svc.Sanction.Respond(c.Request().Context(), v.Case.ID, in); err != nil {
		pg := p.newPage(c, say(c, "cases.check.title"), v)
		v.Checking = true
		pg.Data = v
		status, ok := formErrors(pg, err, map[string]string{"explanation": say(c, "cases.explanation"), "files": say(c, "cases.evidence")})
		if !ok {
			return err
		}
		return p.render(c, status, "company_case", pg)
	}
	return redirect(c, fmt.Sprintf("/perusahaan/kasus/%d?pesan=terkirim", v.Case.ID))
}
