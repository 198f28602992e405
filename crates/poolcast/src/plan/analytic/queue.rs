//! One pool as a textbook queue: M/M/c (Erlang C) and M/M/c+D, the same
//! queue whose waiters give up after a fixed acquire timeout.
//!
//! Connections are the c servers, an acquisition is a customer, its hold time
//! is the service time. Everything starts from the Erlang B recursion
//! B(k) = a B(k-1) / (k + a B(k-1)), which stays in [0, 1] for any c, so
//! c = 100000 neither overflows nor loses precision.
//!
//! With a timeout tau the offered wait V (what an infinitely patient arrival
//! would wait) has, by level crossing (Baccelli & Hebuterne 1981; Zeltyn &
//! Mandelbaum 2005, M/M/n+G with patience G = step at tau), gamma = c mu -
//! lambda and p_{c-1} the probability that exactly c - 1 connections are busy:
//!
//!   density of V at x in (0, tau):  lambda p_{c-1} e^{-gamma x}
//!   density of V at x > tau:        lambda p_{c-1} e^{-gamma tau} e^{-c mu (x - tau)}
//!   J = (1 - e^{-gamma tau}) / gamma + e^{-gamma tau} / (c mu)
//!   p_{c-1} = B(c-1, a) / (1 + lambda J B(c-1, a))
//!   P(V > t) = lambda p_{c-1} [(e^{-gamma t} - e^{-gamma tau}) / gamma + e^{-gamma tau} / (c mu)]
//!   P(timeout) = P(V > tau) = lambda p_{c-1} e^{-gamma tau} / (c mu).
//!
//! tau = 0 gives Erlang B (the loss system), tau -> infinity gives Erlang C.
//! Times are in milliseconds. Transcendentals come from `libm`, so native and
//! wasm agree bit for bit.

/// Erlang B: the probability that all `c` servers are busy in the loss
/// system M/M/c/c with offered load `a` erlangs.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| next_erlang_b(b, k, a))
}

/// B(k, a) from B(k - 1, a).
fn next_erlang_b(b_prev: f64, k: u32, a: f64) -> f64 {
    let ab = a * b_prev;
    ab / (f64::from(k) + ab)
}

/// Erlang C: the probability of waiting in M/M/c with offered load `a`
/// erlangs; 1 when `a >= c` (the queue grows without bound).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a >= f64::from(c) {
        return 1.0;
    }
    let b = erlang_b(c, a);
    let c = f64::from(c);
    c * b / (c - a * (1.0 - b))
}

/// One pool: `servers` connections, Poisson acquisitions, exponential hold
/// times, FIFO waiters that leave after `timeout_ms` (`None`: never).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    /// Connections (c).
    pub servers: u32,
    /// Acquisitions per millisecond (lambda).
    pub arrival_per_ms: f64,
    /// Mean hold time of one acquisition, ms (1 / mu).
    pub hold_ms: f64,
    /// Acquire timeout, ms (tau); `None` waits forever.
    pub timeout_ms: Option<f64>,
    /// Erlang B with one server fewer, B(c - 1, a).
    b_prev: f64,
}

impl Mmc {
    /// The queue; costs O(servers) for the Erlang B recursion.
    pub fn new(servers: u32, arrival_per_ms: f64, hold_ms: f64, timeout_ms: Option<f64>) -> Mmc {
        let a = arrival_per_ms * hold_ms;
        let b_prev = erlang_b(servers.saturating_sub(1), a);
        Mmc {
            servers,
            arrival_per_ms,
            hold_ms,
            timeout_ms,
            b_prev,
        }
    }

    /// The same queue with one more server, in O(1).
    pub fn with_one_more(&self) -> Mmc {
        let b_prev = if self.servers == 0 {
            1.0
        } else {
            next_erlang_b(self.b_prev, self.servers, self.offered_load())
        };
        Mmc {
            servers: self.servers + 1,
            b_prev,
            ..*self
        }
    }

    /// Offered load a = lambda / mu, erlangs (mean busy connections if none left).
    pub fn offered_load(&self) -> f64 {
        self.arrival_per_ms * self.hold_ms
    }

    /// Whether waits stay finite: always with a timeout, else `a < c`.
    pub fn stable(&self) -> bool {
        self.timeout_ms.is_some() || self.offered_load() < f64::from(self.servers)
    }

    fn c_mu(&self) -> f64 {
        f64::from(self.servers) / self.hold_ms
    }

    fn gamma(&self) -> f64 {
        self.c_mu() - self.arrival_per_ms
    }

    fn degenerate(&self) -> bool {
        self.servers == 0 || self.arrival_per_ms <= 0.0 || self.hold_ms <= 0.0
    }

    /// P(V > t), the chance that an arrival would wait longer than `t_ms`
    /// if it never gave up (for t < tau this is also P(wait > t)).
    pub fn p_wait_over(&self, t_ms: f64) -> f64 {
        if self.servers == 0 {
            return 1.0;
        }
        if self.degenerate() {
            return 0.0;
        }
        let t = t_ms.max(0.0);
        let lb = self.arrival_per_ms * self.b_prev;
        let gamma = self.gamma();
        match self.timeout_ms {
            None if gamma <= 0.0 => 1.0,
            // Erlang C: C e^{-gamma t} with C = lambda B' / (gamma + lambda B').
            None => lb / (gamma + lb) * libm::exp(-gamma * t),
            Some(tau) => {
                let scaled = Scaled::new(gamma, tau, self.c_mu());
                lb * scaled.v(t.min(tau), tau) / (scaled.scale + lb * scaled.v(0.0, tau))
                    * if t > tau {
                        libm::exp(-self.c_mu() * (t - tau))
                    } else {
                        1.0
                    }
            }
        }
    }

    /// P(wait > 0): the chance that an acquisition finds no idle connection.
    pub fn p_wait(&self) -> f64 {
        self.p_wait_over(0.0)
    }

    /// The fraction of acquisitions that time out (0 without a timeout).
    pub fn p_timeout(&self) -> f64 {
        match self.timeout_ms {
            Some(tau) => self.p_wait_over(tau),
            None => 0.0,
        }
    }

    /// The `q` quantile of the waits of acquisitions that got a connection,
    /// ms; `None` when waits grow without bound.
    pub fn served_wait_quantile_ms(&self, q: f64) -> Option<f64> {
        if !self.stable() {
            return None;
        }
        let p_to = self.p_timeout();
        let target = p_to + (1.0 - q) * (1.0 - p_to);
        if self.p_wait() <= target {
            return Some(0.0);
        }
        match self.timeout_ms {
            // C e^{-gamma t} = 1 - q.
            None => Some(libm::log(self.p_wait() / target) / self.gamma()),
            // P(V > t) falls strictly from P(wait) at 0 to P(timeout) at tau.
            Some(tau) => {
                let (mut lo, mut hi) = (0.0, tau);
                for _ in 0..200 {
                    let mid = 0.5 * (lo + hi);
                    if mid <= lo || mid >= hi {
                        break;
                    }
                    if self.p_wait_over(mid) > target {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                Some(hi)
            }
        }
    }

    /// Mean wait of the acquisitions that got a connection, ms; `None` when
    /// waits grow without bound.
    pub fn mean_served_wait_ms(&self) -> Option<f64> {
        if !self.stable() {
            return None;
        }
        if self.degenerate() {
            return Some(0.0);
        }
        let lb = self.arrival_per_ms * self.b_prev;
        let gamma = self.gamma();
        let Some(tau) = self.timeout_ms else {
            return Some(self.p_wait() / gamma);
        };
        // E[min(V, tau)] = integral of P(V > t) over [0, tau].
        let scaled = Scaled::new(gamma, tau, self.c_mu());
        let integral = lb * scaled.integral(tau) / (scaled.scale + lb * scaled.v(0.0, tau));
        let p_to = self.p_timeout();
        if p_to >= 1.0 {
            return Some(tau);
        }
        Some(((integral - tau * p_to) / (1.0 - p_to)).clamp(0.0, tau))
    }
}

/// The bracket of P(V > t) for t <= tau, multiplied by `scale` =
/// e^{-max(0, -gamma tau)} so that an overloaded pool (gamma < 0) with a
/// long timeout does not overflow.
struct Scaled {
    gamma: f64,
    c_mu: f64,
    scale: f64,
}

impl Scaled {
    fn new(gamma: f64, tau: f64, c_mu: f64) -> Scaled {
        let scale = if gamma < 0.0 {
            libm::exp(gamma * tau)
        } else {
            1.0
        };
        Scaled { gamma, c_mu, scale }
    }

    /// scale x [(e^{-gamma t} - e^{-gamma tau}) / gamma + e^{-gamma tau} / (c mu)].
    fn v(&self, t: f64, tau: f64) -> f64 {
        let g = self.gamma;
        if g >= 0.0 {
            libm::exp(-g * t) * ramp(tau - t, g) + libm::exp(-g * tau) / self.c_mu
        } else {
            ramp(tau - t, -g) + 1.0 / self.c_mu
        }
    }

    /// Integral of `v` over [0, tau].
    fn integral(&self, tau: f64) -> f64 {
        let g = self.gamma;
        let u = g * tau;
        if g >= 0.0 {
            // (1 - e^{-u}) / u - e^{-u}, over u; series near 0.
            let f = if u < 1e-4 {
                0.5 - u / 3.0 + u * u / 8.0
            } else {
                (ramp(1.0, u) - libm::exp(-u)) / u
            };
            tau * tau * f + tau * libm::exp(-u) / self.c_mu
        } else {
            let w = -u;
            let f = if w < 1e-4 {
                0.5 - w / 6.0 + w * w / 24.0
            } else {
                (1.0 - ramp(1.0, w)) / w
            };
            tau * tau * f + tau / self.c_mu
        }
    }
}

/// (1 - e^{-g x}) / g, which is x at g = 0, computed without cancellation.
fn ramp(x: f64, g: f64) -> f64 {
    if g == 0.0 {
        x
    } else {
        -libm::expm1(-g * x) / g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, want: f64, rel: f64) {
        assert!(
            (x - want).abs() <= rel * want.abs(),
            "got {x}, want {want} (within {rel} relative)"
        );
    }

    /// Erlang B from Poisson terms in log space, an independent route:
    /// B = pmf(c) / cdf(c) of a Poisson(a) variable.
    fn erlang_b_by_logs(c: u32, a: f64) -> f64 {
        let ln_term = |k: u32| f64::from(k) * libm::log(a) - libm::lgamma(f64::from(k) + 1.0);
        let top = ln_term(c);
        let sum: f64 = (0..=c).map(|k| libm::exp(ln_term(k) - top)).sum();
        1.0 / sum
    }

    #[test]
    fn erlang_b_matches_tables() {
        // Classic Erlang B tables (e.g. Cooper, "Introduction to Queueing
        // Theory", table of the loss formula): B(1, 1) = 1/2, B(5, 2) = 0.0367,
        // B(10, 5) = 0.0184.
        close(erlang_b(1, 1.0), 0.5, 1e-12);
        close(erlang_b(5, 2.0), 0.0367, 2e-3);
        close(erlang_b(10, 5.0), 0.01838, 1e-3);
        // Traffic tables at 1% grade of service: 10 lines carry 4.461 E,
        // 20 lines 12.031 E, 50 lines 37.901 E, 100 lines 84.064 E (tables
        // round the load to 0.001 E, hence the tolerance).
        for (c, a) in [(10, 4.461), (20, 12.031), (50, 37.901), (100, 84.064)] {
            close(erlang_b(c, a), 0.01, 1e-3);
        }
    }

    #[test]
    fn erlang_b_recursion_from_its_start() {
        // B(0, a) = 1 for any load: with no line every call is lost.
        assert_eq!(erlang_b(0, 3.7), 1.0);
        // B(10, 5) = (5^10 / 10!) / sum_k 5^k / k! = 0.018384570336648 (the
        // Poisson-terms route below gives the same digits).
        close(erlang_b(10, 5.0), 0.018_384_570_336_648, 1e-12);
        close(erlang_b(10, 5.0), erlang_b_by_logs(10, 5.0), 1e-12);
        // One step of the recursion by hand: B(1, 2) = 2/3, B(2, 2) = 2/5.
        close(erlang_b(2, 2.0), 0.4, 1e-15);
    }

    #[test]
    fn erlang_b_recursion_is_stable_for_large_pools() {
        for (c, a) in [(1_000, 950.0), (20_000, 19_500.0), (100_000, 99_000.0)] {
            close(erlang_b(c, a), erlang_b_by_logs(c, a), 1e-9);
        }
    }

    #[test]
    fn erlang_c_matches_textbook_values() {
        // Erlang C for a = 9 erlangs on c = 10 servers is 0.6687 (standard
        // call-centre tables; Kleinrock, Queueing Systems vol. 1, eq. 3.40).
        close(erlang_c(10, 9.0), 0.6687, 1e-4);
        // M/M/1: P(wait) = rho. M/M/2: P(wait) = 2 rho^2 / (1 + rho), rho = a/2
        // (Gross & Harris, Fundamentals of Queueing Theory, section 2.3).
        close(erlang_c(1, 0.7), 0.7, 1e-12);
        let rho: f64 = 0.5;
        close(erlang_c(2, 1.0), 2.0 * rho * rho / (1.0 + rho), 1e-12);
        assert_eq!(erlang_c(4, 4.0), 1.0);
    }

    #[test]
    fn erlang_c_near_halfin_whitt_for_large_pools() {
        // Halfin & Whitt (1981): with beta = (c - a) / sqrt(a), Erlang C tends
        // to 1 / (1 + beta Phi(beta) / phi(beta)). beta = 1 here: Phi(1) =
        // 0.841345, phi(1) = 0.241971, limit 0.223322; the error is O(1/sqrt a).
        let a = 1e6_f64;
        let c = (a + a.sqrt()) as u32;
        close(erlang_c(c, a), 1.0 / (1.0 + 0.841_345 / 0.241_971), 5e-3);
    }

    #[test]
    fn mmc_without_timeout_is_erlang_c() {
        // M/M/1 (Kleinrock vol. 1, section 3.2): Wq = rho / (mu - lambda),
        // P(W > t) = rho e^{-(mu - lambda) t}, median wait ln(2 rho) / (mu - lambda).
        let q = Mmc::new(1, 0.08, 10.0, None);
        let rho = 0.8;
        let gamma = 0.1 - 0.08;
        close(q.p_wait(), rho, 1e-12);
        close(q.mean_served_wait_ms().unwrap(), rho / gamma, 1e-12);
        close(q.p_wait_over(50.0), rho * libm::exp(-gamma * 50.0), 1e-12);
        close(
            q.served_wait_quantile_ms(0.5).unwrap(),
            libm::log(2.0 * rho) / gamma,
            1e-12,
        );
        // a = 9, c = 10, mean hold 100 ms: Wq = C / (c mu - lambda) = 0.6687 / 0.01 ms.
        let q = Mmc::new(10, 0.09, 100.0, None);
        close(q.mean_served_wait_ms().unwrap(), 66.87, 1e-4);
        assert_eq!(q.served_wait_quantile_ms(0.2), Some(0.0));
        assert!(!Mmc::new(10, 0.1, 100.0, None).stable());
        assert_eq!(Mmc::new(10, 0.1, 100.0, None).mean_served_wait_ms(), None);
    }

    #[test]
    fn timeout_zero_is_erlang_b_and_long_timeout_is_erlang_c() {
        // With tau = 0 nobody waits: the loss system, B(10, 5) = 0.01838
        // (Erlang B tables). With tau far beyond the waits: Erlang C.
        let q = Mmc::new(10, 0.05, 100.0, Some(0.0));
        close(q.p_timeout(), 0.01838, 1e-3);
        close(q.p_wait(), erlang_b(10, 5.0), 1e-12);
        let q = Mmc::new(10, 0.09, 100.0, Some(1e6));
        close(q.p_wait(), 0.6687, 1e-4);
        assert!(q.p_timeout() < 1e-300);
        close(q.mean_served_wait_ms().unwrap(), 66.87, 1e-4);
        let free = Mmc::new(10, 0.09, 100.0, None);
        close(
            q.served_wait_quantile_ms(0.99).unwrap(),
            free.served_wait_quantile_ms(0.99).unwrap(),
            1e-9,
        );
    }

    #[test]
    fn single_server_with_deterministic_patience() {
        // M/M/1+D: P(abandon) = (1 - rho) rho e^{-(mu - lambda) tau} /
        // (1 - rho^2 e^{-(mu - lambda) tau}), the n = 1 case of Zeltyn &
        // Mandelbaum (2005), eq. for P{Ab}; it holds for rho > 1 too.
        for (lambda, tau) in [(0.05, 30.0), (0.2, 30.0), (0.1, 30.0), (0.3, 5000.0)] {
            let mu = 0.1;
            let rho: f64 = lambda / mu;
            // Divided through by e^{-(mu - lambda) tau}, which overflows for rho > 1.
            let inv_e = libm::exp((mu - lambda) * tau);
            let want = if (rho - 1.0).abs() < 1e-12 {
                // The limit rho -> 1: 1 / (2 + mu tau).
                1.0 / (2.0 + mu * tau)
            } else {
                (1.0 - rho) * rho / (inv_e - rho * rho)
            };
            let q = Mmc::new(1, lambda, 1.0 / mu, Some(tau));
            close(q.p_timeout(), want, 1e-9);
        }
    }

    #[test]
    fn carried_load_obeys_littles_law() {
        // Little's law on the connections: mean busy = lambda (1 - P(timeout))
        // / mu for any c, a, tau. k < c are busy with probability p_k, which
        // is proportional to a^k / k! (birth-death chain below c) and sums to
        // 1 - P(wait); all c are busy while an arrival would wait.
        for (c, lambda, tau) in [
            (1, 0.15, 20.0),
            (5, 0.04, 50.0),
            (12, 0.2, 15.0),
            (30, 0.25, 0.0),
        ] {
            let hold = 100.0;
            let q = Mmc::new(c, lambda, hold, Some(tau));
            let a = lambda * hold;
            let mut p = vec![1.0];
            for k in 1..c {
                let last = p[p.len() - 1];
                p.push(last * a / f64::from(k));
            }
            let below: f64 = p.iter().sum();
            let p_queue = q.p_wait();
            let norm = (1.0 - p_queue) / below;
            let busy: f64 = p
                .iter()
                .enumerate()
                .map(|(k, x)| k as f64 * x * norm)
                .sum::<f64>()
                + f64::from(c) * p_queue;
            close(busy, a * (1.0 - q.p_timeout()), 1e-9);
        }
    }

    #[test]
    fn overloaded_pool_with_long_timeout_does_not_overflow() {
        // a = 2c: half the acquisitions must time out in the long run.
        let q = Mmc::new(50_000, 10.0, 10_000.0, Some(1e9));
        close(q.p_timeout(), 0.5, 1e-6);
        close(q.p_wait(), 1.0, 1e-6);
        let w = q.served_wait_quantile_ms(0.5).unwrap();
        assert!(w > 0.9e9 && w <= 1e9, "{w}");
        assert!(q.mean_served_wait_ms().unwrap().is_finite());
    }

    #[test]
    fn incremental_servers_match_fresh_queues() {
        let mut q = Mmc::new(1, 0.7, 10.0, Some(40.0));
        for _ in 0..30 {
            q = q.with_one_more();
        }
        let fresh = Mmc::new(31, 0.7, 10.0, Some(40.0));
        close(q.p_timeout(), fresh.p_timeout(), 1e-12);
        close(q.p_wait(), fresh.p_wait(), 1e-12);
    }

    proptest::proptest! {
        #[test]
        fn probabilities_are_ordered_and_fall_with_more_connections(
            c in 1u32..300,
            load in 0.01f64..2.0,
            hold_ms in 0.1f64..1000.0,
            tau_holds in proptest::option::of(0.0f64..20.0),
        ) {
            let lambda = load * f64::from(c) / hold_ms;
            let q = Mmc::new(c, lambda, hold_ms, tau_holds.map(|k| k * hold_ms));
            let (p_wait, p_to) = (q.p_wait(), q.p_timeout());
            proptest::prop_assert!((0.0..=1.0).contains(&p_wait), "{q:?}");
            proptest::prop_assert!(p_to <= p_wait * (1.0 + 1e-12), "{q:?}");
            let more = q.with_one_more();
            proptest::prop_assert!(more.p_wait() <= p_wait * (1.0 + 1e-12));
            proptest::prop_assert!(more.p_timeout() <= p_to * (1.0 + 1e-12) + 1e-300);
            let t = hold_ms * 0.3;
            proptest::prop_assert!(q.p_wait_over(2.0 * t) <= q.p_wait_over(t) * (1.0 + 1e-12));
            if let (Some(p50), Some(p99)) =
                (q.served_wait_quantile_ms(0.5), q.served_wait_quantile_ms(0.99))
            {
                proptest::prop_assert!(0.0 <= p50 && p50 <= p99, "{p50} {p99}");
                if let Some(tau) = q.timeout_ms {
                    proptest::prop_assert!(p99 <= tau);
                }
            }
        }
    }
}
