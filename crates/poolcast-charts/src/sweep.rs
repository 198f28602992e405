//! The sweep chart: p99 wait (left axis, ms), and the shares of acquisitions
//! that timed out and of requests that failed otherwise (right axis, %),
//! against the swept value, with the value at which the fleet's pools can
//! open exactly the database's limit marked. Failures are drawn because a
//! failed request never waits: without them a fleet refused by the database
//! ("too many clients") would look perfect.

use plotters::coord::Shift;
use plotters::prelude::*;
use poolcast::Scenario;
use poolcast::scenario::Route;
use poolcast::sweep::Sweep;

use crate::common::{
    DrawResult, Entry, FONT, LABEL_SIZE, dashed, finite_max, fmt_num, frame, header, mesh, message,
    secondary_axis, y_range,
};
use crate::palette;

/// The swept value at which `pools x max_size` reaches the database limit,
/// for the fields that move that product; `None` for the others.
pub fn limit_value(sweep: &Sweep, base: &Scenario) -> Option<f64> {
    let limit = sweep.db_limit as f64;
    let size = f64::from(base.app().pool.max_size);
    let per_instance = f64::from(base.app().pools_per_instance);
    let instances = f64::from(base.app().instances);
    let v = match sweep.field.as_str() {
        "pool.max_size" => limit / (instances * per_instance),
        "fleet.instances" => limit / (per_instance * size),
        "fleet.pools_per_instance" => limit / (instances * size),
        "database.max_connections" => {
            instances * per_instance * size + f64::from(base.database.reserved_connections)
        }
        "proxy.default_pool_size" => {
            let p = base.proxy.as_ref()?;
            limit - direct_conns(base, None) - f64::from(p.reserve_pool_size)
        }
        field => {
            // services.N.pool.max_size: the size at which this service's
            // pools and everything else that opens primary connections
            // reach the limit.
            let i: usize = field
                .strip_prefix("services.")?
                .strip_suffix(".pool.max_size")?
                .parse()
                .ok()?;
            let svc = base.services.get(i)?;
            if svc.route == Route::Proxy {
                return None;
            }
            let per = if svc.is_serverless() {
                f64::from(svc.serverless_or_default().max_concurrency)
            } else {
                f64::from(svc.instances) * f64::from(svc.pools_per_instance)
            };
            let proxy = match &base.proxy {
                Some(p) if base.services.iter().any(|x| x.route == Route::Proxy) => {
                    f64::from(p.default_pool_size + p.reserve_pool_size)
                }
                _ => 0.0,
            };
            (limit - direct_conns(base, Some(i)) - proxy) / per
        }
    };
    (v.is_finite() && v > 0.0).then_some(v)
}

/// Primary connections the services routed directly can open, leaving out
/// service `skip`.
fn direct_conns(s: &Scenario, skip: Option<usize>) -> f64 {
    s.services
        .iter()
        .enumerate()
        .filter(|(i, x)| Some(*i) != skip && x.route == Route::Direct)
        .map(|(_, x)| {
            let size = f64::from(x.pool.max_size);
            if x.is_serverless() {
                f64::from(x.serverless_or_default().max_concurrency) * size
            } else {
                f64::from(x.instances) * f64::from(x.pools_per_instance) * size
            }
        })
        .sum()
}

/// Draws `sweep` of `base`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    base: &Scenario,
) -> DrawResult<(), DB> {
    let points: Vec<_> = sweep
        .points
        .iter()
        .filter(|p| p.value.is_finite())
        .collect();
    let lo = points.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
    let hi = points
        .iter()
        .map(|p| p.value)
        .fold(f64::NEG_INFINITY, f64::max);
    let limit_at = limit_value(sweep, base);
    let (lo, hi) = if points.is_empty() {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        let d = lo.abs().max(1.0) * 0.05;
        (lo - d, hi + d)
    };
    // The limit widens the axis when it is near the swept values (within one
    // span), so a planner sees which side of it each point is.
    let (lo, hi) = match limit_at {
        Some(v) if !points.is_empty() && v >= lo - (hi - lo) && v <= hi + (hi - lo) => {
            (lo.min(v), hi.max(v))
        }
        _ => (lo, hi),
    };
    // A little room so the end points sit off the axes.
    let pad = 0.03 * (hi - lo);
    let x = match (lo - pad, hi + pad) {
        (a, b) if a.is_finite() && b.is_finite() && a < b => a..b,
        _ => 0.0..1.0,
    };
    let p99_max = finite_max(points.iter().map(|p| p.p99_wait_ms));
    let share_max = finite_max(
        points
            .iter()
            .flat_map(|p| [p.timeout_fraction, p.failure_fraction])
            .map(|f| 100.0 * f),
    );
    let mut entries = vec![
        Entry::solid("p99 wait (ms, left)", palette::P99),
        Entry::solid("timeouts (%, right)", palette::TIMEOUTS),
        Entry::solid("failures (%, right)", palette::FAILURES),
    ];
    if let Some(v) = limit_at {
        let off = if x.contains(&v) {
            ""
        } else {
            " (off the chart)"
        };
        let label = format!("DB limit {} at {}{off}", sweep.db_limit, fmt_num(v));
        entries.push(Entry::dashed(label, palette::LIMIT));
    }
    let caption = format!("p99 wait, timeouts and failures vs {}", sweep.field);
    let mut chart = frame(root, true, x.clone(), y_range(p99_max, 1.0))?
        .set_secondary_coord(x.clone(), y_range(share_max, 1.0));
    mesh(&mut chart, &sweep.field, "p99 acquire wait (ms)")?;
    secondary_axis(
        &mut chart,
        "timeouts, failures (%)",
        (FONT, LABEL_SIZE).into(),
    )?;
    header(root, &chart, &caption, &entries)?;
    if points.is_empty() {
        return message(&*chart, "no points in this sweep");
    }
    let p99 = || points.iter().map(|p| (p.value, p.p99_wait_ms));
    let style = palette::P99.stroke_width(2);
    chart.draw_series(LineSeries::new(p99(), style))?;
    chart.draw_series(p99().map(|p| Circle::new(p, 3, style.filled())))?;
    let timeouts = || points.iter().map(|p| (p.value, 100.0 * p.timeout_fraction));
    let style = palette::TIMEOUTS.stroke_width(2);
    chart.draw_secondary_series(LineSeries::new(timeouts(), style))?;
    chart.draw_secondary_series(timeouts().map(|p| Circle::new(p, 3, style.filled())))?;
    // Squares, so the two shares stay apart where their lines overlap (at 0).
    let failures = || points.iter().map(|p| (p.value, 100.0 * p.failure_fraction));
    let style = palette::FAILURES.stroke_width(2);
    chart.draw_secondary_series(LineSeries::new(failures(), style))?;
    chart.draw_secondary_series(failures().map(|(x, y)| {
        EmptyElement::at((x, y)) + Rectangle::new([(-3, -3), (3, 3)], style.filled())
    }))?;
    let top = y_range(p99_max, 1.0).end;
    if let Some(v) = limit_at.filter(|v| x.contains(v)) {
        dashed(&mut *chart, (v, 0.0), (v, top), palette::LIMIT)?;
    }
    Ok(())
}
