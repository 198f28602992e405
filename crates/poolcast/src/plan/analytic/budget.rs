//! The connection budget of each database: who can open how many
//! connections to it (every service routed straight to it, and the proxy's
//! server pool), against what limit, with the headroom left.
//!
//! A count is the most a party can hold at once, not what a run uses: an
//! instance service's pools at `max_size`, a serverless service's
//! `max_concurrency` functions each with its pool, the proxy's
//! `default_pool_size + reserve_pool_size` per database. A service's
//! replica pools count at a replica only when it sends reads there;
//! otherwise they hold only their `min_idle`.

use serde::{Deserialize, Serialize};

use super::demand::{connections_per_function, sends_reads};
use super::rules::Verdict;
use crate::input::scenario::{Route, Scenario, Service};

/// One database's connection budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseBudget {
    /// `"primary"`, `"replica:1"`, ... as in the report.
    pub database: String,
    /// Its `max_connections`.
    pub max_connections: u32,
    /// Its `reserved_connections`.
    pub reserved_connections: u32,
    /// `max_connections - reserved_connections`: what clients may open.
    pub limit: u64,
    /// Who can open how many, in scenario order, the proxy last.
    pub rows: Vec<BudgetRow>,
    /// The sum of the rows.
    pub total: u64,
    /// `limit - total`; negative when over.
    pub headroom: i64,
    /// `total / limit`.
    pub share: f64,
    /// How the total sits against the limit (the guides' 70-80% target).
    pub verdict: Verdict,
    /// The verdict in a sentence.
    pub message: String,
}

/// Who opens connections to a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Opener {
    /// A service of long-lived instances.
    Instances,
    /// A serverless service.
    Serverless,
    /// The proxy's server pool.
    Proxy,
}

/// One line of a budget table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetRow {
    /// The service's name, or `"proxy"`.
    pub who: String,
    /// What kind of party it is.
    pub opener: Opener,
    /// How the count is made, e.g. `"8 instances x 1 pool x 10"`.
    pub formula: String,
    /// The most connections it can hold at once.
    pub connections: u64,
    /// What the count leaves out, when something does.
    pub note: Option<String>,
}

/// The budget table of every database: the primary, then each replica.
pub fn database_budgets(s: &Scenario) -> Vec<DatabaseBudget> {
    (0..s.database_count()).map(|db| table(s, db)).collect()
}

/// `max_connections` and `reserved_connections` of database `db`.
pub fn limits_of(s: &Scenario, db: u32) -> (u32, u32) {
    match (db, s.database.replicas) {
        (0, _) | (_, None) => (s.database.max_connections, s.database.reserved_connections),
        (_, Some(r)) => (r.max_connections, r.reserved_connections),
    }
}

/// Connections database `db` accepts from clients.
pub fn limit_of(s: &Scenario, db: u32) -> u64 {
    let (max, reserved) = limits_of(s, db);
    u64::from(max.saturating_sub(reserved))
}

/// The rows of database `db`'s table.
pub fn rows(s: &Scenario, db: u32) -> Vec<BudgetRow> {
    let mut out: Vec<BudgetRow> = s
        .services
        .iter()
        .filter(|svc| svc.route == Route::Direct)
        .map(|svc| service_row(s, svc, db))
        .collect();
    if let Some(row) = proxy_row(s, db) {
        out.push(row);
    }
    out
}

/// What the parties other than `skip` (a service's name, or `"proxy"`) can
/// hold on database `db`.
pub fn others_on(s: &Scenario, db: u32, skip: &str) -> u64 {
    rows(s, db)
        .iter()
        .filter(|r| r.who != skip)
        .map(|r| r.connections)
        .sum()
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Per pool (or function) on database `db`: `max_size`, or only `min_idle`
/// on a replica the service sends no reads to.
fn per_pool_on(s: &Scenario, svc: &Service, db: u32, per: u64) -> (u64, Option<String>) {
    if db == 0 || sends_reads(s, svc) {
        (per, None)
    } else {
        (
            u64::from(svc.pool.min_idle.min(svc.pool.max_size)),
            Some("sends no reads to the replicas: its replica pools hold only min_idle".into()),
        )
    }
}

fn service_row(s: &Scenario, svc: &Service, db: u32) -> BudgetRow {
    if svc.is_serverless() {
        let f = svc.serverless_or_default();
        let funcs = u64::from(f.max_concurrency);
        let (per, note) = per_pool_on(s, svc, db, u64::from(svc.pool.max_size));
        let mut notes: Vec<String> = note.into_iter().collect();
        if f.orphan_linger_s > 0.0 {
            notes.push(format!(
                "reclaimed functions leave their connections open for {} s \
                 (orphan_linger_s), on top of this",
                f.orphan_linger_s
            ));
        }
        if connections_per_function(svc) < svc.pool.max_size && db == 0 {
            notes.push(format!(
                "a request holds {} at a time, so busy functions hold fewer",
                plural(u64::from(connections_per_function(svc)), "connection")
            ));
        }
        BudgetRow {
            who: svc.name.clone(),
            opener: Opener::Serverless,
            formula: format!("{} x {per}", plural(funcs, "function")),
            connections: funcs * per,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        }
    } else {
        let instances = u64::from(svc.instances);
        let ppi = u64::from(svc.pools_per_instance);
        let (per, note) = per_pool_on(s, svc, db, u64::from(svc.pool.max_size));
        BudgetRow {
            who: svc.name.clone(),
            opener: Opener::Instances,
            formula: format!(
                "{} x {} x {per}",
                plural(instances, "instance"),
                plural(ppi, "pool")
            ),
            connections: instances * ppi * per,
            note,
        }
    }
}

fn proxy_row(s: &Scenario, db: u32) -> Option<BudgetRow> {
    let p = s.proxy.as_ref()?;
    let routed = super::proxy::routed(s);
    let full = u64::from(p.default_pool_size) + u64::from(p.reserve_pool_size);
    let formula = format!(
        "default_pool_size {} + reserve_pool_size {}",
        p.default_pool_size, p.reserve_pool_size
    );
    let (connections, formula, note) = if routed.is_empty() {
        (
            0,
            "no service routes through it".to_string(),
            Some("the proxy opens server connections only for its clients".to_string()),
        )
    } else if db > 0 && !routed.iter().any(|x| sends_reads(s, x)) {
        (
            u64::from(p.min_pool_size),
            format!("min_pool_size {}", p.min_pool_size),
            Some("no reads go through the proxy: it keeps only min_pool_size here".to_string()),
        )
    } else {
        (full, formula, None)
    };
    Some(BudgetRow {
        who: "proxy".into(),
        opener: Opener::Proxy,
        formula,
        connections,
        note,
    })
}

/// The guides' verdict for `total` of `limit` connections.
pub fn verdict(total: u64, limit: u64) -> Verdict {
    if total > limit {
        Verdict::OverLimit
    } else if total > limit * 4 / 5 {
        Verdict::OverGuideline
    } else if total > limit * 7 / 10 {
        Verdict::Tight
    } else {
        Verdict::Comfortable
    }
}

fn table(s: &Scenario, db: u32) -> DatabaseBudget {
    let (max_connections, reserved_connections) = limits_of(s, db);
    let limit = limit_of(s, db);
    let rows = rows(s, db);
    let total: u64 = rows.iter().map(|r| r.connections).sum();
    let share = total as f64 / limit.max(1) as f64;
    let verdict = verdict(total, limit);
    let name = Scenario::database_name(db);
    let parts: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.who, r.connections))
        .collect();
    let sum = if parts.len() > 1 {
        format!("{} = {total}", parts.join(" + "))
    } else {
        total.to_string()
    };
    let pct = share * 100.0;
    let message = match verdict {
        Verdict::Comfortable => format!(
            "{name}: {sum} of {limit} connections ({pct:.0}%), within the 70% the guides \
             suggest."
        ),
        Verdict::Tight => format!(
            "{name}: {sum} of {limit} connections ({pct:.0}%), inside the guides' 70-80% target."
        ),
        Verdict::OverGuideline => format!(
            "{name}: {sum} of {limit} connections ({pct:.0}%), over the 80% the guides keep free \
             for deploys, migrations and admin sessions."
        ),
        Verdict::OverLimit => format!(
            "{name}: {sum} of {limit} connections ({pct:.0}%), over the limit: under load it \
             refuses the rest with \"too many clients\"; lower pool sizes or instances, or route \
             services through the proxy."
        ),
    };
    DatabaseBudget {
        database: name,
        max_connections,
        reserved_connections,
        limit,
        rows,
        total,
        headroom: limit as i64 - total as i64,
        share,
        verdict,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn table_sums_services_and_the_proxy_per_database() {
        let s = parse(
            r#"{"services": [
                 {"name": "api", "instances": 8, "route": "proxy",
                  "workload": {"read_fraction": 0.8}, "pool": {"max_size": 10}},
                 {"name": "worker", "instances": 3, "pools_per_instance": 2,
                  "pool": {"max_size": 5, "min_idle": 2}},
                 {"name": "fn", "kind": "serverless", "serverless": {"max_concurrency": 30},
                  "workload": {"read_fraction": 0.5}, "pool": {"max_size": 1}}],
                "proxy": {"pool_mode": "transaction", "default_pool_size": 20,
                          "reserve_pool_size": 5},
                "database": {"max_connections": 100, "reserved_connections": 3,
                             "replicas": {"count": 1, "max_connections": 50,
                                          "reserved_connections": 0}}}"#,
        )
        .unwrap();
        let t = database_budgets(&s);
        assert_eq!(t.len(), 2);
        let who = |b: &DatabaseBudget| -> Vec<(String, u64)> {
            b.rows
                .iter()
                .map(|r| (r.who.clone(), r.connections))
                .collect()
        };
        // Primary: worker 3 x 2 x 5 = 30, fn 30 x 1, proxy 20 + 5; api goes
        // through the proxy and holds nothing here.
        assert_eq!(
            who(&t[0]),
            [
                ("worker".into(), 30),
                ("fn".into(), 30),
                ("proxy".into(), 25)
            ]
        );
        assert_eq!((t[0].total, t[0].limit, t[0].headroom), (85, 97, 12));
        assert_eq!(t[0].verdict, Verdict::OverGuideline);
        assert_eq!(t[0].rows[0].formula, "3 instances x 2 pools x 5");
        // Replica: the worker sends no reads (min_idle 2 per pool), fn does,
        // and reads reach it through the proxy.
        assert_eq!(
            who(&t[1]),
            [
                ("worker".into(), 12),
                ("fn".into(), 30),
                ("proxy".into(), 25)
            ]
        );
        assert_eq!((t[1].database.as_str(), t[1].limit), ("replica:1", 50));
        assert_eq!(t[1].verdict, Verdict::OverLimit);
        assert_eq!(t[1].headroom, -17);
        assert!(t[1].rows[0].note.as_deref().unwrap().contains("min_idle"));
        assert!(t[0].rows[1].note.as_deref().unwrap().contains("7200 s"));
        assert_eq!(others_on(&s, 0, "proxy"), 60);
    }

    #[test]
    fn version_one_is_one_row() {
        let t = database_budgets(&Scenario::default());
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].rows.len(), 1);
        assert_eq!((t[0].total, t[0].limit), (80, 97));
        assert_eq!(t[0].rows[0].formula, "4 instances x 1 pool x 20");
    }
}
