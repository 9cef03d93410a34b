package web

import "fmt"

// Charts are drawn on the server as SVG, so they need no script and no
// library, print as they show, and scale to a phone. Every chart stands
// beside a table of the same figures, for screen readers and for copying.

// barChart is a horizontal bar chart: one row a bar, the share of the
// widest possible bar given as 0..1.
type barChart struct {
	ID     string // the chart's title element's id
	Title  string
	Rows   []barRow
	Marker *barMarker // a reference line, such as the programme's start
	Height int        // of the viewBox
}

type barRow struct {
	Label, Text string
	Y, Width    float64 // bar's top and length in viewBox units
	TextX       float64
	Missing     bool // no figure: the row says why in Text
}

type barMarker struct {
	X     float64
	Label string
}

// Chart geometry, in viewBox units (the SVG scales to its box).
const (
	chartWidth  = 640
	chartLabelW = 190 // room for the row's label
	chartBarMax = 360 // the longest bar
	chartRowH   = 34
)

// newBarChart lays out rows of (label, share, text); share nil is a row
// without a figure.
func newBarChart(id, title string, labels []string, shares []*float64, texts []string) barChart {
	c := barChart{ID: id, Title: title, Height: len(labels)*chartRowH + 8}
	for i, l := range labels {
		r := barRow{Label: l, Text: texts[i], Y: float64(i*chartRowH + 6)}
		if s := shares[i]; s != nil {
			r.Width = max(min(*s, 1), 0) * chartBarMax
		} else {
			r.Missing = true
		}
		r.TextX = chartLabelW + r.Width + 8
		c.Rows = append(c.Rows, r)
	}
	return c
}

func (c *barChart) mark(share float64, label string) {
	c.Marker = &barMarker{X: chartLabelW + share*chartBarMax, Label: label}
}

// The template's fixed numbers, so the SVG and the Go layout agree.
func (barChart) LabelW() int { return chartLabelW }
func (barChart) Width() int  { return chartWidth }
func (barChart) BarH() int   { return chartRowH - 12 }

// ViewBox is the SVG's viewBox attribute.
func (c barChart) ViewBox() string { return fmt.Sprintf("0 0 %d %d", chartWidth, c.Height) }
