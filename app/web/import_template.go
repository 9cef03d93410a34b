package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"
)

// An import's template, for the purchase import and the registry imports
// alike: its header row and one example row, as XLSX (Excel checks dates and
// whole numbers as they are typed; other cells are text, so an NIB or a
// telephone number keeps its leading digits) or as CSV.

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// importTemplate is one import's template.
type importTemplate struct {
	File    string      // the download's name, without its extension
	Sheet   string      // the XLSX sheet's name
	Columns [][2]string // the column name and its example
	Rows    int         // the rows Excel checks, below the example
	Checks  []templateCheck
}

// templateCheck is one of Excel's checks over the columns it names.
type templateCheck struct {
	Columns []string
	Prompt  string // the message key of what to write
	Set     func(*excelize.DataValidation) error
}

// dateCheck is a date written as YYYY-MM-DD (ten characters of text).
func dateCheck(columns ...string) templateCheck {
	return templateCheck{Columns: columns, Prompt: "import.template.date", Set: func(dv *excelize.DataValidation) error {
		return dv.SetRange(10, 10, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorEqual)
	}}
}

// wholeCheck is a whole number between lo and hi.
func wholeCheck(prompt string, lo, hi float64, columns ...string) templateCheck {
	return templateCheck{Columns: columns, Prompt: prompt, Set: func(dv *excelize.DataValidation) error {
		return dv.SetRange(lo, hi, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
	}}
}

func (t importTemplate) xlsx(c echo.Context) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", t.Sheet); err != nil {
		return err
	}
	letter := map[string]string{}
	numeric := map[string]bool{}
	for _, ch := range t.Checks {
		if ch.Prompt != "import.template.date" {
			for _, col := range ch.Columns {
				numeric[col] = true
			}
		}
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	for i, col := range t.Columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		letter[col[0]] = name
		if err := x.SetCellStr(t.Sheet, name+"1", col[0]); err != nil {
			return err
		}
		if err := x.SetCellStr(t.Sheet, name+"2", col[1]); err != nil {
			return err
		}
		if err := x.SetColWidth(t.Sheet, name, name, float64(max(14, len(col[0])+4, len(col[1])+2))); err != nil {
			return err
		}
		if !numeric[col[0]] {
			if err := x.SetColStyle(t.Sheet, name, text); err != nil {
				return err
			}
		}
	}
	for _, ch := range t.Checks {
		var ranges []string
		for _, col := range ch.Columns {
			ranges = append(ranges, fmt.Sprintf("%s3:%s%d", letter[col], letter[col], t.Rows+2))
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = strings.Join(ranges, " ")
		if err := ch.Set(dv); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, say(c, "import.template.error_title"), say(c, ch.Prompt))
		if err := x.AddDataValidation(t.Sheet, dv); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+t.File+`.xlsx"`)
	return c.Blob(http.StatusOK, xlsxType, buf.Bytes())
}

// csv is the template as UTF-8 CSV with a byte order mark, so Excel reads
// the names right.
func (t importTemplate) csv(c echo.Context) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	head, example := make([]string, len(t.Columns)), make([]string, len(t.Columns))
	for i, col := range t.Columns {
		head[i], example[i] = col[0], col[1]
	}
	if err := w.WriteAll([][]string{head, example}); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+t.File+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
