package sanction

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/compliance"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
)

const maxReasonLen = 2000

// DecisionInput is a reviewer's decision on a case.
type DecisionInput struct {
	Decision Decision
	Reason   string
}

// DecisionResult is the decision taken, its letter and the case after it.
type DecisionResult struct {
	Decision DecisionRecord
	Letter   Letter
	Case     Case
}

// checkDecision trims and validates a decision's input: the field errors
// Decide and PreviewLetter give alike.
func checkDecision(in *DecisionInput) error {
	in.Reason = strings.TrimSpace(in.Reason)
	var c fault.Checker
	switch {
	case in.Decision == "":
		c.Add("decision", "wajib diisi: dismiss, warn, recommend, accept_response, reject_response atau close_cured")
	case !in.Decision.Valid():
		c.Add("decision", "tidak dikenal: pilih dismiss, warn, recommend, accept_response, reject_response atau close_cured")
	}
	if (in.Decision == Dismiss || in.Decision == RejectResponse) && in.Reason == "" {
		c.Add("reason", "wajib diisi untuk keputusan "+string(in.Decision))
	}
	if utf8.RuneCountInString(in.Reason) > maxReasonLen {
		c.Add("reason", fmt.Sprintf("paling banyak %d karakter", maxReasonLen))
	}
	return c.Err()
}

// decisionPlan is what a decision would do to a case, worked out before
// anything is written: the case as it is and as it will be, the rule set
// that judges it, and the answer it decides.
type decisionPlan struct {
	before, next caseRow
	rs           compliance.StoredRuleSet
	warnings     []string
	rungName     string // the warning the letter speaks of
	code         string // the letter's kind: SP1, REK, HENTI, …
	responseID   *int64 // the answer decided (accept or reject a response)
	objection    bool   // that answer is an objection
}

// planDecision loads the case the caller may see (locked for update when
// lock is set) and checks the decision against the transition table and
// its guards, the way Decide and PreviewLetter both must: a decision the
// case does not allow is a 409 naming the stage, a case outside the
// caller's scope is not found. It writes nothing.
func (s *Service) planDecision(ctx context.Context, tx *gorm.DB, caseID int64, in DecisionInput, now time.Time, lock bool) (decisionPlan, error) {
	cs, err := s.scopedCase(ctx, tx, caseID, lock)
	if err != nil {
		return decisionPlan{}, err
	}
	t, ok := transitions[cs.Stage][in.Decision]
	if !ok {
		return decisionPlan{}, notAllowed("decision_not_allowed", cs, in.Decision, "")
	}
	rs, err := compliance.RuleSetByID(ctx, tx, cs.RuleSetID)
	if err != nil {
		return decisionPlan{}, err
	}
	warnings := rs.Warnings()
	switch t.guard {
	case nextWarning:
		if cs.Rung >= len(warnings) {
			return decisionPlan{}, notAllowed("ladder_exhausted", cs, in.Decision,
				fmt.Sprintf("Semua teguran (%s) sudah diterbitkan; langkah berikutnya adalah recommend.", strings.Join(warnings, ", ")))
		}
	case ladderDone:
		if cs.Rung < len(warnings) {
			return decisionPlan{}, notAllowed("ladder_not_done", cs, in.Decision,
				fmt.Sprintf("Rekomendasi hanya dapat diberikan setelah %s terlewati tanpa tanggapan atau tanggapannya ditolak.",
					warnings[len(warnings)-1]))
		}
	case cured:
		judged, err := judgeFindings(ctx, tx, cs.ID)
		if err != nil {
			return decisionPlan{}, err
		}
		ok := len(judged) > 0
		for _, j := range judged {
			ok = ok && j.Cured()
		}
		if !ok {
			return decisionPlan{}, notAllowed("not_cured", cs, in.Decision, "Kekurangan kewajiban belum terpenuhi seluruhnya.")
		}
	}

	p := decisionPlan{before: cs, next: cs, rs: rs, warnings: warnings}
	p.next.Stage, p.next.UpdatedAt = t.to, now
	if cs.Rung > 0 {
		p.rungName = warnings[min(cs.Rung, len(warnings))-1]
	}
	if in.Decision == Warn {
		p.next.Rung = cs.Rung + 1
		p.rungName = warnings[p.next.Rung-1]
		due, deadline := rs.ResponseDueDate(now), rs.ResponseDeadline(now)
		p.next.ResponseDue, p.next.ResponseDeadline, p.next.LapsedAt = &due, &deadline, nil
	}
	if outcome, final := outcomes[in.Decision]; final {
		p.next.Outcome, p.next.ClosedAt = &outcome, &now
	}
	p.code = letterCode(in.Decision, p.rungName)

	// The answer decided is the latest undecided one.
	if in.Decision == AcceptResponse || in.Decision == RejectResponse {
		var pending responseRow
		res := tx.WithContext(ctx).Where("case_id = ? AND decision IS NULL", cs.ID).Order("id DESC").Limit(1).Find(&pending)
		if res.Error != nil {
			return decisionPlan{}, res.Error
		}
		if res.RowsAffected == 0 {
			return decisionPlan{}, notAllowed("no_pending_response", cs, in.Decision, "Tidak ada tanggapan yang menunggu keputusan.")
		}
		p.responseID, p.objection = &pending.ID, pending.Objection
	}
	return p, nil
}

// letterData gathers what the letter of a planned decision prints, but its
// number and verification code, which only issuing gives.
func (s *Service) letterData(ctx context.Context, tx *gorm.DB, p decisionPlan, in DecisionInput, sig signer, now time.Time) (letterData, subject, error) {
	biz, findings, err := caseSubjects(ctx, tx, p.before)
	if err != nil {
		return letterData{}, biz, err
	}
	return letterData{
		Office: s.office, Decision: in.Decision, RungName: p.rungName, Final: p.next.Rung == len(p.warnings),
		Objection: p.objection, IssuedAt: now, BusinessName: biz.Name, BusinessNIB: biz.NIB, Address: biz.Address,
		Findings: findings, ResponseDue: p.next.ResponseDue, Reason: in.Reason, Signer: sig, CaseID: p.before.ID,
		LegalBasis: p.rs.LegalBasis, PortalURL: s.CasePortalURL(p.before.ID),
	}, biz, nil
}

// CasePortalURL is the case's page in the company portal, where the
// business reads its letters and answers.
func (s *Service) CasePortalURL(caseID int64) string {
	return strings.TrimRight(s.publicURL, "/") + "/perusahaan/kasus/" + strconv.FormatInt(caseID, 10)
}

// Decide applies a reviewer's decision. The transition table says whether
// the case's stage allows it (409 naming the stage otherwise); the decision,
// the case's new stage, its letter (with the year's next gap-free number),
// its audit event and the notice to the company commit in one transaction,
// or none of them do.
func (s *Service) Decide(ctx context.Context, caseID int64, in DecisionInput) (DecisionResult, error) {
	if err := checkDecision(&in); err != nil {
		return DecisionResult{}, err
	}
	a := actor.From(ctx)
	now := s.clock.Now().UTC()

	var out DecisionResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := s.planDecision(ctx, tx, caseID, in, now, true)
		if err != nil {
			return err
		}
		cs, next := p.before, p.next

		// Every undecided answer to this warning is settled with the one
		// decided.
		if p.responseID != nil {
			verdict := map[Decision]string{AcceptResponse: "accepted", RejectResponse: "rejected"}[in.Decision]
			if err := tx.Model(&responseRow{}).Where("case_id = ? AND decision IS NULL", cs.ID).
				Updates(map[string]any{"decision": verdict, "decided_at": now}).Error; err != nil {
				return err
			}
		}

		if err := tx.Model(&caseRow{}).Where("id = ?", cs.ID).Updates(map[string]any{
			"stage": next.Stage, "rung": next.Rung, "response_due": next.ResponseDue,
			"response_deadline": next.ResponseDeadline, "lapsed_at": next.LapsedAt,
			"closed_at": next.ClosedAt, "outcome": next.Outcome, "updated_at": now,
		}).Error; err != nil {
			return fmt.Errorf("sanction: update case %d: %w", cs.ID, err)
		}

		sig := signerOf(ctx, tx, a)
		dec := decisionRow{CaseID: cs.ID, Decision: in.Decision, FromStage: cs.Stage, ToStage: next.Stage,
			Rung: next.Rung, Reason: in.Reason, ResponseID: p.responseID, ReviewerName: sig.Name, DecidedAt: now}
		dec.DecidedBy = a.OptionalUserID()
		if err := tx.Create(&dec).Error; err != nil {
			return fmt.Errorf("sanction: record decision: %w", err)
		}

		data, biz, err := s.letterData(ctx, tx, p, in, sig, now)
		if err != nil {
			return err
		}
		year := now.In(clock.WIB).Year()
		seq, err := nextLetterNumber(ctx, tx, year)
		if err != nil {
			return err
		}
		data.Number = formatLetterNumber(p.code, s.office.LetterCode, year, seq)
		data.VerificationCode = newVerificationCode()
		data.VerificationURL = s.VerificationURL(data.VerificationCode)
		pdf, err := renderLetter(data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(pdf)
		letter := letterRow{CaseID: cs.ID, DecisionID: dec.ID, Kind: p.code, Year: year, Seq: seq, Number: data.Number,
			IssuedAt: now, PDF: pdf, SHA256: hex.EncodeToString(sum[:]), VerificationCode: data.VerificationCode}
		if err := tx.Create(&letter).Error; err != nil {
			return fmt.Errorf("sanction: store letter %s: %w", data.Number, err)
		}

		if err := audit.Record(ctx, tx, now, audit.Event{Action: "case.decide", EntityType: "sanction_case",
			EntityID: fmt.Sprint(cs.ID),
			Before:   map[string]any{"stage": cs.Stage, "rung": cs.Rung},
			After: map[string]any{"stage": next.Stage, "rung": next.Rung, "decision": in.Decision, "reason": in.Reason,
				"letter_number": data.Number, "response_deadline": next.ResponseDeadline, "outcome": next.Outcome},
		}); err != nil {
			return err
		}
		if err := notify.Enqueue(ctx, tx, now, s.notices(ctx, tx, biz, data)...); err != nil {
			return err
		}

		out.Decision = DecisionRecord{ID: dec.ID, Decision: dec.Decision, FromStage: dec.FromStage, ToStage: dec.ToStage,
			Rung: dec.Rung, Reason: dec.Reason, ResponseID: dec.ResponseID, ReviewerName: sig.Name, DecidedAt: now,
			LetterID: letter.ID, LetterNumber: letter.Number}
		out.Letter = Letter{ID: letter.ID, DecisionID: dec.ID, Kind: p.code, Number: letter.Number, IssuedAt: now, SizeBytes: len(pdf)}
		return nil
	})
	if err != nil {
		return DecisionResult{}, err
	}
	detail, err := s.GetCase(ctx, caseID)
	out.Case = detail.Case
	return out, err
}

// PreviewLetter renders the letter Decide would issue for in on the case,
// as the caller would sign it today, marked as a draft across every page
// ("KONSEP — BELUM DITERBITKAN") and without a number or verification
// code. It takes no letter number and writes nothing: it runs in a
// read-only transaction. Its faults are Decide's: field errors for the
// input, not found outside the caller's scope, 409 for a decision the
// case does not allow. Every decision Decide takes issues a letter, so
// every decision it allows has a draft.
func (s *Service) PreviewLetter(ctx context.Context, caseID int64, in DecisionInput) ([]byte, error) {
	if err := checkDecision(&in); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var pdf []byte
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET TRANSACTION READ ONLY").Error; err != nil {
			return fmt.Errorf("sanction: preview: %w", err)
		}
		p, err := s.planDecision(ctx, tx, caseID, in, now, false)
		if err != nil {
			return err
		}
		data, _, err := s.letterData(ctx, tx, p, in, signerOf(ctx, tx, actor.From(ctx)), now)
		if err != nil {
			return err
		}
		data.Draft = true
		data.Number = draftLetterNumber(p.code, s.office.LetterCode, now.In(clock.WIB).Year())
		pdf, err = renderLetter(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pdf, nil
}

// signerOf is the deciding user as they sign a letter: their full name and
// the position, rank and NIP on their account. Without an account (a job,
// the command line) the name is the actor's label.
func signerOf(ctx context.Context, tx *gorm.DB, a actor.Actor) signer {
	var row struct {
		Name           string
		Position, Rank *string
		NIP            *string `gorm:"column:nip"`
	}
	if a.UserID != 0 {
		tx.WithContext(ctx).Raw("SELECT name, position, rank, nip FROM users WHERE id = ?", a.UserID).Scan(&row)
	}
	sig := signer{Name: row.Name}
	if sig.Name == "" {
		sig.Name = a.Label()
	}
	for _, f := range []struct {
		src *string
		dst *string
	}{{row.Position, &sig.Position}, {row.Rank, &sig.Rank}, {row.NIP, &sig.NIP}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return sig
}

type subject struct {
	ID           int64
	NIB          string
	Name         string
	Address      string
	ContactEmail string
}

// caseSubjects loads what a letter says about the business and its findings.
func caseSubjects(ctx context.Context, tx *gorm.DB, cs caseRow) (subject, []findingRow, error) {
	var biz subject
	if err := tx.WithContext(ctx).Raw(`SELECT id, nib, name, address, contact_email FROM businesses WHERE id = ?`,
		cs.BusinessID).Scan(&biz).Error; err != nil {
		return biz, nil, err
	}
	var findings []findingRow
	if err := tx.WithContext(ctx).Where("case_id = ?", cs.ID).Order("period").Find(&findings).Error; err != nil {
		return biz, nil, err
	}
	return biz, findings, nil
}

// notices are the e-mails a decision sends: to the business's contact
// address and to its company users, each once.
func (s *Service) notices(ctx context.Context, tx *gorm.DB, biz subject, d letterData) []notify.Message {
	var emails []string
	tx.WithContext(ctx).Raw(`SELECT DISTINCT e FROM (
			SELECT lower(btrim(?::text)) AS e
			UNION SELECT lower(btrim(email)) FROM users WHERE business_id = ? AND role = 'company' AND active AND email <> ''
		) x WHERE e <> '' ORDER BY e`, biz.ContactEmail, biz.ID).Scan(&emails)
	body := fmt.Sprintf("Yth. Pimpinan %s (NIB %s),\n\n%s telah menerbitkan surat nomor %s perihal %s.\n",
		biz.Name, biz.NIB, s.office.FullName(), d.Number, d.subject())
	if d.Decision == Warn && d.ResponseDue != nil {
		body += fmt.Sprintf("\nTanggapan dan bukti pendukung dapat disampaikan melalui aplikasi Kemitraan paling lambat %s.\n",
			format.Date(*d.ResponseDue))
	}
	body += "\nSurat lengkap (PDF) dan formulir tanggapan ada di halaman kasus Anda di portal perusahaan:\n" + d.PortalURL +
		"\n\n" + notify.Signature(s.office)
	msgs := make([]notify.Message, 0, len(emails))
	for _, e := range emails {
		msgs = append(msgs, notify.Message{Kind: "case." + string(d.Decision), Recipient: e,
			Subject: "Surat " + d.Number + ": " + d.subject(), Body: body,
			Payload: map[string]any{"case_id": d.CaseID, "letter_number": d.Number, "business_id": biz.ID}})
	}
	return msgs
}

// caseLapsed is the event of a case whose response window passed.
var caseLapsed = audit.Selected{From: "moved m", Action: "'case.lapse'", EntityType: "sanction_case",
	EntityID: "m.id::text", Before: "jsonb_build_object('stage', 'warned', 'rung', m.rung)",
	After: "jsonb_build_object('stage', 'lapsed', 'rung', m.rung, 'response_deadline', m.response_deadline)"}

// Lapse moves every warned case whose response window has passed to lapsed,
// for the reviewer's next decision, and refreshes the cure flags. One
// statement with an audit event per case; a second run finds nothing.
func Lapse(ctx context.Context, db *gorm.DB, now time.Time) (lapsed, cured int64, err error) {
	ctx = systemIfAnonymous(ctx)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`
			WITH moved AS (
				UPDATE sanction_cases SET stage = 'lapsed', lapsed_at = @now, updated_at = @now
				WHERE stage = 'warned' AND response_deadline <= @now
				RETURNING id, rung, response_deadline
			), logged AS (`+caseLapsed.Named()+` RETURNING 1)
			SELECT count(*) FROM logged`, append([]any{sql.Named("now", now.UTC())}, caseLapsed.NamedArgs(ctx, now)...)...).Scan(&lapsed).Error; err != nil {
			return fmt.Errorf("sanction: lapse: %w", err)
		}
		var err error
		cured, err = refreshCures(ctx, tx, now)
		return err
	})
	return lapsed, cured, err
}

// StaleNotices say when a warning's notice has lost its reason before it
// left: the case was decided again after it (the newer decision's notice
// tells the company what stands).
var StaleNotices = map[string]notify.Stale{
	"case." + string(Warn): {
		When: `EXISTS (SELECT 1 FROM sanction_decisions d WHERE d.case_id = (o.payload->>'case_id')::bigint
			AND d.decided_at > o.created_at)`,
		Reason: "kasus sudah diputuskan lagi sebelum pemberitahuan ini terkirim; pemberitahuan keputusan terbaru menggantikannya",
	},
}
