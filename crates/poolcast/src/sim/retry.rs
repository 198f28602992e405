//! Client retries (MODEL.md §6): a failed attempt whose cause is in `on`
//! is retried after a backoff, up to `max_attempts` in all, while the token
//! budget allows; a breaker per service fails requests at once while open.
//!
//! A retry is the same request: it keeps its arrival time, its user and its
//! function instance. It runs in a fresh request slot, so whatever the failed
//! attempt still holds (a parallel query still running, a connection still
//! opening) finishes and is freed by the usual rules.

use rand::RngExt;

use crate::input::config::cause_bit;
use crate::input::scenario::{Cause, Jitter};
use crate::sim::engine::Engine;
use crate::sim::pool::{NONE, Req, ReqState};
use crate::sim::queue::{Event, Time};

impl Engine {
    /// An attempt of request `id` failed with `cause`: retry it, or let the
    /// request fail for good.
    pub(crate) fn attempt_failed(&mut self, id: u32, cause: Cause) {
        let r = self.store.reqs[id];
        let svc = u32::from(r.svc);
        if let Some(rc) = &self.cfgs[svc].retry {
            let (has_breaker, retryable) = (
                rc.breaker.is_some(),
                rc.on & cause_bit(cause) != 0 && u32::from(r.attempt) + 1 < rc.max_attempts,
            );
            if has_breaker && r.reached_pool {
                self.breaker_note(svc, true);
            }
            if retryable && self.take_token(svc) {
                self.spawn_retry(id);
                return;
            }
        }
        self.final_failure(id, cause);
    }

    /// An attempt of request `id` completed.
    pub(crate) fn attempt_succeeded(&mut self, id: u32) {
        let r = self.store.reqs[id];
        let svc = u32::from(r.svc);
        let has_breaker = self.cfgs[svc]
            .retry
            .as_ref()
            .is_some_and(|rc| rc.breaker.is_some());
        if has_breaker && r.reached_pool {
            self.breaker_note(svc, false);
        }
    }

    fn final_failure(&mut self, id: u32, cause: Cause) {
        let r = self.store.reqs[id];
        self.meter.failed(r.svc, cause, r.measured);
        if r.follow_up {
            self.resolved(id);
        }
    }

    /// A first attempt of `svc` adds to its retry budget.
    #[cold]
    pub(crate) fn fill_budget(&mut self, svc: u32) {
        if let Some((ratio, max)) = self.cfgs[svc].retry.as_ref().and_then(|r| r.budget) {
            let st = &mut self.svcs[svc as usize];
            st.tokens = (st.tokens + ratio).min(max);
        }
    }

    /// Spends a budget token; false when none is left.
    fn take_token(&mut self, svc: u32) -> bool {
        let Some(_) = self.cfgs[svc].retry.as_ref().and_then(|r| r.budget) else {
            return true;
        };
        let st = &mut self.svcs[svc as usize];
        if st.tokens >= 1.0 {
            st.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The backoff before retry `k` (1 after the first failure), ns, given
    /// the previous sleep (for decorrelated jitter).
    fn backoff(&mut self, svc: u32, k: u32, previous: f64) -> f64 {
        let Some(rc) = &self.cfgs[svc].retry else {
            return 0.0;
        };
        let (base, cap, jitter) = (rc.base_ns, rc.cap_ns, rc.jitter);
        let b = cap.min(base * libm::pow(2.0, f64::from(k - 1)));
        let u: f64 = self.rng.rng.random();
        match jitter {
            Jitter::None => b,
            Jitter::Full => u * b,
            Jitter::Equal => b / 2.0 + u * b / 2.0,
            Jitter::Decorrelated => {
                let prev = if k == 1 { base } else { previous };
                let hi = 3.0 * prev;
                cap.min(base + u * (hi - base).max(0.0))
            }
        }
    }

    /// Schedules the next attempt of request `id` in a new slot.
    fn spawn_retry(&mut self, id: u32) {
        let r = self.store.reqs[id];
        let svc = u32::from(r.svc);
        let k = u32::from(r.attempt) + 1;
        let sleep = self.backoff(svc, k, self.rare(id).sleep_ns as f64);
        let sleep_ns = crate::input::dist::to_ns(sleep);
        let new = self.store.insert_req(Req {
            arrival: r.arrival,
            state: ReqState::Backoff,
            attempt: r.attempt.saturating_add(1),
            user: r.user,
            func: r.func,
            follow_up: r.follow_up,
            ..Req::new(r.svc, r.home, self.now, self.cfgs[svc].queries, r.measured)
        });
        if self.replicas > 0 {
            self.grow_waits(new);
        }
        self.rare_mut(new).sleep_ns = sleep_ns;
        self.meter.retried(svc as u16, r.measured);
        self.queue.push(
            self.now + sleep_ns,
            Event::Attempt {
                req: new,
                epoch: self.store.reqs[new].epoch,
            },
        );
    }

    /// A retry's backoff ended: its attempt starts from the acquisition.
    pub(crate) fn on_attempt(&mut self, id: u32, epoch: u32) {
        let r = &mut self.store.reqs[id];
        if r.epoch != epoch || r.state != ReqState::Backoff {
            return;
        }
        r.state = ReqState::Active;
        r.acquire_start = self.now;
        let (svc, func, home, user, measured) =
            (u32::from(r.svc), r.func, r.home, r.user, r.measured);
        if self.breaker_open(svc) {
            self.fail(id, Cause::BreakerOpen);
            self.maybe_free(id);
            return;
        }
        if self.cfgs[svc].serverless.is_some() && func == NONE {
            match self.take_function(svc, measured) {
                Some((pool, func, cold)) => {
                    let r = &mut self.store.reqs[id];
                    (r.home, r.pool, r.func) = (pool, pool, func);
                    self.start_on_function(id, cold);
                }
                None => {
                    self.fail(id, Cause::Throttled);
                    self.maybe_free(id);
                }
            }
            return;
        }
        if home == NONE {
            let pool = self.pick_pool::<false>(svc, user);
            let r = &mut self.store.reqs[id];
            (r.home, r.pool) = (pool, pool);
        }
        self.begin_general(id);
    }

    /// Whether `svc`'s breaker is open now.
    #[inline(always)]
    pub(crate) fn breaker_open(&self, svc: u32) -> bool {
        self.now < self.svcs[svc as usize].breaker_until
    }

    /// Counts a finished attempt in the breaker's window, and opens the
    /// breaker when the window's failed fraction reaches `error_rate`.
    fn breaker_note(&mut self, svc: u32, failed: bool) {
        let Some(b) = self.cfgs[svc].retry.as_ref().and_then(|r| r.breaker) else {
            return;
        };
        let (now, warmup, end) = (self.now, self.meter.stats.warmup, self.end);
        let st = &mut self.svcs[svc as usize];
        if st.breaker_until != 0 && now >= st.breaker_until {
            // It closed: its window starts afresh.
            st.breaker_until = 0;
            st.window.clear();
            st.window_failed = 0;
        }
        st.window.push_back((now, failed));
        st.window_failed += u32::from(failed);
        let from: Time = now.saturating_sub(b.window);
        while let Some(&(t, f)) = st.window.front() {
            if t > from {
                break;
            }
            st.window.pop_front();
            st.window_failed -= u32::from(f);
        }
        let n = st.window.len() as u32;
        if st.breaker_until == 0
            && n >= b.min_requests
            && f64::from(st.window_failed) >= b.error_rate * f64::from(n)
        {
            let until = now.saturating_add(b.open);
            st.breaker_until = until;
            let (lo, hi) = (now.max(warmup), until.min(end));
            st.breaker_open_ns += hi.saturating_sub(lo);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::engine::Engine;

    fn sim(jitter: &str) -> Engine {
        let s = crate::parse(&format!(
            r#"{{"version": 2, "services": [{{"name": "a",
                "retry": {{"max_attempts": 3, "base_ms": 100, "cap_ms": 10000, "jitter": "{jitter}"}}}}]}}"#
        ))
        .unwrap();
        Engine::new(&crate::validate(&s, u64::MAX).unwrap())
    }

    /// Kolmogorov-Smirnov distance of `xs` from the uniform on [lo, hi].
    fn ks_uniform(mut xs: Vec<f64>, lo: f64, hi: f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
                (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    /// The KS critical distance at a false alarm of 1 in 1,000 (1.95 / sqrt n).
    fn critical(n: usize) -> f64 {
        1.95 / (n as f64).sqrt()
    }

    const N: usize = 20_000;

    #[test]
    fn no_jitter_sleeps_the_capped_exponential() {
        let mut s = sim("none");
        // b = min(cap, base x 2^(k-1)): 100, 200, 400 ms ... capped at 10 s.
        for (k, want_ms) in [
            (1, 100.0),
            (2, 200.0),
            (3, 400.0),
            (8, 10_000.0),
            (20, 10_000.0),
        ] {
            assert_eq!(s.backoff(0, k, 0.0), want_ms * 1e6, "retry {k}");
        }
    }

    /// Draws `N` backoffs of retry `k` after a sleep of `previous` ns and
    /// checks they lie in, and are uniform on, [lo, hi] ns.
    #[track_caller]
    fn assert_uniform(s: &mut Engine, k: u32, previous: f64, lo: f64, hi: f64) {
        let xs: Vec<f64> = (0..N).map(|_| s.backoff(0, k, previous)).collect();
        assert!(
            xs.iter().all(|&x| (lo..=hi).contains(&x)),
            "a draw outside [{lo}, {hi}]"
        );
        let d = ks_uniform(xs, lo, hi);
        assert!(d < critical(N), "KS distance {d}");
    }

    #[test]
    fn full_jitter_is_uniform_up_to_the_backoff() {
        assert_uniform(&mut sim("full"), 3, 0.0, 0.0, 400e6);
    }

    #[test]
    fn equal_jitter_is_uniform_on_the_upper_half() {
        assert_uniform(&mut sim("equal"), 3, 0.0, 200e6, 400e6);
    }

    #[test]
    fn decorrelated_jitter_draws_between_base_and_three_times_the_last_sleep() {
        let mut s = sim("decorrelated");
        // The first sleep uses previous = base: uniform on [100, 300] ms.
        assert_uniform(&mut s, 1, 0.0, 100e6, 300e6);
        // Later: uniform on [base, 3 x previous], capped.
        assert_uniform(&mut s, 2, 1000e6, 100e6, 3000e6);
        assert!((0..N).all(|_| s.backoff(0, 5, 9000e6) <= 10_000e6));
    }
}
