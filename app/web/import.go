package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/auth"
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
		{method: http.MethodPost, path: "/perusahaan/impor", perm: auth.PermPurchasesReport, handler: p.importFile},
		{method: http.MethodGet, path: "/perusahaan/impor/templat.xlsx", perm: auth.PermPurchasesReport, handler: p.importTemplateXLSX},
		{method: http.MethodGet, path: "/perusahaan/impor/templat.csv", perm: auth.PermPurchasesReport, handler: p.importTemplateCSV},
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
	Result   *procurement.ImportResult
	Errors   []fault.FieldError // bad rows: line, column, reason
	BadRows  int
	Omitted  int
	Checked  bool // a dry run that found nothing wrong
	Imported bool
}

func (p *Pages) importPage(c echo.Context) error {
	return p.render(c, http.StatusOK, "company_import", p.newPage(c, msg("import.title"), importView{}))
}

func (p *Pages) importFile(c echo.Context) error {
	fh, err := c.FormFile("berkas")
	if err != nil {
		pg := p.newPage(c, msg("import.title"), importView{})
		pg.Errors = []fault.FieldError{{Field: "berkas", Reason: msg("import.file_required")}}
		return p.render(c, http.StatusUnprocessableEntity, "company_import", pg)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	dry := c.FormValue("langkah") != "impor"
	res, _, err := p.svc.Purchases.Import(c.Request().Context(), procurement.ImportInput{File: f, DryRun: dry}, nil)
	v := importView{}
	if err != nil {
		fe, ok := fault.As(err)
		if !ok || fe.Kind.Status() == 0 || fe.Kind == fault.KindNotFound {
			return err
		}
		pg := p.newPage(c, msg("import.title"), v)
		for _, e := range fe.Fields {
			if e.Line > 0 {
				v.Errors = append(v.Errors, e)
			}
		}
		if n, ok := fe.Extra["bad_rows"].(int); ok {
			v.BadRows = n
		}
		if n, ok := fe.Extra["errors_omitted"].(int); ok {
			v.Omitted = n
		}
		pg.Data = v
		pg.Errors = []fault.FieldError{{Field: "berkas", Reason: fe.Detail}}
		return p.render(c, fe.Kind.Status(), "company_import", pg)
	}
	v.Result, v.Checked, v.Imported = &res, dry, !dry
	title := msg("import.title")
	if v.Imported {
		title = msg("import.done.title")
	}
	return p.render(c, http.StatusOK, "company_import", p.newPage(c, title, v))
}

func (p *Pages) importTemplateXLSX(c echo.Context) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheetName = "Pembelian"
	if err := x.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	for i, col := range templateColumns {
		head, _ := excelize.CoordinatesToCellName(i+1, 1)
		example, _ := excelize.CoordinatesToCellName(i+1, 2)
		if err := x.SetCellStr(sheetName, head, col[0]); err != nil {
			return err
		}
		if err := x.SetCellStr(sheetName, example, col[1]); err != nil {
			return err
		}
		if err := x.SetColWidth(sheetName, string(rune('A'+i)), string(rune('A'+i)), 22); err != nil {
			return err
		}
	}
	// Dates as text YYYY-MM-DD and whole positive amounts, checked by Excel
	// as they are typed.
	for _, v := range []struct {
		cols, prompt string
		set          func(*excelize.DataValidation) error
	}{
		{"C3:C200000 G3:G200000", msg("import.template.date"), func(dv *excelize.DataValidation) error {
			return dv.SetRange(10, 10, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorEqual)
		}},
		{"F3:F200000", msg("import.template.amount"), func(dv *excelize.DataValidation) error {
			return dv.SetRange(1, 10_000_000_000, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		}},
		{"E3:E200000", msg("import.template.quantity"), func(dv *excelize.DataValidation) error {
			return dv.SetRange(1, 1_000_000_000, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		}},
	} {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = v.cols
		if err := v.set(dv); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, msg("import.template.error_title"), v.prompt)
		if err := x.AddDataValidation(sheetName, dv); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="templat-impor-pembelian.xlsx"`)
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func (p *Pages) importTemplateCSV(c echo.Context) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	head, example := make([]string, len(templateColumns)), make([]string, len(templateColumns))
	for i, col := range templateColumns {
		head[i], example[i] = col[0], col[1]
	}
	if err := w.WriteAll([][]string{head, example}); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="templat-impor-pembelian.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// importReference is the number a receipt quotes: the stored purchases' ids.
func importReference(r *procurement.ImportResult) string {
	if r == nil || r.Created == 0 {
		return ""
	}
	return fmt.Sprintf("IMP-%s-%s", strconv.FormatInt(r.FirstID, 10), strconv.FormatInt(r.LastID, 10))
}
