//! Every chart drawn to SVG for real reports and for degenerate ones: axis
//! descriptions with units, the dashed limit, one polyline point per bucket,
//! and no panic whatever the report.

use plotters::prelude::*;
use plotters_backend::{BackendColor, DrawingErrorKind};
use poolcast::Report;
use poolcast::sweep::Sweep;
use poolcast_charts::{Chart, palette, svg, sweep_svg};

const W: u32 = 600;
const H: u32 = 300;

fn run(json: &str) -> Report {
    poolcast::run(&poolcast::parse(json).expect("valid scenario")).expect("runs")
}

/// Two small fleets: one with queueing and timeouts, one that never waits.
fn busy() -> Report {
    run(
        r#"{"duration_s": 8, "warmup_s": 2, "fleet": {"instances": 2},
        "workload": {"rate_per_s": 900, "rate_profile": [{"at_s": 5, "rate_per_s": 1400}]},
        "pool": {"max_size": 6, "acquire_timeout_ms": 200},
        "database": {"max_connections": 20, "reserved_connections": 3}}"#,
    )
}

fn idle() -> Report {
    run(
        r#"{"duration_s": 4, "warmup_s": 1, "workload": {"rate_per_s": 5},
        "pool": {"max_size": 10, "min_idle": 10}, "database": {"connect_ms": 0}}"#,
    )
}

/// `(stroke colour, number of points)` of every polyline in `svg`.
fn polylines(svg: &str) -> Vec<(String, usize)> {
    svg.split("<polyline")
        .skip(1)
        .map(|tag| {
            let attr = |name: &str| {
                let start = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
                tag[start..]
                    .split('"')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            };
            let points = attr("points").split_whitespace().count();
            (attr("stroke").to_lowercase(), points)
        })
        .collect()
}

/// The most points any polyline in `color` has.
fn longest(svg: &str, color: RGBColor) -> usize {
    let css = palette::css(color);
    polylines(svg)
        .into_iter()
        .filter(|(stroke, _)| *stroke == css)
        .map(|(_, n)| n)
        .max()
        .unwrap_or(0)
}

/// How many polylines in `color` there are.
fn count(svg: &str, color: RGBColor) -> usize {
    let css = palette::css(color);
    polylines(svg).iter().filter(|(s, _)| *s == css).count()
}

/// The text of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>'))
        .map(|(_, rest)| {
            rest.split("</text>")
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect()
}

fn assert_has(svg: &str, text: &str) {
    let all = texts(svg);
    assert!(
        all.iter().any(|t| t.contains(text)),
        "no text {text:?} in {all:?}"
    );
}

#[test]
fn every_chart_has_its_caption_and_axis_units() {
    for report in [busy(), idle()] {
        for chart in Chart::ALL {
            let svg = svg(chart, &report, W, H);
            assert!(svg.starts_with("<svg"), "{chart:?}: {svg:.200}");
            assert_has(&svg, chart.title());
            let (x, y) = match chart {
                Chart::WaitDistribution => {
                    ("acquire wait x (ms, log scale)", "served acquisitions (%)")
                }
                Chart::Connections => ("time since start (s)", "connections / requests (mean)"),
                Chart::DbConnections => ("time since start (s)", "connections"),
                Chart::Failures => ("time since start (s)", "failed requests per second (1/s)"),
                Chart::P99Wait => ("time since start (s)", "p99 acquire wait (ms)"),
            };
            assert_has(&svg, x);
            assert_has(&svg, y);
        }
    }
}

#[test]
fn time_series_are_drawn_one_point_per_bucket() {
    let report = busy();
    let s = &report.timeline.series;
    let n = s.busy.len();
    assert!(n > 10, "{n} buckets");
    let connections = svg(Chart::Connections, &report, W, H);
    assert_eq!(longest(&connections, palette::BUSY), n);
    assert_eq!(longest(&connections, palette::IDLE), n);
    assert_eq!(longest(&connections, palette::WAITING), n);
    let db = svg(Chart::DbConnections, &report, W, H);
    assert_eq!(
        longest(&db, palette::DB_CONNECTIONS),
        s.db_connections.len()
    );
    let failures = svg(Chart::Failures, &report, W, H);
    assert!(
        s.timeouts.iter().any(|&t| t > 0),
        "the scenario should time out"
    );
    assert_eq!(longest(&failures, palette::TIMEOUTS), s.timeouts.len());
    assert_eq!(longest(&failures, palette::FAILURES), s.failures.len());
    assert_eq!(longest(&failures, palette::ARRIVALS), s.arrivals.len());
    let p99 = svg(Chart::P99Wait, &report, W, H);
    let drawn: usize = polylines(&p99)
        .iter()
        .filter(|(c, n)| *c == palette::css(palette::P99) && *n > 2)
        .map(|(_, n)| n)
        .sum();
    let dots = p99.matches("<circle").count();
    assert_eq!(drawn + dots, s.p99_wait_ms.iter().flatten().count());
}

#[test]
fn the_limit_is_always_drawn_dashed_and_labelled() {
    for report in [busy(), idle()] {
        let svg = svg(Chart::DbConnections, &report, W, H);
        let limit = report.scenario.db_limit();
        assert_has(&svg, &format!("limit {limit}"));
        assert_has(&svg, "max_connections");
        // Dashes are many short polylines (plus two in the legend mark).
        assert!(
            count(&svg, palette::LIMIT) > 10,
            "{}",
            count(&svg, palette::LIMIT)
        );
        assert!(longest(&svg, palette::LIMIT) <= 2);
    }
}

#[test]
fn wait_distribution_draws_the_cdf_and_marks_percentiles() {
    let report = busy();
    let svg = svg(Chart::WaitDistribution, &report, W, H);
    let points = poolcast_charts::cdf_points(&report.acquire.wait_histogram).expect("waits");
    assert_eq!(longest(&svg, palette::BUSY), points.len());
    assert!((points.last().unwrap().1 - 100.0).abs() < 1e-9);
    let w = &report.acquire.wait_ms;
    for (name, v) in [("p50", w.p50), ("p95", w.p95), ("p99", w.p99)] {
        assert_has(&svg, &format!("{name} {} ms", poolcast_charts::fmt_num(v)));
    }
    for color in [palette::P50, palette::P95, palette::P99] {
        assert!(
            count(&svg, color) > 3,
            "dashed mark in {}",
            palette::css(color)
        );
    }
    assert_has(&svg, "timed out");
}

#[test]
fn waits_of_zero_and_no_attempts_say_so() {
    let report = idle();
    let svg = svg(Chart::WaitDistribution, &report, W, H);
    assert_has(&svg, "served at once");
    let mut none = idle();
    none.acquire.wait_histogram.le_ms.clear();
    none.acquire.wait_histogram.counts.clear();
    let svg = poolcast_charts::svg(Chart::WaitDistribution, &none, W, H);
    assert_has(&svg, "no acquisition was served");
}

#[test]
fn time_charts_share_the_x_axis() {
    let report = busy();
    let ticks = |chart| {
        let svg = svg(chart, &report, W, H);
        // The x tick labels: `<text x=.. y=..>` whose text is a number, on the
        // lowest row of numbers.
        let mut rows: Vec<(i64, i64, String)> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| {
                let num = |a: &str| {
                    let s = t.find(&format!(" {a}=\""))? + a.len() + 3;
                    t[s..].split('"').next()?.parse::<i64>().ok()
                };
                let text = t
                    .split_once('>')?
                    .1
                    .split("</text>")
                    .next()?
                    .trim()
                    .to_string();
                text.parse::<f64>().ok()?;
                Some((num("y")?, num("x")?, text))
            })
            .collect();
        let bottom = rows.iter().map(|r| r.0).max().unwrap_or(0);
        rows.retain(|r| r.0 == bottom);
        rows
    };
    let first = ticks(Chart::Connections);
    assert!(first.len() >= 4, "{first:?}");
    for chart in [Chart::DbConnections, Chart::Failures, Chart::P99Wait] {
        assert_eq!(ticks(chart), first, "{chart:?}");
    }
}

fn degenerate_reports() -> Vec<Report> {
    let base = busy();
    let mut out = Vec::new();
    let mut empty = base.clone();
    empty.timeline.series = Default::default();
    empty.acquire = Default::default();
    out.push(empty);
    let mut zeros = base.clone();
    let s = &mut zeros.timeline.series;
    s.busy.iter_mut().for_each(|v| *v = 0.0);
    s.idle.iter_mut().for_each(|v| *v = 0.0);
    s.waiting.iter_mut().for_each(|v| *v = 0.0);
    s.db_connections.iter_mut().for_each(|v| *v = 0);
    s.p99_wait_ms.iter_mut().for_each(|v| *v = None);
    zeros.scenario.database.max_connections = 0;
    zeros.scenario.database.reserved_connections = 0;
    out.push(zeros);
    let mut extreme = base.clone();
    let s = &mut extreme.timeline.series;
    s.busy[0] = 1e300;
    s.waiting[1] = f64::MAX;
    s.timeouts[0] = u64::MAX;
    s.db_connections[0] = u64::MAX;
    s.p99_wait_ms[0] = Some(1e308);
    extreme.acquire.wait_ms.p99 = 1e300;
    extreme.acquire.wait_histogram.le_ms.push(1e300);
    extreme.acquire.wait_histogram.counts.push(u64::MAX);
    extreme.timeline.bucket_s = 1e-9;
    out.push(extreme);
    let mut ragged = base.clone();
    ragged.timeline.series.idle.truncate(3);
    ragged.timeline.series.p99_wait_ms.truncate(1);
    ragged.timeline.bucket_s = 0.0;
    ragged.scenario.duration_s = 0.0;
    ragged.scenario.warmup_s = 1e12;
    ragged.acquire.wait_histogram.counts.truncate(2);
    out.push(ragged);
    let mut gaps = base;
    for (i, v) in gaps.timeline.series.p99_wait_ms.iter_mut().enumerate() {
        if i % 3 != 0 {
            *v = None;
        }
    }
    out.push(gaps);
    out
}

#[test]
fn degenerate_reports_and_sizes_do_not_panic() {
    for report in degenerate_reports() {
        for chart in Chart::ALL {
            for (w, h) in [(W, H), (0, 0), (1, 1), (160, 100), (200, 120), (2400, 1200)] {
                let svg = svg(chart, &report, w, h);
                assert!(svg.starts_with("<svg"), "{chart:?} {w}x{h}");
                assert!(
                    !svg.contains("could not be drawn"),
                    "{chart:?} {w}x{h}: {svg:.300}"
                );
            }
        }
    }
}

#[test]
fn an_empty_timeline_says_so() {
    let mut report = busy();
    report.timeline.series = Default::default();
    for chart in [
        Chart::Connections,
        Chart::DbConnections,
        Chart::Failures,
        Chart::P99Wait,
    ] {
        assert_has(&svg(chart, &report, W, H), "no timeline");
    }
}

fn small_sweep(field: &str, values: &[f64]) -> (Sweep, poolcast::Scenario) {
    let base = poolcast::parse(
        r#"{"duration_s": 3, "warmup_s": 1, "fleet": {"instances": 2},
            "workload": {"rate_per_s": 600}, "pool": {"max_size": 6, "acquire_timeout_ms": 100},
            "database": {"max_connections": 20, "reserved_connections": 2}}"#,
    )
    .unwrap();
    let sweep = poolcast::sweep::run(&base, field, values, poolcast::DEFAULT_MAX_EVENTS).unwrap();
    (sweep, base)
}

#[test]
fn sweep_draws_waits_timeouts_failures_and_the_limit() {
    let (sweep, base) = small_sweep("pool.max_size", &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
    // 2 pools share 18 connections: the limit is at max_size 9.
    assert_eq!(poolcast_charts::limit_value(&sweep, &base), Some(9.0));
    // Past it the database refuses connections: requests fail without waiting.
    assert!(sweep.points.iter().any(|p| p.failure_fraction > 0.0));
    let svg = sweep_svg(&sweep, &base, W, H);
    assert_has(&svg, "pool.max_size");
    assert_has(&svg, "p99 acquire wait (ms)");
    assert_has(&svg, "timeouts, failures (%)");
    assert_has(&svg, "failures (%, right)");
    assert_has(&svg, "DB limit 18 at 9");
    assert_eq!(longest(&svg, palette::P99), sweep.points.len());
    assert_eq!(longest(&svg, palette::TIMEOUTS), sweep.points.len());
    assert_eq!(longest(&svg, palette::FAILURES), sweep.points.len());
    assert!(count(&svg, palette::LIMIT) > 5);
}

#[test]
fn sweeps_without_a_limit_or_points_still_draw() {
    let (sweep, base) = small_sweep("workload.rate_per_s", &[100.0, 300.0]);
    assert_eq!(poolcast_charts::limit_value(&sweep, &base), None);
    let svg = sweep_svg(&sweep, &base, W, H);
    assert!(!texts(&svg).iter().any(|t| t.contains("DB limit")));
    let empty = Sweep {
        points: vec![],
        ..sweep.clone()
    };
    assert_has(&sweep_svg(&empty, &base, W, H), "no points");
    let one = Sweep {
        points: sweep.points[..1].to_vec(),
        ..sweep
    };
    assert!(sweep_svg(&one, &base, 1, 1).starts_with("<svg"));
    assert!(sweep_svg(&one, &base, W, H).contains("<circle"));
    let mut wild = one.clone();
    wild.field = "pool.max_size".into();
    wild.points[0].value = 1e300;
    wild.points[0].p99_wait_ms = f64::MAX;
    wild.points.push(poolcast::sweep::SweepPoint {
        value: f64::NAN,
        ..wild.points[0]
    });
    let svg = sweep_svg(&wild, &base, W, H);
    assert!(!svg.contains("could not be drawn"), "{svg:.300}");
}

#[test]
fn a_limit_far_from_the_swept_values_is_named_off_the_chart() {
    let (sweep, base) = small_sweep("pool.max_size", &[2.0, 3.0]);
    let svg = sweep_svg(&sweep, &base, W, H);
    assert_has(&svg, "DB limit 18 at 9 (off the chart)");
    assert!(count(&svg, palette::LIMIT) <= 2, "only the legend mark");
}

/// A backend whose every drawing call fails, to see errors come back.
struct Broken;

#[derive(Debug)]
struct BrokenError;

impl std::fmt::Display for BrokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken")
    }
}

impl std::error::Error for BrokenError {}

impl DrawingBackend for Broken {
    type ErrorType = BrokenError;
    fn get_size(&self) -> (u32, u32) {
        (W, H)
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<BrokenError>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<BrokenError>> {
        Ok(())
    }
    fn draw_pixel(
        &mut self,
        _: (i32, i32),
        _: BackendColor,
    ) -> Result<(), DrawingErrorKind<BrokenError>> {
        Err(DrawingErrorKind::DrawingError(BrokenError))
    }
}

#[test]
fn backend_errors_are_returned_not_panicked() {
    let report = busy();
    let root = Broken.into_drawing_area();
    for chart in Chart::ALL {
        assert!(
            poolcast_charts::draw(chart, &root, &report).is_err(),
            "{chart:?}"
        );
    }
    let (sweep, base) = small_sweep("pool.max_size", &[4.0, 8.0]);
    assert!(poolcast_charts::draw_sweep(&root, &sweep, &base).is_err());
}
