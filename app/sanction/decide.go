package sanction

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
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

// Decide applies a reviewer's decision. The transition table says whether
// the case's stage allows it (409 naming the stage otherwise); the decision,
// the case's new stage, its letter (with the year's next gap-free number),
// its audit event and the notice to the company commit in one transaction,
// or none of them do.
func (s *Service) Decide(ctx context.Context, caseID int64, in DecisionInput) (DecisionResult, error) {
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
	if err := c.Err(); err != nil {
		return DecisionResult{}, err
	}
	a := actor.From(ctx)
	now := s.clock.Now().UTC()

	var out DecisionResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.scopedCase(ctx, tx, caseID, true)
		if err != nil {
			return err
		}
		t, ok := transitions[cs.Stage][in.Decision]
		if !ok {
			return notAllowed("decision_not_allowed", cs, in.Decision, "")
		}
		rs, err := compliance.RuleSetByID(ctx, tx, cs.RuleSetID)
		if err != nil {
			return err
		}
		warnings := rs.Warnings()
		switch t.guard {
		case nextWarning:
			if cs.Rung >= len(warnings) {
				return notAllowed("ladder_exhausted", cs, in.Decision,
					fmt.Sprintf("Semua teguran (%s) sudah diterbitkan; langkah berikutnya adalah recommend.", strings.Join(warnings, ", ")))
			}
		case ladderDone:
			if cs.Rung < len(warnings) {
				return notAllowed("ladder_not_done", cs, in.Decision,
					fmt.Sprintf("Rekomendasi hanya dapat diberikan setelah %s terlewati tanpa tanggapan atau tanggapannya ditolak.",
						warnings[len(warnings)-1]))
			}
		case cured:
			judged, err := judgeFindings(ctx, tx, cs.ID)
			if err != nil {
				return err
			}
			ok := len(judged) > 0
			for _, j := range judged {
				ok = ok && j.Cured()
			}
			if !ok {
				return notAllowed("not_cured", cs, in.Decision, "Kekurangan kewajiban belum terpenuhi seluruhnya.")
			}
		}

		before := cs
		next := cs
		next.Stage, next.UpdatedAt = t.to, now
		rungName := ""
		if cs.Rung > 0 {
			rungName = warnings[min(cs.Rung, len(warnings))-1]
		}
		switch in.Decision {
		case Warn:
			next.Rung = cs.Rung + 1
			rungName = warnings[next.Rung-1]
			due, deadline := rs.ResponseDueDate(now), rs.ResponseDeadline(now)
			next.ResponseDue, next.ResponseDeadline, next.LapsedAt = &due, &deadline, nil
		}
		if outcome, final := outcomes[in.Decision]; final {
			next.Outcome, next.ClosedAt = &outcome, &now
		}

		// The answer decided is the latest undecided one; every undecided
		// answer to this warning is settled with it.
		var responseID *int64
		objection := false
		if in.Decision == AcceptResponse || in.Decision == RejectResponse {
			var pending responseRow
			res := tx.Where("case_id = ? AND decision IS NULL", cs.ID).Order("id DESC").Limit(1).Find(&pending)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return notAllowed("no_pending_response", cs, in.Decision, "Tidak ada tanggapan yang menunggu keputusan.")
			}
			responseID, objection = &pending.ID, pending.Objection
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

		reviewer := reviewerName(ctx, tx, a)
		dec := decisionRow{CaseID: cs.ID, Decision: in.Decision, FromStage: cs.Stage, ToStage: next.Stage,
			Rung: next.Rung, Reason: in.Reason, ResponseID: responseID, ReviewerName: reviewer, DecidedAt: now}
		dec.DecidedBy = a.OptionalUserID()
		if err := tx.Create(&dec).Error; err != nil {
			return fmt.Errorf("sanction: record decision: %w", err)
		}

		biz, findings, err := caseSubjects(ctx, tx, cs)
		if err != nil {
			return err
		}
		year := now.In(clock.WIB).Year()
		seq, err := nextLetterNumber(ctx, tx, year)
		if err != nil {
			return err
		}
		code := letterCode(in.Decision, rungName)
		data := letterData{
			Office: s.office, Number: formatLetterNumber(code, s.office.LetterCode, year, seq), Decision: in.Decision,
			RungName: rungName, Final: next.Rung == len(warnings), Objection: objection, IssuedAt: now,
			BusinessName: biz.Name, BusinessNIB: biz.NIB, Address: biz.Address, Findings: findings,
			ResponseDue: next.ResponseDue, Reason: in.Reason, ReviewerName: reviewer, CaseID: cs.ID,
			VerificationCode: newVerificationCode(),
		}
		data.VerificationURL = s.VerificationURL(data.VerificationCode)
		pdf, err := renderLetter(data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(pdf)
		letter := letterRow{CaseID: cs.ID, DecisionID: dec.ID, Kind: code, Year: year, Seq: seq, Number: data.Number,
			IssuedAt: now, PDF: pdf, SHA256: hex.EncodeToString(sum[:]), VerificationCode: data.VerificationCode}
		if err := tx.Create(&letter).Error; err != nil {
			return fmt.Errorf("sanction: store letter %s: %w", data.Number, err)
		}

		if err := audit.Record(ctx, tx, now, audit.Event{Action: "case.decide", EntityType: "sanction_case",
			EntityID: fmt.Sprint(cs.ID),
			Before:   map[string]any{"stage": before.Stage, "rung": before.Rung},
			After: map[string]any{"stage": next.Stage, "rung": next.Rung, "decision": in.Decision, "reason": in.Reason,
				"letter_number": data.Number, "response_deadline": next.ResponseDeadline, "outcome": next.Outcome},
		}); err != nil {
			return err
		}
		if err := notify.Enqueue(ctx, tx, now, s.notices(ctx, tx, biz, data)...); err != nil {
			return err
		}

		out.Decision = DecisionRecord{ID: dec.ID, Decision: dec.Decision, FromStage: dec.FromStage, ToStage: dec.ToStage,
			Rung: dec.Rung, Reason: dec.Reason, ResponseID: dec.ResponseID, ReviewerName: reviewer, DecidedAt: now,
			LetterID: letter.ID, LetterNumber: letter.Number}
		out.Letter = Letter{ID: letter.ID, DecisionID: dec.ID, Kind: code, Number: letter.Number, IssuedAt: now, SizeBytes: len(pdf)}
		return nil
	})
	if err != nil {
		return DecisionResult{}, err
	}
	detail, err := s.GetCase(ctx, caseID)
	out.Case = detail.Case
	return out, err
}

// reviewerName is the deciding user's full name, as it is signed on the
// letter.
func reviewerName(ctx context.Context, tx *gorm.DB, a actor.Actor) string {
	var name string
	if a.UserID != 0 {
		tx.WithContext(ctx).Raw("SELECT name FROM users WHERE id = ?", a.UserID).Scan(&name)
	}
	if name == "" {
		name = a.Label()
	}
	return name
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
		biz.Name, biz.NIB, titleCase(s.office.Name), d.Number, d.subject())
	if d.Decision == Warn && d.ResponseDue != nil {
		body += fmt.Sprintf("\nTanggapan dan bukti pendukung dapat disampaikan melalui aplikasi Kemitraan paling lambat %s.\n",
			format.Date(*d.ResponseDue))
	}
	body += "\nSurat lengkap (PDF) dapat diunduh melalui aplikasi Kemitraan pada menu kasus.\n\nHormat kami,\n" +
		titleCase(s.office.Name) + " " + titleCase(strings.TrimPrefix(s.office.Government, "PEMERINTAH "))
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
