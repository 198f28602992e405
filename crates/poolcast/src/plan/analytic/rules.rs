//! The guides' rules of thumb and the fleet budget check: simple arithmetic
//! people use today, shown next to the queueing results.

use serde::{Deserialize, Serialize};

use super::Load;
use crate::input::scenario::{Route, Scenario};

/// The guides' rules of thumb, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// `cores x 2 + spindles` (HikariCP "About Pool Sizing"); `null` without `database.cores`.
    pub cores: Option<CoresRule>,
    /// `peak concurrency x avg query time / 1000 + buffer`.
    pub concurrency: ConcurrencyRule,
    /// Serverless: total connections = concurrency x connection_limit.
    pub serverless: ServerlessRule,
}

/// `connections = cores x 2 + spindles`, for the whole database.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoresRule {
    /// Database cores.
    pub cores: u32,
    /// Effective spindles; taken as 1 (an SSD, or a working set in memory).
    pub spindles: u32,
    /// Connections for the whole database.
    pub fleet_connections: u64,
    /// That divided among the pools (at least 1).
    pub per_pool: u64,
}

/// `peak rate x mean hold / 1000 + buffer`: Little's law plus a margin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyRule {
    /// Peak requests/s x mean hold ms / 1000: busy connections, fleet-wide.
    pub busy: f64,
    /// The buffer: 25% of `busy`, which keeps utilization at the 80% the guides name.
    pub buffer: f64,
    /// `busy + buffer`, rounded up.
    pub fleet_connections: u64,
    /// That divided among the pools, rounded up.
    pub per_pool: u64,
}

/// Each serverless instance (function) holds its own pool.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerlessRule {
    /// Concurrent instances (`fleet.instances`).
    pub concurrency: u32,
    /// Connections each instance may open (pools per instance x `max_size`).
    pub connection_limit: u64,
    /// `concurrency x connection_limit`.
    pub total_connections: u64,
    /// Most instances that fit in 80% of the database at this connection_limit.
    pub max_concurrency: u64,
    /// The same with `connection_limit=1` (the guides' serverless setting).
    pub max_concurrency_at_limit_1: u64,
}

/// The connections every party may open to the primary against
/// `max_connections - reserved_connections` (version 1: the fleet's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// instances x pools x `max_size`, summed over the services routed
    /// straight to the primary, plus the proxy's server pool.
    pub fleet_connections: u64,
    /// `max_connections - reserved_connections`.
    pub db_limit: u64,
    /// `fleet_connections / db_limit`.
    pub share: f64,
    /// 70% of the limit, the low end of the guides' target.
    pub target_70: u64,
    /// 80% of the limit, the high end of the guides' target.
    pub target_80: u64,
    /// `db_limit - fleet_connections`; negative when over.
    pub headroom: i64,
    /// `target_80 - fleet_connections`; negative when over.
    pub headroom_to_80: i64,
    /// The largest `pool.max_size` of the chosen service that keeps the
    /// total within 80% (behind the proxy: its client connections within
    /// `max_client_conn`).
    pub max_size_at_80: u64,
    /// The verdict.
    pub verdict: Verdict,
    /// The verdict in a sentence.
    pub message: String,
}

/// How the fleet's connections sit against the database limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At most 70% of the limit.
    Comfortable,
    /// Between 70% and 80%: the guides' target.
    Tight,
    /// Over 80% but within the limit: no room for deploys and admin sessions.
    OverGuideline,
    /// Over the limit: "too many clients" under load.
    OverLimit,
}

/// The guides' rules of thumb for service `svc` of a scenario under `load`.
pub fn rules(s: &Scenario, svc: usize, load: &Load) -> Rules {
    let service = &s.services[svc];
    let pools = load.pools;
    let limit = u64::from(s.db_limit());
    let cores = s.database.cores.map(|cores| {
        let fleet_connections = 2 * u64::from(cores) + 1;
        CoresRule {
            cores,
            spindles: 1,
            fleet_connections,
            per_pool: (fleet_connections / pools).max(1),
        }
    });
    let busy = load.peak_rate_per_s * load.hold_per_request_ms / 1000.0;
    let fleet = (busy * 1.25).ceil();
    let connection_limit = u64::from(service.pools_per_instance) * u64::from(service.pool.max_size);
    let concurrency = if service.is_serverless() {
        service.serverless_or_default().max_concurrency
    } else {
        service.instances
    };
    Rules {
        cores,
        concurrency: ConcurrencyRule {
            busy,
            buffer: busy * 0.25,
            fleet_connections: fleet as u64,
            per_pool: (fleet / pools as f64).ceil() as u64,
        },
        serverless: ServerlessRule {
            concurrency,
            connection_limit,
            total_connections: u64::from(concurrency) * connection_limit,
            max_concurrency: limit * 4 / 5 / connection_limit.max(1),
            max_concurrency_at_limit_1: limit * 4 / 5,
        },
    }
}

/// The primary's budget check for service `svc`: every party's connections
/// against the limit, and the largest `pool.max_size` of this service that
/// keeps the total within 80% (for a service behind the proxy: its client
/// connections within `max_client_conn`).
pub fn budget(s: &Scenario, svc: usize) -> Budget {
    let service = &s.services[svc];
    let pools = super::pools_of(service).max(1);
    let fleet: u64 = super::budget::rows(s, 0)
        .iter()
        .map(|r| r.connections)
        .sum();
    let limit = u64::from(s.db_limit());
    let (target_70, target_80) = (limit * 7 / 10, limit * 4 / 5);
    let share = fleet as f64 / limit.max(1) as f64;
    let verdict = super::budget::verdict(fleet, limit);
    let (max_size_at_80, fit) = match (service.route, &s.proxy) {
        (Route::Proxy, Some(p)) => {
            let dbs = u64::from(s.database_count());
            let others = super::proxy::other_clients(s, &service.name);
            let n = u64::from(p.max_client_conn).saturating_sub(others) / (pools * dbs);
            (
                n,
                format!(
                    "{} goes through the proxy: pool.max_size {n} keeps its client connections \
                     within max_client_conn",
                    service.name
                ),
            )
        }
        _ => {
            let others = super::budget::others_on(s, 0, &service.name);
            let n = target_80.saturating_sub(others) / pools;
            let fit = if n == 0 {
                format!(
                    "{pools} pools are more than 80% of the connections left: run fewer instances"
                )
            } else if s.fits_v1() {
                format!("pool.max_size {n} keeps the fleet within 80%")
            } else {
                format!(
                    "{}'s pool.max_size {n} keeps the total within 80%",
                    service.name
                )
            };
            (n, fit)
        }
    };
    let pct = share * 100.0;
    let message = match verdict {
        Verdict::Comfortable => format!(
            "{fleet} of {limit} connections ({pct:.0}%): within the 70% the guides suggest, \
             {} to spare before 80%.",
            target_80 - fleet
        ),
        Verdict::Tight => {
            format!("{fleet} of {limit} connections ({pct:.0}%): inside the guides' 70-80% target.")
        }
        Verdict::OverGuideline => format!(
            "{fleet} of {limit} connections ({pct:.0}%): over the 80% the guides keep free for \
             deploys, migrations and admin sessions; {fit}."
        ),
        Verdict::OverLimit => format!(
            "{fleet} of {limit} connections ({pct:.0}%): over the limit, the database will refuse \
             connections (\"too many clients\"); {fit}, or put a proxy such as PgBouncer in \
             front."
        ),
    };
    Budget {
        fleet_connections: fleet,
        db_limit: limit,
        share,
        target_70,
        target_80,
        headroom: limit as i64 - fleet as i64,
        headroom_to_80: target_80 as i64 - fleet as i64,
        max_size_at_80,
        verdict,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::plan::analytic::calc;

    #[test]
    fn rules_of_thumb() {
        let s = parse(
            r#"{"workload": {"rate_per_s": 400, "queries_per_request": 3,
                             "query_ms": {"kind": "constant", "value": 5}},
                "fleet": {"instances": 4, "pools_per_instance": 2},
                "pool": {"max_size": 5}, "database": {"cores": 8}}"#,
        )
        .unwrap();
        let c = calc(&s);
        // 400/s x 3 x 5 ms = 6 busy; + 25% = 7.5 -> 8 for 8 pools -> 1 each.
        assert!((c.rules.concurrency.busy - 6.0).abs() < 1e-9);
        assert_eq!(c.rules.concurrency.fleet_connections, 8);
        assert_eq!(c.rules.concurrency.per_pool, 1);
        // 8 cores x 2 + 1 = 17 for the database, 2 per pool.
        let cores = c.rules.cores.unwrap();
        assert_eq!((cores.fleet_connections, cores.per_pool), (17, 2));
        // Each instance: 2 pools x 5 = 10; 4 x 10 = 40; 80% of 97 = 77 -> 7 instances.
        let sl = c.rules.serverless;
        assert_eq!((sl.connection_limit, sl.total_connections), (10, 40));
        assert_eq!((sl.max_concurrency, sl.max_concurrency_at_limit_1), (7, 77));
        assert_eq!(c.load.acquires_per_request, 3);
        assert!((c.load.acquires_per_pool_per_s - 150.0).abs() < 1e-9);
        let poisson = &c.assumptions[0];
        assert!(!poisson.holds && poisson.detail.contains("3 times"));
    }

    #[test]
    fn budget_verdicts() {
        let with = |instances: u32, size: u32| {
            let mut s = Scenario::default();
            s.app_mut().instances = instances;
            s.app_mut().pool.max_size = size;
            budget(&s, 0)
        };
        // max_connections 100 - 3 reserved = 97; 70% = 67, 80% = 77.
        assert_eq!(with(2, 30).verdict, Verdict::Comfortable);
        assert_eq!(with(7, 10).verdict, Verdict::Tight);
        assert_eq!(with(1, 97).verdict, Verdict::OverGuideline);
        let over = with(5, 20);
        assert_eq!(over.verdict, Verdict::OverLimit);
        assert_eq!((over.headroom, over.headroom_to_80), (-3, -23));
        assert_eq!(over.max_size_at_80, 15);
        assert!(
            over.message.contains("pool.max_size 15"),
            "{}",
            over.message
        );
        let crowd = with(90, 1);
        assert_eq!(crowd.max_size_at_80, 0);
        assert!(
            crowd.message.contains("run fewer instances"),
            "{}",
            crowd.message
        );
    }
}
