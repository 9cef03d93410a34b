package sanction_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

// A letter's text, read back from its PDF the way a reader's viewer finds
// it: the content streams inflated, each string drawn with its font, size
// and place. The letters use the PDF core fonts in cp1252 (WinAnsi), one
// string per line of text, so this small reader is enough; it is a test's
// tool, not a PDF parser.

// pdfRun is one string drawn on a page.
type pdfRun struct {
	Page    int
	Font    string  // the base font: Helvetica, Helvetica-Bold, …
	Size    float64 // points
	X, Y    float64 // the baseline's start, in points from the bottom left
	Raw     string  // the bytes drawn, in the font's encoding
	Text    string  // the same as UTF-8
	WordSp  float64 // word spacing in force (Tw), points
	Rotated bool    // drawn under a transformation (the draft mark)
}

var (
	pdfObject   = regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)\s*endobj`)
	pdfFontObj  = regexp.MustCompile(`/Type /Font\s*/BaseFont /(\S+)`)
	pdfFontRef  = regexp.MustCompile(`/F(\w+) (\d+) 0 R`)
	pdfContents = regexp.MustCompile(`/Type /Page\b[^>]*?/Contents (\d+) 0 R`)
)

// readPDF returns every string the PDF draws, page by page in drawing order.
func readPDF(t *testing.T, pdf []byte) []pdfRun {
	t.Helper()
	objects := map[string][]byte{}
	var order []string
	for _, m := range pdfObject.FindAllSubmatch(pdf, -1) {
		objects[string(m[1])] = m[2]
		order = append(order, string(m[1]))
	}
	baseFont := map[string]string{} // object number → base font
	for n, body := range objects {
		if m := pdfFontObj.FindSubmatch(body); m != nil {
			baseFont[n] = string(m[1])
		}
	}
	fontOf := map[string]string{} // resource name (F1) → base font
	for _, body := range objects {
		if !bytes.Contains(body, []byte("/Font <<")) {
			continue
		}
		for _, m := range pdfFontRef.FindAllSubmatch(body, -1) {
			fontOf["F"+string(m[1])] = baseFont[string(m[2])]
		}
	}
	var runs []pdfRun
	page := 0
	for _, n := range order {
		m := pdfContents.FindSubmatch(objects[n])
		if m == nil {
			continue
		}
		page++
		runs = append(runs, contentRuns(t, page, streamOf(t, objects[string(m[1])]), fontOf)...)
	}
	if page == 0 {
		t.Fatal("the PDF has no pages")
	}
	return runs
}

// streamOf returns an object's stream, inflated when it is compressed.
func streamOf(t *testing.T, obj []byte) []byte {
	t.Helper()
	i := bytes.Index(obj, []byte("stream"))
	j := bytes.LastIndex(obj, []byte("endstream"))
	if i < 0 || j < i {
		t.Fatalf("no stream in %.40q", obj)
	}
	dict, data := obj[:i], bytes.TrimPrefix(bytes.TrimPrefix(obj[i+len("stream"):j], []byte("\r")), []byte("\n"))
	if !bytes.Contains(dict, []byte("/FlateDecode")) {
		return data
	}
	r, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil && !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

// contentRuns reads the text operators of one page's content stream.
func contentRuns(t *testing.T, page int, content []byte, fontOf map[string]string) []pdfRun {
	t.Helper()
	var (
		runs     []pdfRun
		operands []string
		font     string
		size, ws float64
		x, y     float64
		rotated  = []bool{false}
	)
	num := func(i int) float64 {
		if i < 0 || i >= len(operands) {
			t.Fatalf("page %d: operand %d missing in %q", page, i, operands)
		}
		f, err := strconv.ParseFloat(operands[i], 64)
		if err != nil {
			t.Fatalf("page %d: %q is not a number", page, operands[i])
		}
		return f
	}
	for i := 0; i < len(content); {
		c := content[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			i++
		case c == '(':
			s, next := pdfString(content, i)
			operands = append(operands, "("+s)
			i = next
		case c == '[' || c == ']':
			i++
		default:
			j := i + 1
			for j < len(content) && !strings.ContainsRune(" \n\r\t()[]/", rune(content[j])) {
				j++
			}
			tok := string(content[i:j])
			i = j
			if tok[0] == '/' || tok[0] == '-' || tok[0] == '.' || (tok[0] >= '0' && tok[0] <= '9') {
				operands = append(operands, tok)
				continue
			}
			switch tok {
			case "q":
				rotated = append(rotated, rotated[len(rotated)-1])
			case "Q":
				if len(rotated) > 1 {
					rotated = rotated[:len(rotated)-1]
				}
			case "cm":
				rotated[len(rotated)-1] = true
			case "Tf":
				font, size = fontOf[strings.TrimPrefix(operands[len(operands)-2], "/")], num(len(operands)-1)
			case "Tw":
				ws = num(len(operands) - 1)
			case "Td":
				x, y = num(len(operands)-2), num(len(operands)-1)
			case "Tj":
				raw := strings.TrimPrefix(operands[len(operands)-1], "(")
				runs = append(runs, pdfRun{Page: page, Font: font, Size: size, X: x, Y: y, Raw: raw,
					Text: cp1252(raw), WordSp: ws, Rotated: rotated[len(rotated)-1]})
			}
			operands = operands[:0]
		}
	}
	return runs
}

// pdfString reads the literal string opening at content[i], with its
// escapes, and returns it and the index after it.
func pdfString(content []byte, i int) (string, int) {
	var b strings.Builder
	i++ // (
	for depth := 0; i < len(content); i++ {
		c := content[i]
		switch {
		case c == '\\' && i+1 < len(content):
			i++
			switch e := content[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				if e >= '0' && e <= '7' {
					n, k := 0, 0
					for ; k < 3 && i+k < len(content) && content[i+k] >= '0' && content[i+k] <= '7'; k++ {
						n = n*8 + int(content[i+k]-'0')
					}
					b.WriteByte(byte(n))
					i += k - 1
				} else {
					b.WriteByte(e)
				}
			}
		case c == '(':
			depth++
			b.WriteByte(c)
		case c == ')' && depth > 0:
			depth--
			b.WriteByte(c)
		case c == ')':
			return b.String(), i + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), i
}

// cp1252 decodes WinAnsi text: Latin-1 with typographic marks in 0x80–0x9F.
func cp1252(raw string) string {
	marks := map[byte]rune{0x80: '€', 0x85: '…', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—'}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if r, ok := marks[raw[i]]; ok {
			b.WriteRune(r)
		} else {
			b.WriteRune(rune(raw[i]))
		}
	}
	return b.String()
}

// pdfLines are the letter's lines of text in reading order: the runs of
// each page grouped by baseline, top to bottom, left to right.
func pdfLines(runs []pdfRun) []string {
	sorted := append([]pdfRun(nil), runs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Page != b.Page {
			return a.Page < b.Page
		}
		if math.Abs(a.Y-b.Y) > 0.5 {
			return a.Y > b.Y
		}
		return a.X < b.X
	})
	var lines []string
	for i, r := range sorted {
		if r.Rotated {
			continue
		}
		if i > 0 && sorted[i-1].Page == r.Page && math.Abs(sorted[i-1].Y-r.Y) <= 0.5 && len(lines) > 0 {
			lines[len(lines)-1] += " " + r.Text
			continue
		}
		lines = append(lines, r.Text)
	}
	return lines
}

// pdfText is the letter's text on one line with single spaces, so a phrase
// that a paragraph wraps is still found whole.
func pdfText(runs []pdfRun) string {
	return strings.Join(strings.Fields(strings.Join(pdfLines(runs), " ")), " ")
}

// overlaps lists the pairs of strings drawn over one another: on the same
// page and baseline, one starting before the other ends. Widths are the
// core fonts' own metrics.
func overlaps(t *testing.T, runs []pdfRun) []string {
	t.Helper()
	metrics := fpdf.New("P", "pt", "A4", "")
	metrics.AddPage()
	width := func(r pdfRun) float64 {
		family, style := "Helvetica", ""
		switch {
		case strings.HasSuffix(r.Font, "-BoldOblique"):
			style = "BI"
		case strings.HasSuffix(r.Font, "-Bold"):
			style = "B"
		case strings.HasSuffix(r.Font, "-Oblique"):
			style = "I"
		}
		metrics.SetFont(family, style, r.Size)
		return metrics.GetStringWidth(r.Raw) + r.WordSp*float64(strings.Count(r.Raw, " "))
	}
	var out []string
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if a.Rotated || b.Rotated || a.Page != b.Page || math.Abs(a.Y-b.Y) > 0.5 || a.Text == "" || b.Text == "" {
				continue
			}
			if a.X < b.X+width(b)-0.1 && b.X < a.X+width(a)-0.1 {
				out = append(out, strconv.Quote(a.Text)+" over "+strconv.Quote(b.Text))
			}
		}
	}
	if metrics.Err() {
		t.Fatalf("font metrics: %v", metrics.Error())
	}
	return out
}
