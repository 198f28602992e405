//! Ready-made scenarios: one per pooling guide in `shared/guides/` (with
//! that guide's numbers), and two classic mistakes. Where a guide does not
//! say something (the load, the instance count) we keep poolcast's defaults
//! and the preset's `source` sentence says so.

use poolcast::Scenario;
use poolcast::scenario::OnConnectError;

/// One preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Stable id, used in the preset menu and tests.
    pub id: &'static str,
    /// Where the numbers come from, in one sentence.
    pub source: &'static str,
    /// The scenario itself; its `name` is the menu label.
    pub scenario: Scenario,
}

fn base(name: &str) -> Scenario {
    Scenario {
        name: name.to_string(),
        duration_s: 300.0,
        ..Scenario::default()
    }
}

/// All presets, in menu order.
pub fn all() -> Vec<Preset> {
    let mut v = Vec::new();

    let mut s = base("4 instances x 20 vs max_connections 100");
    s.duration_s = Scenario::default().duration_s;
    s.app_mut().pool.acquire_timeout_ms = Some(20_000.0);
    v.push(Preset {
        id: "enhancement-12",
        source: "enhancement-12-prisma-pool.md: 4 app instances x connection_limit=20 \
                 against max_connections 100, pool_timeout=20 s; load is poolcast's default.",
        scenario: s,
    });

    let mut s = base("Mega Directory: 3 instances x 10, pool_timeout 20 s");
    s.app_mut().instances = 3;
    s.app_mut().pool.max_size = 10;
    s.app_mut().pool.acquire_timeout_ms = Some(20_000.0);
    v.push(Preset {
        id: "mega-directory",
        source: "mega-directory-pooling-guide.md: connection_limit=10, pool_timeout=20 s, \
                 3 API instances, max_connections 100; load is poolcast's default.",
        scenario: s,
    });

    let mut s = base("Cryb: connection_limit 20, pool_timeout 10 s, statement_timeout 30 s");
    s.app_mut().pool.acquire_timeout_ms = Some(10_000.0);
    s.database.statement_timeout_ms = Some(30_000.0);
    v.push(Preset {
        id: "cryb",
        source: "cryb-pooling-config.md: connection_limit=20, pool_timeout=10 s, \
                 statement_timeout 30 s, max_connections 100; 4 instances and the load are \
                 poolcast's defaults.",
        scenario: s,
    });

    let mut s = base("CultivAI: tarn pool min 10 / max 100, acquire 60 s, retry 200 ms");
    s.app_mut().instances = 1;
    s.app_mut().pool.min_idle = 10;
    s.app_mut().pool.max_size = 100;
    s.app_mut().pool.acquire_timeout_ms = Some(60_000.0);
    s.app_mut().pool.idle_timeout_ms = Some(300_000.0);
    s.app_mut().pool.on_connect_error = OnConnectError::Retry;
    s.app_mut().pool.create_retry_interval_ms = 200.0;
    s.database.max_connections = 200;
    s.database.reserved_connections = 3;
    v.push(Preset {
        id: "cultivai",
        source: "cultivai-prisma-pool-tuning.md: pool min 10 / max 100, acquire timeout 60 s, \
                 idle timeout 300 s, create retry 200 ms, max_connections 200 with 3 reserved; \
                 one instance and the load are our assumption.",
        scenario: s,
    });

    let mut s = base("LiveDash before the fix: one PrismaClient per scheduler");
    s.app_mut().instances = 2;
    s.app_mut().pools_per_instance = 4;
    s.app_mut().pool.max_size = 20;
    s.app_mut().pool.acquire_timeout_ms = Some(10_000.0);
    v.push(Preset {
        id: "livedash",
        source: "livedash-pooling-guide.md: production connection_limit=20, pool timeout 10 s, \
                 and before its fix one PrismaClient (one pool) per module: 4 pools per \
                 process; 2 instances and the load are our assumption.",
        scenario: s,
    });

    let mut s = base("Pool larger than the database's cores: 4 x 20 on 8 cores");
    s.app_mut().workload.rate_per_s = 580.0;
    s.database.cores = Some(8);
    v.push(Preset {
        id: "oversized",
        source: "HikariCP's \"About Pool Sizing\": 80 connections on an 8-core database \
                 under load (580 req/s of about 13 ms of CPU each, 97% of the cores) queue \
                 on the CPU instead of in the pool, and every query slows down.",
        scenario: s,
    });

    let mut s = base("Serverless without a proxy: 200 functions x connection_limit 1");
    s.app_mut().instances = 200;
    s.app_mut().pool.max_size = 1;
    s.app_mut().pool.acquire_timeout_ms = Some(10_000.0);
    s.database.connect_ms = 20.0;
    v.push(Preset {
        id: "serverless",
        source: "mega-directory-pooling-guide.md's serverless advice (connection_limit=1, \
                 pool_timeout=10 s) without the PgBouncer it requires: 200 function \
                 instances against max_connections 100.",
        scenario: s,
    });

    v
}

/// The preset with this id.
pub fn by_id(id: &str) -> Option<Preset> {
    all().into_iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates_and_runs_quickly() {
        let presets = all();
        assert!(presets.len() >= 7);
        for p in &presets {
            poolcast::validate(&p.scenario, 5_000_000).unwrap_or_else(|e| panic!("{}: {e}", p.id));
            assert!(!p.scenario.name.is_empty());
            assert!(by_id(p.id).is_some());
        }
        let mut ids: Vec<_> = presets.iter().map(|p| p.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), presets.len());
    }

    #[test]
    fn guide_numbers_are_kept() {
        let s = by_id("cultivai").unwrap().scenario;
        assert_eq!((s.app().pool.min_idle, s.app().pool.max_size), (10, 100));
        assert_eq!(s.database.max_connections, 200);
        let s = by_id("serverless").unwrap().scenario;
        assert!(s.pool_count() * u64::from(s.app().pool.max_size) > u64::from(s.db_limit()));
        let s = by_id("oversized").unwrap().scenario;
        assert_eq!(s.database.cores, Some(8));
    }
}
