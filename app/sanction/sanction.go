// Package sanction turns findings into cases and works them up the warning
// ladder: a reviewer decides (dismiss, warn, recommend, accept or reject a
// response, close a cured case), the company answers warnings, and every
// decision leaves a numbered PDF letter, an audit event and a notice in the
// outbox, all in the decision's transaction; PreviewLetter shows that
// letter as a draft before the decision, writing nothing. The evaluation
// job opens cases and attaches findings; it never issues a warning by
// itself.
package sanction

import (
	"fmt"
	"slices"
	"strings"

	"kemitraan/app/platform/fault"
)

// Stage is where a case stands.
type Stage string

const (
	StageQueued      Stage = "queued"      // opened by an evaluation, waiting for a reviewer
	StageWarned      Stage = "warned"      // a warning's response window is running
	StageResponded   Stage = "responded"   // an answer (or objection) waits for the reviewer
	StageLapsed      Stage = "lapsed"      // the window passed unanswered
	StageRejected    Stage = "rejected"    // the answer was rejected
	StageRecommended Stage = "recommended" // sent to the licensing authority: final
	StageClosed      Stage = "closed"      // dismissed, answered or cured: final
)

// Stages lists every stage, in the order a case meets them.
var Stages = []Stage{StageQueued, StageWarned, StageResponded, StageLapsed, StageRejected, StageRecommended, StageClosed}

// Open reports whether a case in s can still take findings and decisions.
func (s Stage) Open() bool { return s != StageRecommended && s != StageClosed }

// Label is the stage as people read it.
func (s Stage) Label() string {
	switch s {
	case StageQueued:
		return "menunggu keputusan peninjau"
	case StageWarned:
		return "teguran diterbitkan, menunggu tanggapan"
	case StageResponded:
		return "tanggapan perusahaan menunggu keputusan"
	case StageLapsed:
		return "batas tanggapan terlewati"
	case StageRejected:
		return "tanggapan ditolak"
	case StageRecommended:
		return "rekomendasi sanksi telah diterbitkan"
	case StageClosed:
		return "ditutup"
	}
	return string(s)
}

// Decision is what a reviewer decides on a case.
type Decision string

const (
	Dismiss        Decision = "dismiss"         // close without sanction (reason required)
	Warn           Decision = "warn"            // issue the next warning: SP1, SP2, SP3
	Recommend      Decision = "recommend"       // recommend a sanction to the licensing authority
	AcceptResponse Decision = "accept_response" // the answer is accepted: close
	RejectResponse Decision = "reject_response" // the answer is rejected (reason required)
	CloseCured     Decision = "close_cured"     // the shortfall was made up: close
)

// Decisions lists every decision.
var Decisions = []Decision{Dismiss, Warn, Recommend, AcceptResponse, RejectResponse, CloseCured}

// Valid reports whether d is a known decision.
func (d Decision) Valid() bool { return slices.Contains(Decisions, d) }

// guard is a condition a transition needs beyond the stage.
type guard int

const (
	always      guard = iota
	nextWarning       // a warning rung is left on the ladder (SP3 not yet issued)
	ladderDone        // every warning was issued: only the recommendation is left
	cured             // the case's findings are made up
)

// transition is one allowed move: the stage a decision leads to and what
// else must hold.
type transition struct {
	to    Stage
	guard guard
}

// transitions is the one table of what a reviewer may decide in each stage.
// Anything missing is refused with 409 naming the current stage. A response
// (explanation or objection) holds the case: from responded only a decision
// on that response (or dismissal, or a cure) moves it, never the next rung.
// A recommendation needs the last warning to have lapsed unanswered or its
// answer to have been rejected.
var transitions = map[Stage]map[Decision]transition{
	StageQueued: {
		Dismiss:    {StageClosed, always},
		Warn:       {StageWarned, nextWarning},
		CloseCured: {StageClosed, cured},
	},
	StageWarned: {
		Dismiss:    {StageClosed, always},
		CloseCured: {StageClosed, cured},
	},
	StageResponded: {
		Dismiss:        {StageClosed, always},
		AcceptResponse: {StageClosed, always},
		RejectResponse: {StageRejected, always},
		CloseCured:     {StageClosed, cured},
	},
	StageLapsed: {
		Dismiss:    {StageClosed, always},
		Warn:       {StageWarned, nextWarning},
		Recommend:  {StageRecommended, ladderDone},
		CloseCured: {StageClosed, cured},
	},
	StageRejected: {
		Dismiss:    {StageClosed, always},
		Warn:       {StageWarned, nextWarning},
		Recommend:  {StageRecommended, ladderDone},
		CloseCured: {StageClosed, cured},
	},
	StageRecommended: {},
	StageClosed:      {},
}

// Allowed lists the decisions the table allows in s (guards aside).
func Allowed(s Stage) []Decision {
	var out []Decision
	for _, d := range Decisions {
		if _, ok := transitions[s][d]; ok {
			out = append(out, d)
		}
	}
	return out
}

// outcomes says how a decision that ends a case ends it.
var outcomes = map[Decision]string{
	Dismiss:        "dismissed",
	AcceptResponse: "response_accepted",
	CloseCured:     "cured",
	Recommend:      "recommended",
}

// decisionLabel names a decision in Bahasa Indonesia.
func decisionLabel(d Decision) string {
	switch d {
	case Dismiss:
		return "menghentikan kasus"
	case Warn:
		return "menerbitkan teguran"
	case Recommend:
		return "merekomendasikan sanksi"
	case AcceptResponse:
		return "menerima tanggapan"
	case RejectResponse:
		return "menolak tanggapan"
	case CloseCured:
		return "menutup kasus karena kekurangan telah dipenuhi"
	}
	return string(d)
}

// notAllowed is the 409 for a decision the table or a guard refuses. It
// names the current stage (and rung) and lists what is allowed instead.
func notAllowed(code string, c caseRow, d Decision, why string) *fault.Error {
	allowed := Allowed(c.Stage)
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	detail := fmt.Sprintf("Tidak dapat %s (%s): kasus berada pada tahap %s (%s)%s.",
		decisionLabel(d), d, c.Stage, c.Stage.Label(), rungNote(c.Rung))
	if why != "" {
		detail += " " + why
	}
	if len(names) == 0 {
		detail += " Kasus sudah final."
	} else {
		detail += " Keputusan yang mungkin: " + strings.Join(names, ", ") + "."
	}
	return &fault.Error{Kind: fault.KindConflict, Code: code, Detail: detail,
		Extra: map[string]any{"current_stage": string(c.Stage), "rung": c.Rung, "allowed_decisions": names}}
}

func rungNote(rung int) string {
	if rung == 0 {
		return ""
	}
	return fmt.Sprintf(", teguran terakhir SP%d", rung)
}
