package web

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/procurement"
	"kemitraan/app/report"
)

// The company's portal: the open period at a glance with its task list,
// and the purchases it reports. A company user sees only its own business:
// the domain scopes every read, so another's record is a 404 page.

func (p *Pages) companyRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/perusahaan", perm: auth.PermStatsOwn, handler: p.companyHome},
		{method: http.MethodGet, path: "/perusahaan/pembelian", perm: auth.PermPurchasesReport, handler: p.companyPurchases},
		{method: http.MethodGet, path: "/perusahaan/pembelian/baru", perm: auth.PermPurchasesReport, handler: p.purchaseForm},
		{method: http.MethodPost, path: "/perusahaan/pembelian/baru", perm: auth.PermPurchasesReport, handler: p.reportPurchase, upload: documentUpload},
		{method: http.MethodGet, path: "/perusahaan/pembelian/:id", perm: auth.PermPurchasesReport, handler: p.companyPurchase},
		{method: http.MethodPost, path: "/perusahaan/pembelian/:id/tarik", perm: auth.PermPurchasesReport, handler: p.withdrawPurchase},
		{method: http.MethodPost, path: "/perusahaan/pembelian/:id/balik", perm: auth.PermPurchasesReport, handler: p.reversePurchase},
		{method: http.MethodPost, path: "/perusahaan/pembelian/:id/dibayar", perm: auth.PermPurchasesReport, handler: p.markPaid},
	}
}

// task is one line of the period's task list.
type task struct {
	Label, Status, Detail, Href string
}

// Task states, as UI.md names them.
const (
	taskDone       = "done"
	taskNotStarted = "not_started"
	taskInProgress = "in_progress"
	taskCannot     = "cannot_start"
)

// owedShown is how many unpaid purchases a home page lists.
const owedShown = 10

type companyHomeView struct {
	D        report.Dashboard
	Owed     procurement.Owed // counted purchases not yet paid, earliest due first
	Awaiting int64            // purchases awaiting the IKM's answer
	Late     int64            // of which past their window
	Tasks    []task
}

func (p *Pages) companyHome(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := p.svc.Reports.CompanyDashboard(ctx)
	if err != nil {
		return err
	}
	v := companyHomeView{D: d}
	if v.Awaiting, v.Late, err = p.svc.Purchases.Awaiting(ctx); err != nil {
		return err
	}
	if v.Owed, err = p.svc.Purchases.Unpaid(ctx, owedShown); err != nil {
		return err
	}
	v.Tasks = companyTasks(c, d, v.Awaiting, v.Late)
	return p.render(c, http.StatusOK, "company_home", p.newPage(c, say(c, "company.home.title", d.Name), v))
}

// companyTasks is the period's task list from the dashboard's figures.
func companyTasks(c echo.Context, d report.Dashboard, awaiting, late int64) []task {
	state := func(target, realised int64) string {
		switch {
		case target <= 0 || realised >= target:
			return taskDone
		case realised > 0:
			return taskInProgress
		}
		return taskNotStarted
	}
	purchases := task{Label: say(c, "company.task.purchases"), Href: "/perusahaan/pembelian/baru",
		Status: state(d.PurchaseValue.Target, d.PurchaseValue.Realised),
		Detail: say(c, "company.task.purchases_detail", format.Rupiah(d.PurchaseValue.Realised), format.Rupiah(d.PurchaseValue.Target))}
	confirm := task{Label: say(c, "company.task.confirmations"), Href: "/perusahaan/pembelian?status=reported", Status: taskDone,
		Detail: say(c, "company.task.confirmations_none")}
	if d.PurchaseValue.Realised == 0 && awaiting == 0 {
		confirm.Status = taskNotStarted
	}
	if awaiting > 0 {
		confirm.Status, confirm.Detail = taskInProgress, say(c, "company.task.confirmations_detail", awaiting, late)
	}
	outlets := task{Label: say(c, "company.task.outlets"), Status: taskDone, Detail: say(c, "company.task.outlets_none")}
	if d.OutletSlots.Target > 0 {
		outlets.Detail = say(c, "company.task.outlets_detail", format.Decimal(d.OutletSlots.Realised, 2),
			d.OutletSlots.Target)
		switch {
		case d.OutletSlots.Missing <= 0:
			outlets.Status = taskDone
		case d.OutletSlots.Realised > 0:
			outlets.Status = taskInProgress
		default:
			outlets.Status = taskNotStarted
		}
	}
	periodReport := task{Label: say(c, "company.task.report"), Status: taskCannot,
		Detail: say(c, "company.task.report_detail", format.Date(d.Period.LastDay()), format.Date(d.ReportDue))}
	return []task{purchases, confirm, outlets, periodReport}
}

type purchaseListView struct {
	Items     []procurement.Purchase
	Status    string
	Period    string
	Statuses  []procurement.Status
	Next      string
	Filtered  bool
	ReportURL string
}

func (p *Pages) companyPurchases(c echo.Context) error {
	after, err := cursorParam(c, "setelah")
	if err != nil {
		return err
	}
	v := purchaseListView{Status: c.QueryParam("status"), Period: c.QueryParam("periode"), Statuses: procurement.Statuses}
	v.Filtered = v.Status != "" || v.Period != ""
	f := procurement.Filter{After: after, Limit: 50}
	var chk fault.Checker
	f.Narrow(&chk, procurement.FilterText{Status: v.Status, Period: v.Period})
	pg := p.newPage(c, say(c, "company.purchases.title"), &v)
	if err := chk.Err(); err != nil {
		status, _ := formErrors(pg, err, map[string]string{"status": say(c, "ikm.col.status"), "period": say(c, "stats.period")})
		return p.render(c, status, "company_purchases", pg)
	}
	page, err := p.svc.Purchases.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	v.Items = page.Items
	if page.NextCursor != 0 {
		q := c.QueryParams()
		q.Set("setelah", strconv.FormatInt(page.NextCursor, 10))
		v.Next = "/perusahaan/pembelian?" + q.Encode()
	}
	return p.render(c, http.StatusOK, "company_purchases", pg)
}

type companyPurchaseView struct {
	Purchase    procurement.Purchase
	Evidence    []procurement.Evidence
	CanWithdraw bool
	CanReverse  bool // confirmed, and not itself a reversal: correct it by one
	// CanMarkPaid: not yet paid by the company's word, nor settled or
	// disputed; PaidDate is what was typed.
	CanMarkPaid bool
	PaidDate    string
	Reason      string
}

// purchaseView reads purchase id of the caller's business with its
// evidence, and what may be done with it.
func (p *Pages) purchaseView(c echo.Context, id int64) (companyPurchaseView, error) {
	ctx := c.Request().Context()
	pu, err := p.svc.Purchases.Get(ctx, id)
	if err != nil {
		return companyPurchaseView{}, err
	}
	ev, err := p.svc.Purchases.EvidenceOf(ctx, id)
	if err != nil {
		return companyPurchaseView{}, err
	}
	live := pu.Status == procurement.StatusReported || pu.Status == procurement.StatusConfirmed ||
		pu.Status == procurement.StatusDisputed
	return companyPurchaseView{Purchase: pu, Evidence: ev, CanWithdraw: pu.Status == procurement.StatusReported,
		CanReverse:  pu.Status == procurement.StatusConfirmed && pu.ReversesID == nil && pu.Amount > 0,
		CanMarkPaid: live && pu.ReversesID == nil && pu.PaidDate == nil && !pu.PaymentDisputeOpen(),
		PaidDate:    clock.Today(p.clock).Format(time.DateOnly)}, nil
}

func (p *Pages) companyPurchase(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := p.purchaseView(c, id)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "ikm.purchase.title", v.Purchase.InvoiceNumber), v)
	switch c.QueryParam("pesan") {
	case "dilaporkan":
		pg.Notice = say(c, "company.purchase.reported")
		if c.QueryParam("bukti") == "ditolak" {
			pg.Notice += " " + say(c, "company.purchase.evidence_refused")
		}
	case "ditarik":
		pg.Notice = say(c, "company.purchase.withdrawn")
	case "dibalik":
		pg.Notice = say(c, "company.purchase.reversed")
	case "dibayar":
		pg.Notice = say(c, "payment.marked")
	}
	return p.render(c, http.StatusOK, "company_purchase", pg)
}

func (p *Pages) withdrawPurchase(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := p.svc.Purchases.Decide(c.Request().Context(), id, procurement.WithdrawOwnItem, ""); err != nil {
		return err
	}
	return redirect(c, fmt.Sprintf("/perusahaan/pembelian/%d?pesan=ditarik", id))
}

// markPaid records the day the company paid the purchase.
func (p *Pages) markPaid(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	day := strings.TrimSpace(c.FormValue("paid_date"))
	if _, err := p.svc.Purchases.MarkPaid(c.Request().Context(), id, day); err != nil {
		return p.refusedOnPurchase(c, id, err, map[string]string{"paid_date": say(c, "payment.mark_date")},
			func(v *companyPurchaseView) { v.PaidDate = day })
	}
	return redirect(c, fmt.Sprintf("/perusahaan/pembelian/%d?pesan=dibayar", id))
}

// refusedOnPurchase shows purchase id's page again with why a form on it
// was refused (a 4xx the person can fix); typed puts back what was typed.
// Any other error goes to the error page.
func (p *Pages) refusedOnPurchase(c echo.Context, id int64, err error, labels map[string]string,
	typed func(*companyPurchaseView)) error {
	if !isKind(err, fault.KindInvalid) && !isKind(err, fault.KindConflict) {
		return err
	}
	v, verr := p.purchaseView(c, id)
	if verr != nil {
		return verr
	}
	typed(&v)
	pg := p.newPage(c, say(c, "ikm.purchase.title", v.Purchase.InvoiceNumber), v)
	status, _ := formErrors(pg, err, labels)
	return p.render(c, status, "company_purchase", pg)
}

// reversePurchase corrects a confirmed purchase by a reversing entry: the
// negative amount, with a reason, which the IKM confirms in turn.
func (p *Pages) reversePurchase(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	reason := strings.TrimSpace(c.FormValue("alasan"))
	var out procurement.Purchase
	if reason == "" {
		err = fault.Invalid(fault.Field("reason", say(c, "company.purchase.reverse_reason_required")))
	} else {
		out, _, err = p.svc.Purchases.Reverse(ctx, id, procurement.ReverseInput{Reason: reason}, nil)
	}
	if err != nil {
		return p.refusedOnPurchase(c, id, err, map[string]string{"reason": say(c, "confirm.reason")},
			func(v *companyPurchaseView) { v.Reason = reason })
	}
	return redirect(c, fmt.Sprintf("/perusahaan/pembelian/%d?pesan=dibalik", out.ID))
}

// purchaseFormView is the report form. Form holds what was typed; Key is
// the form's idempotency key, so a double click reports one purchase.
type purchaseFormView struct {
	Form     map[string]string
	Key      string
	Search   string
	Matches  []report.DirectoryEntry
	Searched bool
}

var purchaseFields = []string{"ikm_id", "ikm_nib", "invoice_number", "purchase_date", "description", "quantity", "amount"}

func (p *Pages) purchaseForm(c echo.Context) error {
	v := purchaseFormView{Form: map[string]string{}, Key: newCSRFToken(), Search: strings.TrimSpace(c.QueryParam("cari"))}
	for _, f := range purchaseFields {
		v.Form[f] = c.QueryParam(f)
	}
	var err error
	if v.Matches, v.Searched, err = p.searchIKM(c, v.Search); err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "company_purchase_form", p.newPage(c, say(c, "company.report.title"), v))
}

func (p *Pages) reportPurchase(c echo.Context) error {
	v := purchaseFormView{Form: map[string]string{}, Key: c.FormValue("kunci")}
	for _, f := range purchaseFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	in := procurement.ReportInput{IKMNIB: v.Form["ikm_nib"], InvoiceNumber: v.Form["invoice_number"],
		PurchaseDate: v.Form["purchase_date"], Description: v.Form["description"]}
	var chk fault.Checker
	if raw := v.Form["ikm_id"]; raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		chk.Check(err == nil && id > 0, "ikm_id", say(c, "company.report.pick_again"))
		in.IKMID = id
	}
	chk.Check(in.IKMID != 0 || in.IKMNIB != "", "ikm_nib", say(c, "company.report.ikm_required"))
	if raw := v.Form["quantity"]; raw != "" {
		q, err := strconv.ParseInt(raw, 10, 64)
		chk.Check(err == nil && q > 0, "quantity", say(c, "company.report.whole_number"))
		in.Quantity = &q
	}
	amount, ok := parseRupiah(v.Form["amount"])
	chk.Check(ok, "amount", say(c, "company.report.amount_format"))
	in.Amount = amount
	labels := map[string]string{"ikm_id": say(c, "company.report.ikm"), "ikm_nib": say(c, "company.report.ikm_nib"),
		"invoice_number": say(c, "confirm.invoice"), "purchase_date": say(c, "confirm.date"), "description": say(c, "confirm.goods"),
		"quantity": say(c, "confirm.quantity"), "amount": say(c, "confirm.amount"), "evidence": say(c, "company.report.evidence")}
	fail := func(err error) error {
		pg := p.newPage(c, say(c, "company.report.title"), v)
		status, ok := formErrors(pg, err, labels)
		if !ok {
			return err
		}
		return p.render(c, status, "company_purchase_form", pg)
	}
	if err := chk.Err(); err != nil {
		return fail(err)
	}
	ctx := c.Request().Context()
	// The form's key, with what was typed, makes a double click (or a
	// reload of the post) one purchase, as the API's Idempotency-Key does.
	var idem *procurement.Idem[procurement.Purchase]
	if v.Key != "" {
		if err := procurement.CheckIdempotencyKey(v.Key); err != nil {
			return fail(err)
		}
		h := sha256.New()
		for _, f := range purchaseFields {
			fmt.Fprintf(h, "%s=%s\n", f, v.Form[f])
		}
		idem = &procurement.Idem[procurement.Purchase]{Key: "web:" + v.Key, Hash: h.Sum(nil),
			Answer: func(pu procurement.Purchase) (int, []byte, error) {
				return http.StatusSeeOther, []byte(strconv.FormatInt(pu.ID, 10)), nil
			}}
	}
	pu, replay, err := p.svc.Purchases.Report(ctx, in, idem)
	if err != nil {
		return fail(err)
	}
	id := pu.ID
	if replay != nil {
		if id, err = strconv.ParseInt(string(replay.Body), 10, 64); err != nil {
			return fmt.Errorf("web: replayed purchase %q: %w", replay.Body, err)
		}
	} else if fh, err := c.FormFile("evidence"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := p.svc.Purchases.AttachEvidence(ctx, id, f, fh.Filename); err != nil {
			// The purchase stands; its page says the file was refused.
			return redirect(c, fmt.Sprintf("/perusahaan/pembelian/%d?pesan=dilaporkan&bukti=ditolak", id))
		}
	}
	return redirect(c, fmt.Sprintf("/perusahaan/pembelian/%d?pesan=dilaporkan", id))
}

// parseRupiah reads an amount as people type it: 12500000, 12.500.000,
// Rp12.500.000 or "Rp 12.500.000".
func parseRupiah(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Rp"))
	s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), " ", "")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// searchIKM finds active IKM by name or product for a company's form (the
// public directory: a company sees no more of an IKM than the public does).
// An empty q searches nothing; a q the directory refuses finds nothing.
func (p *Pages) searchIKM(c echo.Context, q string) ([]report.DirectoryEntry, bool, error) {
	if q == "" {
		return nil, false, nil
	}
	dir, err := p.svc.Reports.IKMDirectory(c.Request().Context(), report.DirectoryFilter{Q: q, Page: 1, PerPage: 20})
	if err != nil && !isKind(err, fault.KindInvalid) {
		return nil, false, err
	}
	return dir.Items, true, nil
}
