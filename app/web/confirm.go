package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/procurement"
)

// The confirmation an IKM owner gives without an account, from the link in
// a WhatsApp message or an e-mail, on a phone. One question: is this
// purchase right? A GET never changes anything: messaging apps and mail
// clients fetch links to preview them.

func (p *Pages) confirmationRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/k/:token", handler: p.confirmation},
		{method: http.MethodPost, path: "/k/:token", handler: p.answer},
	}
}

// The answers, as the form sends them.
const (
	answerRight   = "benar"
	answerWrong   = "tidak_sesuai"
	answerUnsure  = "tidak_yakin"
	maxReasonRune = 1000
)

type confirmView struct {
	Link   procurement.Link
	Action string // the form's own address
	Answer string // the answer chosen, kept when the form comes back
	Reason string
	// The payment question, asked beside "is it right" (not of a
	// reversal): the choice and the amount received, kept likewise.
	AsksPayment       bool
	Payment, Received string
	Answered          bool // the answer was just given (the thank-you part shows)
	Unsure            bool // "Saya tidak yakin": whom to call; nothing changed
	Open              bool
	Expired           bool
	Used              bool
}

func (p *Pages) confirmation(c echo.Context) error {
	link, err := p.svc.Purchases.OpenLink(c.Request().Context(), c.Param("token"))
	if err != nil {
		return p.linkError(c, err)
	}
	v := p.confirmView(c, link)
	v.Answered = v.Used && c.QueryParam("terjawab") == "1"
	return p.render(c, http.StatusOK, "confirm", p.newPage(c, v.title(), v))
}

func (p *Pages) answer(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	link, err := p.svc.Purchases.OpenLink(ctx, token)
	if err != nil {
		return p.linkError(c, err)
	}
	v := p.confirmView(c, link)
	if !v.Open {
		// Answered or expired meanwhile: show where it stands.
		return p.render(c, http.StatusConflict, "confirm", p.newPage(c, v.title(), v))
	}
	var a answer
	v.Answer, v.Reason, a = readAnswer(c)
	if a.unsure {
		v.Unsure = true
		return p.render(c, http.StatusOK, "confirm", p.newPage(c, msg("confirm.unsure.title"), v))
	}
	var pay *procurement.PaymentAnswer
	if v.AsksPayment {
		v.Payment, v.Received, pay = a.withPayment(c)
	}
	decision, problem := a.decision, a.problem
	if problem != nil {
		pg := p.newPage(c, v.title(), v)
		pg.Errors = []fault.FieldError{*problem}
		return p.render(c, http.StatusUnprocessableEntity, "confirm", pg)
	}
	if _, err := p.svc.Purchases.AnswerByToken(ctx, token, decision, v.Reason, pay); err != nil {
		pg := p.newPage(c, v.title(), v)
		status, ok := formErrors(pg, err, paymentFields(map[string]string{"reason": msg("confirm.reason")}))
		if !ok {
			return err
		}
		return p.render(c, status, "confirm", pg)
	}
	return redirect(c, "/k/"+token+"?terjawab=1")
}

func (p *Pages) confirmView(c echo.Context, l procurement.Link) confirmView {
	return confirmView{Link: l, Action: c.Request().URL.Path, Open: l.State == procurement.LinkOpen,
		Expired: l.State == procurement.LinkExpired, Used: l.State == procurement.LinkUsed, AsksPayment: l.Amount > 0}
}

func (v confirmView) title() string {
	switch {
	case v.Used:
		return msg("confirm.used.title")
	case v.Expired:
		return msg("confirm.expired.title")
	}
	return msg("confirm.question")
}

// linkError shows an unknown or forged link as a plain page with whom to
// call (404); anything else goes to the one error handler.
func (p *Pages) linkError(c echo.Context, err error) error {
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindNotFound {
		return err
	}
	return p.render(c, http.StatusNotFound, "confirm_unknown", p.newPage(c, msg("confirm.unknown.title"), nil))
}

// answer is the IKM's answer to "is this purchase right?" as a form sends it.
type answer struct {
	decision procurement.Decision
	unsure   bool              // "Saya tidak yakin": nothing to record
	problem  *fault.FieldError // why the answer cannot be taken
}

// readAnswer reads the answer and the reason from the form: Benar confirms,
// Tidak sesuai disputes and needs a reason, Saya tidak yakin records nothing.
func readAnswer(c echo.Context) (choice, reason string, a answer) {
	choice, reason = c.FormValue("jawaban"), strings.TrimSpace(c.FormValue("alasan"))
	switch choice {
	case answerRight:
		a.decision = procurement.Confirm
	case answerWrong:
		a.decision = procurement.Dispute
		switch {
		case reason == "":
			a.problem = &fault.FieldError{Field: "alasan", Reason: msg("confirm.reason_required")}
		case len([]rune(reason)) > maxReasonRune:
			a.problem = &fault.FieldError{Field: "alasan", Reason: msg("confirm.reason_too_long")}
		}
	case answerUnsure:
		a.unsure = true
	default:
		a.problem = &fault.FieldError{Field: "jawaban-benar", Reason: msg("confirm.answer_required")}
	}
	return choice, reason, a
}

// The payment answers, as the form sends them.
const (
	paymentPaid    = "sudah"
	paymentUnpaid  = "belum"
	paymentPartial = "sebagian"
)

// readPayment reads the optional answer to "has it been paid?": nothing
// chosen is no answer; Sebagian needs the amount received, typed as people
// type amounts.
func readPayment(c echo.Context) (choice, received string, pay *procurement.PaymentAnswer, problem *fault.FieldError) {
	choice, received = c.FormValue("pembayaran"), strings.TrimSpace(c.FormValue("jumlah_diterima"))
	switch choice {
	case "":
		return choice, received, nil, nil
	case paymentPaid:
		pay = &procurement.PaymentAnswer{Status: procurement.PaymentPaid}
	case paymentUnpaid:
		pay = &procurement.PaymentAnswer{Status: procurement.PaymentUnpaid}
	case paymentPartial:
		pay = &procurement.PaymentAnswer{Status: procurement.PaymentPartial}
		n, ok := parseRupiah(received)
		if !ok {
			return choice, received, nil, &fault.FieldError{Field: "amount_received", Reason: msg("payment.received_required")}
		}
		pay.AmountReceived = n
	default:
		return choice, received, nil, &fault.FieldError{Field: "payment", Reason: msg("payment.choose")}
	}
	return choice, received, pay, nil
}

// withPayment reads the payment question beside a, for a confirmation
// only: the payment of a purchase said to be wrong is moot, and a problem
// with it is a's problem unless a already has one.
func (a *answer) withPayment(c echo.Context) (choice, received string, pay *procurement.PaymentAnswer) {
	choice, received, pay, problem := readPayment(c)
	if a.decision != procurement.Confirm {
		return choice, received, nil
	}
	if a.problem == nil {
		a.problem = problem
	}
	return choice, received, pay
}

// paymentFields adds the payment question's fields to what a form shows,
// so the domain's refusals point at them.
func paymentFields(onPage map[string]string) map[string]string {
	onPage["payment"] = msg("payment.question")
	onPage["amount_received"] = msg("payment.received")
	return onPage
}
