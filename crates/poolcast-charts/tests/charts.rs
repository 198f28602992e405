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
                Chart::Events => ("time since start (s)", "no timed events"),
                Chart::Connections => ("time since start (s)", "connections / requests (mean)"),
                Chart::DbConnections => ("time since start (s)", "connections"),
                Chart::Failures => ("time since start (s)", "failed requests per second (1/s)"),
                Chart::Retries => ("time since start (s)", "retries per second (1/s)"),
                Chart::Instances => ("time since start (s)", "instances (mean)"),
                Chart::ProxyWaiting => ("time since start (s)", "clients waiting (mean)"),
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
    // Pool timeouts are the one cause: its band's top line, one point a bucket.
    assert_eq!(longest(&failures, palette::TIMEOUTS), s.timeouts.len());
    assert_eq!(count(&failures, palette::FAILURES), 0, "no other cause");
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
    for chart in Chart::ALL.into_iter().filter(|c| c.over_time()) {
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
    for chart in Chart::ALL
        .into_iter()
        .filter(|c| c.over_time() && *c != Chart::Events)
    {
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

// ---- Version 2: databases, causes, retries, instances, the proxy, events,
// ---- A beside B, and the topology.

/// API + serverless functions; the functions through PgBouncer when
/// `proxy`; a read replica; a database restart with retries.
fn v2(proxy: bool) -> Report {
    let route = if proxy { r#""route": "proxy","# } else { "" };
    run(&format!(
        r#"{{"version": 2, "duration_s": 30, "warmup_s": 5,
        "services": [
          {{"name": "api", "instances": 3,
            "workload": {{"rate_per_s": 300, "queries_per_request": 2, "read_fraction": 0.5}},
            "pool": {{"max_size": 10, "acquire_timeout_ms": 500}},
            "retry": {{"max_attempts": 3, "on": ["db_unavailable", "connection_lost", "pool_timeout"],
                       "base_ms": 100, "cap_ms": 1000}}}},
          {{"name": "functions", "kind": "serverless", {route}
            "workload": {{"rate_per_s": 5, "rate_profile": [{{"at_s": 10, "rate_per_s": 1000}}, {{"at_s": 14, "rate_per_s": 5}}]}},
            "pool": {{"max_size": 1}}}}],
        "proxy": {{"pool_mode": "transaction", "max_client_conn": 1000, "default_pool_size": 20}},
        "database": {{"max_connections": 100, "reserved_connections": 3,
                      "replicas": {{"count": 1, "max_connections": 60, "reserved_connections": 3}}}},
        "events": [{{"at_s": 20, "kind": "db_restart", "target": "primary", "down_s": 3}},
                   {{"at_s": 25, "kind": "scale", "service": "api", "instances": 4}}]}}"#
    ))
}

/// `(fill colour, opacity)` of every `<rect>`.
fn rects(svg: &str) -> Vec<(String, String)> {
    svg.split("<rect")
        .skip(1)
        .map(|tag| {
            let attr = |name: &str| {
                tag.find(&format!(" {name}=\""))
                    .map(|s| {
                        tag[s + name.len() + 3..]
                            .split('"')
                            .next()
                            .unwrap_or_default()
                            .to_lowercase()
                    })
                    .unwrap_or_default()
            };
            (attr("fill"), attr("opacity"))
        })
        .collect()
}

#[test]
fn every_v2_chart_is_relevant_and_draws_its_series() {
    let report = v2(false);
    let s = &report.timeline.series;
    let n = s.busy.len();
    for chart in Chart::ALL {
        assert!(chart.relevant(&report), "{chart:?}");
        let svg = svg(chart, &report, W, H);
        assert_has(&svg, chart.title());
    }
    assert!(!Chart::Retries.relevant(&busy()) && !Chart::Events.relevant(&busy()));
    assert!(!Chart::ProxyWaiting.relevant(&busy()) && !Chart::Instances.relevant(&busy()));
    // One line per database, and each limit dashed and labelled.
    let db = svg(Chart::DbConnections, &report, W, H);
    assert_eq!(longest(&db, palette::database(0)), n);
    assert_eq!(longest(&db, palette::database(1)), n);
    assert_has(&db, "primary connections (peak)");
    assert_has(&db, "replica:1 connections (peak)");
    assert_has(&db, "limit 97 (primary)");
    assert_has(&db, "limit 57 (replica:1)");
    // Failures stacked by cause: a band (polygon) and a top line per cause.
    let f = svg(Chart::Failures, &report, W, H);
    let causes = &s.failures_by_cause;
    assert!(causes.len() >= 2, "{:?}", causes.keys().collect::<Vec<_>>());
    for name in causes.keys() {
        let css = palette::css(palette::cause(name));
        assert!(
            f.contains(&format!("fill=\"{}\"", css.to_uppercase()))
                || f.contains(&format!("fill=\"{css}\"")),
            "band of {name}"
        );
        assert_eq!(longest(&f, palette::cause(name)), n, "{name}");
        assert_has(&f, &name.replace('_', " "));
    }
    let r = svg(Chart::Retries, &report, W, H);
    assert_eq!(longest(&r, palette::RETRIES), n);
    assert!(longest(&r, palette::AMPLIFICATION) > n / 2);
    assert_has(&r, "attempts per arrival");
    let i = svg(Chart::Instances, &report, W, H);
    assert_eq!(longest(&i, palette::INSTANCES), n);
    let events = svg(Chart::Events, &report, W, H);
    assert_has(&events, "primary restarts (3 s down) at 20 s");
    assert_has(&events, "api scales to 4 at 25 s");
}

#[test]
fn every_time_chart_shades_the_events_on_the_shared_axis() {
    let report = v2(true);
    let window = palette::css(palette::EVENT_WINDOW);
    let start = palette::css(palette::EVENT);
    for chart in Chart::ALL
        .into_iter()
        .filter(|c| c.over_time() && *c != Chart::Events)
    {
        let svg = svg(chart, &report, W, H);
        let shaded = rects(&svg).iter().filter(|(f, _)| *f == window).count();
        assert_eq!(
            shaded, 1,
            "{chart:?}: the restart's window (the scale is a moment)"
        );
        assert_eq!(
            count(&svg, palette::EVENT),
            2,
            "{chart:?}: a line at each start"
        );
        let _ = &start;
    }
    let quiet = svg(Chart::Connections, &busy(), W, H);
    assert_eq!(count(&quiet, palette::EVENT), 0);
}

#[test]
fn the_proxy_chart_shows_waiting_clients() {
    let report = v2(true);
    let svg = svg(Chart::ProxyWaiting, &report, W, H);
    assert_eq!(
        longest(&svg, palette::PROXY_WAITING),
        report.timeline.series.busy.len()
    );
    assert_has(&svg, "clients waiting for a server connection (p99 wait");
}

/// Polylines drawn faint (with an opacity below 1), by stroke colour.
fn faint(svg: &str, color: RGBColor) -> usize {
    let css = palette::css(color);
    svg.split("<polyline")
        .skip(1)
        .filter(|t| t.to_lowercase().contains(&format!("stroke=\"{css}\"")))
        .filter(|t| t.contains("opacity=\"0.3"))
        .count()
}

#[test]
fn compare_draws_a_faint_under_b_on_every_chart() {
    let (a, b) = (v2(false), v2(true));
    for chart in Chart::ALL {
        let svg = poolcast_charts::compare_svg(chart, &b, &a, W, H);
        assert!(!svg.contains("could not be drawn"), "{chart:?}");
        if chart != Chart::Events {
            assert_has(&svg, "run A");
        }
    }
    let c = poolcast_charts::compare_svg(Chart::Connections, &b, &a, W, H);
    assert_eq!(faint(&c, palette::BUSY), 1);
    assert_eq!(faint(&svg(Chart::Connections, &b, W, H), palette::BUSY), 0);
    let d = poolcast_charts::compare_svg(Chart::DbConnections, &b, &a, W, H);
    assert_eq!(faint(&d, palette::database(0)), 1);
    let f = poolcast_charts::compare_svg(Chart::Failures, &b, &a, W, H);
    assert_eq!(faint(&f, palette::FAILURES), 1, "A's total failures");
    // A shorter A is drawn on B's axis, not stretched.
    let mut short = busy();
    short.scenario.duration_s = 4.0;
    let svg = poolcast_charts::compare_svg(Chart::Connections, &busy(), &short, W, H);
    assert!(!svg.contains("could not be drawn"));
}

#[test]
fn the_topology_names_every_part_with_its_numbers() {
    let a = v2(false);
    let s = &a.scenario;
    let svg = poolcast_charts::topology_svg(s, Some(&a), 900);
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains(&format!(
        "height=\"{}\"",
        poolcast_charts::topology::height(s)
    )));
    assert_has(&svg, "3 inst × 1 pool × 10");
    assert_has(&svg, "serverless: ≤ 1000 functions × 1");
    assert_has(&svg, "limit 97 (100 − 3 reserved)");
    assert_has(&svg, "limit 57 (60 − 3 reserved)");
    let peak = a.databases[0].peak_connections;
    assert_has(&svg, &format!("peak {peak} of 97"));
    assert_has(&svg, "≤ 30 conns");
    assert_has(&svg, "≤ 1000 conns");
    assert_has(&svg, "reads 50 %");
    assert!(
        !texts(&svg).iter().any(|t| t.contains("PgBouncer")),
        "no service uses it"
    );
    // Without a proxy the functions open more than the primary takes.
    assert!(a.databases[0].too_many_clients > 0);
    let over = palette::css(palette::OVER);
    assert!(
        svg.to_lowercase().contains(&format!("stroke=\"{over}\"")),
        "the primary is marked"
    );
    let text = poolcast_charts::topology::describe(s, Some(&a));
    assert!(
        text.contains("primary, limit 97") && text.contains("(hit its limit)"),
        "{text}"
    );

    let b = v2(true);
    let svg = poolcast_charts::topology_svg(&b.scenario, Some(&b), 900);
    assert_has(&svg, "PgBouncer (transaction)");
    assert_has(&svg, "≤ 1000 clients · 20 server/db");
    assert_has(&svg, "≤ 1000 clients");
    assert_has(&svg, "≤ 20 conns");
    let px = b.proxy.as_ref().unwrap();
    assert_has(
        &svg,
        &format!("peak {} clients", px.peak_client_connections),
    );
    // Before any run: the scenario alone.
    let bare = poolcast_charts::topology_svg(&b.scenario, None, 900);
    assert_has(&bare, "run to see the peaks");
    assert!(!texts(&bare).iter().any(|t| t.starts_with("peak")));
}

#[test]
fn a_click_finds_the_part_under_it() {
    use poolcast_charts::topology::{Part, hit, layout};
    let b = v2(true);
    let boxes = layout(&b.scenario, None, 900);
    assert_eq!(
        boxes.len(),
        2 + 1 + 2,
        "two services, the proxy, two databases"
    );
    for bx in &boxes {
        assert_eq!(
            hit(&b.scenario, 900, bx.x + bx.w / 2, bx.y + bx.h / 2),
            Some(bx.part)
        );
    }
    assert_eq!(hit(&b.scenario, 900, 2, 2), None);
    let proxy = boxes.iter().find(|x| x.part == Part::Proxy).unwrap();
    let fns = boxes.iter().find(|x| x.part == Part::Service(1)).unwrap();
    assert!(
        proxy.x > fns.x + fns.w,
        "the proxy sits between services and databases"
    );
    for w in [0, 1, 200, 2400] {
        let svg = poolcast_charts::topology_svg(&b.scenario, Some(&b), w);
        assert!(!svg.contains("could not be drawn"), "{w}");
    }
}

#[test]
fn events_strip_draws_from_the_scenario_before_any_run() {
    let b = v2(true);
    let markers = poolcast_charts::events::markers(&b.scenario);
    assert_eq!(
        markers, b.timeline.events,
        "the same windows and labels as the engine's"
    );
    let mut before = b.clone();
    before.timeline.events.clear();
    before.timeline.series = Default::default();
    let svg = svg(Chart::Events, &before, W, H);
    assert_has(&svg, "primary restarts (3 s down) at 20 s");
}

#[test]
fn sweeps_of_a_service_or_the_proxy_mark_the_limit() {
    let b = v2(true).scenario;
    let sweep = |field: &str| Sweep {
        field: field.into(),
        db_limit: 97,
        points: vec![],
    };
    // 97 - the proxy's 20, over the api's 3 pools.
    assert_eq!(
        poolcast_charts::limit_value(&sweep("services.0.pool.max_size"), &b),
        Some(77.0 / 3.0)
    );
    assert_eq!(
        poolcast_charts::limit_value(&sweep("services.1.pool.max_size"), &b),
        None
    );
    assert_eq!(
        poolcast_charts::limit_value(&sweep("proxy.default_pool_size"), &b),
        Some(67.0)
    );
}

#[test]
fn event_labels_fit_a_narrow_strip() {
    let r = run(r#"{"version": 2, "duration_s": 60, "warmup_s": 5,
        "services": [{"name": "api", "workload": {"rate_per_s": 50}}],
        "events": [{"at_s": 20, "kind": "db_restart", "target": "primary", "down_s": 5}]}"#);
    let full = "primary restarts (5 s down) at 20 s";
    // Wide: the whole label, right of the bar.
    assert_has(&svg(Chart::Events, &r, 900, 200), full);
    // As narrow as the events editor's strip: the label is cut to the room
    // there is, never drawn past the chart's edge.
    let narrow = svg(Chart::Events, &r, 320, 200);
    let label = texts(&narrow)
        .into_iter()
        .find(|t| t.starts_with("prim"))
        .expect("a label");
    assert!(label.len() < full.len(), "{label:?}");
}
