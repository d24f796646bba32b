//! Charts as SVG, drawn with plotters' SVG backend: a run's service states
//! over time, downtime distributions, paired differences, sweeps and
//! tornadoes. Each function returns one `<svg>` element, its id set so that
//! a page (and a test) can find it.

use plotters::prelude::*;

use crate::engine::RunReport;
use crate::model::State;
use crate::objective::Metric;
use crate::study::{CompareReport, SensitivityReport, SweepPoint, SweepReport};

const UP: RGBColor = RGBColor(200, 230, 201);
const DEGRADED: RGBColor = RGBColor(255, 183, 77);
const DOWN: RGBColor = RGBColor(229, 57, 53);
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The label of a category axis value.
fn category(labels: &[String], v: &SegmentValue<i32>) -> String {
    match v {
        SegmentValue::CenterOf(k) | SegmentValue::Exact(k) => {
            usize::try_from(*k).ok().and_then(|k| labels.get(k)).cloned().unwrap_or_default()
        }
        SegmentValue::Last => String::new(),
    }
}

type Categories = plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordi32>;
type Bars<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<plotters::coord::types::RangedCoordf64, Categories>>;

/// White rules between the rows of a category chart.
fn rules(chart: &mut Bars<'_, '_>, rows: usize, from: f64, to: f64) -> Result<(), String> {
    for row in 1..rows as i32 {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(from, SegmentValue::Exact(row)), (to, SegmentValue::Exact(row))],
                WHITE.stroke_width(6),
            )))
            .map_err(text)?;
    }
    Ok(())
}

/// Gives an SVG document an id, for the page and its tests.
fn with_id(svg: String, id: &str) -> String {
    svg.replacen("<svg ", &format!("<svg id=\"{id}\" "), 1)
}

/// Turns a drawing error into text: charts never stop a report.
fn text<E: std::fmt::Debug>(e: E) -> String {
    format!("chart error: {e:?}")
}

/// Each service's state over one run: a row per service, up in green,
/// degraded in orange, down in red, with the hazard and recovery events
/// marked as thin lines (fire and power in grey, restorations in blue).
pub fn gantt(report: &RunReport) -> Result<String, String> {
    let end = report.horizon.as_hours_f64().max(1e-9);
    let services: Vec<&str> = report.services.iter().map(|s| s.name.as_str()).collect();
    let height = 60 + 18 * services.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, height)).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{} - {} (seed {})", report.scenario, report.disaster, report.seed), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(170)
            .build_cartesian_2d(0f64..end, (0..services.len() as i32).into_segmented())
            .map_err(text)?;
        // One category per service, the first on top.
        let label = |k: i32| services.get(services.len().wrapping_sub(1 + k as usize)).copied().unwrap_or("");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(services.len())
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(k) | SegmentValue::Exact(k) => label(*k).to_owned(),
                SegmentValue::Last => String::new(),
            })
            .x_desc("hours from t0")
            .draw()
            .map_err(text)?;
        for (k, name) in services.iter().enumerate() {
            let row = (services.len() - 1 - k) as i32;
            let mut state = State::Up;
            let mut since = 0.0;
            let mut bars = Vec::new();
            for e in report.timeline.iter().filter(|e| e.kind == "service" && e.component == *name) {
                let t = e.at.as_hours_f64();
                bars.push((since, t, state));
                state = e.state;
                since = t;
            }
            bars.push((since, end, state));
            chart
                .draw_series(bars.into_iter().filter(|(a, b, _)| b > a).map(|(a, b, s)| {
                    let color = match s {
                        State::Up => UP,
                        State::Degraded => DEGRADED,
                        State::Down => DOWN,
                    };
                    // A row per service: its segment, a white rule between rows.
                    Rectangle::new([(a, SegmentValue::Exact(row)), (b, SegmentValue::Exact(row + 1))], color.filled())
                }))
                .map_err(text)?;
        }
        rules(&mut chart, services.len(), 0.0, end)?;
        // Events: what a person looks for on the timeline.
        let top = SegmentValue::Exact(services.len() as i32);
        for e in &report.timeline {
            let color = if e.cause.contains("restor") || e.cause.contains("replaced") {
                RGBColor(30, 136, 229)
            } else if e.kind != "service" && (e.cause.contains("fire") || e.cause.contains("power")) {
                RGBColor(120, 120, 120)
            } else {
                continue;
            };
            let t = e.at.as_hours_f64();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(t, SegmentValue::Exact(0)), (t, top.clone())],
                    color.stroke_width(1),
                )))
                .map_err(text)?;
        }
        root.present().map_err(text)?;
    }
    Ok(with_id(svg, "timeline"))
}

/// The distribution of each service's downtime over many runs: the share
/// of runs in which it was down for at most `x` hours.
pub fn downtime_cdf(series: &[(String, Vec<f64>)]) -> Result<String, String> {
    let max = series.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0f64, f64::max);
    // All zero: an axis to 1, not ticks all reading 0.0.
    let max = if max > 0.0 { max } else { 1.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("downtime distribution (share of runs down at most x hours)", ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..max * 1.02, 0f64..1.0f64)
            .map_err(text)?;
        chart.configure_mesh().x_desc("hours down").y_desc("share of runs").draw().map_err(text)?;
        for (k, (name, values)) in series.iter().enumerate() {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len().max(1) as f64;
            let mut points = vec![(0.0, 0.0)];
            for (i, v) in sorted.iter().enumerate() {
                points.push((*v, i as f64 / n));
                points.push((*v, (i + 1) as f64 / n));
            }
            points.push((max * 1.02, 1.0));
            let color = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(text)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(text)?;
        root.present().map_err(text)?;
    }
    Ok(with_id(svg, "downtime-cdf"))
}

/// A service's paired differences (variant minus baseline) with their
/// intervals, one bar per variant, for one disaster.
pub fn comparison(report: &CompareReport, disaster: &str, service: &str) -> Result<String, String> {
    let rows: Vec<_> = report.rows.iter().filter(|r| r.disaster == disaster && r.service == service).collect();
    let (lo, hi) = finite_span(rows.iter().flat_map(|r| [r.difference, r.difference_low, r.difference_high]), 0.0);
    let pad = ((hi - lo) * 0.1).max(0.01);
    let labels: Vec<String> = rows.iter().map(|r| r.variant.clone()).collect();
    let axis = Axis::new(lo - pad, hi + pad);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 80 + 40 * rows.len() as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let unit = rows.first().map_or("", |r| r.unit);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{service}: change against the baseline ({disaster}), with 95% intervals"),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(220)
            .build_cartesian_2d((lo - pad)..(hi + pad), (0..rows.len().max(1) as i32).into_segmented())
            .map_err(text)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|y| category(&labels, y))
            .x_label_formatter(&|x| axis.label(*x))
            .x_desc(format!("variant minus baseline ({})", axis.unit(unit)))
            .draw()
            .map_err(text)?;
        for (k, r) in rows.iter().enumerate() {
            let k = k as i32;
            let color = if r.is_significant() { PALETTE[0] } else { PALETTE[7] };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, SegmentValue::Exact(k)), (r.difference, SegmentValue::Exact(k + 1))],
                    color.mix(0.7).filled(),
                )))
                .map_err(text)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    // An interval of fewer than two runs is unbounded: to the chart's edge.
                    vec![
                        (r.difference_low.max(lo - pad), SegmentValue::CenterOf(k)),
                        (r.difference_high.min(hi + pad), SegmentValue::CenterOf(k)),
                    ],
                    BLACK.stroke_width(3),
                )))
                .map_err(text)?;
        }
        rules(&mut chart, rows.len(), lo - pad, hi + pad)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(rows.len() as i32))],
                BLACK,
            )))
            .map_err(text)?;
        root.present().map_err(text)?;
    }
    Ok(with_id(svg, "comparison"))
}

/// A labelled line of a chart over categories.
type Line = Vec<(SegmentValue<i32>, f64)>;

/// A sweep: one service's metric against the first parameter's values:
/// its mean and bad tail (the 95th percentile; for availability, where bad
/// is low, the 5th and 1st percentiles and the minimum, on an axis that
/// ends at 1 and starts below the lowest of them), or, with two
/// parameters, its mean (and for availability its 5th percentile) with one
/// line per value of the second.
///
/// # Errors
/// No points for that service and disaster (a name not in the sweep), or
/// a chart that cannot be drawn.
pub fn sweep(report: &SweepReport, disaster: &str, service: &str) -> Result<String, String> {
    let points: Vec<_> = report.points.iter().filter(|p| p.disaster == disaster && p.service == service).collect();
    if points.is_empty() {
        return Err(format!("the sweep has no service '{service}' in a disaster '{disaster}'"));
    }
    // The first parameter's values along x, in sweep order.
    let mut xs: Vec<&str> = Vec::new();
    for p in &points {
        if !xs.contains(&p.values[0].as_str()) {
            xs.push(&p.values[0]);
        }
    }
    let x_of = |p: &SweepPoint| SegmentValue::CenterOf(xs.iter().position(|x| *x == p.values[0]).unwrap_or(0) as i32);
    let availability = report.metric == Metric::Availability;
    let tail_name = |label: &str| match label {
        "p95" => "95th percentile",
        "p5" => "5th percentile",
        "p1" => "1st percentile",
        _ => "minimum",
    };
    let lines: Vec<(String, Line)> = match report.parameters.get(1) {
        None => {
            let mut lines = vec![("mean".to_owned(), points.iter().map(|p| (x_of(p), p.mean)).collect())];
            let labels = points.first().map(|p| p.tail(report.metric)).unwrap_or_default();
            for (k, (label, _)) in labels.iter().enumerate() {
                let line =
                    points.iter().map(|p| (x_of(p), p.tail(report.metric).get(k).map_or(0.0, |t| t.1))).collect();
                lines.push((tail_name(label).to_owned(), line));
            }
            lines
        }
        Some(second) => {
            let mut seconds: Vec<&str> = Vec::new();
            for p in &points {
                if !seconds.contains(&p.values[1].as_str()) {
                    seconds.push(&p.values[1]);
                }
            }
            seconds
                .iter()
                .flat_map(|v| {
                    let of_v = || points.iter().filter(|p| p.values[1] == *v);
                    let mean = (format!("mean, {second} = {v}"), of_v().map(|p| (x_of(p), p.mean)).collect());
                    let p5 = (format!("5th percentile, {second} = {v}"), of_v().map(|p| (x_of(p), p.p5)).collect());
                    std::iter::once(mean).chain(availability.then_some(p5))
                })
                .collect()
        }
    };
    let max = lines.iter().flat_map(|(_, l)| l.iter().map(|(_, y)| *y)).fold(0.0f64, f64::max);
    // All zero: an axis to 1, not ticks all reading 0.0.
    let max = if max > 0.0 { max } else { 1.0 };
    // Availability crowds under 1: from a little below its lowest line to 1,
    // labelled with the places its span needs.
    let (y_lo, y_hi) = match availability {
        true => {
            let lowest = lines.iter().flat_map(|(_, l)| l.iter().map(|(_, y)| *y)).fold(1.0f64, f64::min);
            let pad = ((1.0 - lowest) * 0.1).max(1e-9);
            ((lowest - pad).max(0.0), 1.0 + pad)
        }
        false => (0.0, max * 1.1),
    };
    let axis = Axis::new(y_lo, y_hi);
    let labels: Vec<String> = xs.iter().map(|x| (*x).to_owned()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{service}: {} against {} ({disaster})", report.metric.as_str(), report.parameters.join(", ")),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(50)
            // A segmented range of 0..n has n + 1 segments: the last x is n - 1.
            .build_cartesian_2d((0..xs.len() as i32 - 1).into_segmented(), y_lo..y_hi)
            .map_err(text)?;
        let y_label = |y: &f64| axis.label(*y);
        let x_label = |x: &SegmentValue<i32>| category(&labels, x);
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(xs.len()).x_label_formatter(&x_label).x_desc(report.parameters[0].as_str()).y_desc(report.unit);
        if availability {
            mesh.y_label_formatter(&y_label);
        }
        mesh.draw().map_err(text)?;
        for (k, (label, line)) in lines.into_iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                .map_err(text)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 4, color.filled()))).map_err(text)?;
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(text)?;
        root.present().map_err(text)?;
    }
    Ok(with_id(svg, "sweep"))
}

/// A tornado: each parameter's low-to-high range of the metric, widest on
/// top, around the baseline.
pub fn tornado(report: &SensitivityReport) -> Result<String, String> {
    let (lo, hi) = finite_span(report.rows.iter().flat_map(|r| [r.at_low, r.at_high]), report.baseline);
    let pad = ((hi - lo) * 0.1).max(1e-9);
    let n = report.rows.len();
    let labels: Vec<String> = report.rows.iter().rev().map(|r| r.parameter.clone()).collect();
    let axis = Axis::new(lo - pad, hi + pad);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 80 + 40 * n as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "sensitivity of {} (baseline {} {})",
                    report.metric.as_str(),
                    axis.label(report.baseline),
                    axis.unit(report.unit)
                ),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(260)
            .build_cartesian_2d((lo - pad)..(hi + pad), (0..n.max(1) as i32).into_segmented())
            .map_err(text)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n.max(1))
            .y_label_formatter(&|y| category(&labels, y))
            .x_label_formatter(&|x| axis.label(*x))
            .x_desc(axis.unit(report.unit))
            .draw()
            .map_err(text)?;
        for (k, r) in report.rows.iter().rev().enumerate() {
            let k = k as i32;
            let (a, b) = (r.at_low.min(r.at_high), r.at_low.max(r.at_high));
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, SegmentValue::Exact(k)), (b, SegmentValue::Exact(k + 1))],
                    PALETTE[0].mix(0.7).filled(),
                )))
                .map_err(text)?;
        }
        rules(&mut chart, n, lo - pad, hi + pad)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(report.baseline, SegmentValue::Exact(0)), (report.baseline, SegmentValue::Exact(n as i32))],
                BLACK.stroke_width(2),
            )))
            .map_err(text)?;
        root.present().map_err(text)?;
    }
    Ok(with_id(svg, "tornado"))
}

/// The least and greatest finite values, `include` among them (an
/// unbounded interval must not make an unbounded axis: plotters would loop
/// looking for its ticks).
fn finite_span(values: impl Iterator<Item = f64>, include: f64) -> (f64, f64) {
    let include = if include.is_finite() { include } else { 0.0 };
    values.filter(|v| v.is_finite()).fold((include, include), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// Labels for a numeric axis that may reach billions (user-hours): values
/// shown in thousands, millions or billions, with the places the axis's
/// span needs.
struct Axis {
    scale: f64,
    prefix: &'static str,
    places: usize,
}

impl Axis {
    fn new(lo: f64, hi: f64) -> Axis {
        let big = lo.abs().max(hi.abs());
        let (scale, prefix) = match big {
            b if b >= 1e10 => (1e9, "billion "),
            b if b >= 1e7 => (1e6, "million "),
            b if b >= 1e4 => (1e3, "thousand "),
            _ => (1.0, ""),
        };
        let span = ((hi - lo) / scale).abs().max(1e-12);
        // Enough places to tell ticks apart: a span of 0.6 shows 0.10 steps
        // as -0.50, -0.40; a span of 200 shows whole numbers.
        let places = (1.0 - span.log10().floor()).clamp(0.0, 6.0) as usize;
        Axis { scale, prefix, places }
    }

    fn label(&self, v: f64) -> String {
        let x = v / self.scale;
        // No "-0.00" for a value that rounds to zero.
        let x = if x.abs() < 0.5 * 10f64.powi(-(self.places as i32)) { 0.0 } else { x };
        format!("{:.*}", self.places, x)
    }

    fn unit(&self, unit: &str) -> String {
        format!("{}{unit}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::Axis;

    #[test]
    fn axis_labels_scale_and_round() {
        // Hours from -0.66 to 0: steps of 0.1 need two places, and zero
        // reads 0.00, not -0.00.
        let a = Axis::new(-0.66, 0.0);
        assert_eq!((a.label(-0.5), a.label(-0.0001), a.unit("hours")), ("-0.50".into(), "0.00".into(), "hours".into()));
        // User-hours from 1.26e9 to 1.48e9: a span of 220 million, shown in
        // millions without places.
        let a = Axis::new(1.26e9, 1.48e9);
        assert_eq!((a.label(1.28e9), a.unit("user-hours")), ("1280".into(), "million user-hours".into()));
        // Above ten billion, billions.
        assert_eq!(Axis::new(0.0, 2.5e10).unit("x"), "billion x");
    }
}
