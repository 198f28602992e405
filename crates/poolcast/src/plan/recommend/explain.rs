//! The sentences of a recommendation: remarks on a size found, and when
//! none fits, which limit binds and what would lift it.

use super::{Binding, Recommendation, Seen, Sizing, analytic_holds};
use crate::input::dist::mean_ms;
use crate::input::scenario::{Route, Scenario};
use crate::plan::analytic::{self, Assumption, peak_rate, share_on};

/// What the size costs at the database: the connections it adds, and what
/// the other parties may hold there.
fn cost(s: &Scenario, sizing: Sizing, rec: &Recommendation, size: u32) -> (u64, u64) {
    let reserve = u64::from(s.proxy.map_or(0, |p| p.reserve_pool_size));
    let mine = match sizing {
        Sizing::Pool(_) => rec.pools * u64::from(size),
        Sizing::Proxy => u64::from(size) + reserve,
    };
    (mine, sizing.others(s))
}

fn behind_proxy(s: &Scenario, sizing: Sizing) -> bool {
    matches!(sizing, Sizing::Pool(i) if s.services[i].route == Route::Proxy)
}

/// Remarks on a size that meets the SLO.
pub(super) fn found(
    s: &Scenario,
    sizing: Sizing,
    rec: &mut Recommendation,
    seen: &Seen,
    size: u32,
) {
    let (mine, others) = cost(s, sizing, rec, size);
    let total = mine + others;
    if !behind_proxy(s, sizing) && total * 5 > rec.db_limit * 4 {
        let what = match sizing {
            Sizing::Pool(_) => format!("{} pools x {size} = {mine} connections", rec.pools),
            Sizing::Proxy => format!("a server pool of {mine} (reserve included)"),
        };
        rec.notes.push(if others == 0 {
            format!(
                "{what} is over 80% of the {} the database accepts; the guides keep 20% free \
                 for deploys and admin sessions.",
                rec.db_limit
            )
        } else {
            format!(
                "{what}, with the {others} the other parties may hold, is over 80% of the {} \
                 the primary accepts; the guides keep 20% free for deploys and admin sessions.",
                rec.db_limit
            )
        });
    }
    let unbounded_timeouts = seen
        .get(&size)
        .filter(|(p, _)| rec.slo.max_timeout_fraction.is_none() && p.timeout_fraction > 0.0);
    if let Some((p, _)) = unbounded_timeouts {
        rec.notes.push(format!(
            "{:.3}% of {} time out at this size and the SLO sets no bound on timeouts (their \
             waits are not in the p99).",
            p.timeout_fraction * 100.0,
            match sizing {
                Sizing::Pool(_) => "acquisitions",
                Sizing::Proxy => "transactions at the proxy",
            }
        ));
    }
    let Some(an) = rec.analytic_max_size else {
        return;
    };
    if an == size {
        return;
    }
    if !analytic_holds(s, sizing) {
        let broken: Vec<String> = sizing
            .assumptions(s)
            .into_iter()
            .filter(|a| !a.holds && a.assumption != Assumption::WithinDbLimit)
            .map(|a| a.detail)
            .collect();
        rec.notes.push(format!(
            "the formulas give {an} and the simulation {size}: the scenario breaks their \
             assumptions ({}), so the formulas only start the search.",
            broken.join(" ")
        ));
        return;
    }
    // The sizes where the two disagree lie between them; show the closest to the bound.
    let k = size.min(an);
    // Of the proxy's server pools, the one that waits longest binds.
    let p99 =
        |q: &crate::plan::analytic::Mmc| q.served_wait_quantile_ms(0.99).unwrap_or(f64::INFINITY);
    let Some(q) = sizing
        .queues(s, k)
        .into_iter()
        .max_by(|a, b| p99(a).total_cmp(&p99(b)))
    else {
        return;
    };
    let model = if q.timeout_ms.is_some() {
        "M/M/c+D"
    } else {
        "Erlang C"
    };
    let theory = q
        .served_wait_quantile_ms(0.99)
        .map_or("unbounded".to_string(), |w| format!("{w:.2} ms"));
    let sim = seen.get(&k).map_or("not simulated".to_string(), |(p, _)| {
        format!("{:.2} ms", p.p99_wait_ms)
    });
    rec.notes.push(format!(
        "the simulation gives {size} and {model} {an}: at size {k} the formula's p99 wait is \
         {theory} and the simulated one {sim}, on either side of the {} ms bound (or of the \
         timeout bound); a finite run samples the tail with noise (run longer to settle it).",
        rec.slo.max_p99_wait_ms
    ));
}

/// Busy connections of what is sized (Little's law) and the database cores
/// every service's queries need on the primary, at the peak.
fn demand(s: &Scenario, sizing: Sizing) -> (f64, f64, f64) {
    let (rate, busy) = match sizing {
        Sizing::Pool(i) => {
            let l = analytic::load_for(s, i);
            (
                l.peak_rate_per_s,
                l.peak_rate_per_s * l.hold_per_request_ms * l.primary_share / 1000.0,
            )
        }
        Sizing::Proxy => {
            let routed = analytic::routed(s);
            let (rate, hold) = analytic::server_load(s, &routed, 0);
            (rate, rate * hold / 1000.0)
        }
    };
    let cpu = s
        .services
        .iter()
        .map(|x| {
            peak_rate(x)
                * f64::from(x.workload.queries_per_request)
                * mean_ms(&x.workload.query_ms)
                * share_on(s, x, 0)
                / 1000.0
        })
        .sum();
    (rate, busy, cpu)
}

/// The connections left, in words: the database's limit, or what the
/// other parties leave of it.
fn left(rec: &Recommendation, others: u64) -> String {
    if others == 0 {
        format!("the database accepts only {}", rec.db_limit)
    } else {
        format!(
            "the other parties may hold {others} of the {} connections the database accepts, \
             leaving {}",
            rec.db_limit, rec.room
        )
    }
}

/// Which limit binds when no size fits, why, and the fixes.
pub(super) fn none(s: &Scenario, sizing: Sizing, rec: &mut Recommendation, seen: &Seen) {
    let (rate, busy, cpu) = demand(s, sizing);
    let room = rec.room;
    // At the largest size tried, only the failure bound broken: pool size is not the cause.
    let only_failures = seen.values().next_back().is_some_and(|(p, _)| {
        p.p99_wait_ms <= rec.slo.max_p99_wait_ms
            && rec
                .slo
                .max_timeout_fraction
                .is_none_or(|m| p.timeout_fraction <= m)
            && rec
                .slo
                .max_failure_fraction
                .is_some_and(|m| p.failure_fraction > m)
    });
    let formulas_fit = rec
        .analytic_max_size
        .is_some_and(|n| n <= rec.max_size_allowed);
    let client = behind_proxy(s, sizing);
    let (binding, reason) = match s.database.cores {
        Some(k) if cpu >= f64::from(k) => (
            Binding::DatabaseCores,
            format!(
                "the queries need {cpu:.1} cores of database time at {rate} requests/s and the \
                 database has {k}: no pool size helps."
            ),
        ),
        _ if !client && busy >= room as f64 => (
            Binding::LoadAboveCapacity,
            format!(
                "the load keeps {busy:.1} connections busy on average (Little's law) and {}.",
                left(rec, sizing.others(s))
            ),
        ),
        _ if rec.max_size_allowed == 0 && client => (
            Binding::ClientConnections,
            format!(
                "{} pools are more than the {room} client connections the proxy has left \
                 (max_client_conn).",
                rec.pools
            ),
        ),
        _ if rec.max_size_allowed == 0 => (
            Binding::DatabaseConnections,
            if sizing.others(s) == 0 {
                format!(
                    "{} pools are more than the {room} connections the database accepts.",
                    rec.pools
                )
            } else {
                format!(
                    "{} pools are more than the connections left: {}.",
                    rec.pools,
                    left(rec, sizing.others(s))
                )
            },
        ),
        _ if only_failures => (
            Binding::Slo,
            "requests fail at every size tried (statement timeouts or refused connections), \
             which a larger pool does not fix."
                .to_string(),
        ),
        Some(k) if formulas_fit => (
            Binding::DatabaseCores,
            format!(
                "the SLO is missed at every size up to {}: with {k} database cores, larger pools \
                 make queries slower instead of waits shorter.",
                rec.max_size_allowed
            ),
        ),
        _ => {
            let next = u64::from(rec.max_size_allowed) + 1;
            let (mine, _) = cost(s, sizing, rec, rec.max_size_allowed + 1);
            (
                if client {
                    Binding::ClientConnections
                } else {
                    Binding::DatabaseConnections
                },
                format!(
                    "the SLO is missed at every size up to {} (the formulas ask for {}), and {} \
                     is over the {room} connections {}.",
                    rec.max_size_allowed,
                    rec.analytic_max_size
                        .map_or("more than that".to_string(), |n| format!("about {n}")),
                    match sizing {
                        Sizing::Pool(_) => format!("{} pools x {next} = {mine}", rec.pools),
                        Sizing::Proxy => format!("a server pool of {mine}"),
                    },
                    if client {
                        "the proxy has left for clients"
                    } else {
                        "the database accepts"
                    }
                ),
            )
        }
    };
    rec.binding = Some(binding);
    rec.reason = Some(reason);
    rec.fixes = fixes(s, sizing, rec, binding, busy, cpu);
}

fn fixes(
    s: &Scenario,
    sizing: Sizing,
    rec: &Recommendation,
    binding: Binding,
    busy: f64,
    cpu: f64,
) -> Vec<String> {
    let reserved = u64::from(s.database.reserved_connections);
    let others = sizing.others(s);
    match binding {
        Binding::DatabaseCores => vec![format!(
            "give the database more than {cpu:.1} cores, cache, or cut query time; more \
             connections will not help."
        )],
        Binding::LoadAboveCapacity => vec![
            format!(
                "raise database.max_connections above {} (more than {busy:.0} busy connections \
                 plus headroom, the reserved ones and the other parties').",
                (busy * 1.25).ceil() as u64 + reserved + others
            ),
            "or hold connections for less time: shorter queries, no external calls inside \
             transactions."
                .into(),
        ],
        Binding::Slo => vec![
            "look at database.statement_timeout_ms and the failures in the report; the pool \
             size is not the cause."
                .into(),
        ],
        Binding::ClientConnections => {
            let need = rec.analytic_max_size.unwrap_or(rec.max_size_allowed.max(1));
            let dbs = u64::from(s.database_count());
            let used = u64::from(s.proxy.map_or(0, |p| p.max_client_conn)) - rec.room;
            vec![format!(
                "raise proxy.max_client_conn to at least {} ({} pools x {need} x {dbs} \
                 database(s), plus the other clients' {used}).",
                rec.pools * u64::from(need) * dbs + used,
                rec.pools
            )]
        }
        Binding::DatabaseConnections => match sizing {
            Sizing::Pool(i) => pool_fixes(s, i, rec, reserved + others),
            Sizing::Proxy => {
                let mut out = Vec::new();
                if let Some(size) = rec.analytic_max_size {
                    let reserve = u64::from(s.proxy.map_or(0, |p| p.reserve_pool_size));
                    out.push(format!(
                        "raise database.max_connections to at least {} (a server pool of {size} \
                         + reserve {reserve} + {reserved} reserved + the other parties' {others}).",
                        u64::from(size) + reserve + reserved + others
                    ));
                }
                if others > 0 {
                    out.push(
                        "route the services that connect straight to the database through the \
                         proxy too, so their connections come out of its pool."
                            .into(),
                    );
                }
                out
            }
        },
    }
}

/// Fixes when a service's pools, at the size the SLO needs, do not fit.
fn pool_fixes(s: &Scenario, i: usize, rec: &Recommendation, fixed: u64) -> Vec<String> {
    let svc = &s.services[i];
    let mut out = Vec::new();
    let limit = rec.room;
    let field = |name: &str| {
        if s.fits_v1() {
            format!("fleet.{name}")
        } else {
            format!("services[{i}].{name}")
        }
    };
    if svc.is_serverless() {
        let per = u64::from(svc.pool.max_size.max(1));
        out.push(format!(
            "cap services[{i}].serverless.max_concurrency at {} so every function's pool fits, \
             or route {} through a transaction-mode proxy.",
            (limit / per).max(1),
            svc.name
        ));
    } else {
        let ppi = u64::from(svc.pools_per_instance);
        // The most instances whose pools, sized by the formulas for their
        // larger share of the load, still fit. Fewer instances need fewer
        // connections in all (bigger pools share better), so bisect.
        let fits = |n: u32| {
            let mut t = s.clone();
            t.services[i].instances = n;
            let size = Sizing::Pool(i).analytic_size(&t, &rec.slo)?;
            (u64::from(n) * ppi * u64::from(size) <= limit).then_some((n, size))
        };
        let (mut lo, mut hi) = (0, svc.instances);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid).is_some() {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if let Some((n, size)) = if lo == 0 { None } else { fits(lo) } {
            out.push(format!(
                "run {n} instances instead of {} ({}): each pool then needs about {size} \
                 connections (by the formulas) and {} fit.",
                svc.instances,
                field("instances"),
                u64::from(n) * ppi * u64::from(size)
            ));
        }
    }
    if svc.route == Route::Direct {
        let mut one = s.clone();
        one.services[i].kind = crate::input::scenario::ServiceKind::Instances;
        one.services[i].instances = 1;
        one.services[i].pools_per_instance = 1;
        if let Some(size) = Sizing::Pool(i).analytic_size(&one, &rec.slo) {
            out.push(format!(
                "put a transaction-mode proxy (PgBouncer, RDS Proxy) in front: one shared pool \
                 of about {size} server connections carries the whole load{}.",
                if u64::from(size) <= limit {
                    String::new()
                } else {
                    format!(", though that is still over {limit}")
                }
            ));
        }
    }
    if let Some(size) = rec.analytic_max_size {
        out.push(format!(
            "raise database.max_connections to at least {} ({} pools x {size} + {fixed} \
             reserved{}).",
            rec.pools * u64::from(size) + fixed,
            rec.pools,
            if fixed > u64::from(s.database.reserved_connections) {
                " and the other parties'"
            } else {
                ""
            }
        ));
    }
    out
}
