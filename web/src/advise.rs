//! The recommendation for a chosen knob (one service's pool size, or the
//! proxy's `default_pool_size`): the smallest value whose simulated run
//! meets an SLO, within what the databases accept. Gallops from the formula's
//! guess, then bisects, as `poolcast recommend` does for version 1.

use poolcast::recommend::Slo;
use poolcast::{Report, Scenario};
use serde::{Deserialize, Serialize};

use crate::budget::{Knob, proxy_queues};

/// One simulated value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tried {
    /// The knob's value.
    pub value: u32,
    /// The p99 wait the SLO looks at, ms (the service's acquire wait, or
    /// the proxy's wait for a server).
    pub p99_wait_ms: f64,
    /// Failed requests (timeouts included) / arrived, of the service (the
    /// whole run for the proxy).
    pub fail_fraction: f64,
    /// Whether it met the SLO.
    pub ok: bool,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advised {
    /// What was sized.
    pub knob: Knob,
    /// The smallest value meeting the SLO, if one does within `allowed`.
    pub value: Option<u32>,
    /// The largest value the databases accept.
    pub allowed: u32,
    /// Every value simulated, by value.
    pub tried: Vec<Tried>,
    /// The objective.
    pub slo: Slo,
}

/// The figures the SLO is checked on.
pub fn judge(r: &Report, knob: Knob, slo: &Slo) -> Tried {
    let (p99, fails, timeouts) = match knob {
        Knob::Service(i) => match r.services.get(i) {
            Some(s) => {
                let arrived = s.requests.arrived.max(1) as f64;
                (
                    s.acquire.wait_ms.p99,
                    (s.requests.failed + s.requests.timed_out) as f64 / arrived,
                    s.acquire.timeout_fraction,
                )
            }
            None => (f64::INFINITY, 1.0, 1.0),
        },
        Knob::Proxy => {
            let arrived = r.requests.arrived.max(1) as f64;
            (
                r.proxy.as_ref().map_or(0.0, |p| p.wait_ms.p99),
                (r.requests.failed + r.requests.timed_out) as f64 / arrived,
                r.acquire.timeout_fraction,
            )
        }
    };
    let ok = p99 <= slo.max_p99_wait_ms
        && slo.max_timeout_fraction.is_none_or(|m| timeouts <= m)
        && slo.max_failure_fraction.is_none_or(|m| fails <= m)
        && r.requests.in_flight as f64 <= 0.01 * r.requests.arrived.max(1) as f64;
    Tried {
        value: 0,
        p99_wait_ms: p99,
        fail_fraction: fails,
        ok,
    }
}

/// A first guess from the formulas: for the proxy, Erlang C's smallest pool
/// whose p99 meets the SLO; otherwise the current value.
fn guess(s: &Scenario, knob: Knob, slo: &Slo, allowed: u32) -> u32 {
    if knob == Knob::Proxy {
        for n in 1..=allowed.min(2000) {
            let q = proxy_queues(&knob.set(s, n));
            if q.iter()
                .all(|q| q.p99_wait_ms.is_some_and(|w| w <= slo.max_p99_wait_ms))
            {
                return n;
            }
        }
    }
    knob.value(s).clamp(1, allowed)
}

/// Finds the smallest value of `knob` meeting `slo`; `run` simulates a
/// scenario (the worker passes the engine; tests too).
pub fn advise(
    s: &Scenario,
    knob: Knob,
    slo: &Slo,
    run: &mut dyn FnMut(&Scenario) -> Result<Report, String>,
    progress: &mut dyn FnMut(&Tried),
) -> Result<Advised, String> {
    let allowed = knob.allowed(s);
    let mut tried: Vec<Tried> = Vec::new();
    let mut meets = |n: u32, tried: &mut Vec<Tried>| -> Result<bool, String> {
        if let Some(t) = tried.iter().find(|t| t.value == n) {
            return Ok(t.ok);
        }
        let r = run(&knob.set(s, n))?;
        let t = Tried {
            value: n,
            ..judge(&r, knob, slo)
        };
        progress(&t);
        tried.push(t);
        Ok(t.ok)
    };
    let g = guess(s, knob, slo, allowed);
    let (mut bad, mut good) = if meets(g, &mut tried)? {
        let (mut good, mut step) = (g, 1);
        loop {
            let below = good.saturating_sub(step);
            if below == 0 {
                break (0, good);
            }
            if !meets(below, &mut tried)? {
                break (below, good);
            }
            good = below;
            step *= 2;
        }
    } else {
        let (mut bad, mut step) = (g, 1);
        let found = loop {
            if bad >= allowed {
                break None;
            }
            let above = bad.saturating_add(step).min(allowed);
            if meets(above, &mut tried)? {
                break Some((bad, above));
            }
            bad = above;
            step *= 2;
        };
        match found {
            Some(pair) => pair,
            None => {
                tried.sort_by_key(|t| t.value);
                return Ok(Advised {
                    knob,
                    value: None,
                    allowed,
                    tried,
                    slo: *slo,
                });
            }
        }
    };
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if meets(mid, &mut tried)? {
            good = mid;
        } else {
            bad = mid;
        }
    }
    tried.sort_by_key(|t| t.value);
    Ok(Advised {
        knob,
        value: Some(good),
        allowed,
        tried,
        slo: *slo,
    })
}

/// Runs a scenario with the core, for [`advise`].
pub fn simulate(s: &Scenario) -> Result<Report, String> {
    poolcast::run(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::by_id;

    fn slo(ms: f64) -> Slo {
        Slo {
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
    fn the_smallest_proxy_pool_meeting_the_slo() {
        let mut s = short(&by_id("mega-directory").unwrap().scenario);
        // A steady 1000 req/s of functions through the proxy.
        s.services[1].workload.rate_per_s = 1000.0;
        s.services[1].workload.rate_profile.clear();
        let mut seen = 0;
        let a = advise(&s, Knob::Proxy, &slo(5.0), &mut simulate, &mut |_| {
            seen += 1
        })
        .unwrap();
        let n = a.value.expect("a pool meets 5 ms");
        assert_eq!(seen, a.tried.len());
        assert!(a.tried.iter().any(|t| t.value == n && t.ok));
        assert!(
            a.tried.iter().any(|t| t.value == n - 1 && !t.ok),
            "{:?}",
            a.tried
        );
        assert!(
            (10..=30).contains(&n),
            "{n}: 13 erlangs need a little more than 13"
        );
        assert_eq!(a.allowed, 67);
    }

    #[test]
    fn a_service_pool_that_cannot_fit_says_so() {
        let s = short(&by_id("livedash").unwrap().scenario);
        let mut s = s;
        s.services[0].workload.rate_per_s = 6000.0;
        let a = advise(&s, Knob::Service(0), &slo(1.0), &mut simulate, &mut |_| {}).unwrap();
        assert_eq!(a.value, None);
        assert_eq!(a.allowed, 48, "2 x 48 <= 97");
        assert!(a.tried.iter().all(|t| !t.ok && t.value <= 48));
    }
}
