package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
)

// The IKM's own pages, logged in: purchases reported against it (awaiting
// ones first, with their deadlines) to confirm or dispute, outlet spaces
// given to it, what it sold per quarter and to whom, and its contact
// details. Scoping is the domain's: another IKM's purchase is not found.

func (p *Pages) ikmRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/ikm", perm: auth.PermPurchasesConfirm, handler: p.ikmPurchases},
		{method: http.MethodGet, path: "/ikm/pembelian/:id", perm: auth.PermPurchasesConfirm, handler: p.ikmPurchase},
		{method: http.MethodPost, path: "/ikm/pembelian/:id", perm: auth.PermPurchasesConfirm, handler: p.ikmAnswer},
		{method: http.MethodPost, path: "/ikm/pembelian/:id/pembayaran", perm: auth.PermPurchasesConfirm, handler: p.ikmPayment},
		{method: http.MethodGet, path: "/ikm/gerai", perm: auth.PermOutletsConfirm, handler: p.ikmOutlets},
		{method: http.MethodPost, path: "/ikm/gerai/:id", perm: auth.PermOutletsConfirm, handler: p.ikmOutletAnswer},
		{method: http.MethodGet, path: "/ikm/penjualan", perm: auth.PermPurchasesConfirm, handler: p.ikmSales},
		{method: http.MethodGet, path: "/ikm/profil", perm: auth.PermIKMProfile, handler: p.ikmProfileForm},
		{method: http.MethodPost, path: "/ikm/profil", perm: auth.PermIKMProfile, handler: p.ikmProfile},
	}
}

// ikmPageSize is how many answered purchases one page lists.
const ikmPageSize = 25

type ikmPurchasesView struct {
	Owed     procurement.Owed // confirmed, not yet paid: what is owed, and for how long
	Awaiting []procurement.Purchase
	Others   []procurement.Purchase
	Next     int64 // cursor of the next page of answered purchases; 0: none
}

func (p *Pages) ikmPurchases(c echo.Context) error {
	ctx := c.Request().Context()
	after, err := cursorParam(c, "setelah")
	if err != nil {
		return err
	}
	v := ikmPurchasesView{}
	if after == 0 {
		awaiting, err := p.svc.Purchases.List(ctx, procurement.Filter{Status: procurement.StatusReported,
			Limit: procurement.MaxPageSize})
		if err != nil {
			return err
		}
		v.Awaiting = awaiting.Items
		if v.Owed, err = p.svc.Purchases.Unpaid(ctx, owedShown); err != nil {
			return err
		}
		// Soonest deadline first.
		slices.SortStableFunc(v.Awaiting, func(a, b procurement.Purchase) int { return a.ConfirmBy.Compare(b.ConfirmBy) })
	}
	// The answered ones, newest first, a page at a time.
	page, err := p.svc.Purchases.List(ctx, procurement.Filter{Answered: true, After: after, Limit: ikmPageSize})
	if err != nil {
		return err
	}
	v.Others, v.Next = page.Items, page.NextCursor
	return p.render(c, http.StatusOK, "ikm_purchases", p.newPage(c, msg("ikm.purchases.title"), v))
}

// cursorParam reads a paging cursor from the query; absent is 0.
func cursorParam(c echo.Context, name string) (int64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, fault.Invalid(fault.Field(name, "harus bilangan bulat positif"))
	}
	return n, nil
}

type ikmPurchaseView struct {
	Purchase procurement.Purchase
	Action   string
	Answer   string
	Reason   string
	Unsure   bool
	Open     bool // awaiting the IKM's answer
	// The payment question: with the answer while Open, on its own once
	// confirmed (CanAnswerPayment) until an officer has decided it.
	AsksPayment       bool
	CanAnswerPayment  bool
	Payment, Received string
}

// pathID reads the :id of a page's path; one that is not a number is a
// page that does not exist.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (p *Pages) ikmPurchaseView(c echo.Context) (ikmPurchaseView, error) {
	id, err := pathID(c)
	if err != nil {
		return ikmPurchaseView{}, err
	}
	pu, err := p.svc.Purchases.Get(c.Request().Context(), id)
	if err != nil {
		return ikmPurchaseView{}, err
	}
	action := "/ikm/pembelian/" + strconv.FormatInt(pu.ID, 10)
	return ikmPurchaseView{Purchase: pu, Action: action, Open: pu.Status == procurement.StatusReported,
		AsksPayment: pu.Status == procurement.StatusReported && pu.ReversesID == nil,
		CanAnswerPayment: pu.Status == procurement.StatusConfirmed && pu.ReversesID == nil &&
			(pu.PaymentResolution == nil || *pu.PaymentResolution != procurement.ResolvePaid)}, nil
}

func (p *Pages) ikmPurchase(c echo.Context) error {
	v, err := p.ikmPurchaseView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, msg("ikm.purchase.title", v.Purchase.InvoiceNumber), v)
	switch {
	case c.QueryParam("terjawab") == "1":
		pg.Notice = msg("ikm.purchase.answered")
	case c.QueryParam("pesan") == "pembayaran":
		pg.Notice = msg("payment.answered")
	}
	return p.render(c, http.StatusOK, "ikm_purchase", pg)
}

func (p *Pages) ikmAnswer(c echo.Context) error {
	v, err := p.ikmPurchaseView(c)
	if err != nil {
		return err
	}
	var a answer
	v.Answer, v.Reason, a = readAnswer(c)
	title := msg("ikm.purchase.title", v.Purchase.InvoiceNumber)
	if a.unsure {
		v.Unsure = true
		return p.render(c, http.StatusOK, "ikm_purchase", p.newPage(c, title, v))
	}
	var pay *procurement.PaymentAnswer
	if v.AsksPayment {
		v.Payment, v.Received, pay = a.withPayment(c)
	}
	if a.problem != nil {
		pg := p.newPage(c, title, v)
		pg.Errors = []fault.FieldError{*a.problem}
		return p.render(c, http.StatusUnprocessableEntity, "ikm_purchase", pg)
	}
	if _, err := p.svc.Purchases.Answer(c.Request().Context(), v.Purchase.ID, a.decision, v.Reason, pay); err != nil {
		pg := p.newPage(c, title, v)
		status, ok := formErrors(pg, err, paymentFields(map[string]string{"reason": msg("confirm.reason")}))
		if !ok {
			return err
		}
		return p.render(c, status, "ikm_purchase", pg)
	}
	return redirect(c, v.Action+"?terjawab=1")
}

// ikmPayment records the IKM's word on the payment of a purchase it has
// confirmed; "belum" against the company's "sudah" goes to the officers.
func (p *Pages) ikmPayment(c echo.Context) error {
	v, err := p.ikmPurchaseView(c)
	if err != nil {
		return err
	}
	title := msg("ikm.purchase.title", v.Purchase.InvoiceNumber)
	var pay *procurement.PaymentAnswer
	var problem *fault.FieldError
	v.Payment, v.Received, pay, problem = readPayment(c)
	if problem == nil && pay == nil {
		problem = &fault.FieldError{Field: "payment", Reason: msg("payment.choose")}
	}
	if problem != nil {
		pg := p.newPage(c, title, v)
		pg.Errors = []fault.FieldError{*problem}
		return p.render(c, http.StatusUnprocessableEntity, "ikm_purchase", pg)
	}
	if _, err := p.svc.Purchases.AnswerPayment(c.Request().Context(), v.Purchase.ID, *pay); err != nil {
		pg := p.newPage(c, title, v)
		status, ok := formErrors(pg, err, paymentFields(map[string]string{}))
		if !ok {
			return err
		}
		return p.render(c, status, "ikm_purchase", pg)
	}
	return redirect(c, v.Action+"?pesan=pembayaran")
}

type ikmOutletsView struct {
	Outlets []partnership.Outlet
	Next    int64
}

func (p *Pages) ikmOutlets(c echo.Context) error {
	after, err := cursorParam(c, "setelah")
	if err != nil {
		return err
	}
	items, next, err := p.svc.Partnership.ListOutlets(c.Request().Context(), partnership.OutletFilter{},
		partnership.Page{Cursor: after, Limit: ikmPageSize})
	if err != nil {
		return err
	}
	pg := p.newPage(c, msg("ikm.outlets.title"), ikmOutletsView{Outlets: items, Next: next})
	switch c.QueryParam("terjawab") {
	case "benar":
		pg.Notice = msg("ikm.outlets.confirmed")
	case "tidak_sesuai":
		pg.Notice = msg("ikm.outlets.disputed")
	}
	return p.render(c, http.StatusOK, "ikm_outlets", pg)
}

func (p *Pages) ikmOutletAnswer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	field := func(name string) string { return "gerai-" + strconv.FormatInt(id, 10) + "-" + name }
	choice, reason := c.FormValue("jawaban"), strings.TrimSpace(c.FormValue("alasan"))
	var problem *fault.FieldError
	switch choice {
	case answerRight:
		_, err = p.svc.Partnership.ConfirmOutlet(ctx, id)
	case answerWrong:
		if reason == "" {
			problem = &fault.FieldError{Field: field("alasan"), Reason: msg("ikm.outlets.reason_required")}
		} else {
			_, err = p.svc.Partnership.DisputeOutlet(ctx, id, reason)
		}
	default:
		problem = &fault.FieldError{Field: field("benar"), Reason: msg("confirm.answer_required")}
	}
	status := http.StatusUnprocessableEntity
	if err != nil {
		fe, ok := fault.As(err)
		if !ok || fe.Kind == fault.KindNotFound {
			return err
		}
		problem, status = &fault.FieldError{Reason: fe.Detail}, fe.Kind.Status()
	}
	if problem == nil {
		return redirect(c, "/ikm/gerai?terjawab="+choice)
	}
	items, next, err := p.svc.Partnership.ListOutlets(ctx, partnership.OutletFilter{}, partnership.Page{Limit: ikmPageSize})
	if err != nil {
		return err
	}
	pg := p.newPage(c, msg("ikm.outlets.title"), ikmOutletsView{Outlets: items, Next: next})
	pg.Errors = []fault.FieldError{*problem}
	return p.render(c, status, "ikm_outlets", pg)
}

func (p *Pages) ikmSales(c echo.Context) error {
	sales, err := p.svc.Purchases.Sales(c.Request().Context())
	if err != nil {
		return err
	}
	// Group the rows by quarter for the page: one table per quarter.
	type quarter struct {
		Period string
		Total  int64
		Rows   []procurement.Sale
	}
	var quarters []quarter
	for _, s := range sales {
		if len(quarters) == 0 || quarters[len(quarters)-1].Period != s.Period {
			quarters = append(quarters, quarter{Period: s.Period})
		}
		q := &quarters[len(quarters)-1]
		q.Rows = append(q.Rows, s)
		q.Total += s.Amount
	}
	return p.render(c, http.StatusOK, "ikm_sales", p.newPage(c, msg("ikm.sales.title"), quarters))
}

type ikmProfileView struct {
	IKM registry.IKM
	// Form holds what was typed when the form comes back with errors.
	Form map[string]string
}

func (p *Pages) ownIKM(c echo.Context) (registry.IKM, error) {
	a := actor.From(c.Request().Context())
	if a.IKMID == 0 {
		return registry.IKM{}, echo.ErrNotFound
	}
	return p.svc.Registry.GetIKM(c.Request().Context(), a.IKMID)
}

func (p *Pages) ikmProfileForm(c echo.Context) error {
	ikm, err := p.ownIKM(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, msg("ikm.profile.title"), ikmProfileView{IKM: ikm, Form: profileForm(ikm)})
	if c.QueryParam("disimpan") == "1" {
		pg.Notice = msg("ikm.profile.saved")
	}
	return p.render(c, http.StatusOK, "ikm_profile", pg)
}

func profileForm(ikm registry.IKM) map[string]string {
	f := map[string]string{"owner_name": ikm.OwnerName, "products": ikm.Products, "address": ikm.Address,
		"phone": ikm.Phone, "email": "", "public_contact": ""}
	if ikm.Email != nil {
		f["email"] = *ikm.Email
	}
	if ikm.PublicContact {
		f["public_contact"] = "ya"
	}
	if ikm.WhatsAppConsentAt != nil {
		f["whatsapp_consent"] = "ya"
	}
	return f
}

func (p *Pages) ikmProfile(c echo.Context) error {
	ikm, err := p.ownIKM(c)
	if err != nil {
		return err
	}
	form := map[string]string{}
	for _, k := range []string{"owner_name", "products", "address", "phone", "email", "public_contact", "whatsapp_consent"} {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	public, whatsApp := form["public_contact"] == "ya", form["whatsapp_consent"] == "ya"
	in := registry.IKMProfileInput{OwnerName: ptr(form["owner_name"]), Products: ptr(form["products"]),
		Address: ptr(form["address"]), Phone: ptr(form["phone"]), Email: ptr(form["email"]), PublicContact: &public,
		WhatsAppConsent: &whatsApp}
	if _, err := p.svc.Registry.UpdateIKMProfile(c.Request().Context(), ikm.ID, in); err != nil {
		pg := p.newPage(c, msg("ikm.profile.title"), ikmProfileView{IKM: ikm, Form: form})
		status, ok := formErrors(pg, err, map[string]string{"owner_name": msg("ikm.profile.owner"),
			"products": msg("ikm.profile.products"), "address": msg("ikm.profile.address"),
			"phone": msg("ikm.profile.phone"), "email": msg("ikm.profile.email"),
			"whatsapp_consent": msg("ikm.profile.whatsapp")})
		if !ok {
			return err
		}
		return p.render(c, status, "ikm_profile", pg)
	}
	return redirect(c, "/ikm/profil?disimpan=1")
}

func ptr[T any](v T) *T { return &v }
