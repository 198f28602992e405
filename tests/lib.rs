//! Shared helpers of the workspace tests: running scenarios from JSON,
//! independent queueing formulas to check the engine against, and
//! replication statistics for tolerances that follow from the run length.

use poolcast::Report;

#[path = "random.rs"]
pub mod random;

/// Parses, validates and runs scenario JSON; panics with the error if invalid.
pub fn run(json: &str) -> Report {
    let s = poolcast::parse_and_validate(json, poolcast::DEFAULT_MAX_EVENTS)
        .unwrap_or_else(|e| panic!("invalid test scenario: {e}\n{json}"));
    poolcast::Sim::new(&s).run_to_end()
}

/// Runs `json` with `"seed"` replaced by each of `seeds`.
pub fn run_seeds(json: &str, seeds: std::ops::Range<u64>) -> Vec<Report> {
    seeds
        .map(|seed| {
            let mut v: serde_json::Value = serde_json::from_str(json).expect("test JSON");
            v["seed"] = seed.into();
            run(&v.to_string())
        })
        .collect()
}

/// Mean and standard error of the mean of independent replications.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that replications of a statistic agree with theory: within
/// `k` standard errors of the replication mean (k = 4.5 is a two-sided
/// 1-in-150,000 false alarm for a normal mean), and that the run was long
/// enough for the check to mean something (standard error at most
/// `max_rel_se` of the expected value).
pub fn assert_agrees(what: &str, xs: &[f64], want: f64, max_rel_se: f64) {
    let (mean, se) = mean_se(xs);
    assert!(
        se <= max_rel_se * want.abs(),
        "{what}: runs too short to judge (standard error {se:.3e} vs {want:.4})"
    );
    let k = 4.5;
    assert!(
        (mean - want).abs() <= k * se,
        "{what}: simulated {mean:.5} +- {se:.2e} vs theory {want:.5} ({:.1} standard errors)",
        (mean - want).abs() / se
    );
    eprintln!("{what}: simulated {mean:.5} +- {se:.2e}, theory {want:.5}");
}

/// Erlang B: the probability that an arrival finds all `c` servers busy
/// in a loss system with offered load `a` (the recursion
/// B(k) = a B(k-1) / (k + a B(k-1)), B(0) = 1).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

/// The finite-source queue M/M/c//U (the machine-repairman model): `users`
/// each think for an exponential time of mean `think` and then ask for one
/// of `c` servers for an exponential time of mean `service` (same units).
/// Returns (throughput, mean wait for a server).
pub fn machine_repairman(users: u32, c: u32, think: f64, service: f64) -> (f64, f64) {
    // p_n ∝ prod_{k<n} ((U - k)/think) / (min(k + 1, c)/service).
    let mut p = vec![1.0f64];
    for k in 0..users {
        let up = f64::from(users - k) / think;
        let down = f64::from((k + 1).min(c)) / service;
        p.push(p[k as usize] * up / down);
    }
    let total: f64 = p.iter().sum();
    let (mut busy, mut in_system) = (0.0, 0.0);
    for (n, pn) in p.iter().enumerate() {
        busy += pn / total * f64::from((n as u32).min(c));
        in_system += pn / total * n as f64;
    }
    let throughput = busy / service;
    (throughput, in_system / throughput - service)
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load
/// `a` = lambda/mu (Erlang B recursion, then C = B / (1 - rho (1 - B))).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

/// M/M/c with deterministic patience `tau` (M/M/c+D): returns
/// (P(wait > 0), P(abandon)).
///
/// Level crossing on the offered waiting time V (Baccelli and Hebuterne
/// 1981; the M/M/n+G form of Zeltyn and Mandelbaum 2005): below c busy,
/// V = 0; an arrival that finds c-1 busy makes V jump by Exp(c mu), and so
/// does every arrival that finds V < tau (it will be served); V falls at
/// rate one. The density of V is then `lambda p_{c-1} e^{-g x}` below tau
/// and `lambda p_{c-1} e^{lambda tau - c mu x}` above, with `g = c mu -
/// lambda`. With `J = (1 - e^{-g tau})/g + e^{-g tau}/(c mu)` and
/// `E = sum_{k<c} p_k / p_{c-1}`: `p_{c-1} = 1/(E + lambda J)`,
/// `P(wait) = lambda J p_{c-1}` and `P(abandon) = lambda p_{c-1} e^{-g tau}/(c mu)`.
pub fn mmc_d(c: u32, lambda: f64, mu: f64, tau: f64) -> (f64, f64) {
    let a = lambda / mu;
    let cmu = f64::from(c) * mu;
    let g = cmu - lambda;
    let j = if g.abs() < 1e-12 {
        tau + 1.0 / cmu
    } else {
        (1.0 - (-g * tau).exp()) / g + (-g * tau).exp() / cmu
    };
    // E = sum_{k<c} (a^k/k!) / (a^{c-1}/(c-1)!), summed from k = c-1 down.
    let mut e = 0.0;
    let mut term = 1.0;
    for k in (0..c).rev() {
        e += term;
        term *= f64::from(k) / a;
    }
    let p = 1.0 / (e + lambda * j);
    (lambda * j * p, lambda * p * (-g * tau).exp() / cmu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_published_values() {
        // Erlang C for c = 10, a = 9 is 0.6687 (e.g. Kleinrock, Queueing
        // Systems vol. 1; any Erlang C table); c = 1 reduces to rho.
        assert!((erlang_c(10, 9.0) - 0.668_731_5).abs() < 1e-6);
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // c = 2, a = 1: C = 1/3 (closed form 2 rho^2 / (1 + rho) with rho = 1/2).
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn erlang_b_matches_published_values() {
        // B(10, 5) = 0.018385 and B(1, a) = a / (1 + a) (any Erlang B table).
        assert!((erlang_b(10, 5.0) - 0.018_385).abs() < 1e-6);
        assert!((erlang_b(1, 0.5) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn machine_repairman_reduces_to_known_cases() {
        // Enough servers: nobody waits, throughput U / (Z + S).
        let (x, w) = machine_repairman(5, 5, 90.0, 10.0);
        assert!((x - 5.0 / 100.0).abs() < 1e-12 && w.abs() < 1e-9);
        // One user, one server: never waits either.
        let (x, w) = machine_repairman(1, 1, 3.0, 1.0);
        assert!((x - 0.25).abs() < 1e-12 && w.abs() < 1e-12);
        // Two users, one server, Z = S = 1: p0:p1:p2 = 1:2:2, throughput
        // 4/5, mean in system 6/5, response 3/2, wait 1/2.
        let (x, w) = machine_repairman(2, 1, 1.0, 1.0);
        assert!((x - 0.8).abs() < 1e-12 && (w - 0.5).abs() < 1e-12);
    }

    #[test]
    fn mmc_d_reduces_to_erlang_c_without_patience_limit() {
        let (p_wait, p_ab) = mmc_d(10, 900.0, 100.0, 1e6);
        assert!((p_wait - erlang_c(10, 9.0)).abs() < 1e-9);
        assert!(p_ab < 1e-12);
        // tau = 0 is a loss system: P(abandon) is Erlang B, a/(1+a) for c = 1
        // and (a^2/2)/(1 + a + a^2/2) for c = 2.
        let (p_wait, p_ab) = mmc_d(1, 0.5, 1.0, 0.0);
        assert!((p_wait - 1.0 / 3.0).abs() < 1e-12 && (p_ab - 1.0 / 3.0).abs() < 1e-12);
        let (_, p_ab) = mmc_d(2, 2.0, 1.0, 0.0);
        assert!((p_ab - 2.0 / 5.0).abs() < 1e-12);
    }
}
