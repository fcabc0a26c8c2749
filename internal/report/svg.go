package report

// A small SVG chart helper: one plot area with an x and a y scale, axes with
// ticks and grid lines, and marks (bars, points, vertical ranges, lines,
// markers). It writes SVG 1.1 that is also well-formed XML, so that the
// page works inline in HTML and the charts can be cut out and opened on
// their own. Every text goes through esc.
//
// Coordinates: marks take data values; the scales map them to the plot
// area. Values a scale cannot show (NaN, ≤ 0 on a log scale) are skipped
// rather than drawn at a wrong place.

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"
)

// Colours of the Okabe–Ito palette, which stays distinguishable for the
// common forms of colour blindness and in greyscale print as light/dark.
const (
	colBlue      = "#0072B2"
	colOrange    = "#E69F00"
	colVermilion = "#D55E00"
	colGreen     = "#009E73"
	colSky       = "#56B4E9"
	colGrey      = "#6b6b6b"
	colLight     = "#e4e4e4"
)

// tick is one labelled position on an axis.
type tick struct {
	v     float64
	label string
}

// scale maps data values to a fraction of the axis, 0 at the start (left or
// bottom) and 1 at the end.
type scale interface {
	// frac returns the position of v and false when v cannot be shown.
	frac(v float64) (float64, bool)
	ticks() []tick
}

// linearScale is an ordinary linear axis over [lo, hi].
type linearScale struct {
	lo, hi float64
	step   float64              // between ticks; 0 means about five ticks
	format func(float64) string // tick labels; nil means fmtTick
}

// newLinear returns a linear scale over [lo, hi] widened to nice tick values.
func newLinear(lo, hi float64) *linearScale {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 5)
	return &linearScale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step}
}

// newCount returns a linear scale from 0 for whole counts: ticks on
// integers only, and the top at least 2 so that a lone 1 does not fill the
// plot.
func newCount(hi float64) *linearScale {
	hi = math.Max(hi, 2)
	step := math.Max(1, niceStep(hi/5))
	return &linearScale{lo: 0, hi: math.Ceil(hi/step) * step, step: step}
}

func (s *linearScale) frac(v float64) (float64, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return (v - s.lo) / (s.hi - s.lo), true
}

func (s *linearScale) ticks() []tick {
	step := s.step
	if step <= 0 {
		step = niceStep((s.hi - s.lo) / 5)
	}
	f := s.format
	if f == nil {
		f = fmtTick
	}
	var out []tick
	first := math.Ceil(s.lo/step-1e-9) * step
	for i := 0; i <= 100; i++ {
		v := first + float64(i)*step
		if v > s.hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, tick{v, f(v)})
	}
	return out
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*0.999 {
			return m * p
		}
	}
	return 10 * p
}

// logScale is a base-10 logarithmic axis over [lo, hi], lo > 0, widened to
// whole decades.
type logScale struct{ lo, hi float64 }

func newLog(lo, hi float64) *logScale {
	if !(lo > 0) {
		lo = 1
	}
	if !(hi > lo) {
		hi = lo * 10
	}
	return &logScale{lo: math.Pow(10, math.Floor(math.Log10(lo)+1e-9)), hi: math.Pow(10, math.Ceil(math.Log10(hi)-1e-9))}
}

func (s *logScale) frac(v float64) (float64, bool) {
	if !(v > 0) || math.IsInf(v, 0) {
		return 0, false
	}
	return (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo)), true
}

func (s *logScale) ticks() []tick {
	decades := math.Round(math.Log10(s.hi) - math.Log10(s.lo))
	mults := []float64{1}
	if decades <= 2 {
		mults = []float64{1, 2, 5}
	}
	var out []tick
	for d := math.Log10(s.lo); d <= math.Log10(s.hi)+1e-9; d++ {
		p := math.Pow(10, math.Round(d))
		for _, m := range mults {
			if v := m * p; v <= s.hi*(1+1e-9) {
				out = append(out, tick{v, fmtTick(v)})
			}
		}
	}
	return out
}

// log1pScale is a logarithmic axis for counts that include zero: v is
// placed at log10(1 + v), so 0 sits at the bottom and 1, 10, 100 are
// spread as on a log scale.
type log1pScale struct{ hi float64 }

func (s *log1pScale) frac(v float64) (float64, bool) {
	if !(v >= 0) || math.IsInf(v, 0) {
		return 0, false
	}
	return math.Log10(1+v) / math.Log10(1+s.hi), true
}

func (s *log1pScale) ticks() []tick {
	out := []tick{{0, "0"}}
	decades := math.Log10(1 + s.hi)
	mults := []float64{1}
	if decades <= 2.5 {
		mults = []float64{1, 2, 5}
	}
	for p := 1.0; p <= s.hi; p *= 10 {
		for _, m := range mults {
			if v := m * p; v <= s.hi {
				out = append(out, tick{v, fmtTick(v)})
			}
		}
	}
	return out
}

// newLog1p returns a log1p scale whose top is hi rounded up to 1, 2 or 5
// times a power of ten.
func newLog1p(hi float64) *log1pScale {
	if !(hi >= 1) {
		hi = 1
	}
	p := math.Pow(10, math.Floor(math.Log10(hi)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= hi {
			return &log1pScale{hi: m * p}
		}
	}
	return &log1pScale{hi: 10 * p}
}

// timeScale is a date axis; values are days since 1970-01-01 (see dayOf).
// Ticks fall on the first of January, or on the first of months when the
// span is short.
type timeScale struct{ lo, hi float64 }

func (s *timeScale) frac(v float64) (float64, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return (v - s.lo) / (s.hi - s.lo), true
}

func (s *timeScale) ticks() []tick {
	lo, hi := dateOfDay(s.lo), dateOfDay(s.hi)
	years := hi.Year() - lo.Year()
	var out []tick
	if years >= 2 {
		step := 1
		for years/step > 10 {
			step = int(niceStep(float64(step) + 0.5))
		}
		first := lo.Year() + 1
		if lo.YearDay() == 1 {
			first = lo.Year()
		}
		first = (first + step - 1) / step * step
		for y := first; y <= hi.Year(); y += step {
			out = append(out, tick{dayOf(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)), strconv.Itoa(y)})
		}
		return out
	}
	months := (hi.Year()-lo.Year())*12 + int(hi.Month()) - int(lo.Month())
	step := 1
	for _, st := range []int{1, 2, 3, 6, 12} {
		step = st
		if months/st <= 8 {
			break
		}
	}
	m := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC)
	if lo.Day() != 1 {
		m = m.AddDate(0, 1, 0)
	}
	for ; !m.After(hi); m = m.AddDate(0, 1, 0) {
		if (int(m.Month())-1)%step == 0 {
			out = append(out, tick{dayOf(m), m.Format("Jan 2006")})
		}
	}
	return out
}

// dayOf returns the days since 1970-01-01 of t's date.
func dayOf(t time.Time) float64 {
	return math.Floor(float64(t.Unix()) / 86400)
}

// dateOfDay is the inverse of dayOf.
func dateOfDay(d float64) time.Time {
	return time.Unix(int64(math.Floor(d))*86400, 0).UTC()
}

// fmtTick formats a tick value compactly: 0.5, 20, 1,000, 25k, 2M.
func fmtTick(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6 && math.Mod(v, 1e6) == 0:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4 && math.Mod(v, 1e3) == 0:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	case a >= 1000 && v == math.Trunc(v):
		return fmtInt(int64(v))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// fmtInt writes an integer with thousands separators.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// esc escapes text for both HTML and XML content and attribute values.
func esc(s string) string { return html.EscapeString(s) }

// chart is one SVG chart being drawn.
type chart struct {
	id          string // unique on the page; prefixes the chart's element ids
	title, desc string
	w, h        float64
	// Margins around the plot area.
	left, right, top, bottom float64
	x, y                     scale
	xLabel, yLabel           string
	body                     strings.Builder
	labels                   strings.Builder // drawn over the marks
	legend                   []legendItem
	// labelEnds holds, per row of marker labels, where the last one ends.
	labelEnds []float64
}

type legendItem struct {
	label, colour string
	kind          string // "bar", "dot", "circle", "line", "range", "dash", "tick"
}

// newChart starts a chart of w × h user units. The title is read out by
// screen readers and shown as a tooltip; desc says what the chart shows in
// words, for readers who cannot see it.
func newChart(id, title, desc string, w, h float64) *chart {
	// The legend and the y axis's label each get a row above the plot.
	return &chart{id: id, title: title, desc: desc, w: w, h: h, left: 56, right: 16, top: 42, bottom: 40}
}

// px maps a data point to user units; false when either value cannot be shown.
func (c *chart) px(xv, yv float64) (float64, float64, bool) {
	fx, okx := c.x.frac(xv)
	fy, oky := c.y.frac(yv)
	if !okx || !oky {
		return 0, 0, false
	}
	return c.left + fx*(c.w-c.left-c.right), c.h - c.bottom - fy*(c.h-c.top-c.bottom), true
}

// xpx and ypx map one coordinate; ypx clamps to the plot area so that a bar
// or range running off the axis is cut at its edge.
func (c *chart) xpx(v float64) (float64, bool) {
	f, ok := c.x.frac(v)
	return c.left + f*(c.w-c.left-c.right), ok
}

func (c *chart) ypx(v float64) (float64, bool) {
	f, ok := c.y.frac(v)
	f = math.Max(0, math.Min(1, f))
	return c.h - c.bottom - f*(c.h-c.top-c.bottom), ok
}

// num formats a coordinate with one decimal, which is finer than a pixel.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// bar draws a rectangle from x0 to x1 and from y0 to y1 (data units).
func (c *chart) bar(x0, x1, y0, y1 float64, colour, tip string) {
	a, ok1 := c.xpx(x0)
	b, ok2 := c.xpx(x1)
	top, ok3 := c.ypx(y1)
	base, ok4 := c.ypx(y0)
	if !ok1 || !ok2 || !ok3 || !ok4 || b <= a {
		return
	}
	if base-top < 0.5 && y1 > y0 {
		top = base - 0.5 // a small non-zero value stays visible
	}
	fmt.Fprintf(&c.body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s">`, num(a), num(top), num(math.Max(b-a, 0.6)), num(base-top), colour)
	if tip != "" {
		fmt.Fprintf(&c.body, "<title>%s</title>", esc(tip))
	}
	c.body.WriteString("</rect>\n")
}

// dot draws a point; hollow points are outlined only.
func (c *chart) dot(xv, yv, r float64, colour string, hollow bool, tip string) {
	x, y, ok := c.px(xv, yv)
	if !ok {
		return
	}
	fill, stroke := colour, "#fff"
	if hollow {
		fill, stroke = "#fff", colour
	}
	fmt.Fprintf(&c.body, `<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="%s" stroke-width="1.2">`, num(x), num(y), num(r), fill, stroke)
	if tip != "" {
		fmt.Fprintf(&c.body, "<title>%s</title>", esc(tip))
	}
	c.body.WriteString("</circle>\n")
}

// vrange draws a vertical line from lo to hi at x, with short caps.
func (c *chart) vrange(xv, lo, hi float64, colour string) {
	x, ok := c.xpx(xv)
	y0, ok0 := c.ypx(lo)
	y1, ok1 := c.ypx(hi)
	if !ok || !ok0 || !ok1 || y0-y1 < 1 {
		return
	}
	fmt.Fprintf(&c.body, `<path d="M%s %sV%sM%s %sH%sM%s %sH%s" stroke="%s" stroke-width="1.6" fill="none"/>`+"\n",
		num(x), num(y0), num(y1), num(x-3), num(y0), num(x+3), num(x-3), num(y1), num(x+3), colour)
}

// line draws a polyline through the points that can be shown, broken where
// one cannot; dash is an SVG stroke-dasharray or "".
func (c *chart) line(xs, ys []float64, colour string, width float64, dash string) {
	var d strings.Builder
	pen := false
	for i := range xs {
		x, y, ok := c.px(xs[i], ys[i])
		if !ok {
			pen = false
			continue
		}
		if pen {
			fmt.Fprintf(&d, "L%s %s", num(x), num(y))
		} else {
			fmt.Fprintf(&d, "M%s %s", num(x), num(y))
			pen = true
		}
	}
	if d.Len() == 0 {
		return
	}
	extra := ""
	if dash != "" {
		extra = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(&c.body, `<path d="%s" stroke="%s" stroke-width="%s" fill="none" stroke-linejoin="round" clip-path="url(#%s-clip)"%s/>`+"\n",
		d.String(), colour, num(width), c.id, extra)
}

// marker draws a dashed vertical line across the plot at x with a label
// (none when empty) at the top of the plot, and a tooltip. Labels too close to an
// earlier one go on a second row, and are left out when both rows are
// taken there; the tooltip still names the line.
func (c *chart) marker(xv float64, label, colour, tip string) {
	x, ok := c.xpx(xv)
	if !ok || x < c.left-0.5 || x > c.w-c.right+0.5 {
		return
	}
	fmt.Fprintf(&c.body, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3">`,
		num(x), num(c.top), num(x), num(c.h-c.bottom), colour)
	if tip != "" {
		fmt.Fprintf(&c.body, "<title>%s</title>", esc(tip))
	}
	c.body.WriteString("</line>\n")
	if label == "" {
		return
	}
	anchor, dx := "start", 3.0
	if x > c.w-c.right-40 {
		anchor, dx = "end", -3
	}
	// Label extents are estimated at 6.2 units a character.
	width := 6.2 * float64(len([]rune(label)))
	a, b := x+dx, x+dx+width
	if anchor == "end" {
		a, b = x+dx-width, x+dx
	}
	if c.labelEnds == nil {
		c.labelEnds = []float64{math.Inf(-1), math.Inf(-1)}
	}
	row := -1
	for r := range c.labelEnds {
		if a >= c.labelEnds[r]+4 {
			row = r
			break
		}
	}
	if row < 0 {
		return
	}
	c.labelEnds[row] = b
	// Inside the top of the plot, over every mark and with a white halo,
	// so that bars and lines behind the label do not garble it.
	fmt.Fprintf(&c.labels, `<text x="%s" y="%s" text-anchor="%s" font-size="11" fill="%s" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
		num(x+dx), num(c.top+11+12*float64(row)), anchor, colour, esc(label))
}

// below writes a small grey label under the x axis's tick labels at x.
func (c *chart) below(xv float64, label string) {
	x, ok := c.xpx(xv)
	if !ok {
		return
	}
	fmt.Fprintf(&c.body, `<text x="%s" y="%s" text-anchor="middle" font-size="10" fill="%s">%s</text>`+"\n",
		num(x), num(c.h-c.bottom+31), colGrey, esc(label))
}

// rug draws short ticks along the bottom of the plot, one per value.
func (c *chart) rug(xs []float64, colour string) {
	var d strings.Builder
	y := c.h - c.bottom
	for _, v := range xs {
		if x, ok := c.xpx(v); ok {
			fmt.Fprintf(&d, "M%s %sv-7", num(x), num(y))
		}
	}
	if d.Len() > 0 {
		fmt.Fprintf(&c.body, `<path d="%s" stroke="%s" stroke-width="1.2"/>`+"\n", d.String(), colour)
	}
}

// addLegend adds an entry to the legend drawn at the top right.
func (c *chart) addLegend(label, colour, kind string) {
	c.legend = append(c.legend, legendItem{label, colour, kind})
}

// svg returns the finished chart.
func (c *chart) svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s-t %s-d" class="chart" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Vazirmatn, Tahoma, sans-serif">`+"\n",
		num(c.w), num(c.h), num(c.w), num(c.h), c.id, c.id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`+"\n", c.id, esc(c.title))
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`+"\n", c.id, esc(c.desc))
	x0, x1, y0, y1 := c.left, c.w-c.right, c.top, c.h-c.bottom
	fmt.Fprintf(&b, `<defs><clipPath id="%s-clip"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath></defs>`+"\n",
		c.id, num(x0), num(y0), num(x1-x0), num(y1-y0))

	// Grid and y ticks.
	b.WriteString(`<g font-size="11" fill="#333">` + "\n")
	for _, t := range c.y.ticks() {
		f, ok := c.y.frac(t.v)
		if !ok || f < -1e-9 || f > 1+1e-9 {
			continue
		}
		y := y1 - f*(y1-y0)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x0), num(y), num(x1), num(y), colLight)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", num(x0-6), num(y), esc(t.label))
	}
	for _, t := range c.x.ticks() {
		f, ok := c.x.frac(t.v)
		if !ok || f < -1e-9 || f > 1+1e-9 {
			continue
		}
		x := x0 + f*(x1-x0)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333" stroke-width="1"/>`, num(x), num(y1), num(x), num(y1+5))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(x), num(y1+18), esc(t.label))
	}
	if c.yLabel != "" {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="start" font-weight="600">%s</text>`+"\n", num(4), num(y0-12), esc(c.yLabel))
	}
	if c.xLabel != "" {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-weight="600">%s</text>`+"\n", num((x0+x1)/2), num(c.h-4), esc(c.xLabel))
	}
	b.WriteString("</g>\n")

	b.WriteString(`<g>` + "\n")
	b.WriteString(c.body.String())
	b.WriteString(c.labels.String())
	b.WriteString("</g>\n")
	// Axes on top of the marks.
	fmt.Fprintf(&b, `<path d="M%s %sV%sH%s" stroke="#333" stroke-width="1" fill="none"/>`+"\n", num(x0), num(y0), num(y1), num(x1))
	c.writeLegend(&b)
	b.WriteString("</svg>")
	return b.String()
}

// writeLegend draws the legend in one row at the top right, above the plot.
func (c *chart) writeLegend(b *strings.Builder) {
	if len(c.legend) == 0 {
		return
	}
	// Approximate text widths: 6.2 units per character at font size 11.
	total := 0.0
	for _, it := range c.legend {
		total += 22 + 6.2*float64(len([]rune(it.label))) + 14
	}
	x := math.Max(c.left, c.w-c.right-total)
	y := 11.0
	b.WriteString(`<g font-size="11" fill="#333">` + "\n")
	for _, it := range c.legend {
		switch it.kind {
		case "bar":
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="12" height="10" fill="%s"/>`, num(x), num(y-5), it.colour)
		case "dot":
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="4" fill="%s"/>`, num(x+6), num(y), it.colour)
		case "circle":
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3.5" fill="#fff" stroke="%s" stroke-width="1.2"/>`, num(x+6), num(y), it.colour)
		case "range":
			fmt.Fprintf(b, `<path d="M%s %sV%s" stroke="%s" stroke-width="1.6"/><circle cx="%s" cy="%s" r="3" fill="%s"/>`,
				num(x+6), num(y-6), num(y+6), it.colour, num(x+6), num(y), it.colour)
		case "tick":
			fmt.Fprintf(b, `<path d="M%s %sV%s" stroke="%s" stroke-width="1.5"/>`, num(x+6), num(y-6), num(y+6), it.colour)
		case "dash":
			fmt.Fprintf(b, `<path d="M%s %sH%s" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3"/>`, num(x), num(y), num(x+16), it.colour)
		default: // line
			fmt.Fprintf(b, `<path d="M%s %sH%s" stroke="%s" stroke-width="2.2"/>`, num(x), num(y), num(x+16), it.colour)
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" dominant-baseline="middle">%s</text>`+"\n", num(x+22), num(y), esc(it.label))
		x += 22 + 6.2*float64(len([]rune(it.label))) + 14
	}
	b.WriteString("</g>\n")
}
