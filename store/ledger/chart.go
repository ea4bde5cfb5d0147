package ledger

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"time"
)

// Chart geometry, in SVG user units. The chart scales to its container.
const (
	chartWidth   = 760
	plotLeft     = 64
	plotRight    = 12
	plotTop      = 12
	plotHeight   = 220
	axisHeight   = 40
	legendRow    = 20
	legendColumn = 186
	// chartSeries is how many components get their own colour; the rest
	// are stacked together as "other" so the legend stays readable.
	chartSeries = 9
)

// palette is colour-blind safe (Okabe-Ito, then Tol); otherColour is for
// the components folded into "other".
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#882255", "#44AA99", "#F0E442"}

const otherColour = "#999999"

// series is one stacked colour of the chart.
type series struct {
	label, colour string
	// members are the components it stacks; "other" has none and stacks
	// every component not in named.
	members, named map[string]bool
}

// Chart writes the downtime per day of a report as a standalone SVG: one
// bar group per day, stacked by component, with axes and a legend. It
// uses presentation attributes only, no style or script, so it passes a
// strict Content-Security-Policy inline or on its own.
func Chart(w io.Writer, rep Report) error {
	bw := bufio.NewWriter(w)
	ser := chartSeriesOf(rep.Components)
	unit, unitName := chartUnit(rep.Days)
	top := niceCeil(maxDay(rep.Days).Seconds() / unit.Seconds())
	height := plotTop + plotHeight + axisHeight + legendRow*((len(ser)+3)/4) + 8
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="Downtime per day" font-family="sans-serif" font-size="11" class="ledger-chart">`,
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(bw, `<title>Downtime per day, %s to %s</title>`, dateLabel(rep.Range.From), dateLabel(rep.Range.To.Add(-time.Nanosecond)))
	yAxis(bw, top, unitName)
	bars(bw, rep.Days, ser, unit.Seconds()*top)
	legend(bw, ser, plotTop+plotHeight+axisHeight)
	bw.WriteString(`</svg>`)
	return bw.Flush()
}

func chartSeriesOf(comps []Summary) []series {
	var down []Summary
	for _, c := range comps {
		if c.Downtime > 0 {
			down = append(down, c)
		}
	}
	var out []series
	named := map[string]bool{}
	for i, c := range down {
		if i == chartSeries && len(down) > chartSeries+1 {
			out = append(out, series{label: "other", colour: otherColour, named: named})
			break
		}
		named[c.Component] = true
		out = append(out, series{label: c.Component, colour: palette[len(out)%len(palette)], members: map[string]bool{c.Component: true}})
	}
	return out
}

// chartUnit reads the axis in minutes for short downtimes, else hours.
func chartUnit(days []Day) (time.Duration, string) {
	if maxDay(days) > 2*time.Hour {
		return time.Hour, "hours"
	}
	return time.Minute, "minutes"
}

func maxDay(days []Day) time.Duration {
	var m time.Duration
	for _, d := range days {
		m = max(m, d.Total())
	}
	return m
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so axis ticks
// fall on round numbers; at least 1.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}

func yAxis(w *bufio.Writer, top float64, unitName string) {
	bottom := plotTop + plotHeight
	fmt.Fprintf(w, `<g class="y-axis" fill="currentColor" stroke="currentColor">`)
	for i := 0; i <= 4; i++ {
		y := float64(bottom) - float64(plotHeight)*float64(i)/4
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke-opacity="0.2"/>`, plotLeft, chartWidth-plotRight, y, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" stroke="none">%s</text>`, plotLeft-6, y+4, trimFloat(top*float64(i)/4))
	}
	fmt.Fprintf(w, `<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle" stroke="none">downtime (%s)</text>`,
		plotTop+plotHeight/2, plotTop+plotHeight/2, unitName)
	w.WriteString(`</g>`)
}

func trimFloat(v float64) string {
	return fmt.Sprintf("%g", math.Round(v*100)/100)
}

// bars draws one group per day. Every day gets its group, empty or not,
// so the groups line up with the x axis.
func bars(w *bufio.Writer, days []Day, ser []series, topSeconds float64) {
	slot := float64(chartWidth-plotLeft-plotRight) / float64(max(len(days), 1))
	every := (len(days) + 11) / 12
	for i, d := range days {
		x := float64(plotLeft) + slot*float64(i)
		fmt.Fprintf(w, `<g class="day" data-date="%s"><title>%s: %s</title>`, d.Start.Format(time.DateOnly), dateLabel(d.Start), d.Total().Round(time.Second))
		y := float64(plotTop + plotHeight)
		for _, s := range ser {
			h := float64(plotHeight) * s.seconds(d) / topSeconds
			if h <= 0 {
				continue
			}
			y -= h
			fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x+slot*0.15, y, slot*0.7, h, s.colour)
		}
		if i%every == 0 {
			fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" fill="currentColor">%s</text>`, x+slot/2, plotTop+plotHeight+16, dateLabel(d.Start))
		}
		w.WriteString(`</g>`)
	}
	fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="currentColor"/>`, plotLeft, chartWidth-plotRight, plotTop+plotHeight, plotTop+plotHeight)
}

// seconds is the series' downtime on a day.
func (s series) seconds(d Day) float64 {
	var sum time.Duration
	for name, v := range d.Downtime {
		if s.members[name] || s.named != nil && !s.named[name] {
			sum += v
		}
	}
	return sum.Seconds()
}

func legend(w *bufio.Writer, ser []series, top int) {
	w.WriteString(`<g class="legend">`)
	if len(ser) == 0 {
		fmt.Fprintf(w, `<text x="%d" y="%d" fill="currentColor">No counted downtime in this range</text>`, plotLeft, top+12)
	}
	for i, s := range ser {
		x, y := plotLeft+legendColumn*(i%4), top+legendRow*(i/4)
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`, x, y+2, s.colour)
		fmt.Fprintf(w, `<text x="%d" y="%d" fill="currentColor">%s</text>`, x+18, y+12, escape(shorten(s.label, 26)))
	}
	w.WriteString(`</g>`)
}

// shorten keeps a legend label within its column.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func dateLabel(t time.Time) string { return t.Format("Jan 2") }
