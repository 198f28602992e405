//! The charts over time. They share [`TimeAxis`] and the label-area
//! widths, so stacked on a page their plotting areas line up; each shades
//! the timed events on that axis. With a run A to compare, A's series are
//! drawn first, faint, under B's.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use poolcast::Report;
use poolcast::scenario::Cause;

use std::ops::Range;

use crate::common::{
    Chart2d, DrawResult, DualChart, Entry, FONT, LABEL_SIZE, TimeAxis, dashed, finite_max, fmt_num,
    frame, message, note_font, secondary_axis, y_range,
};
use crate::palette;

/// How strongly A's series are drawn under B's.
pub const FAINT: f64 = 0.3;

/// A legend entry for A's faint lines.
fn faint_entry() -> Entry {
    Entry::solid("faint: run A", RGBColor(0xC8, 0xC8, 0xC8))
}

/// Draws one line of per-bucket `values` (faint when `faint`).
fn line<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    axis: &TimeAxis,
    values: &[f64],
    color: RGBColor,
    faint: bool,
) -> DrawResult<(), DB> {
    let points = values.iter().enumerate().map(|(i, v)| (axis.x(i), *v));
    let style = if faint {
        color.mix(FAINT).stroke_width(2)
    } else {
        color.stroke_width(2)
    };
    chart.draw_series(LineSeries::new(points, style))?;
    Ok(())
}

/// Says so in the plot when the report has no timeline.
fn no_timeline<DB: DrawingBackend>(
    chart: &Chart2d<'_, DB>,
    report: &Report,
) -> DrawResult<bool, DB> {
    let empty = report.timeline.series.busy.is_empty();
    if empty {
        message(chart, "no timeline in this report")?;
    }
    Ok(empty)
}

/// Counts per bucket as a rate per second.
fn per_s(v: &[u64], axis: &TimeAxis) -> Vec<f64> {
    v.iter().map(|&c| c as f64 / axis.bucket_s).collect()
}

/// A's report and its axis, when comparing.
fn pair<'a>(axis: &TimeAxis, a: Option<&'a Report>) -> Option<(&'a Report, TimeAxis)> {
    a.map(|a| (a, axis.for_a(a)))
}

/// Sets up `which` time chart on `root`: its legend `entries` (with A's
/// faint lines when comparing) and a y axis from 0 to a little over `max`.
fn time_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    axis: &TimeAxis,
    which: crate::Chart,
    mut entries: Vec<Entry>,
    a: Option<&Report>,
    y_desc: &str,
    max: f64,
) -> DrawResult<Chart2d<'a, DB>, DB> {
    if a.is_some() {
        entries.push(faint_entry());
    }
    axis.chart(root, which.title(), &entries, y_desc, y_range(max, 1.0))
}

/// The right-hand y axis of a time chart: what it shows (with its unit),
/// its range, and the colour of its labels (the colour of its series).
struct RightAxis<'s> {
    desc: &'s str,
    y: Range<f64>,
    color: RGBColor,
}

/// Sets up `which` time chart with a second y axis, `right`: legend
/// `entries`, the left axis over `y` described by `y_desc`.
fn dual_time_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    axis: &TimeAxis,
    which: crate::Chart,
    entries: &[Entry],
    y_desc: &str,
    y: Range<f64>,
    right: RightAxis<'_>,
) -> DrawResult<DualChart<'a, DB>, DB> {
    let mut chart = frame(root, true, 0.0..axis.end_s, y.clone())?
        .set_secondary_coord(0.0..axis.end_s, right.y);
    let labels = (FONT, LABEL_SIZE).into_font().color(&right.color);
    secondary_axis(&mut chart, right.desc, labels)?;
    axis.decorate(root, &mut chart, which.title(), entries, y_desc, y)?;
    Ok(chart)
}

/// Busy, idle and waiting over time.
pub fn connections<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of_pair(report, a);
    let all = |r: &Report| {
        let s = &r.timeline.series;
        finite_max(s.busy.iter().chain(&s.idle).chain(&s.waiting).copied())
    };
    let max = all(report).max(a.map_or(0.0, all));
    let entries = vec![
        Entry::solid("busy connections", palette::BUSY),
        Entry::solid("idle connections", palette::IDLE),
        Entry::solid("waiting requests", palette::WAITING),
    ];
    let mut chart = time_chart(
        root,
        &axis,
        crate::Chart::Connections,
        entries,
        a,
        "connections / requests (mean)",
        max,
    )?;
    if let Some((a, ax)) = pair(&axis, a) {
        let s = &a.timeline.series;
        line(&mut chart, &ax, &s.idle, palette::IDLE, true)?;
        line(&mut chart, &ax, &s.busy, palette::BUSY, true)?;
        line(&mut chart, &ax, &s.waiting, palette::WAITING, true)?;
    }
    let s = &report.timeline.series;
    line(&mut chart, &axis, &s.idle, palette::IDLE, false)?;
    line(&mut chart, &axis, &s.busy, palette::BUSY, false)?;
    line(&mut chart, &axis, &s.waiting, palette::WAITING, false)?;
    no_timeline(&chart, report).map(drop)
}

/// Each database's connections (the primary, then the replicas), as floats.
fn db_lines(r: &Report) -> Vec<(String, Vec<f64>)> {
    let s = &r.timeline.series;
    let as_f = |v: &[u64]| v.iter().map(|&c| c as f64).collect::<Vec<f64>>();
    if s.db_connections_by_database.is_empty() {
        return vec![("primary".into(), as_f(&s.db_connections))];
    }
    // "primary" sorts before "replica:N"; replicas by number.
    let mut v: Vec<(String, Vec<f64>)> = s
        .db_connections_by_database
        .iter()
        .map(|(k, v)| (k.clone(), as_f(v)))
        .collect();
    v.sort_by_key(|(k, _)| {
        k.strip_prefix("replica:")
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    v
}

/// The limit of each database of `r`'s scenario: (name, limit).
fn db_limits(r: &Report) -> Vec<(String, u64)> {
    let s = &r.scenario;
    (0..s.database_count())
        .map(|db| {
            (
                poolcast::Scenario::database_name(db),
                poolcast::analytic::limit_of(s, db),
            )
        })
        .collect()
}

/// Connections of each database against its limit, limits dashed.
pub fn db_connections<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of_pair(report, a);
    let sc = &report.scenario;
    let lines = db_lines(report);
    let limits = db_limits(report);
    let top = |r: &Report| finite_max(db_lines(r).iter().flat_map(|(_, v)| v.clone()));
    let max_limit = limits.iter().map(|(_, l)| *l as f64).fold(0.0, f64::max);
    let max = top(report).max(a.map_or(0.0, top)).max(max_limit);
    let several = lines.len() > 1;
    let mut entries: Vec<Entry> = lines
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let label = if several {
                format!("{name} connections (peak)")
            } else {
                "database connections (peak)".to_string()
            };
            Entry::solid(label, palette::database(i))
        })
        .collect();
    entries.push(Entry::dashed(
        format!(
            "limit: max_connections {} - reserved {}",
            sc.database.max_connections, sc.database.reserved_connections
        ),
        palette::LIMIT,
    ));
    // Headroom above the limit keeps its label inside the plot.
    let mut chart = time_chart(
        root,
        &axis,
        crate::Chart::DbConnections,
        entries,
        a,
        "connections",
        max * 1.1,
    )?;
    if let Some((a, ax)) = pair(&axis, a) {
        for (i, (_, v)) in db_lines(a).iter().enumerate() {
            line(&mut chart, &ax, v, palette::database(i), true)?;
        }
    }
    for (i, (_, v)) in lines.iter().enumerate() {
        line(&mut chart, &axis, v, palette::database(i), false)?;
    }
    let mut distinct: Vec<u64> = limits.iter().map(|(_, l)| *l).collect();
    distinct.sort_unstable();
    distinct.dedup();
    for limit in distinct {
        let y = limit as f64;
        dashed(&mut chart, (0.0, y), (axis.end_s, y), palette::LIMIT)?;
        let who: Vec<&str> = limits
            .iter()
            .filter(|(_, l)| *l == limit)
            .map(|(n, _)| n.as_str())
            .collect();
        let label = if several && who.len() < limits.len() {
            format!("limit {limit} ({})", who.join(", "))
        } else {
            format!("limit {limit}")
        };
        let style = note_font(palette::LIMIT).pos(Pos::new(HPos::Right, VPos::Bottom));
        chart.draw_series(std::iter::once(
            EmptyElement::at((axis.end_s, y)) + Text::new(label, (-4, -4), style),
        ))?;
    }
    no_timeline(&chart, report).map(drop)
}

/// Final failures per second by cause, in [`Cause::ALL`] order, for the
/// causes that occurred; timeouts and other failures when the report has
/// no breakdown (version 1's).
fn causes(r: &Report, axis: &TimeAxis) -> Vec<(String, Vec<f64>)> {
    let s = &r.timeline.series;
    if s.failures_by_cause.is_empty() {
        let mut out = Vec::new();
        if s.timeouts.iter().any(|&c| c > 0) {
            out.push(("pool_timeout".to_string(), per_s(&s.timeouts, axis)));
        }
        if s.failures.iter().any(|&c| c > 0) {
            out.push(("other".to_string(), per_s(&s.failures, axis)));
        }
        return out;
    }
    Cause::ALL
        .iter()
        .filter_map(|c| {
            let v = s.failures_by_cause.get(c.name())?;
            Some((c.name().to_string(), per_s(v, axis)))
        })
        .collect()
}

/// Failures per second stacked by cause, with arrivals per second on a
/// second axis so a burst can be traced to its cause.
pub fn failures<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of_pair(report, a);
    let s = &report.timeline.series;
    let bands = causes(report, &axis);
    let n = s.busy.len();
    let mut stack = vec![0.0; n];
    let mut layers = Vec::new();
    for (name, v) in &bands {
        let lower = stack.clone();
        for (i, x) in stack.iter_mut().enumerate() {
            *x += v.get(i).copied().filter(|x| x.is_finite()).unwrap_or(0.0);
        }
        layers.push((name.clone(), lower, stack.clone()));
    }
    // A's final failures per second, all causes together.
    let a_total = a.map(|a| {
        let ax = axis.for_a(a);
        let mut t = vec![0.0; a.timeline.series.busy.len()];
        for (_, v) in causes(a, &ax) {
            for (x, y) in t.iter_mut().zip(v) {
                *x += y;
            }
        }
        (t, ax)
    });
    let arrivals = per_s(&s.arrivals, &axis);
    let max = finite_max(stack.iter().copied()).max(
        a_total
            .as_ref()
            .map_or(0.0, |(t, _)| finite_max(t.iter().copied())),
    );
    let mut entries: Vec<Entry> = bands
        .iter()
        .map(|(name, _)| {
            Entry::solid(
                name.replace('_', " "),
                if name == "other" {
                    palette::FAILURES
                } else {
                    palette::cause(name)
                },
            )
        })
        .collect();
    entries.push(Entry::solid("arrivals (right)", palette::ARRIVALS));
    if a.is_some() {
        entries.push(Entry::solid(
            "run A's failures (faint)",
            RGBColor(0xC8, 0xC8, 0xC8),
        ));
    }
    let arrivals_y = y_range(finite_max(arrivals.iter().copied()), 1.0);
    let mut chart = dual_time_chart(
        root,
        &axis,
        crate::Chart::Failures,
        &entries,
        "failed requests per second (1/s)",
        y_range(max, 1.0),
        RightAxis {
            desc: "arrivals per second (1/s)",
            y: arrivals_y,
            color: palette::ARRIVALS,
        },
    )?;
    let points = arrivals.iter().enumerate().map(|(i, v)| (axis.x(i), *v));
    chart.draw_secondary_series(LineSeries::new(
        points,
        palette::ARRIVALS.mix(0.8).stroke_width(1),
    ))?;
    if let Some((t, ax)) = &a_total {
        line(&mut chart, ax, t, palette::FAILURES, true)?;
    }
    for (name, lower, upper) in &layers {
        let color = if name == "other" {
            palette::FAILURES
        } else {
            palette::cause(name)
        };
        let top: Vec<(f64, f64)> = upper
            .iter()
            .enumerate()
            .map(|(i, v)| (axis.x(i), *v))
            .collect();
        let mut ring = top.clone();
        ring.extend(lower.iter().enumerate().rev().map(|(i, v)| (axis.x(i), *v)));
        chart.draw_series(std::iter::once(Polygon::new(
            ring,
            color.mix(0.55).filled(),
        )))?;
        chart.draw_series(LineSeries::new(top, color.stroke_width(2)))?;
    }
    if !no_timeline(&chart, report)? && max == 0.0 {
        message(&chart, "no timeouts and no failures")?;
    }
    Ok(())
}

/// Retries started per second, and attempts per arrival on a second axis.
pub fn retries<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of_pair(report, a);
    let s = &report.timeline.series;
    let retries = per_s(&s.retries, &axis);
    let amp = |r: &Report| -> Vec<Option<f64>> {
        let s = &r.timeline.series;
        s.arrivals
            .iter()
            .zip(&s.retries)
            .map(|(&n, &k)| (n > 0).then(|| (n + k) as f64 / n as f64))
            .collect()
    };
    let amplification = amp(report);
    let a_retries = a.map(|a| {
        let ax = axis.for_a(a);
        (per_s(&a.timeline.series.retries, &ax), ax)
    });
    let max = finite_max(retries.iter().copied()).max(
        a_retries
            .as_ref()
            .map_or(0.0, |(v, _)| finite_max(v.iter().copied())),
    );
    let amp_max = finite_max(amplification.iter().flatten().copied()).max(2.0);
    let mut entries = vec![
        Entry::solid("retries per second", palette::RETRIES),
        Entry::solid(
            format!(
                "attempts per arrival (right; x{:.2} overall)",
                report.requests.amplification
            ),
            palette::AMPLIFICATION,
        ),
    ];
    if a.is_some() {
        entries.push(faint_entry());
    }
    let mut chart = dual_time_chart(
        root,
        &axis,
        crate::Chart::Retries,
        &entries,
        "retries per second (1/s)",
        y_range(max, 1.0),
        RightAxis {
            desc: "attempts per arrival (x)",
            y: 0.0..amp_max * 1.1,
            color: palette::AMPLIFICATION,
        },
    )?;
    if let Some((v, ax)) = &a_retries {
        line(&mut chart, ax, v, palette::RETRIES, true)?;
    }
    line(&mut chart, &axis, &retries, palette::RETRIES, false)?;
    let points: Vec<(f64, f64)> = amplification
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (axis.x(i), v)))
        .collect();
    chart.draw_secondary_series(LineSeries::new(
        points,
        palette::AMPLIFICATION.stroke_width(1),
    ))?;
    if !no_timeline(&chart, report)? && max == 0.0 {
        message(&chart, "no retries")?;
    }
    Ok(())
}

/// A chart of one level over time (live instances, clients waiting at the
/// proxy): which chart, which series, its unit and colour.
struct Level {
    chart: crate::Chart,
    pick: fn(&Report) -> &Vec<f64>,
    y_desc: &'static str,
    color: RGBColor,
}

impl Level {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        report: &Report,
        a: Option<&Report>,
        label: &str,
    ) -> DrawResult<(), DB> {
        let axis = TimeAxis::of_pair(report, a);
        let values = (self.pick)(report);
        let max = finite_max(values.iter().copied())
            .max(a.map_or(0.0, |a| finite_max((self.pick)(a).iter().copied())));
        let entries = vec![Entry::solid(label, self.color)];
        let mut chart = time_chart(root, &axis, self.chart, entries, a, self.y_desc, max)?;
        if let Some((a, ax)) = pair(&axis, a) {
            line(&mut chart, &ax, (self.pick)(a), self.color, true)?;
        }
        line(&mut chart, &axis, values, self.color, false)?;
        no_timeline(&chart, report).map(drop)
    }
}

/// Live instances of every service (serverless functions, scaling, deploys).
pub fn instances<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    Level {
        chart: crate::Chart::Instances,
        pick: |r| &r.timeline.series.instances,
        y_desc: "instances (mean)",
        color: palette::INSTANCES,
    }
    .draw(root, report, a, "live instances and functions (mean)")
}

/// Clients waiting at the proxy for a server connection.
pub fn proxy_waiting<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let label = match &report.proxy {
        Some(p) => format!(
            "clients waiting for a server connection (p99 wait {} ms)",
            fmt_num(p.wait_ms.p99)
        ),
        None => "clients waiting for a server connection".to_string(),
    };
    Level {
        chart: crate::Chart::ProxyWaiting,
        pick: |r| &r.timeline.series.proxy_waiting,
        y_desc: "clients waiting (mean)",
        color: palette::PROXY_WAITING,
    }
    .draw(root, report, a, &label)
}

/// The 99th percentile wait per bucket; buckets without waits are gaps.
pub fn p99_wait<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of_pair(report, a);
    let p99 = &report.timeline.series.p99_wait_ms;
    let overall = report.acquire.wait_ms.p99;
    let peak = |r: &Report| finite_max(r.timeline.series.p99_wait_ms.iter().flatten().copied());
    let max = peak(report)
        .max(if overall.is_finite() { overall } else { 0.0 })
        .max(a.map_or(0.0, peak));
    let mut entries = vec![Entry::solid("p99 wait per bucket", palette::P99)];
    let show_overall = overall.is_finite() && overall > 0.0;
    if show_overall {
        let label = format!("p99 of the window: {} ms", fmt_num(overall));
        entries.push(Entry::dashed(label, palette::P99));
    }
    let mut chart = time_chart(
        root,
        &axis,
        crate::Chart::P99Wait,
        entries,
        a,
        "p99 acquire wait (ms)",
        max,
    )?;
    if let Some((a, ax)) = pair(&axis, a) {
        gapped(&mut chart, &ax, &a.timeline.series.p99_wait_ms, true)?;
    }
    gapped(&mut chart, &axis, p99, false)?;
    if show_overall {
        dashed(
            &mut chart,
            (0.0, overall),
            (axis.end_s, overall),
            palette::P99,
        )?;
    }
    if !no_timeline(&chart, report)? && p99.iter().all(Option::is_none) {
        message(&chart, "no acquisition waited in any bucket")?;
    }
    Ok(())
}

/// Each run of buckets with waits as one line; a lone bucket as a dot.
fn gapped<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    axis: &TimeAxis,
    p99: &[Option<f64>],
    faint: bool,
) -> DrawResult<(), DB> {
    let style = if faint {
        palette::P99.mix(FAINT).stroke_width(2)
    } else {
        palette::P99.stroke_width(2)
    };
    let runs = p99
        .split(Option::is_none)
        .scan(0, |start, run| {
            let first = *start;
            *start += run.len() + 1;
            Some((first, run))
        })
        .filter(|(_, run)| !run.is_empty());
    for (first, run) in runs {
        let points: Vec<(f64, f64)> = run
            .iter()
            .enumerate()
            .filter_map(|(k, v)| v.map(|v| (axis.x(first + k), v)))
            .collect();
        if points.len() == 1 {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, style.filled())),
            )?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
    }
    Ok(())
}
