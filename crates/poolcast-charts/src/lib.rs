//! poolcast-charts: the charts of a poolcast [`Report`], drawn on any
//! plotters backend: a `<canvas>` in the page (`plotters-canvas`), SVG
//! natively (tests, the CLI) or in the browser (downloads).
//!
//! One function per chart, `draw(chart, root, report)`, built with `?`; it
//! never panics on any report and returns the backend's error instead. Every
//! time chart uses the same x range (seconds from the start of the run,
//! warmup shaded, timed events shaded) and the same label-area widths, so
//! charts of equal width stacked on a page line up vertically.
//! [`draw_compare`] overlays a run A, faint, under B. The [`topology`] is
//! the scenario as a picture, annotated with a run's results.
//!
//! **Fonts.** Natively plotters lays text out with `ab_glyph` and DejaVu Sans,
//! embedded in the binary and registered as `sans-serif` on first use, so no
//! system font is needed. In wasm the browser measures and draws the text.
//!
//! ```
//! let scenario = poolcast::parse(r#"{"duration_s": 2, "warmup_s": 1,
//!     "workload": {"rate_per_s": 200}}"#).unwrap();
//! let report = poolcast::run(&scenario).unwrap();
//! let svg = poolcast_charts::svg(poolcast_charts::Chart::DbConnections, &report, 600, 300);
//! assert!(svg.contains("time since start (s)"));
//! ```

mod common;
pub mod events;
pub mod palette;
mod sweep;
mod timeline;
pub mod topology;
mod wait;

use plotters::coord::Shift;
use plotters::prelude::*;
use poolcast::sweep::Sweep;
use poolcast::{Report, Scenario};

pub use common::fmt_num;
pub use sweep::limit_value;
pub use wait::cdf_points;

/// The charts of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chart {
    /// The timed events on the time axis.
    Events,
    /// Acquire-wait distribution (CDF) with p50/p95/p99 marked.
    WaitDistribution,
    /// Busy, idle and waiting over time.
    Connections,
    /// Each database's connections over time against its limit.
    DbConnections,
    /// Failures per second over time, stacked by cause.
    Failures,
    /// Retries per second and attempts per arrival.
    Retries,
    /// Live instances of every service.
    Instances,
    /// Clients waiting at the proxy for a server connection.
    ProxyWaiting,
    /// p99 acquire wait per bucket over time.
    P99Wait,
}

impl Chart {
    /// Every chart, in page order: the events first, then the time charts
    /// stacked so their axes line up, then the wait distribution.
    pub const ALL: [Chart; 9] = [
        Chart::Events,
        Chart::Connections,
        Chart::DbConnections,
        Chart::Failures,
        Chart::Retries,
        Chart::Instances,
        Chart::ProxyWaiting,
        Chart::P99Wait,
        Chart::WaitDistribution,
    ];

    /// A title for people (also the chart's caption).
    pub fn title(self) -> &'static str {
        match self {
            Chart::Events => "Timed events",
            Chart::WaitDistribution => "Acquire wait distribution",
            Chart::Connections => "Pool connections and waiting requests",
            Chart::DbConnections => "Database connections vs limit",
            Chart::Failures => "Failures per second by cause",
            Chart::Retries => "Retries and amplification",
            Chart::Instances => "Live instances",
            Chart::ProxyWaiting => "Waiting at the proxy",
            Chart::P99Wait => "p99 acquire wait over time",
        }
    }

    /// A file name without extension, e.g. `db-connections`.
    pub fn file_stem(self) -> &'static str {
        match self {
            Chart::Events => "events",
            Chart::WaitDistribution => "wait-distribution",
            Chart::Connections => "connections",
            Chart::DbConnections => "db-connections",
            Chart::Failures => "failures",
            Chart::Retries => "retries",
            Chart::Instances => "instances",
            Chart::ProxyWaiting => "proxy-waiting",
            Chart::P99Wait => "p99-wait",
        }
    }

    /// Whether the chart says anything for this report: events only with
    /// timed events, retries with a retry policy, instances with serverless
    /// functions or events that change them, the proxy with a proxy.
    pub fn relevant(self, report: &Report) -> bool {
        let s = &report.scenario;
        match self {
            Chart::Events => !s.events.is_empty(),
            Chart::Retries => {
                s.services.iter().any(|x| x.retry.is_some()) || report.requests.retries > 0
            }
            Chart::Instances => {
                s.services.iter().any(|x| x.is_serverless())
                    || s.events.iter().any(|e| {
                        matches!(
                            e,
                            poolcast::scenario::TimedEvent::Scale { .. }
                                | poolcast::scenario::TimedEvent::RollingRestart { .. }
                        )
                    })
            }
            Chart::ProxyWaiting => s.proxy.is_some(),
            _ => true,
        }
    }

    /// Whether its x axis is time.
    pub fn over_time(self) -> bool {
        self != Chart::WaitDistribution
    }
}

/// Readies `root` for a picture (the font registered, the area cleared to
/// white), then draws it with `paint` if the area is large enough.
fn on_blank<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    paint: impl FnOnce() -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    register_font();
    root.fill(&WHITE)?;
    if !common::big_enough(root) {
        return Ok(());
    }
    paint()
}

/// Draws `chart` of `report` on `root` (cleared to white first).
pub fn draw<DB: DrawingBackend>(
    chart: Chart,
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_compare(chart, root, report, None)
}

/// Draws `chart` of run B with run A, when given, faint under it.
pub fn draw_compare<DB: DrawingBackend>(
    chart: Chart,
    root: &DrawingArea<DB, Shift>,
    b: &Report,
    a: Option<&Report>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    on_blank(root, || match chart {
        Chart::Events => events::draw(root, b),
        Chart::WaitDistribution => wait::draw(root, b, a),
        Chart::Connections => timeline::connections(root, b, a),
        Chart::DbConnections => timeline::db_connections(root, b, a),
        Chart::Failures => timeline::failures(root, b, a),
        Chart::Retries => timeline::retries(root, b, a),
        Chart::Instances => timeline::instances(root, b, a),
        Chart::ProxyWaiting => timeline::proxy_waiting(root, b, a),
        Chart::P99Wait => timeline::p99_wait(root, b, a),
    })
}

/// Draws the topology of `s`, annotated with `report` when given.
pub fn draw_topology<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Scenario,
    report: Option<&Report>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    on_blank(root, || topology::draw(root, s, report))
}

/// Draws `sweep` of the scenario `base` on `root`; `base` places the
/// database-limit mark (where pools x max_size reaches the limit).
pub fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    base: &Scenario,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    on_blank(root, || sweep::draw(root, sweep, base))
}

/// `chart` of `report` as an SVG document of `width` x `height` px.
///
/// In wasm, call it on the page's main thread: plotters measures text there
/// through the DOM, which a worker does not have.
pub fn svg(chart: Chart, report: &Report, width: u32, height: u32) -> String {
    render_svg(width, height, |root| draw(chart, root, report))
}

/// The sweep chart as an SVG document (see [`draw_sweep`]).
pub fn sweep_svg(sweep: &Sweep, base: &Scenario, width: u32, height: u32) -> String {
    render_svg(width, height, |root| draw_sweep(root, sweep, base))
}

/// `chart` of B with A faint under it, as SVG.
pub fn compare_svg(chart: Chart, b: &Report, a: &Report, width: u32, height: u32) -> String {
    render_svg(width, height, |root| draw_compare(chart, root, b, Some(a)))
}

/// The topology of `s` (with `report`'s figures) as SVG, `width` px wide
/// and as tall as it needs ([`topology::height`]).
pub fn topology_svg(s: &Scenario, report: Option<&Report>, width: u32) -> String {
    render_svg(width, topology::height(s), |root| {
        draw_topology(root, s, report)
    })
}

/// Every chart of `report` as SVG, with the file stem to save it under.
pub fn all_svgs(report: &Report, width: u32, height: u32) -> Vec<(Chart, String)> {
    Chart::ALL
        .iter()
        .map(|&c| (c, svg(c, report, width, height)))
        .collect()
}

type SvgArea<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type SvgError = DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>;

fn render_svg(
    width: u32,
    height: u32,
    paint: impl Fn(&SvgArea<'_>) -> Result<(), SvgError>,
) -> String {
    let mut out = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        paint(&root).and_then(|()| root.present())
    };
    match result {
        Ok(()) => out,
        Err(e) => error_svg(width, height, &e.to_string()),
    }
}

/// A plain SVG saying what went wrong, written by hand (no font needed).
fn error_svg(width: u32, height: u32, why: &str) -> String {
    let why: String = why
        .chars()
        .map(|c| match c {
            '<' | '>' | '&' | '"' => ' ',
            c => c,
        })
        .collect();
    format!(
        r#"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><text x="8" y="20" font-family="sans-serif" font-size="13">chart could not be drawn: {why}</text></svg>"#
    )
}

/// Natively, makes DejaVu Sans the `sans-serif` plotters lays text out with.
#[cfg(not(target_arch = "wasm32"))]
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The embedded font is a valid TrueType file; if it were not, text
        // layout would fail and `draw` would return that error.
        let _ = plotters::style::register_font(
            common::FONT,
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

/// In the browser the page's fonts are used.
#[cfg(target_arch = "wasm32")]
fn register_font() {}
