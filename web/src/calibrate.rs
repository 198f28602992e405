//! Calibrating from the real system: the paste box also reads what psql
//! prints for PgBouncer's `SHOW POOLS`, `SHOW STATS` and `SHOW DATABASES`,
//! and a `pg_stat_activity` count by state
//! (`SELECT state, count(*) FROM pg_stat_activity GROUP BY state`).
//!
//! What matches a field fills it (the pool mode and size, the transaction
//! rate, the transaction time), every fill is listed, and the measured waits
//! and connection counts are kept to show beside the simulated ones. A
//! table that cannot be read is named with its row and column, and then
//! nothing at all is applied.

use std::collections::BTreeMap;

use poolcast::Scenario;
use poolcast::scenario::{QueryMode, Route, Workload};
use serde::{Deserialize, Serialize};

use crate::sensitivity::scale_dist;

/// One table of psql output: its column names and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names, lower case.
    pub columns: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }
}

/// Splits pasted text into psql tables: a header of `|`-separated names,
/// optionally a `---+---` rule, rows, optionally `(N rows)`.
pub fn tables(text: &str) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::new();
    let mut current: Option<Table> = None;
    for line in text.lines() {
        let t = line.trim();
        let is_rule = !t.is_empty() && t.chars().all(|c| c == '-' || c == '+' || c == ' ');
        if t.is_empty() || (t.starts_with('(') && t.ends_with(')')) {
            out.extend(current.take());
            continue;
        }
        if is_rule {
            continue;
        }
        if !line.contains('|') {
            out.extend(current.take());
            continue;
        }
        let cells: Vec<String> = line.split('|').map(|c| c.trim().to_string()).collect();
        match &mut current {
            Some(table) => table.rows.push(cells),
            None => {
                current = Some(Table {
                    columns: cells.iter().map(|c| c.to_ascii_lowercase()).collect(),
                    rows: Vec::new(),
                })
            }
        }
    }
    out.extend(current);
    out.into_iter().filter(|t| !t.rows.is_empty()).collect()
}

/// Whether the text looks like psql output rather than settings.
pub fn looks_like_psql(text: &str) -> bool {
    tables(text).iter().any(|t| {
        t.has("cl_active")
            || t.has("avg_xact_time")
            || t.has("total_xact_count")
            || (t.has("pool_size") && t.has("database"))
            || (t.has("state") && t.has("count"))
    })
}

/// What was measured on the real system, to show beside the simulation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The PgBouncer database the figures are from.
    pub database: Option<String>,
    /// Clients waiting for a server, on average, ms (`avg_wait_time`).
    pub wait_ms: Option<f64>,
    /// The longest current wait, ms (`maxwait`, `maxwait_us`).
    pub max_wait_ms: Option<f64>,
    /// Mean transaction time, ms (`avg_xact_time`).
    pub xact_ms: Option<f64>,
    /// Transactions per second (`avg_xact_count`).
    pub xact_per_s: Option<f64>,
    /// Client connections (`cl_active + cl_waiting`).
    pub clients: Option<u64>,
    /// Clients waiting (`cl_waiting`).
    pub clients_waiting: Option<u64>,
    /// Server connections (`sv_active + sv_idle + sv_used + ...`).
    pub servers: Option<u64>,
    /// Backends by state, from `pg_stat_activity`.
    pub activity: Vec<(String, u64)>,
}

impl Measured {
    /// Backends in all states.
    pub fn backends(&self) -> Option<u64> {
        (!self.activity.is_empty()).then(|| self.activity.iter().map(|(_, n)| n).sum())
    }
}

/// What a paste did: the scenario with the fills, what was read, what was
/// not, and the measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The scenario with the fields filled.
    pub scenario: Scenario,
    /// Every fill and every figure read, in words.
    pub read: Vec<String>,
    /// What was left alone, with the reason.
    pub ignored: Vec<String>,
    /// The measurements.
    pub measured: Measured,
}

/// A number in a cell, or the problem named by table, row and column.
fn num(t: &Table, what: &str, row: usize, col: &str) -> Result<Option<f64>, String> {
    let Some(i) = t.col(col) else {
        return Ok(None);
    };
    let cell = t.rows[row].get(i).map(String::as_str).unwrap_or("");
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{what}: row {} ({}), column {col}: \"{cell}\" is not a number of 0 or more",
                row + 1,
                cell_text(t, row, "database")
            )
        })
}

fn cell_text(t: &Table, row: usize, col: &str) -> String {
    t.col(col)
        .and_then(|i| t.rows[row].get(i))
        .cloned()
        .unwrap_or_default()
}

/// The row of the application's database: not PgBouncer's own admin
/// database; of several, the one with the most clients or transactions.
fn pick_row(t: &Table, weight: &[&str]) -> Option<usize> {
    let db = t.col("database");
    (0..t.rows.len())
        .filter(|&r| db.is_none_or(|i| t.rows[r].get(i).is_none_or(|d| d != "pgbouncer")))
        .max_by(|&a, &b| {
            let w = |r: usize| -> f64 {
                weight
                    .iter()
                    .filter_map(|c| num(t, "", r, c).ok().flatten())
                    .sum()
            };
            w(a).total_cmp(&w(b)).then(b.cmp(&a))
        })
}

/// Reads every table in `text` against `base`; service `service` gets the
/// load figures (or the first service routed through the proxy).
pub fn calibrate(text: &str, base: &Scenario, service: usize) -> Result<Calibration, Vec<String>> {
    let all = tables(text);
    let mut out = Findings::default();
    let mut s = base.clone();
    let svc = target_service(base, service);
    let mut known = 0;
    for t in &all {
        if t.has("cl_active") {
            known += 1;
            show_pools(t, &mut s, &mut out);
        } else if t.has("avg_xact_time") || t.has("total_xact_count") {
            known += 1;
            show_stats(t, &mut s, svc, &mut out);
        } else if t.has("pool_size") && t.has("database") {
            known += 1;
            show_databases(t, &mut s, &mut out);
        } else if t.has("state") && t.has("count") {
            known += 1;
            activity(t, &mut out);
        } else {
            out.ignored.push(format!(
                "a table with columns {} (not SHOW POOLS, SHOW STATS, SHOW DATABASES or a \
                 pg_stat_activity count)",
                t.columns.join(", ")
            ));
        }
    }
    if known == 0 {
        out.errors.push(
            "no psql table of SHOW POOLS, SHOW STATS, SHOW DATABASES or pg_stat_activity \
             states was found"
                .into(),
        );
    }
    if !out.errors.is_empty() {
        return Err(out.errors);
    }
    if let Err(e) = poolcast::validate(&s, u64::MAX) {
        return Err(vec![format!("the filled scenario is not valid: {e}")]);
    }
    Ok(Calibration {
        scenario: s,
        read: out.read,
        ignored: out.ignored,
        measured: out.measured,
    })
}

/// What the tables of a paste gave so far: measurements, fills read, what
/// was ignored, and problems (any problem applies nothing).
#[derive(Default)]
struct Findings {
    measured: Measured,
    read: Vec<String>,
    ignored: Vec<String>,
    errors: Vec<String>,
}

/// The row of PgBouncer admin table `t` (`what`) to read, as [`pick_row`]
/// picks it; none is a problem.
fn admin_row(t: &Table, what: &str, weight: &[&str], errors: &mut Vec<String>) -> Option<usize> {
    let r = pick_row(t, weight);
    if r.is_none() {
        errors.push(format!("{what}: only PgBouncer's own admin database"));
    }
    r
}

/// The numbers in row `r` of table `t` (`what`), by column: a cell that is
/// not one is a problem, and read as missing.
fn cells<'a>(
    t: &'a Table,
    what: &'a str,
    r: usize,
    errors: &'a mut Vec<String>,
) -> impl FnMut(&str) -> Option<f64> + 'a {
    move |c| match num(t, what, r, c) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// The service the load figures describe: the chosen one if it goes
/// through the proxy, else the first that does, else the chosen one.
fn target_service(s: &Scenario, chosen: usize) -> usize {
    let via = |i: usize| s.services.get(i).is_some_and(|x| x.route == Route::Proxy);
    if via(chosen) {
        chosen
    } else {
        (0..s.services.len())
            .find(|&i| via(i))
            .unwrap_or(chosen.min(s.services.len().saturating_sub(1)))
    }
}

/// PgBouncer's `SHOW POOLS`: clients, servers and the longest wait
/// measured; its pool_mode fills the proxy's.
fn show_pools(t: &Table, s: &mut Scenario, out: &mut Findings) {
    const WHAT: &str = "SHOW POOLS";
    let Some(r) = admin_row(t, WHAT, &["cl_active", "cl_waiting"], &mut out.errors) else {
        return;
    };
    let mut get = cells(t, WHAT, r, &mut out.errors);
    let (active, waiting) = (get("cl_active"), get("cl_waiting"));
    let servers: f64 = ["sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"]
        .iter()
        .filter_map(|c| get(c))
        .sum();
    let maxwait =
        get("maxwait").unwrap_or(0.0) * 1000.0 + get("maxwait_us").unwrap_or(0.0) / 1000.0;
    let db = cell_text(t, r, "database");
    let (m, read) = (&mut out.measured, &mut out.read);
    m.database = Some(db.clone());
    m.clients = Some((active.unwrap_or(0.0) + waiting.unwrap_or(0.0)) as u64);
    m.clients_waiting = waiting.map(|w| w as u64);
    m.servers = Some(servers as u64);
    m.max_wait_ms = Some(maxwait);
    read.push(format!(
        "SHOW POOLS ({db}): {} clients ({} waiting), {} server connections, longest wait {:.1} ms",
        m.clients.unwrap_or(0),
        m.clients_waiting.unwrap_or(0),
        servers,
        maxwait
    ));
    let mode = cell_text(t, r, "pool_mode");
    let mode = serde_json::from_value(serde_json::Value::String(mode));
    if let (Some(p), Ok(mode)) = (s.proxy.as_mut(), mode)
        && p.pool_mode != mode
    {
        p.pool_mode = mode;
        read.push(format!("pool_mode {mode:?} → proxy.pool_mode"));
    }
}

/// PgBouncer's `SHOW STATS`: the wait measured; the transaction rate and
/// time fill the load of service `svc`.
fn show_stats(t: &Table, s: &mut Scenario, svc: usize, out: &mut Findings) {
    const WHAT: &str = "SHOW STATS";
    let Some(r) = admin_row(
        t,
        WHAT,
        &["avg_xact_count", "total_xact_count"],
        &mut out.errors,
    ) else {
        return;
    };
    let mut get = cells(t, WHAT, r, &mut out.errors);
    let xact_us = get("avg_xact_time");
    let query_us = get("avg_query_time");
    let wait_us = get("avg_wait_time");
    let rate = get("avg_xact_count");
    let db = cell_text(t, r, "database");
    let (m, read, ignored) = (&mut out.measured, &mut out.read, &mut out.ignored);
    m.database.get_or_insert(db.clone());
    m.wait_ms = wait_us.map(|w| w / 1000.0);
    m.xact_ms = xact_us.map(|x| x / 1000.0);
    m.xact_per_s = rate;
    if let Some(w) = m.wait_ms {
        read.push(format!(
            "SHOW STATS ({db}): avg_wait_time {w:.3} ms (measured wait)"
        ));
    }
    let Some(service) = s.services.get_mut(svc) else {
        return;
    };
    let name = service.name.clone();
    let w = &mut service.workload;
    fill_rate(w, rate, svc, &name, read, ignored);
    fill_query_time(w, xact_us, query_us, svc, read);
}

/// `SHOW STATS`'s transaction rate as service `svc`'s (`name`'s) request
/// rate, unless its users set their own.
fn fill_rate(
    w: &mut Workload,
    rate: Option<f64>,
    svc: usize,
    name: &str,
    read: &mut Vec<String>,
    ignored: &mut Vec<String>,
) {
    // A transaction is one request in `transaction` mode, one query otherwise.
    let per_request = match w.query_mode {
        QueryMode::Transaction => 1.0,
        QueryMode::Sequential | QueryMode::Parallel => f64::from(w.queries_per_request.max(1)),
    };
    match rate {
        Some(x) if w.is_closed() => ignored.push(format!(
            "avg_xact_count {x}/s: {name} has closed-loop users, which set their own rate"
        )),
        Some(x) if x > 0.0 => {
            w.rate_per_s = x / per_request;
            w.rate_profile.clear();
            read.push(format!(
                "avg_xact_count {x}/s → services.{svc}.workload.rate_per_s = {} ({name}, {} \
                 transactions per request; the rate profile was cleared)",
                crate::edit::value_text(&serde_json::Value::from(w.rate_per_s)),
                per_request
            ));
        }
        _ => {}
    }
}

/// `SHOW STATS`'s transaction (or query) time as the mean of service
/// `svc`'s query time, its shape kept.
fn fill_query_time(
    w: &mut Workload,
    xact_us: Option<f64>,
    query_us: Option<f64>,
    svc: usize,
    read: &mut Vec<String>,
) {
    let one_query_ms = match (xact_us, query_us, w.query_mode) {
        (Some(x), _, QueryMode::Sequential | QueryMode::Parallel) if x > 0.0 => Some(x / 1000.0),
        (_, Some(q), _) if q > 0.0 => Some(q / 1000.0),
        _ => None,
    };
    if let Some(target) = one_query_ms {
        let mean = poolcast::mean_ms(&w.query_ms);
        if mean > 0.0 && mean.is_finite() {
            w.query_ms = scale_dist(&w.query_ms, target / mean);
            read.push(format!(
                "avg_{}_time {target:.3} ms → services.{svc}.workload.query_ms scaled to that \
                 mean (its shape kept)",
                if xact_us.is_some() && w.query_mode != QueryMode::Transaction {
                    "xact"
                } else {
                    "query"
                }
            ));
        }
    }
}

/// PgBouncer's `SHOW DATABASES`: its pool_size fills the proxy's.
fn show_databases(t: &Table, s: &mut Scenario, out: &mut Findings) {
    const WHAT: &str = "SHOW DATABASES";
    let errors = &mut out.errors;
    let Some(r) = admin_row(t, WHAT, &["current_connections", "pool_size"], errors) else {
        return;
    };
    let size = match num(t, WHAT, r, "pool_size") {
        Ok(v) => v,
        Err(e) => return errors.push(e),
    };
    let Some(size) = size.filter(|x| *x >= 1.0 && x.fract() == 0.0) else {
        return;
    };
    match s.proxy.as_mut() {
        Some(p) => {
            p.default_pool_size = size as u32;
            p.min_pool_size = p.min_pool_size.min(p.default_pool_size);
            out.read.push(format!(
                "SHOW DATABASES pool_size {size} → proxy.default_pool_size"
            ));
        }
        None => errors.push(format!(
            "{WHAT}: pool_size {size} is PgBouncer's, but the scenario has no proxy: switch it \
             on first"
        )),
    }
}

/// A `pg_stat_activity` count by state: the backends measured.
fn activity(t: &Table, out: &mut Findings) {
    let (m, read, errors) = (&mut out.measured, &mut out.read, &mut out.errors);
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for r in 0..t.rows.len() {
        let state = cell_text(t, r, "state");
        match num(t, "pg_stat_activity", r, "count") {
            Ok(Some(n)) if n.fract() == 0.0 => {
                let key = if state.is_empty() {
                    "(background)".to_string()
                } else {
                    state
                };
                *by.entry(key).or_default() += n as u64;
            }
            Ok(_) => errors.push(format!(
                "pg_stat_activity: row {}, column count: not a whole number",
                r + 1
            )),
            Err(e) => errors.push(e),
        }
    }
    let total: u64 = by.values().sum();
    m.activity = by.into_iter().collect();
    let parts: Vec<String> = m.activity.iter().map(|(k, n)| format!("{k} {n}")).collect();
    read.push(format!(
        "pg_stat_activity: {total} backends ({}), shown beside the simulated connections",
        parts.join(", ")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOLS: &str = "
 database  |   user    | cl_active | cl_waiting | cl_active_cancel_req | cl_waiting_cancel_req | sv_active | sv_active_cancel | sv_being_canceled | sv_idle | sv_used | sv_tested | sv_login | maxwait | maxwait_us |  pool_mode  | load_balance_hosts
-----------+-----------+-----------+------------+----------------------+-----------------------+-----------+------------------+-------------------+---------+---------+-----------+----------+---------+------------+-------------+--------------------
 app       | app       |       118 |          4 |                    0 |                     0 |        20 |                0 |                 0 |       0 |       0 |         0 |        0 |       0 |      12500 | transaction |
 pgbouncer | pgbouncer |         1 |          0 |                    0 |                     0 |         0 |                0 |                 0 |       0 |       0 |         0 |        0 |       0 |          0 | statement   |
(2 rows)
";

    const STATS: &str = "
 database  | total_server_assignment_count | total_xact_count | total_query_count | total_received | total_sent | total_xact_time | total_query_time | total_wait_time | avg_server_assignment_count | avg_xact_count | avg_query_count | avg_recv | avg_sent | avg_xact_time | avg_query_time | avg_wait_time
-----------+-------------------------------+------------------+-------------------+----------------+------------+-----------------+------------------+-----------------+-----------------------------+----------------+-----------------+----------+----------+---------------+----------------+---------------
 app       |                      9120331 |          9120331 |           9120331 |     1523040112 | 2130921330 |    122121330122 |     120120330122 |      9823123123 |                         1210 |           1210 |            1210 |   201212 |   283122 |         13390 |          13201 |           870
 pgbouncer |                             0 |                2 |                 2 |              0 |          0 |               0 |                0 |               0 |                           0 |              0 |               0 |        0 |        0 |             0 |              0 |             0
(2 rows)
";

    const ACTIVITY: &str = "
        state        | count
---------------------+-------
 active              |    17
 idle                |    41
 idle in transaction |     2
                     |     6
(4 rows)
";

    fn base() -> Scenario {
        crate::presets::by_id("mega-directory").unwrap().scenario
    }

    #[test]
    fn psql_tables_are_split_out_of_a_paste() {
        let t = tables(&format!("{POOLS}\nsome words\n{ACTIVITY}"));
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[1].columns, ["state", "count"]);
        assert!(looks_like_psql(POOLS) && looks_like_psql(ACTIVITY));
        assert!(!looks_like_psql(
            "DATABASE_URL=postgresql://x/y?connection_limit=1"
        ));
    }

    #[test]
    fn show_pools_reads_clients_servers_and_the_mode() {
        let mut s = base();
        s.proxy.as_mut().unwrap().pool_mode = poolcast::scenario::PoolMode::Session;
        let c = calibrate(POOLS, &s, 0).unwrap();
        assert_eq!(c.measured.clients, Some(122));
        assert_eq!(c.measured.clients_waiting, Some(4));
        assert_eq!(c.measured.servers, Some(20));
        assert_eq!(c.measured.max_wait_ms, Some(12.5));
        assert_eq!(c.measured.database.as_deref(), Some("app"));
        assert_eq!(
            c.scenario.proxy.unwrap().pool_mode,
            poolcast::scenario::PoolMode::Transaction
        );
        assert!(
            c.read.iter().any(|r| r.contains("proxy.pool_mode")),
            "{:?}",
            c.read
        );
    }

    #[test]
    fn show_stats_fills_the_rate_and_query_time_of_the_proxied_service() {
        let c = calibrate(STATS, &base(), 0).unwrap();
        let f = &c.scenario.services[1];
        assert_eq!(f.name, "functions", "the service behind the proxy");
        assert_eq!(f.workload.rate_per_s, 1210.0);
        assert!(f.workload.rate_profile.is_empty());
        assert!((poolcast::mean_ms(&f.workload.query_ms) - 13.39).abs() < 1e-6);
        assert_eq!(c.measured.wait_ms, Some(0.87));
        assert_eq!(c.measured.xact_per_s, Some(1210.0));
        assert_eq!(
            c.scenario.services[0],
            base().services[0],
            "the API is left alone"
        );
        assert_eq!(c.read.len(), 3, "{:?}", c.read);
    }

    #[test]
    fn pg_stat_activity_counts_by_state() {
        let c = calibrate(ACTIVITY, &base(), 0).unwrap();
        assert_eq!(c.measured.backends(), Some(66));
        assert!(
            c.measured
                .activity
                .contains(&("idle in transaction".into(), 2))
        );
        assert!(c.measured.activity.contains(&("(background)".into(), 6)));
        assert_eq!(c.scenario, base(), "counts fill no field");
    }

    #[test]
    fn show_databases_sets_the_pool_size() {
        let text = "
 name | host | port | database | force_user | pool_size | min_pool_size | reserve_pool | pool_mode | max_connections | current_connections | paused | disabled
------+------+------+----------+------------+-----------+---------------+--------------+-----------+-----------------+---------------------+--------+----------
 app  | db   | 5432 | app      |            |        40 |             0 |            0 |           |               0 |                  40 |      0 |        0
(1 row)
";
        let c = calibrate(text, &base(), 0).unwrap();
        assert_eq!(c.scenario.proxy.unwrap().default_pool_size, 40);
        let e = calibrate(text, &Scenario::default(), 0).unwrap_err();
        assert!(e[0].contains("no proxy"), "{e:?}");
    }

    #[test]
    fn malformed_input_is_named_and_nothing_is_applied() {
        let bad = STATS.replace("13390", "13.3.9");
        let e = calibrate(&format!("{POOLS}\n{bad}"), &base(), 0).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("SHOW STATS") && e[0].contains("avg_xact_time") && e[0].contains("row 1"),
            "{e:?}"
        );
        let e = calibrate("hello | world\nfoo | bar", &base(), 0).unwrap_err();
        assert!(e[0].contains("no psql table"), "{e:?}");
        let e = calibrate(&ACTIVITY.replace("41", "many"), &base(), 0).unwrap_err();
        assert!(
            e[0].contains("pg_stat_activity") && e[0].contains("many"),
            "{e:?}"
        );
    }
}
