//! The four charts over time. They share [`TimeAxis`] and the label-area
//! widths, so stacked on a page their plotting areas line up.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use poolcast::Report;

use crate::common::{
    Chart2d, DESC_SIZE, DrawResult, Entry, FONT, LABEL_SIZE, TimeAxis, dashed, finite_max, fmt_num,
    frame, message, note_font, y_range,
};
use crate::palette;

/// Draws one line of per-bucket `values`.
fn line<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    axis: &TimeAxis,
    values: &[f64],
    color: RGBColor,
) -> DrawResult<(), DB> {
    let points = values.iter().enumerate().map(|(i, v)| (axis.x(i), *v));
    chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?;
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

/// Busy, idle and waiting over time.
pub fn connections<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of(report);
    let s = &report.timeline.series;
    let max = finite_max(s.busy.iter().chain(&s.idle).chain(&s.waiting).copied());
    let entries = [
        Entry::solid("busy connections", palette::BUSY),
        Entry::solid("idle connections", palette::IDLE),
        Entry::solid("waiting requests", palette::WAITING),
    ];
    let mut chart = axis.chart(
        root,
        crate::Chart::Connections.title(),
        &entries,
        "connections / requests (mean)",
        y_range(max, 1.0),
    )?;
    line(&mut chart, &axis, &s.idle, palette::IDLE)?;
    line(&mut chart, &axis, &s.busy, palette::BUSY)?;
    line(&mut chart, &axis, &s.waiting, palette::WAITING)?;
    no_timeline(&chart, report).map(drop)
}

/// Database connections against the limit, the limit dashed.
pub fn db_connections<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of(report);
    let sc = &report.scenario;
    let limit = f64::from(sc.db_limit());
    let conns: Vec<f64> = report
        .timeline
        .series
        .db_connections
        .iter()
        .map(|&c| c as f64)
        .collect();
    let max = finite_max(conns.iter().copied()).max(limit);
    let entries = [
        Entry::solid("database connections (peak)", palette::DB_CONNECTIONS),
        Entry::dashed(
            format!(
                "limit: max_connections {} - reserved {}",
                sc.database.max_connections, sc.database.reserved_connections
            ),
            palette::LIMIT,
        ),
    ];
    // Headroom above the limit keeps its label inside the plot.
    let mut chart = axis.chart(
        root,
        crate::Chart::DbConnections.title(),
        &entries,
        "connections",
        y_range(max * 1.1, 1.0),
    )?;
    line(&mut chart, &axis, &conns, palette::DB_CONNECTIONS)?;
    dashed(
        &mut chart,
        (0.0, limit),
        (axis.end_s, limit),
        palette::LIMIT,
    )?;
    let style = note_font(palette::LIMIT).pos(Pos::new(HPos::Right, VPos::Bottom));
    let label = format!("limit {}", sc.db_limit());
    chart.draw_series(std::iter::once(
        EmptyElement::at((axis.end_s, limit)) + Text::new(label, (-4, -4), style),
    ))?;
    no_timeline(&chart, report).map(drop)
}

/// Timeouts and other failures per second, with arrivals per second on a
/// second axis so a burst can be traced to its cause.
pub fn failures<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of(report);
    let s = &report.timeline.series;
    let per_s = |v: &[u64]| -> Vec<f64> { v.iter().map(|&c| c as f64 / axis.bucket_s).collect() };
    let timeouts = per_s(&s.timeouts);
    let failures = per_s(&s.failures);
    let arrivals = per_s(&s.arrivals);
    let max = finite_max(timeouts.iter().chain(&failures).copied());
    let entries = [
        Entry::solid("acquire timeouts", palette::TIMEOUTS),
        Entry::solid("other failures", palette::FAILURES),
        Entry::solid("arrivals (right)", palette::ARRIVALS),
    ];
    let y = y_range(max, 1.0);
    let arrivals_y = y_range(finite_max(arrivals.iter().copied()), 1.0);
    let mut chart = frame(root, true, 0.0..axis.end_s, y.clone())?
        .set_secondary_coord(0.0..axis.end_s, arrivals_y);
    chart
        .configure_secondary_axes()
        .y_desc("arrivals per second (1/s)")
        .y_labels(6)
        .y_label_formatter(&|v| fmt_num(*v))
        .axis_desc_style((FONT, DESC_SIZE))
        .label_style((FONT, LABEL_SIZE).into_font().color(&palette::ARRIVALS))
        .draw()?;
    let title = crate::Chart::Failures.title();
    axis.decorate(
        root,
        &mut chart,
        title,
        &entries,
        "failed requests per second (1/s)",
        y,
    )?;
    let points = arrivals.iter().enumerate().map(|(i, v)| (axis.x(i), *v));
    chart.draw_secondary_series(LineSeries::new(
        points,
        palette::ARRIVALS.mix(0.8).stroke_width(1),
    ))?;
    line(&mut chart, &axis, &failures, palette::FAILURES)?;
    line(&mut chart, &axis, &timeouts, palette::TIMEOUTS)?;
    if !no_timeline(&chart, report)? && max == 0.0 {
        message(&chart, "no timeouts and no failures")?;
    }
    Ok(())
}

/// The 99th percentile wait per bucket; buckets without waits are gaps.
pub fn p99_wait<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of(report);
    let p99 = &report.timeline.series.p99_wait_ms;
    let overall = report.acquire.wait_ms.p99;
    let max = finite_max(p99.iter().flatten().copied().chain([overall]));
    let mut entries = vec![Entry::solid("p99 wait per bucket", palette::P99)];
    let show_overall = overall.is_finite() && overall > 0.0;
    if show_overall {
        let label = format!("p99 of the window: {} ms", fmt_num(overall));
        entries.push(Entry::dashed(label, palette::P99));
    }
    let mut chart = axis.chart(
        root,
        crate::Chart::P99Wait.title(),
        &entries,
        "p99 acquire wait (ms)",
        y_range(max, 1.0),
    )?;
    let style = palette::P99.stroke_width(2);
    // Each run of buckets with waits is one line; a lone bucket is a dot.
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
