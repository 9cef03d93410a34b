package web

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/procurement"
)

// Importing many purchases from a spreadsheet: a template to start from,
// an upload that is checked first (nothing stored) or checked and stored
// all or nothing, every bad row listed with its line, column and reason,
// and a receipt.

func (p *Pages) importRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/perusahaan/impor", perm: auth.PermPurchasesReport, handler: p.importPage},
		{method: http.MethodPost, path: "/perusahaan/impor", perm: auth.PermPurchasesReport, handler: p.importFile, upload: importUpload},
		{method: http.MethodGet, path: "/perusahaan/impor/templat.xlsx", perm: auth.PermPurchasesReport, handler: p.importTemplateXLSX},
		{method: http.MethodGet, path: "/perusahaan/impor/templat.csv", perm: auth.PermPurchasesReport, handler: p.importTemplateCSV},
		{method: http.MethodGet, path: "/perusahaan/impor/:job", perm: auth.PermPurchasesReport, handler: p.importJobPage},
		{method: http.MethodPost, path: "/perusahaan/impor/:job/impor", perm: auth.PermPurchasesReport, handler: p.importChecked},
		{method: http.MethodGet, path: "/perusahaan/impor/:job/ditolak.xlsx", perm: auth.PermPurchasesReport, handler: p.importRejected},
	}
}

// templateColumns are the template's header and example row: the
// documented column names, which the import also reads in Indonesian.
var templateColumns = [][2]string{
	{"invoice_number", "INV/2025/001"}, {"ikm_nib", "8120000000001"}, {"purchase_date", "2025-03-05"},
	{"description", "Kain batik tulis untuk seragam"}, {"quantity", "10"}, {"amount", "12500000"},
	{"paid_date", ""}, {"agreement_number", ""},
}

type importView struct {
	Key     string             // the upload form's key: a double click starts one job
	Job     *jobSnapshot       // nil on the upload page
	Errors  []fault.FieldError // the rejected rows: line, column, reason
	BadRows int
	Omitted int
	// GoodRows are the rows of a rejected file that could be imported on
	// their own, the bad ones set aside (0: none, or the file as a whole
	// is wrong).
	GoodRows int
}

// Running, Checked, Imported, Rejected and Failed are the job's page states.
func (v importView) Running() bool  { return v.Job != nil && v.Job.State != jobDone }
func (v importView) Checked() bool  { return v.ended() && v.Job.Err == nil && v.Job.DryRun }
func (v importView) Imported() bool { return v.ended() && v.Job.Err == nil && !v.Job.DryRun }
func (v importView) Rejected() bool { _, ok := fault.As(v.failure()); return ok }
func (v importView) Failed() bool   { _, ok := fault.As(v.failure()); return v.failure() != nil && !ok }
func (v importView) ended() bool    { return v.Job != nil && v.Job.State == jobDone }

func (v importView) failure() error {
	if !v.ended() {
		return nil
	}
	return v.Job.Err
}

// ProgressKey is the message saying the running job's state (with its
// rows read).
func (v importView) ProgressKey() string {
	j := v.Job
	switch {
	case j.State == jobQueued:
		return "import.progress.queued"
	case j.Stage == procurement.ImportReading:
		return "import.progress.reading"
	case j.Stage == procurement.ImportChecking:
		return "import.progress.checking"
	}
	return "import.progress.storing"
}

func (p *Pages) importPage(c echo.Context) error {
	return p.renderImport(c, http.StatusOK, say(c, "import.title"), importView{}, nil)
}

func (p *Pages) renderImport(c echo.Context, status int, title string, v importView, errs []fault.FieldError) error {
	if v.Key == "" {
		v.Key = randomID()
	}
	pg := p.newPage(c, title, v)
	pg.Errors, pg.Script = errs, true
	return p.render(c, status, "company_import", pg)
}

// importFile keeps the upload and starts its check or its import in the
// background, then sends the browser to the job's page.
func (p *Pages) importFile(c echo.Context) error {
	fh, err := c.FormFile("berkas")
	if err != nil || fh.Size == 0 {
		return p.renderImport(c, http.StatusUnprocessableEntity, say(c, "import.title"), importView{},
			[]fault.FieldError{{Field: "berkas", Reason: say(c, "import.file_required")}})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	a := actor.From(c.Request().Context())
	key := c.FormValue("kunci")
	if len(key) != 32 {
		key = ""
	}
	j, fresh, err := p.imports.add(a.BusinessID, key, fh.Filename, f, c.FormValue("langkah") != "impor")
	if err != nil {
		return err
	}
	if fresh {
		p.imports.run(c.Request().Context(), a, p.svc.Purchases, j)
	}
	return redirect(c, "/perusahaan/impor/"+j.ID)
}

func (p *Pages) importJob(c echo.Context) (*importJob, error) {
	j := p.imports.get(actor.From(c.Request().Context()).BusinessID, c.Param("job"))
	if j == nil {
		return nil, fault.NotFound("import_not_found", say(c, "import.not_found"))
	}
	return j, nil
}

// importJobPage shows a job: its progress while it runs, then the preview
// of a clean file, the receipt of an import, or every bad row with a file
// of them to fix.
func (p *Pages) importJobPage(c echo.Context) error {
	j, err := p.importJob(c)
	if err != nil {
		return err
	}
	snap := j.snapshot()
	v := importView{Job: &snap}
	switch {
	case v.Running():
		title := say(c, "import.running.title")
		if !snap.DryRun {
			title = say(c, "import.running.import_title")
		}
		return p.renderImport(c, http.StatusOK, title, v, nil)
	case v.Checked():
		return p.renderImport(c, http.StatusOK, say(c, "import.checked.title"), v, nil)
	case v.Imported():
		return p.renderImport(c, http.StatusOK, say(c, "import.done.title"), v, nil)
	case v.Rejected():
		fe, _ := fault.As(snap.Err)
		for _, e := range fe.Fields {
			if e.Line > 0 {
				v.Errors = append(v.Errors, e)
			}
		}
		v.BadRows, _ = fe.Extra["bad_rows"].(int)
		v.Omitted, _ = fe.Extra["errors_omitted"].(int)
		if rows, _ := fe.Extra["rows"].(int); fe.Code == "import_rejected" {
			v.GoodRows = rows - v.BadRows
		}
		detail := fe.Detail
		if len(v.Errors) == 0 && len(fe.Fields) > 0 { // the file as a whole: its header, its size
			detail = fe.Fields[0].Field + ": " + fe.Fields[0].Reason
		}
		return p.renderImport(c, fe.Kind.Status(), say(c, "import.rejected.title"), v,
			[]fault.FieldError{{Field: "berkas", Reason: detail}})
	}
	return p.renderImport(c, http.StatusServiceUnavailable, say(c, "import.failed.title"), v, nil)
}

// importChecked imports the file a check found clean, without uploading it
// again; a second click opens the import the first one started.
func (p *Pages) importChecked(c echo.Context) error {
	checked, err := p.importJob(c)
	if err != nil {
		return err
	}
	j, fresh, err := p.imports.importFrom(checked, c.FormValue("sebagian") == "ya", langOf(actor.From(c.Request().Context())))
	if err != nil {
		return err
	}
	if fresh {
		p.imports.run(c.Request().Context(), actor.From(c.Request().Context()), p.svc.Purchases, j)
	}
	return redirect(c, "/perusahaan/impor/"+j.ID)
}

// importRejected is the XLSX of a rejected file's bad rows, each with its
// reasons, to fix and upload again.
func (p *Pages) importRejected(c echo.Context) error {
	j, err := p.importJob(c)
	if err != nil {
		return err
	}
	j.mu.Lock()
	path, name := j.badPath, j.FileName
	j.mu.Unlock()
	if path == "" {
		return fault.NotFound("import_not_found", say(c, "import.not_found"))
	}
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	return c.Attachment(path, "ditolak-"+safeFileName(base)+".xlsx")
}

// safeFileName keeps letters, digits, dots, dashes and underscores of a
// name for a download's file name.
func safeFileName(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
	if out == "" {
		return "impor"
	}
	return out
}

// purchaseTemplate is the purchase import's template.
var purchaseTemplate = importTemplate{File: "templat-impor-pembelian", Sheet: "Pembelian", Columns: templateColumns,
	Rows: 200_000, Checks: []templateCheck{dateCheck("purchase_date", "paid_date"),
		wholeCheck("import.template.amount", 1, 10_000_000_000, "amount"),
		wholeCheck("import.template.quantity", 1, 1_000_000_000, "quantity")}}

func (p *Pages) importTemplateXLSX(c echo.Context) error { return purchaseTemplate.xlsx(c) }

func (p *Pages) importTemplateCSV(c echo.Context) error { return purchaseTemplate.csv(c) }

// importReference is the number a receipt quotes: the stored purchases' ids.
func importReference(r *procurement.ImportResult) string {
	if r == nil || r.Created == 0 {
		return ""
	}
	return fmt.Sprintf("IMP-%s-%s", strconv.FormatInt(r.FirstID, 10), strconv.FormatInt(r.LastID, 10))
}
