package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/fault"
	"kemitraan/app/report"
)

// A company's partnership agreements: draft one (its IKM, form, number and
// dates, targets, the signed PDF), change it while it is a draft, submit
// it, and follow the officer's decision and reason.

func (p *Pages) agreementRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/perusahaan/perjanjian", perm: auth.PermAgreementsWrite, handler: p.agreements},
		{method: http.MethodGet, path: "/perusahaan/perjanjian/baru", perm: auth.PermAgreementsWrite, handler: p.agreementForm},
		{method: http.MethodPost, path: "/perusahaan/perjanjian/baru", perm: auth.PermAgreementsWrite, handler: p.saveAgreement},
		{method: http.MethodGet, path: "/perusahaan/perjanjian/:id", perm: auth.PermAgreementsWrite, handler: p.agreement},
		{method: http.MethodGet, path: "/perusahaan/perjanjian/:id/ubah", perm: auth.PermAgreementsWrite, handler: p.agreementForm},
		{method: http.MethodPost, path: "/perusahaan/perjanjian/:id/ubah", perm: auth.PermAgreementsWrite, handler: p.saveAgreement},
		{method: http.MethodPost, path: "/perusahaan/perjanjian/:id/dokumen", perm: auth.PermAgreementsWrite, handler: p.agreementDocument, upload: documentUpload},
		{method: http.MethodPost, path: "/perusahaan/perjanjian/:id/ajukan", perm: auth.PermAgreementsWrite, handler: p.submitAgreement},
	}
}

func (p *Pages) agreements(c echo.Context) error {
	after, err := cursorParam(c, "setelah")
	if err != nil {
		return err
	}
	items, _, err := p.svc.Partnership.ListAgreements(c.Request().Context(), partnership.AgreementFilter{},
		partnership.Page{Cursor: after, Limit: 100})
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "company_agreements", p.newPage(c, say(c, "agreements.title"), items))
}

type agreementFormView struct {
	ID       int64 // 0 for a new draft
	Form     map[string]string
	IKMs     map[string]bool // chosen IKM ids
	Chosen   []partnership.PartnerIKM
	Forms    []string
	Search   string
	Matches  []report.DirectoryEntry
	Searched bool
}

var agreementFields = []string{"form", "number", "agreement_date", "start_date", "end_date",
	"target_purchase_value", "target_ikm_count", "target_outlet_slots", "payment_days", "consignment"}

func (p *Pages) agreementForm(c echo.Context) error {
	v := agreementFormView{Form: map[string]string{}, IKMs: map[string]bool{}, Forms: partnership.Forms,
		Search: strings.TrimSpace(c.QueryParam("cari"))}
	if c.Param("id") != "" {
		a, err := p.draft(c)
		if err != nil {
			return err
		}
		v.ID, v.Chosen = a.ID, a.IKMs
		v.Form = map[string]string{"form": a.Form, "number": a.Number,
			"agreement_date": a.AgreementDate.Format("2006-01-02"), "start_date": a.StartDate.Format("2006-01-02"),
			"end_date": a.EndDate.Format("2006-01-02"), "target_purchase_value": strconv.FormatInt(a.TargetPurchaseValue, 10),
			"target_ikm_count": strconv.Itoa(a.TargetIKMCount), "target_outlet_slots": strconv.Itoa(a.TargetOutletSlots)}
		if a.PaymentDays != nil {
			v.Form["payment_days"] = strconv.Itoa(*a.PaymentDays)
		}
		if a.Consignment {
			v.Form["consignment"] = "ya"
		}
		for _, i := range a.IKMs {
			v.IKMs[strconv.FormatInt(i.ID, 10)] = true
		}
	}
	var err error
	if v.Matches, v.Searched, err = p.searchIKM(c, v.Search); err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "company_agreement_form", p.newPage(c, say(c, "agreements.form.title"), v))
}

// draft is the agreement of the path, which must still be a draft.
func (p *Pages) draft(c echo.Context) (partnership.Agreement, error) {
	id, err := pathID(c)
	if err != nil {
		return partnership.Agreement{}, err
	}
	return p.svc.Partnership.Agreement(c.Request().Context(), id)
}

func (p *Pages) saveAgreement(c echo.Context) error {
	v := agreementFormView{Form: map[string]string{}, IKMs: map[string]bool{}, Forms: partnership.Forms}
	for _, f := range agreementFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	params, _ := c.FormParams()
	in := partnership.AgreementInput{Form: v.Form["form"], Number: v.Form["number"], AgreementDate: v.Form["agreement_date"],
		StartDate: v.Form["start_date"], EndDate: v.Form["end_date"]}
	var chk fault.Checker
	for _, raw := range params["ikm_ids"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		chk.Check(err == nil && id > 0, "ikm_ids", say(c, "company.report.pick_again"))
		in.IKMIDs = append(in.IKMIDs, id)
		v.IKMs[raw] = true
	}
	value, ok := parseRupiah(v.Form["target_purchase_value"])
	chk.Check(ok || v.Form["target_purchase_value"] == "" || v.Form["target_purchase_value"] == "0",
		"target_purchase_value", say(c, "company.report.amount_format"))
	in.TargetPurchaseValue = value
	for field, dst := range map[string]*int{"target_ikm_count": &in.TargetIKMCount, "target_outlet_slots": &in.TargetOutletSlots} {
		if raw := v.Form[field]; raw != "" {
			n, err := strconv.Atoi(raw)
			chk.Check(err == nil && n >= 0, field, say(c, "company.report.whole_number"))
			*dst = n
		}
	}
	if raw := v.Form["payment_days"]; raw != "" {
		n, err := strconv.Atoi(raw)
		chk.Check(err == nil && n >= 0, "payment_days", say(c, "company.report.whole_number"))
		in.PaymentDays = &n
	}
	in.Consignment = v.Form["consignment"] == "ya"
	ctx := c.Request().Context()
	var saved partnership.Agreement
	err := chk.Err()
	if err == nil {
		if c.Param("id") != "" {
			var current partnership.Agreement
			if current, err = p.draft(c); err == nil {
				v.ID = current.ID
				saved, err = p.svc.Partnership.UpdateAgreement(ctx, current.ID, in)
			}
		} else {
			saved, err = p.svc.Partnership.CreateAgreement(ctx, in)
		}
	}
	if err != nil {
		if isKind(err, fault.KindNotFound) {
			return err
		}
		pg := p.newPage(c, say(c, "agreements.form.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"ikm_ids": say(c, "agreements.ikms"), "form": say(c, "agreements.form"),
			"number": say(c, "agreements.number"), "agreement_date": say(c, "agreements.date"), "start_date": say(c, "agreements.start"),
			"end_date": say(c, "agreements.end"), "target_purchase_value": say(c, "agreements.target_value"),
			"target_ikm_count": say(c, "agreements.target_ikm"), "target_outlet_slots": say(c, "agreements.target_slots"),
			"payment_days": say(c, "agreements.payment_days")})
		if !ok {
			return err
		}
		return p.render(c, status, "company_agreement_form", pg)
	}
	return redirect(c, fmt.Sprintf("/perusahaan/perjanjian/%d?pesan=disimpan", saved.ID))
}

func (p *Pages) agreement(c echo.Context) error {
	a, err := p.draft(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "agreements.detail.title", a.Number), a)
	switch c.QueryParam("pesan") {
	case "disimpan":
		pg.Notice = say(c, "agreements.saved")
	case "dokumen":
		pg.Notice = say(c, "agreements.document_saved")
	case "diajukan":
		pg.Notice = say(c, "agreements.submitted")
	}
	return p.render(c, http.StatusOK, "company_agreement", pg)
}

func (p *Pages) agreementDocument(c echo.Context) error {
	a, err := p.draft(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("dokumen")
	if err != nil {
		return p.agreementRefused(c, a, fault.Invalid(fault.Field("document", say(c, "agreements.document_required"))))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := p.svc.Partnership.AttachDocument(c.Request().Context(), a.ID, fh.Filename, f); err != nil {
		return p.agreementRefused(c, a, err)
	}
	return redirect(c, fmt.Sprintf("/perusahaan/perjanjian/%d?pesan=dokumen", a.ID))
}

func (p *Pages) submitAgreement(c echo.Context) error {
	a, err := p.draft(c)
	if err != nil {
		return err
	}
	if _, err := p.svc.Partnership.SubmitAgreement(c.Request().Context(), a.ID); err != nil {
		return p.agreementRefused(c, a, err)
	}
	return redirect(c, fmt.Sprintf("/perusahaan/perjanjian/%d?pesan=diajukan", a.ID))
}

// agreementRefused shows the agreement again with why an action on it was
// refused.
func (p *Pages) agreementRefused(c echo.Context, a partnership.Agreement, err error) error {
	pg := p.newPage(c, say(c, "agreements.detail.title", a.Number), a)
	status, ok := formErrors(pg, err, map[string]string{"document": say(c, "agreements.document")})
	if !ok {
		return err
	}
	return p.render(c, status, "company_agreement", pg)
}
