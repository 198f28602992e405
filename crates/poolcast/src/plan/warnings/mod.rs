//! Plain sentences a planner must see, each saying what to change: the
//! report's `warnings`, written from the finished report (the scenario is
//! in it). `pool.rs` has the sentences of a scenario of version 1's shape,
//! `topology.rs` those of services, the proxy, replicas, serverless fleets,
//! retries and incidents.

mod pool;
mod topology;

use crate::input::dist::Sampler;
use crate::input::scenario::QueryMode;
use crate::measure::report::Report;

/// The warnings for a finished run.
pub fn warnings(r: &Report) -> Vec<String> {
    let s = &r.scenario;
    let mut out = Vec::new();
    if s.fits_v1() {
        pool::budget(s, &mut out);
        pool::load(s, &mut out);
    } else {
        topology::budget(s, &mut out);
        topology::load(s, &mut out);
    }
    pool::outcomes(r, &mut out);
    for (i, svc) in s.services.iter().enumerate() {
        let w = &svc.workload;
        let hold_is_zero = Sampler::new(&w.hold_extra_ms).is_zero();
        if w.query_mode != QueryMode::Transaction && !hold_is_zero {
            let field = if s.fits_v1() {
                "workload.hold_extra_ms".to_string()
            } else {
                format!("services[{i}].workload.hold_extra_ms")
            };
            out.push(format!(
                "{field} only applies with query_mode \"transaction\"; it is ignored here."
            ));
        }
    }
    topology::outcomes(r, &mut out);
    out
}
