package sanction

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
	"kemitraan/app/platform/format"
)

const (
	maxExplanationLen = 10_000
	maxEvidenceFiles  = 10
)

// FileSource hands each evidence file, in turn, to save (a multipart body
// is read part by part, never held whole). It returns save's first error.
type FileSource func(save func(name string, r io.Reader) error) error

// ResponseInput is a company's answer to a warning: an explanation, whether
// it is an objection (keberatan), and evidence files (nil: none).
type ResponseInput struct {
	Explanation string
	Objection   bool
	Files       FileSource
}

// Respond records the company's answer to the case's running warning. Only
// the case's own company may answer (anyone else: not found), only while a
// warning is running and before its deadline (409 otherwise). The case then
// waits for the reviewer: no next rung until the answer is decided. The
// answer, its files and its audit event commit together; a bad file leaves
// nothing behind.
func (s *Service) Respond(ctx context.Context, caseID int64, in ResponseInput) (Response, error) {
	a := actor.From(ctx)
	in.Explanation = strings.TrimSpace(in.Explanation)
	var c fault.Checker
	c.Check(in.Explanation != "", "explanation", "wajib diisi: uraikan tanggapan atau keberatan Anda")
	c.Check(utf8.RuneCountInString(in.Explanation) <= maxExplanationLen, "explanation",
		fmt.Sprintf("paling banyak %d karakter", maxExplanationLen))
	if err := c.Err(); err != nil {
		return Response{}, err
	}
	if a.Role != actor.RoleCompany || a.BusinessID == 0 {
		return Response{}, caseNotFound()
	}
	now := s.clock.Now().UTC()
	var out Response
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.scopedCase(ctx, tx, caseID, true)
		if err != nil {
			return err
		}
		if cs.Stage != StageWarned && cs.Stage != StageResponded {
			e := fault.Conflict("no_warning_to_answer", fmt.Sprintf(
				"Tanggapan hanya dapat disampaikan atas teguran yang sedang berjalan; kasus berada pada tahap %s (%s).",
				cs.Stage, cs.Stage.Label()))
			e.Extra = map[string]any{"current_stage": string(cs.Stage)}
			return e
		}
		if cs.ResponseDeadline == nil || !now.Before(*cs.ResponseDeadline) {
			e := fault.Conflict("response_window_closed", "Batas waktu tanggapan telah lewat.")
			extra := map[string]any{"current_stage": string(cs.Stage)}
			if cs.ResponseDue != nil {
				e.Detail = fmt.Sprintf("Batas waktu tanggapan (%s) telah lewat.", format.Date(*cs.ResponseDue))
				extra["response_due"] = cs.ResponseDue.Format(time.DateOnly)
			}
			e.Extra = extra
			return e
		}
		var fileIDs []int64
		var fc fault.Checker
		if in.Files != nil {
			seen := 0
			err := in.Files(func(name string, r io.Reader) error {
				i := seen
				seen++
				if i >= maxEvidenceFiles {
					return fault.Invalid(fault.Field("files", fmt.Sprintf("paling banyak %d berkas", maxEvidenceFiles)))
				}
				f, err := s.files.Save(ctx, tx, r, name, files.Options{Field: fmt.Sprintf("files[%d]", i)})
				if fe, ok := fault.As(err); ok && fe.Kind == fault.KindInvalid {
					for _, fld := range fe.Fields {
						fc.Add(fld.Field, fld.Reason)
					}
					return nil // report every bad file at once
				}
				if err != nil {
					return err
				}
				fileIDs = append(fileIDs, f.ID)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if err := fc.Err(); err != nil {
			return err
		}
		row := responseRow{CaseID: cs.ID, Rung: cs.Rung, Objection: in.Objection, Explanation: in.Explanation,
			SubmittedBy: &a.UserID, SubmittedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("sanction: record response: %w", err)
		}
		if ids := uniqueIDs(fileIDs); len(ids) > 0 {
			if err := tx.Exec(`INSERT INTO sanction_response_files (response_id, file_id)
				SELECT ?, unnest(CAST(? AS bigint[]))`, row.ID, database.Array(ids)).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&caseRow{}).Where("id = ?", cs.ID).
			Updates(map[string]any{"stage": StageResponded, "updated_at": now}).Error; err != nil {
			return err
		}
		out = Response{ID: row.ID, Rung: row.Rung, Objection: row.Objection, Explanation: row.Explanation,
			SubmittedBy: a.UserID, SubmittedAt: now, FileIDs: uniqueIDs(fileIDs)}
		return audit.Record(ctx, tx, now, audit.Event{Action: "case.respond", EntityType: "sanction_case",
			EntityID: fmt.Sprint(cs.ID), Before: map[string]any{"stage": cs.Stage},
			After: map[string]any{"stage": StageResponded, "response_id": row.ID, "objection": row.Objection,
				"file_ids": out.FileIDs}})
	})
	return out, err
}

func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// EvidenceFile opens one evidence file of a case's response for a caller who
// may see the case.
func (s *Service) EvidenceFile(ctx context.Context, caseID, fileID int64) (files.File, io.ReadSeekCloser, error) {
	if _, err := s.scopedCase(ctx, s.db, caseID, false); err != nil {
		return files.File{}, nil, err
	}
	var n int64
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM sanction_response_files rf
		JOIN sanction_responses r ON r.id = rf.response_id WHERE r.case_id = ? AND rf.file_id = ?`, caseID, fileID).
		Scan(&n).Error; err != nil {
		return files.File{}, nil, err
	}
	if n == 0 {
		return files.File{}, nil, files.NotFound()
	}
	f, fh, err := s.files.Open(ctx, s.db, fileID)
	if err != nil {
		return files.File{}, nil, err
	}
	return f, fh, nil
}
