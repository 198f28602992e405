//! The gallery: named scenarios, each a link (`#example=ID`) that opens and
//! runs it. One per pooling guide in `shared/guides/` (its whole setup: the
//! proxy, serverless functions, replicas, the artillery load where the
//! guide has them), the pool larger than the database's cores, and the
//! incidents: a retry storm after a restart, a brownout, a rolling deploy, a
//! failover, a scale-out in a spike.
//!
//! Where a guide gives a fix the entry is a pair: the guide's setup is run
//! A, pinned, and its advice is B, in the form, so the page opens on the
//! comparison. The scenarios are JSON files in the repository's `examples/`,
//! the same folder as the CLI's examples (a pair is `ID.a.json` and
//! `ID.b.json`, a single entry `ID.json`), readable and runnable with
//! `poolcast run`.

use poolcast::Scenario;

/// One gallery entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Stable id: `#example=ID`, the preset menu, tests.
    pub id: &'static str,
    /// A short name for the menu and the gallery.
    pub title: &'static str,
    /// What it shows, in one line.
    pub line: &'static str,
    /// Where the numbers come from, and what is our assumption.
    pub source: &'static str,
    /// The scenario in the form: the only one, or B (the fix) of a pair.
    pub scenario: Scenario,
    /// A of a pair: the guide's setup before its fix.
    pub before: Option<Scenario>,
}

/// An entry as written in the table below: id, title, line, source, B (or
/// only), A.
type Raw = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const RAW: [Raw; 11] = [
    (
        "mega-directory",
        "Mega Directory: serverless functions, with and without PgBouncer",
        "Serverless functions with connection_limit=1 in a spike: without a proxy the database \
         refuses connections (too many clients); through PgBouncer it stays at 50 of 97.",
        "mega-directory-pooling-guide.md: 3 API instances x connection_limit=10, pool_timeout \
         20 s, max_connections 100; serverless functions with connection_limit=1 and \
         pool_timeout=10 behind PgBouncer (transaction mode, max_client_conn 1000, \
         default_pool_size 20). The loads (API 300 req/s, functions 5 req/s with a 15 s spike to \
         1000 req/s) are our assumption.",
        include_str!("../../examples/mega-directory.b.json"),
        Some(include_str!("../../examples/mega-directory.a.json")),
    ),
    (
        "enhancement-12",
        "Enhancement #12: 4 × 20 at 80 % of max_connections, then autoscaled to 6",
        "4 instances x 20 is the guide's 80 % of max_connections: in a spike it queues; \
         autoscaled to 6 instances it opens more connections than the database allows.",
        "enhancement-12-prisma-pool.md: 4 app instances x connection_limit=20 against \
         max_connections 100, pool_timeout 20 s, connect_timeout 10 s. The load (400 req/s, a \
         30 s spike to 3600 req/s) and the scale-out are our assumption.",
        include_str!("../../examples/enhancement-12.b.json"),
        Some(include_str!("../../examples/enhancement-12.a.json")),
    ),
    (
        "livedash",
        "LiveDash: one PrismaClient per scheduler, then the singleton",
        "One PrismaClient per scheduler: 8 pools hoard idle connections until the database \
         refuses; the singleton serves the same load with 40.",
        "livedash-pooling-guide.md: production connection_limit=20, pool timeout 10 s; before \
         its fix one PrismaClient (one pool) per scheduler, 4 per process, after it a \
         singleton. 2 instances and 700 req/s are our assumption.",
        include_str!("../../examples/livedash.b.json"),
        Some(include_str!("../../examples/livedash.a.json")),
    ),
    (
        "cryb",
        "Cryb: the artillery load test, direct and through PgBouncer",
        "The guide's load test (artillery 100 users x 1000 requests) on 80 direct connections \
         to an 8-core database, then through PgBouncer's 20: twice the throughput.",
        "cryb-pooling-config.md: connection_limit=20, pool_timeout=10 s, statement_timeout 30 s, \
         idle_in_transaction 60 s, max_connections 100, artillery quick --count 100 --num 1000, \
         and \"use PgBouncer for high-load scenarios\". 4 instances, 8 cores and the contention \
         are our assumption.",
        include_str!("../../examples/cryb.b.json"),
        Some(include_str!("../../examples/cryb.a.json")),
    ),
    (
        "cultivai",
        "CultivAI: pools of 100 on 8 cores, then sized by the guide's formula",
        "Pools of up to 100 on an 8-core database collapse in a spike (every query slows \
         down); pools sized by the guide's own formula ride it out.",
        "cultivai-prisma-pool-tuning.md: tarn-style pool min 10 / max 100, acquire timeout \
         60 s, idle 300 s, create retry 200 ms, max_connections 200 with 3 reserved, and \
         \"(peak concurrency x avg query time / 1000) + buffer\". 2 instances, the load, 8 \
         cores and the contention are our assumption.",
        include_str!("../../examples/cultivai.b.json"),
        Some(include_str!("../../examples/cultivai.a.json")),
    ),
    (
        "oversized",
        "Pool larger than the database's cores",
        "80 connections on an 8-core database: queries queue on the CPU instead of in the \
         pool, and every query slows down.",
        "HikariCP's \"About Pool Sizing\": 80 connections on an 8-core database under load \
         (580 req/s of about 13 ms of CPU each, 97% of the cores).",
        include_str!("../../examples/oversized.json"),
        None,
    ),
    (
        "retry-storm",
        "Retry storm after a database restart, and its fix",
        "A 10 s database restart: retries without jitter or budget keep the pools overloaded \
         48 s after it; with full jitter and a budget the service is back in a second.",
        "A client retry policy as the AWS SDK and most HTTP clients offer it; the numbers are \
         ours.",
        include_str!("../../examples/retry-storm.b.json"),
        Some(include_str!("../../examples/retry-storm.a.json")),
    ),
    (
        "brownout",
        "Brownout: queries 8× slower for 30 s",
        "Queries 8 times slower for 30 s: the pools fill, requests time out after 5 s, and \
         the system recovers once the queries are fast again.",
        "A lock, a vacuum or a missing index; the numbers are ours.",
        include_str!("../../examples/brownout.json"),
        None,
    ),
    (
        "rolling-deploy",
        "Rolling deploy with warm pools",
        "A rolling deploy of instances with warm pools: each new pair opens its min_idle \
         connections before the old pair has closed its own.",
        "A Kubernetes-style rolling update; the numbers are ours.",
        include_str!("../../examples/rolling-deploy.json"),
        None,
    ),
    (
        "failover",
        "Failover: the primary down, reads on replicas",
        "The primary is down for 30 s: writes fail and retry, reads go on at two replicas.",
        "An RDS-style failover; the numbers are ours.",
        include_str!("../../examples/failover.json"),
        None,
    ),
    (
        "scale-out-spike",
        "Scale-out in a spike",
        "An autoscaler doubles the fleet 15 s into a spike: the new pools open more \
         connections than the database allows.",
        "The numbers are ours.",
        include_str!("../../examples/scale-out-spike.json"),
        None,
    ),
];

fn read(id: &str, json: &str) -> Scenario {
    // The files are part of the build and checked by the tests below.
    poolcast::parse(json).unwrap_or_else(|e| {
        let name = format!("gallery entry {id} does not parse: {e}");
        Scenario {
            name,
            ..Scenario::default()
        }
    })
}

/// All entries, in menu order.
pub fn all() -> Vec<Preset> {
    RAW.iter()
        .map(|&(id, title, line, source, b, a)| Preset {
            id,
            title,
            line,
            source,
            scenario: read(id, b),
            before: a.map(|a| read(id, a)),
        })
        .collect()
}

/// The entry with this id.
pub fn by_id(id: &str) -> Option<Preset> {
    all().into_iter().find(|p| p.id == id)
}

/// The gallery link of an entry (a fragment, with `#`).
pub fn link(id: &str) -> String {
    format!("#{}{id}", crate::permalink::EXAMPLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_validates_and_runs_quickly() {
        let presets = all();
        assert!(presets.len() >= 11);
        for p in &presets {
            for s in std::iter::once(&p.scenario).chain(&p.before) {
                assert!(!s.name.contains("does not parse"), "{}", s.name);
                poolcast::validate(s, 5_000_000).unwrap_or_else(|e| panic!("{}: {e}", p.id));
                assert!(!s.name.is_empty());
            }
            assert!(by_id(p.id).is_some());
            assert!(!p.line.is_empty() && !p.source.is_empty());
            assert_eq!(
                crate::permalink::example_id(&link(p.id)).as_deref(),
                Some(p.id)
            );
        }
        let mut ids: Vec<_> = presets.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), presets.len());
    }

    #[test]
    fn guide_numbers_are_kept() {
        let p = by_id("mega-directory").unwrap();
        let a = p.before.unwrap();
        let b = p.scenario;
        let functions = |s: &Scenario| s.service("functions").unwrap().1.clone();
        assert!(functions(&a).is_serverless() && functions(&a).pool.max_size == 1);
        assert!(a.proxy.is_none());
        let proxy = b.proxy.unwrap();
        assert_eq!((proxy.max_client_conn, proxy.default_pool_size), (1000, 20));
        assert_eq!(functions(&b).route, poolcast::scenario::Route::Proxy);
        let s = by_id("cultivai").unwrap().before.unwrap();
        assert_eq!((s.app().pool.min_idle, s.app().pool.max_size), (10, 100));
        assert_eq!(s.database.max_connections, 200);
        let s = by_id("livedash").unwrap().before.unwrap();
        assert_eq!(s.app().pools_per_instance, 4);
        let s = by_id("cryb").unwrap().before.unwrap();
        assert!(s.app().workload.is_closed(), "the artillery load test");
        let s = by_id("oversized").unwrap().scenario;
        assert_eq!(s.database.cores, Some(8));
        assert_eq!(s.version, 1);
    }

    #[test]
    fn pairs_answer_their_question() {
        // The page's question for a newcomer: do the functions exhaust
        // max_connections, and does PgBouncer fix it?
        let p = by_id("mega-directory").unwrap();
        let a = poolcast::run(p.before.as_ref().unwrap()).unwrap();
        let b = poolcast::run(&p.scenario).unwrap();
        assert!(a.databases[0].peak_connections >= a.databases[0].limit);
        assert!(
            a.requests
                .failed_by_cause
                .get("too_many_clients")
                .copied()
                .unwrap_or(0)
                > 1000
        );
        assert_eq!(b.requests.failed, 0);
        assert!(b.databases[0].peak_connections < b.databases[0].limit * 3 / 4);
        let p = by_id("retry-storm").unwrap();
        let a = poolcast::run(p.before.as_ref().unwrap()).unwrap();
        let b = poolcast::run(&p.scenario).unwrap();
        let rec = |r: &poolcast::Report| r.incidents[0].recovery_s.unwrap_or(f64::INFINITY);
        assert!(
            rec(&a) > 5.0 * rec(&b).max(1.0),
            "{} vs {}",
            rec(&a),
            rec(&b)
        );
    }

    // The calculator's figures of the guides' entries, from the core (they
    // were the page's own until the page drew the core's).

    #[test]
    fn the_calculator_budgets_the_guides() {
        use poolcast::analytic::{database_budgets, proxy_calc};
        let p = by_id("mega-directory").unwrap();
        let a = database_budgets(p.before.as_ref().unwrap());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rows[0].connections, 30, "3 x 1 x 10");
        assert_eq!(a[0].rows[1].connections, 1000, "1000 functions x 1");
        assert_eq!((a[0].total, a[0].limit, a[0].headroom), (1030, 97, -933));
        let b = database_budgets(&p.scenario);
        assert_eq!(b[0].rows.len(), 2);
        assert_eq!(b[0].rows[1].who, "proxy");
        assert_eq!((b[0].total, b[0].headroom), (50, 47));
        let clients = proxy_calc(&p.scenario).unwrap();
        assert_eq!(
            (clients.client_connections, clients.max_client_conn),
            (1000, 1000)
        );
        let s = by_id("failover").unwrap().scenario;
        assert_eq!(
            database_budgets(&s).len(),
            3,
            "the primary and two replicas"
        );
        assert!(
            database_budgets(&s)
                .iter()
                .all(|b| b.total == 40 && b.limit == 97)
        );
    }

    #[test]
    fn the_calculator_queues_the_guides() {
        use poolcast::analytic::{proxy_calc, serverless_losses};
        let p = by_id("mega-directory").unwrap();
        let a = serverless_losses(p.before.as_ref().unwrap());
        assert_eq!(a.len(), 1);
        // The database binds first: 97 - the API's 30 = 67 functions.
        assert_eq!((a[0].limit.functions, a[0].max_concurrency), (67, 1000));
        assert_eq!(a[0].limit.against, "primary");
        // At 1000 req/s x 13.4 ms the functions need about 13 connections.
        assert!((a[0].offered_load - 13.4).abs() < 0.2, "{:?}", a[0]);
        assert!(a[0].limit.refused < 1e-6);
        let b = serverless_losses(&p.scenario);
        assert!(b[0].limit.functions >= u64::from(b[0].max_concurrency));
        let q = proxy_calc(&p.scenario).unwrap().server_pools;
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].servers, 20);
        assert!((q[0].rate_per_s - 1000.0).abs() < 1e-9);
        let c = q[0].erlang_c.as_ref().unwrap();
        assert!(c.p_wait > 0.03 && c.p_wait < 0.1, "{c:?}");
        let livedash = proxy_calc(&by_id("livedash").unwrap().scenario);
        assert!(livedash.is_none_or(|p| p.server_pools.iter().all(|q| q.erlang_c.is_none())));
    }

    fn slo(ms: f64) -> poolcast::recommend::Slo {
        poolcast::recommend::Slo {
            max_p99_wait_ms: ms,
            max_timeout_fraction: None,
            max_failure_fraction: Some(0.001),
        }
    }

    fn short(s: &Scenario) -> Scenario {
        let mut s = s.clone();
        s.duration_s = 40.0;
        s.warmup_s = 5.0;
        s
    }

    #[test]
    fn the_smallest_proxy_pool_for_the_functions() {
        use poolcast::recommend::{Sizing, recommend_sizing};
        let mut s = short(&by_id("mega-directory").unwrap().scenario);
        // A steady 1000 req/s of functions through the proxy.
        s.services[1].workload.rate_per_s = 1000.0;
        s.services[1].workload.rate_profile.clear();
        let mut seen = 0;
        let a =
            recommend_sizing(&s, Sizing::Proxy, &slo(5.0), u64::MAX, &mut |_| seen += 1).unwrap();
        let n = a.pool_max_size.expect("a pool meets 5 ms");
        assert_eq!(
            seen,
            a.curve.len(),
            "one progress report per simulated size"
        );
        let at = |v: u32| a.curve.iter().find(|p| p.value == f64::from(v));
        assert!(at(n).is_some() && at(n - 1).is_some(), "{:?}", a.curve);
        assert!(
            (10..=30).contains(&n),
            "{n}: 13 erlangs need a little more than 13"
        );
        assert_eq!(a.max_size_allowed, 67, "97 - the API's 30");
    }

    #[test]
    fn a_pool_that_cannot_fit_says_so() {
        use poolcast::recommend::{Sizing, recommend_sizing};
        let mut s = short(&by_id("livedash").unwrap().scenario);
        s.services[0].workload.rate_per_s = 6000.0;
        let a = recommend_sizing(&s, Sizing::Pool(0), &slo(1.0), u64::MAX, &mut |_| {}).unwrap();
        assert_eq!(a.pool_max_size, None);
        assert_eq!(a.max_size_allowed, 48, "2 x 48 <= 97");
        assert!(a.reason.is_some());
        assert!(a.curve.iter().all(|t| t.value <= 48.0));
    }
}
