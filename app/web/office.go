package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
)

// The Dinas officer's workspace: the queues of what waits on the Dinas,
// with counts, and the decisions taken from them.

func (p *Pages) officeRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas", perm: auth.PermPurchasesVerify, handler: p.officeHome},
		{method: http.MethodGet, path: "/dinas/pembelian/:id", perm: auth.PermPurchasesVerify, handler: p.officePurchase},
		{method: http.MethodPost, path: "/dinas/pembelian/:id/putuskan", perm: auth.PermPurchasesVerify, handler: p.officeDecidePurchase},
		{method: http.MethodPost, path: "/dinas/pembelian/:id/pembayaran", perm: auth.PermPurchasesVerify, handler: p.officeResolvePayment},
		{method: http.MethodGet, path: "/dinas/perjanjian/:id", perm: auth.PermAgreementsDecide, handler: p.officeAgreement},
		{method: http.MethodPost, path: "/dinas/perjanjian/:id/putuskan", perm: auth.PermAgreementsDecide, handler: p.officeDecideAgreement},
		{method: http.MethodGet, path: "/dinas/ikm/:id", perm: auth.PermWorkspace, handler: p.officeIKM},
		{method: http.MethodPost, path: "/dinas/ikm/:id/verifikasi", perm: auth.PermIKMVerify, handler: p.officeVerifyIKM},
	}
}

// queueShown is how many rows each queue shows on the home page.
const queueShown = 10

// queueRow is a purchase in a queue with the link the IKM answers through
// and a WhatsApp message carrying it, for an officer to pass on.
type queueRow struct {
	procurement.QueueItem
	Link     string // the live confirmation link; "" when none
	WhatsApp string // wa.me/62…?text=…; "" without a mobile number or a link
}

type officeQueue struct {
	Kind  procurement.QueueKind
	Total int64
	More  bool // more than Total: the count stopped there
	Shown int64
	Rows  []queueRow
}

type officeHomeView struct {
	Queues         []officeQueue
	Agreements     []partnership.Agreement
	AgreementCount int64
	ReportPeriod   compliance.Period
	Reports        partnership.ReportList
	MissingReports int64 // of ReportPeriod, over the whole list
	LateReports    int64
	Unverified     registry.Page[registry.IKM]
}

func (p *Pages) officeHome(c echo.Context) error {
	ctx := c.Request().Context()
	var v officeHomeView
	for _, kind := range procurement.QueueKinds {
		q, err := p.svc.Purchases.Queue(ctx, kind, queueShown)
		if err != nil {
			return err
		}
		oq := officeQueue{Kind: kind, Total: q.Total, More: q.More}
		for _, it := range q.Items {
			row, err := p.queueRow(c, it)
			if err != nil {
				return err
			}
			oq.Rows = append(oq.Rows, row)
		}
		oq.Shown = int64(len(oq.Rows))
		v.Queues = append(v.Queues, oq)
	}
	var err error
	if v.AgreementCount, err = p.svc.Partnership.CountAgreements(ctx, partnership.AgreementSubmitted); err != nil {
		return err
	}
	if v.Agreements, _, err = p.svc.Partnership.ListAgreements(ctx,
		partnership.AgreementFilter{Status: string(partnership.AgreementSubmitted)},
		partnership.Page{Limit: queueShown}); err != nil {
		return err
	}
	// The reports of the last period, once a rule set covers it: before
	// the first, there are none to miss (no rules: not found; a period
	// before them: refused).
	if v.ReportPeriod, err = p.reportPeriod(c); err == nil {
		v.Reports, err = p.svc.Partnership.ListReports(ctx, partnership.ReportFilter{Period: v.ReportPeriod.String(),
			Status: string(partnership.ReportMissing)}, partnership.Page{Limit: queueShown})
	}
	if fe, ok := fault.As(err); ok && (fe.Kind == fault.KindNotFound || fe.Kind == fault.KindInvalid) {
		v.Reports, err = partnership.ReportList{}, nil
	}
	v.MissingReports, v.LateReports = v.Reports.Counts[partnership.ReportMissing], v.Reports.Counts[partnership.ReportLate]
	if err != nil {
		return err
	}
	unverified := false
	if v.Unverified, err = p.svc.Registry.ListIKMs(ctx, registry.IKMFilter{Status: "active", Verified: &unverified,
		Sort: "created_at", Paging: registry.Paging{PerPage: queueShown}}); err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "office.title"), v)
	pg.Script = true // the copy buttons
	return p.render(c, http.StatusOK, "office_home", pg)
}

// queueRow adds to a queued purchase its live link and the WhatsApp
// message an officer sends the IKM: in Indonesian, whoever reads the page.
func (p *Pages) queueRow(c echo.Context, it procurement.QueueItem) (queueRow, error) {
	row := queueRow{QueueItem: it}
	if it.Status != procurement.StatusReported {
		return row, nil
	}
	link, expires, ok, err := p.svc.Purchases.ConfirmationURL(c.Request().Context(), it.ID)
	if err != nil {
		return row, err
	}
	wa := waLink(it.IKMPhone)
	if wa == "" {
		row.Link = link
		return row, nil
	}
	// With a live link the IKM answers on the page; past its window, the
	// IKM answers the officer, who verifies.
	text := msgIn(langID, "office.wa.text_late", it.IKMName, it.BusinessName, it.InvoiceNumber,
		format.Date(it.PurchaseDate), format.Rupiah(it.Amount), p.cfg.Office.Name)
	if ok {
		row.Link = link
		text = msgIn(langID, "office.wa.text", it.IKMName, it.BusinessName, it.InvoiceNumber,
			format.Date(it.PurchaseDate), format.Rupiah(it.Amount), format.Time(expires.In(clock.WIB)), link,
			p.cfg.Office.Name)
	}
	row.WhatsApp = wa + "?text=" + strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
	return row, nil
}

type officePurchaseView struct {
	Purchase procurement.Purchase
	Business registry.Business
	IKM      registry.IKM
	Evidence []procurement.Evidence
	Row      queueRow
	Reason   string
	Choices  []procurement.Decision // what may be decided now
	// PaymentReason is what was typed on the payment dispute's form.
	PaymentReason string
}

// officeDecisions are the decisions an officer takes on a purchase, in the
// order the form offers them.
var officeDecisions = []procurement.Decision{procurement.Verify, procurement.ResolveConfirm,
	procurement.ResolveReject, procurement.Reject}

func (p *Pages) officePurchaseView(c echo.Context) (officePurchaseView, error) {
	id, err := pathID(c)
	if err != nil {
		return officePurchaseView{}, err
	}
	ctx := c.Request().Context()
	var v officePurchaseView
	if v.Purchase, err = p.svc.Purchases.Get(ctx, id); err != nil {
		return v, err
	}
	if v.Business, err = p.svc.Registry.GetBusiness(ctx, v.Purchase.BusinessID); err != nil {
		return v, err
	}
	if v.IKM, err = p.svc.Registry.GetIKM(ctx, v.Purchase.IKMID); err != nil {
		return v, err
	}
	if v.Evidence, err = p.svc.Purchases.EvidenceOf(ctx, id); err != nil {
		return v, err
	}
	pu := v.Purchase
	if v.Row, err = p.queueRow(c, procurement.QueueItem{ID: pu.ID, InvoiceNumber: pu.InvoiceNumber,
		PurchaseDate: pu.PurchaseDate, Amount: pu.Amount, Status: pu.Status, ConfirmBy: pu.ConfirmBy,
		BusinessID: pu.BusinessID, BusinessName: v.Business.Name, IKMID: pu.IKMID, IKMName: v.IKM.Name,
		IKMPhone: v.IKM.Phone}); err != nil {
		return v, err
	}
	for _, d := range officeDecisions {
		if procurement.Allowed(d, pu.Status) {
			v.Choices = append(v.Choices, d)
		}
	}
	return v, nil
}

func (p *Pages) officePurchase(c echo.Context) error {
	v, err := p.officePurchaseView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "office.purchase.title", v.Purchase.InvoiceNumber), v)
	pg.Script = true
	if c.QueryParam("pesan") == "diputuskan" {
		pg.Notice = say(c, "office.purchase.decided")
	}
	return p.render(c, http.StatusOK, "office_purchase", pg)
}

func (p *Pages) officeDecidePurchase(c echo.Context) error {
	v, err := p.officePurchaseView(c)
	if err != nil {
		return err
	}
	d := procurement.Decision(c.FormValue("keputusan"))
	v.Reason = strings.TrimSpace(c.FormValue("alasan"))
	refuse := func(err error) error {
		pg := p.newPage(c, say(c, "office.purchase.title", v.Purchase.InvoiceNumber), v)
		status, ok := formErrors(pg, err, map[string]string{"decision": say(c, "office.decision"),
			"reason": say(c, "office.reason")})
		if !ok {
			return err
		}
		return p.render(c, status, "office_purchase", pg)
	}
	if !slicesContains(officeDecisions, d) {
		return refuse(fault.Invalid(fault.Field("decision", say(c, "office.decision_required"))))
	}
	if _, err := p.svc.Purchases.Decide(c.Request().Context(), v.Purchase.ID, d, v.Reason); err != nil {
		return refuse(err)
	}
	return redirect(c, fmt.Sprintf("/dinas/pembelian/%d?pesan=diputuskan", v.Purchase.ID))
}

// officeResolvePayment settles a payment dispute: paid (the company's date
// stands) or unpaid (struck out), with what the officer checked.
func (p *Pages) officeResolvePayment(c echo.Context) error {
	v, err := p.officePurchaseView(c)
	if err != nil {
		return err
	}
	decision := c.FormValue("keputusan_bayar")
	v.PaymentReason = strings.TrimSpace(c.FormValue("alasan"))
	if _, err := p.svc.Purchases.ResolvePayment(c.Request().Context(), v.Purchase.ID, decision, v.PaymentReason); err != nil {
		pg := p.newPage(c, say(c, "office.purchase.title", v.Purchase.InvoiceNumber), v)
		fe, ok := fault.As(err)
		if !ok || fe.Kind.Status() == 0 {
			return err
		}
		// The domain names decision and reason; this form's fields are
		// named for the payment question beside the purchase's own.
		for i, f := range fe.Fields {
			switch f.Field {
			case "decision":
				fe.Fields[i].Field = "payment_decision"
			case "reason":
				fe.Fields[i].Field = "payment_reason"
			}
		}
		status, _ := formErrors(pg, fe, map[string]string{"payment_decision": say(c, "office.decision"),
			"payment_reason": say(c, "office.reason")})
		return p.render(c, status, "office_purchase", pg)
	}
	return redirect(c, fmt.Sprintf("/dinas/pembelian/%d?pesan=diputuskan", v.Purchase.ID))
}

func slicesContains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

type officeAgreementView struct {
	Agreement partnership.Agreement
	Reason    string
}

func (p *Pages) officeAgreementView(c echo.Context) (officeAgreementView, error) {
	id, err := pathID(c)
	if err != nil {
		return officeAgreementView{}, err
	}
	a, err := p.svc.Partnership.Agreement(c.Request().Context(), id)
	return officeAgreementView{Agreement: a}, err
}

func (p *Pages) officeAgreement(c echo.Context) error {
	v, err := p.officeAgreementView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "agreements.detail.title", v.Agreement.Number), v)
	if c.QueryParam("pesan") == "diputuskan" {
		pg.Notice = say(c, "office.agreement.decided")
	}
	return p.render(c, http.StatusOK, "office_agreement", pg)
}

func (p *Pages) officeDecideAgreement(c echo.Context) error {
	v, err := p.officeAgreementView(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v.Reason = strings.TrimSpace(c.FormValue("alasan"))
	switch c.FormValue("keputusan") {
	case "setujui":
		_, err = p.svc.Partnership.ApproveAgreement(ctx, v.Agreement.ID)
	case "tolak":
		_, err = p.svc.Partnership.RejectAgreement(ctx, v.Agreement.ID, v.Reason)
	default:
		err = fault.Invalid(fault.Field("decision", say(c, "office.decision_required")))
	}
	if err != nil {
		pg := p.newPage(c, say(c, "agreements.detail.title", v.Agreement.Number), v)
		status, ok := formErrors(pg, err, map[string]string{"decision": say(c, "office.decision"),
			"reason": say(c, "office.reason")})
		if !ok {
			return err
		}
		return p.render(c, status, "office_agreement", pg)
	}
	return redirect(c, fmt.Sprintf("/dinas/perjanjian/%d?pesan=diputuskan", v.Agreement.ID))
}

type ikmRecordView struct {
	IKM       registry.IKM
	Purchases []procurement.Purchase
	Audit     auditTrail
	CanVerify bool
	CanManage bool // may edit and deactivate it
}

func (p *Pages) officeIKM(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := ikmRecordView{CanVerify: auth.Allowed(actor.From(ctx), auth.PermIKMVerify),
		CanManage: auth.Allowed(actor.From(ctx), auth.PermRegistryManage)}
	if v.IKM, err = p.svc.Registry.GetIKM(ctx, id); err != nil {
		return err
	}
	purchases, err := p.svc.Purchases.List(ctx, procurement.Filter{IKMID: id, Limit: recordShown})
	if err != nil {
		return err
	}
	v.Purchases = purchases.Items
	if v.Audit, err = p.auditOf(c, "ikm", id); err != nil {
		return err
	}
	pg := p.newPage(c, v.IKM.Name, v)
	switch m := c.QueryParam("pesan"); m {
	case "diverifikasi":
		pg.Notice = say(c, "office.ikm.verified_notice")
	case "dibuat", "diubah", "dinonaktifkan":
		pg.Notice = say(c, "registry.notice."+m)
	}
	return p.render(c, http.StatusOK, "office_ikm", pg)
}

func (p *Pages) officeVerifyIKM(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := p.svc.Registry.VerifyIKM(c.Request().Context(), id, c.FormValue("terverifikasi") != "tidak"); err != nil {
		return err
	}
	return redirect(c, fmt.Sprintf("/dinas/ikm/%d?pesan=diverifikasi", id))
}
