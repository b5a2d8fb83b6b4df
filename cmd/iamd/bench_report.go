package main

import (
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func numCPU() int { return runtime.NumCPU() }

// benchGoal is the target for a scenario on an engine: a share of
// the trivial handler's throughput measured in the same run, and a p99.
type benchGoal struct {
	ratio float64
	p99ms float64 // 0: none
}

// benchTargets gives the goal of a cell, by scenario and target title.
func benchTargets(scenario, target string) (benchGoal, bool) {
	sqlite := strings.HasPrefix(target, "iamd SQLite")
	pg := strings.HasPrefix(target, "iamd PostgreSQL")
	if !sqlite && !pg {
		return benchGoal{}, false
	}
	switch scenario {
	case scenAuthorisedRead:
		if sqlite {
			return benchGoal{0.50, 10}, true
		}
		return benchGoal{0.35, 10}, true
	case scenCallerIdentity:
		return benchGoal{0.6, 0}, true
	case scenSessionToken:
		if sqlite {
			return benchGoal{0.25, 0}, true
		}
		return benchGoal{0.10, 0}, true
	}
	return benchGoal{}, false
}

// resultsTable renders the cells as a markdown table, with each cell's
// throughput as a share of the trivial handler's and, where goals has
// one, whether it meets the goal.
func resultsTable(rs []benchResult, goals func(scenario, target string) (benchGoal, bool)) string {
	var ceiling float64
	for _, r := range rs {
		if r.Scenario == "trivial" {
			ceiling = r.OpsPerSec
		}
	}
	var b strings.Builder
	b.WriteString("| scenario | target | ops/s | p50 ms | p99 ms | errors | peak RSS MiB | × trivial | goal |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rs {
		scen := r.Scenario
		if r.CallsPerOp > 1 {
			scen += fmt.Sprintf(" (%d calls)", r.CallsPerOp)
		}
		ratio, verdict := "", ""
		if ceiling > 0 && r.Scenario != "trivial" {
			ratio = fmt.Sprintf("%.2f", r.OpsPerSec*float64(r.CallsPerOp)/ceiling)
		}
		if goals != nil && ceiling > 0 {
			if g, ok := goals(r.Scenario, r.Target); ok {
				verdict = goalVerdict(r, g, ceiling)
			}
		}
		errs := fmt.Sprint(r.Errors)
		if r.FirstError != "" {
			errs += " (" + truncate(r.FirstError, 60) + ")"
		}
		if r.Note != "" {
			errs += "; " + r.Note
		}
		rss := ""
		if r.RSSMiB > 0 {
			rss = fmt.Sprintf("%.0f", r.RSSMiB)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %.2f | %s | %s | %s | %s |\n",
			scen, r.Target, thousands(r.OpsPerSec), r.P50ms, r.P99ms, errs, rss, ratio, verdict)
	}
	return b.String()
}

// goalVerdict says whether r meets g, and by how much it misses.
func goalVerdict(r benchResult, g benchGoal, ceiling float64) string {
	ratio := r.OpsPerSec / ceiling
	var parts []string
	ok := ratio >= g.ratio && r.Errors == 0
	parts = append(parts, fmt.Sprintf("≥ %.2f", g.ratio))
	if g.p99ms > 0 {
		parts = append(parts, fmt.Sprintf("p99 ≤ %.0f ms", g.p99ms))
		ok = ok && r.P99ms <= g.p99ms
	}
	s := strings.Join(parts, ", ")
	if ok {
		return s + ": **met**"
	}
	var miss []string
	if ratio < g.ratio {
		miss = append(miss, fmt.Sprintf("%.0f%% short", (1-ratio/g.ratio)*100))
	}
	if g.p99ms > 0 && r.P99ms > g.p99ms {
		miss = append(miss, fmt.Sprintf("p99 %.1f× over", r.P99ms/g.p99ms))
	}
	if r.Errors > 0 {
		miss = append(miss, "errors")
	}
	return s + ": **missed** (" + strings.Join(miss, ", ") + ")"
}

// sizeTable compares each engine's smallest and largest seeded store:
// the goal is the larger within 1.5× of the smaller.
func sizeTable(rs []benchResult, sizes []int) string {
	lo, hi := slices.Min(sizes), slices.Max(sizes)
	find := func(scenario, engine string, users int) *benchResult {
		for i := range rs {
			if rs[i].Scenario == scenario && rs[i].Users == users && strings.HasPrefix(rs[i].Target, engine) {
				return &rs[i]
			}
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| scenario | engine | ops/s at %s | ops/s at %s | slowdown | p99 ms at %s | p99 ms at %s | peak RSS MiB at %s | goal (≤ 1.5×, ≤ 300 MiB) |\n",
		humanCount(lo), humanCount(hi), humanCount(lo), humanCount(hi), humanCount(hi))
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, scen := range []string{scenAuthorisedRead, scenSessionToken, scenCallerIdentity} {
		for _, engine := range []string{"iamd SQLite", "iamd PostgreSQL"} {
			a, z := find(scen, engine, lo), find(scen, engine, hi)
			if a == nil || z == nil || z.OpsPerSec == 0 {
				continue
			}
			slow := a.OpsPerSec / z.OpsPerSec
			verdict := "**met**"
			if slow > 1.5 || z.RSSMiB > 300 {
				verdict = "**missed**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f× | %.2f | %.2f | %.0f | %s |\n",
				scen, engine, thousands(a.OpsPerSec), thousands(z.OpsPerSec), slow, a.P99ms, z.P99ms, z.RSSMiB, verdict)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// thousands formats a rate as a whole number with comma separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}

// benchChartCmd redraws the chart from a results.json.
func benchChartCmd(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench chart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "results.json from iamd bench compare or run --json")
	out := fs.String("out", "chart.png", "PNG to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("--in is required")
	}
	rs, err := readResults(*in)
	if err != nil {
		return err
	}
	return benchChart(rs, *out)
}

// benchChart draws throughput and p99 per scenario, one bar per target,
// side by side, as a PNG.
func benchChart(rs []benchResult, path string) error {
	var scenarios, targets []string
	for _, r := range rs {
		if !slices.Contains(scenarios, r.Scenario) {
			scenarios = append(scenarios, r.Scenario)
		}
		if !slices.Contains(targets, r.Target) {
			targets = append(targets, r.Target)
		}
	}
	if len(scenarios) == 0 {
		return errors.New("no results to chart")
	}
	value := func(target, scenario string, f func(benchResult) float64) float64 {
		for _, r := range rs {
			if r.Target == target && r.Scenario == scenario {
				return f(r)
			}
		}
		return 0
	}
	palette := []color.Color{
		color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
		color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
		color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	}
	panel := func(title, ylabel string, f func(benchResult) float64, format func(float64) string) (*plot.Plot, error) {
		p := plot.New()
		p.Title.Text = title
		p.Y.Label.Text = ylabel
		p.Y.Min = 0
		p.NominalX(scenarios...)
		p.X.Tick.Label.Rotation = 0.35
		p.X.Tick.Label.XAlign = draw.XRight
		w := vg.Points(min(60/float64(len(targets)), 14))
		for i, t := range targets {
			vals := make(plotter.Values, len(scenarios))
			for j, s := range scenarios {
				vals[j] = value(t, s, f)
			}
			bars, err := plotter.NewBarChart(vals, w)
			if err != nil {
				return nil, err
			}
			bars.Color = palette[i%len(palette)]
			bars.LineStyle.Width = 0
			bars.Offset = w * vg.Length(float64(i)-float64(len(targets)-1)/2)
			p.Add(bars)
			p.Legend.Add(t, bars)
			// Each bar carries its figure, since a ceiling far above the
			// others flattens small bars.
			var xys plotter.XYs
			var texts []string
			for j, v := range vals {
				if v > 0 {
					xys = append(xys, plotter.XY{X: float64(j), Y: v})
					texts = append(texts, format(v))
				}
			}
			if len(xys) > 0 {
				labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
				if err != nil {
					return nil, err
				}
				for k := range labels.TextStyle {
					labels.TextStyle[k].Font.Size = vg.Points(7)
					labels.TextStyle[k].Rotation = 1.5708
					labels.TextStyle[k].XAlign = draw.XLeft
					labels.TextStyle[k].YAlign = draw.YCenter
				}
				labels.Offset = vg.Point{X: bars.Offset, Y: vg.Points(2)}
				p.Add(labels)
			}
		}
		p.Legend.Top = true
		// Headroom above the tallest bar for the legend and the labels.
		var top float64
		for _, r := range rs {
			top = max(top, f(r))
		}
		p.Y.Max = top * (1.15 + 0.07*float64(len(targets)))
		p.Y.Tick.Marker = readableTicks{format}
		p.Add(plotter.NewGrid())
		return p, nil
	}
	thr, err := panel("Throughput (higher is better)", "operations per second", func(r benchResult) float64 { return r.OpsPerSec }, thousands)
	if err != nil {
		return err
	}
	lat, err := panel("p99 latency (lower is better)", "milliseconds", func(r benchResult) float64 { return r.P99ms },
		func(v float64) string { return fmt.Sprintf("%.1f", v) })
	if err != nil {
		return err
	}
	img := vgimg.New(14*vg.Inch, 6*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 3, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align([][]*plot.Plot{{thr, lat}}, tiles, dc)
	thr.Draw(canvases[0][0])
	lat.Draw(canvases[0][1])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readableTicks are gonum's default ticks labelled with format, so that
// an axis reads 16,000 rather than 16000.00.
type readableTicks struct{ format func(float64) string }

func (t readableTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = t.format(ticks[i].Value)
		}
	}
	return ticks
}
