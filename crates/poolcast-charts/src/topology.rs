//! The topology: the scenario as a picture, annotated with a run's results.
//! Who can open how many connections, through what, into which limit: each
//! service (instances x pools x max size, or serverless functions), the
//! proxy (client and server connections), each database with its limit and
//! its peak. A part that hit its limit is drawn in red.
//!
//! [`layout`] places the parts in pixels; drawing and hit-testing (the page
//! turns a click on a part into a jump to its fields) use the same boxes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use poolcast::scenario::{PoolMode, Route};
use poolcast::{Report, Scenario};

use crate::common::{CAPTION_SIZE, DESC_SIZE, DrawResult, FONT, LABEL_SIZE, fit, fmt_num};
use crate::palette;

/// A part of the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// Service `i`, in scenario order.
    Service(usize),
    /// The proxy.
    Proxy,
    /// Database `db`: 0 the primary, then the replicas.
    Database(u32),
}

/// Where a part is drawn, and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct PartBox {
    /// Which part.
    pub part: Part,
    /// Left edge, px.
    pub x: i32,
    /// Top edge, px.
    pub y: i32,
    /// Width, px.
    pub w: i32,
    /// Height, px.
    pub h: i32,
    /// Its lines of text: a title, its settings, the run's figures.
    pub lines: Vec<String>,
    /// Whether it hit its limit in the run.
    pub over: bool,
}

impl PartBox {
    /// Whether the pixel `(x, y)` is inside.
    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x && x < self.x + self.w && y >= self.y && y < self.y + self.h
    }

    fn left(&self) -> (i32, i32) {
        (self.x, self.y + self.h / 2)
    }

    fn right(&self) -> (i32, i32) {
        (self.x + self.w, self.y + self.h / 2)
    }
}

/// A connection between two parts and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// From (a service or the proxy).
    pub from: Part,
    /// To (the proxy or a database).
    pub to: Part,
    /// What may flow: "≤ 30 conns".
    pub label: String,
}

const BOX_H: i32 = 66;
const GAP: i32 = 14;
const TOP: i32 = 34;
const MARGIN: i32 = 8;
/// Text size of a part's title, plotters units. Only the sizes of
/// `common.rs` are used: in the browser each one is an inline style that
/// the page's CSP allows by hash (web/build/csp.mjs).
const TITLE_SIZE: u32 = DESC_SIZE;
/// Text size of a part's other lines, and of the edges' labels.
const TEXT_SIZE: u32 = LABEL_SIZE;

/// Height the topology of `s` needs, px.
pub fn height(s: &Scenario) -> u32 {
    let rows = s.services.len().max(s.database_count() as usize).max(1) as i32;
    (TOP + rows * (BOX_H + GAP) + GAP) as u32
}

fn uses_proxy(s: &Scenario) -> bool {
    s.proxy.is_some() && s.services.iter().any(|x| x.route == Route::Proxy)
}

fn limit_of(s: &Scenario, db: u32) -> u64 {
    if db == 0 {
        u64::from(s.db_limit())
    } else {
        s.database.replicas.map_or(0, |r| {
            u64::from(r.max_connections.saturating_sub(r.reserved_connections))
        })
    }
}

/// Connections service `i` can open to one database (directly) or client
/// connections to the proxy.
fn service_conns(s: &Scenario, i: usize) -> u64 {
    let svc = &s.services[i];
    let size = u64::from(svc.pool.max_size);
    if svc.is_serverless() {
        u64::from(svc.serverless_or_default().max_concurrency) * size
    } else {
        u64::from(svc.instances) * u64::from(svc.pools_per_instance) * size
    }
}

fn pct(x: f64) -> String {
    if x == 0.0 {
        "0 %".into()
    } else if x < 0.0001 {
        "< 0.01 %".into()
    } else {
        format!("{:.1} %", x * 100.0)
    }
}

/// The boxes of `s` on a picture `width` px wide, with `r`'s figures.
pub fn layout(s: &Scenario, r: Option<&Report>, width: u32) -> Vec<PartBox> {
    let width = width as i32;
    let proxy = uses_proxy(s);
    let cols = if proxy { 3 } else { 2 };
    let col_gap = ((width - 2 * MARGIN) / 8).clamp(24, 120);
    let col_w = ((width - 2 * MARGIN - (cols - 1) * col_gap) / cols).max(40);
    let col_x = |c: i32| MARGIN + c * (col_w + col_gap);
    let row_y = |i: i32| TOP + i * (BOX_H + GAP);
    let mut out = Vec::new();
    for (i, svc) in s.services.iter().enumerate() {
        let settings = if svc.is_serverless() {
            let f = svc.serverless_or_default();
            format!(
                "serverless: ≤ {} functions × {}",
                f.max_concurrency, svc.pool.max_size
            )
        } else {
            format!(
                "{} inst × {} pool × {}",
                svc.instances, svc.pools_per_instance, svc.pool.max_size
            )
        };
        let mut lines = vec![svc.name.clone(), settings];
        let mut over = false;
        if let Some(sr) = r.and_then(|r| r.services.get(i)) {
            let arrived = sr.requests.arrived.max(1) as f64;
            let failed = (sr.requests.failed + sr.requests.timed_out) as f64 / arrived;
            let mut line = format!(
                "p99 wait {} ms · failed {}",
                fmt_num(sr.acquire.wait_ms.p99),
                pct(failed)
            );
            if let Some(f) = &sr.serverless {
                line = format!("peak {} fn · {line}", f.peak_instances);
                over |= f.throttled > 0;
            }
            over |= sr.requests.timed_out > 0 || sr.pool.exhausted_fraction > 0.05;
            lines.push(line);
        }
        out.push(PartBox {
            part: Part::Service(i),
            x: col_x(0),
            y: row_y(i as i32),
            w: col_w,
            h: BOX_H,
            lines,
            over,
        });
    }
    if proxy && let Some(p) = &s.proxy {
        let via: Vec<i32> = s
            .services
            .iter()
            .enumerate()
            .filter(|(_, x)| x.route == Route::Proxy)
            .map(|(i, _)| i as i32)
            .collect();
        let mid = via.iter().sum::<i32>() as f64 / via.len().max(1) as f64;
        let y = TOP + (mid * f64::from(BOX_H + GAP)).round() as i32;
        let mode = match p.pool_mode {
            PoolMode::Session => "session",
            PoolMode::Transaction => "transaction",
            PoolMode::Statement => "statement",
        };
        let mut lines = vec![
            format!("PgBouncer ({mode})"),
            format!(
                "≤ {} clients · {} server/db",
                p.max_client_conn, p.default_pool_size
            ),
        ];
        let mut over = false;
        if let Some(px) = r.and_then(|r| r.proxy.as_ref()) {
            let servers = px
                .peak_server_connections
                .values()
                .max()
                .copied()
                .unwrap_or(0);
            lines.push(format!(
                "peak {} clients · {} servers · p99 wait {} ms",
                px.peak_client_connections,
                servers,
                fmt_num(px.wait_ms.p99)
            ));
            over = px.max_client_conn_refusals > 0 || px.query_wait_timeouts > 0;
        }
        out.push(PartBox {
            part: Part::Proxy,
            x: col_x(1),
            y,
            w: col_w,
            h: BOX_H,
            lines,
            over,
        });
    }
    for db in 0..s.database_count() {
        let limit = limit_of(s, db);
        let name = Scenario::database_name(db);
        let (maxc, reserved) = if db == 0 {
            (s.database.max_connections, s.database.reserved_connections)
        } else {
            s.database
                .replicas
                .map_or((0, 0), |x| (x.max_connections, x.reserved_connections))
        };
        let mut lines = vec![
            name.clone(),
            format!("limit {limit} ({maxc} − {reserved} reserved)"),
        ];
        let mut over = false;
        if let Some(d) = r.and_then(|r| r.databases.get(db as usize)) {
            let mut line = format!("peak {} of {}", d.peak_connections, d.limit);
            if d.too_many_clients > 0 {
                line.push_str(&format!(" · {} refused", d.too_many_clients));
            }
            over = d.too_many_clients > 0 || d.peak_connections >= d.limit;
            lines.push(line);
        }
        out.push(PartBox {
            part: Part::Database(db),
            x: col_x(cols - 1),
            y: row_y(db as i32),
            w: col_w,
            h: BOX_H,
            lines,
            over,
        });
    }
    out
}

/// The connections drawn between the parts of `s`.
pub fn edges(s: &Scenario) -> Vec<Edge> {
    let proxy = uses_proxy(s);
    let replicas = s.database.replica_count();
    let mut out = Vec::new();
    let mut proxy_reads = false;
    for (i, svc) in s.services.iter().enumerate() {
        let n = service_conns(s, i);
        let reads = replicas > 0 && svc.workload.read_fraction > 0.0;
        if proxy && svc.route == Route::Proxy {
            proxy_reads |= reads;
            out.push(Edge {
                from: Part::Service(i),
                to: Part::Proxy,
                label: format!("≤ {n} clients"),
            });
            continue;
        }
        out.push(Edge {
            from: Part::Service(i),
            to: Part::Database(0),
            label: format!("≤ {n} conns"),
        });
        if reads {
            for db in 1..=replicas {
                out.push(Edge {
                    from: Part::Service(i),
                    to: Part::Database(db),
                    label: format!("reads {:.0} %", svc.workload.read_fraction * 100.0),
                });
            }
        }
    }
    if proxy && let Some(p) = &s.proxy {
        let n = p.default_pool_size + p.reserve_pool_size;
        out.push(Edge {
            from: Part::Proxy,
            to: Part::Database(0),
            label: format!("≤ {n} conns"),
        });
        if proxy_reads {
            for db in 1..=replicas {
                out.push(Edge {
                    from: Part::Proxy,
                    to: Part::Database(db),
                    label: format!("≤ {n} conns"),
                });
            }
        }
    }
    out
}

/// The part at pixel `(x, y)` of a picture `width` px wide.
pub fn hit(s: &Scenario, width: u32, x: i32, y: i32) -> Option<Part> {
    layout(s, None, width)
        .into_iter()
        .find(|b| b.contains(x, y))
        .map(|b| b.part)
}

/// The topology in words, for screen readers (and tests): every part's
/// lines, and whether it hit its limit.
pub fn describe(s: &Scenario, r: Option<&Report>) -> String {
    let parts: Vec<String> = layout(s, r, 900)
        .iter()
        .map(|b| {
            let mut t = b.lines.join(", ");
            if b.over {
                t.push_str(" (hit its limit)");
            }
            t
        })
        .collect();
    format!("Topology: {}.", parts.join("; "))
}

/// Draws the topology of `s`, annotated with `r`, on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Scenario,
    r: Option<&Report>,
) -> DrawResult<(), DB> {
    let (width, _) = root.dim_in_pixel();
    let boxes = layout(s, r, width);
    let title = match r {
        Some(_) => "Topology: who can open how many connections, and the run's peaks",
        None => "Topology: who can open how many connections (run to see the peaks)",
    };
    let caption = (FONT, CAPTION_SIZE).into_font().color(&BLACK);
    root.draw_text(title, &caption, (MARGIN, 8))?;
    let find = |p: Part| boxes.iter().find(|b| b.part == p);
    let label_style = (FONT, TEXT_SIZE)
        .into_font()
        .color(&palette::FAILURES)
        .pos(Pos::new(HPos::Left, VPos::Bottom));
    for e in edges(s) {
        let (Some(a), Some(b)) = (find(e.from), find(e.to)) else {
            continue;
        };
        let (from, to) = (a.right(), b.left());
        let mid_x = (from.0 + to.0) / 2;
        let path = [from, (mid_x, from.1), (mid_x, to.1), to];
        root.draw(&PathElement::new(path, palette::FAILURES.stroke_width(2)))?;
        // An arrow head at the database or the proxy.
        root.draw(&Polygon::new(
            [to, (to.0 - 8, to.1 - 5), (to.0 - 8, to.1 + 5)],
            palette::FAILURES.filled(),
        ))?;
        root.draw_text(&e.label, &label_style, (from.0 + 4, from.1 - 3))?;
    }
    for b in &boxes {
        let border = if b.over {
            palette::OVER.stroke_width(3)
        } else {
            RGBColor(0x9A, 0xA4, 0xAE).stroke_width(1)
        };
        let fill = if b.over {
            RGBColor(0xFD, 0xEC, 0xEA)
        } else {
            palette::BOX
        };
        let rect = [(b.x, b.y), (b.x + b.w, b.y + b.h)];
        root.draw(&Rectangle::new(rect, fill.filled()))?;
        root.draw(&Rectangle::new(rect, border))?;
        let color = if b.over { palette::OVER } else { BLACK };
        for (k, text) in b.lines.iter().enumerate() {
            let size = if k == 0 { TITLE_SIZE } else { TEXT_SIZE };
            let style = (FONT, size).into_font().color(&color);
            let text = fit(root, text, &style, b.w - 12)?;
            root.draw_text(&text, &style, (b.x + 6, b.y + 5 + k as i32 * 20))?;
        }
    }
    Ok(())
}
