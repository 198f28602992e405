//! Closed-loop users (MODEL.md §6), as artillery `quick --count U --num N`
//! or k6 `constant-vus`: `users` start spread evenly over `ramp_s`; each
//! sends a request, waits for its result (success or failure), thinks
//! `think_ms`, and sends the next, until it has sent `requests_per_user`.
//! A user talks to one instance (users are dealt round robin); a user whose
//! request resolved in no simulated time waits at least 1 ms.

use rand::RngExt;

use crate::sim::engine::Engine;
use crate::sim::queue::{Event, Time};
use crate::sim::services::User;

/// The shortest pause after a request that resolved at once.
const MIN_PAUSE_NS: Time = 1_000_000;

impl Engine {
    /// Creates every closed-loop service's users and schedules their first
    /// requests.
    pub(crate) fn start_users(&mut self) {
        for svc in 0..self.svcs.items.len() {
            let Some(closed) = &self.cfgs[svc as u32].closed else {
                continue;
            };
            let (users, ramp) = (closed.users, closed.ramp);
            let insts = self.svcs[svc].insts.len().max(1) as u32;
            self.svcs[svc].users = (0..users)
                .map(|i| User {
                    inst: i % insts,
                    sent: 0,
                })
                .collect();
            for user in 0..users {
                let at = (ramp as u128 * u128::from(user) / u128::from(users)) as Time;
                self.queue.push(
                    at,
                    Event::UserSend {
                        svc: svc as u32,
                        user,
                    },
                );
            }
        }
    }

    pub(crate) fn on_user_send(&mut self, svc: u32, user: u32) {
        let limit = self.cfgs[svc]
            .closed
            .as_ref()
            .and_then(|c| c.requests_per_user);
        let u = &mut self.svcs[svc as usize].users[user as usize];
        if limit.is_some_and(|n| u.sent >= n) {
            return;
        }
        u.sent += 1;
        self.start_request_general(svc, user);
    }

    /// The primary pool a user's request lands in: one of its instance's,
    /// moving the user to a live instance if its own was removed.
    pub(crate) fn user_pool(&mut self, svc: u32, user: u32) -> u32 {
        let st = &self.svcs[svc as usize];
        let mut inst = st.users[user as usize].inst as usize;
        if !st.insts[inst].live {
            let live: Vec<usize> = (0..st.insts.len()).filter(|&i| st.insts[i].live).collect();
            inst = live[user as usize % live.len()];
            self.svcs[svc as usize].users[user as usize].inst = inst as u32;
        }
        let first = self.svcs[svc as usize].insts[inst].first;
        let ppi = self.cfgs[svc].pools_per_instance;
        if ppi == 1 {
            first
        } else {
            let k = self.rng.rng.random_range(0..ppi);
            first + k * (1 + self.replicas)
        }
    }

    /// A user's request (sent at `arrival`) is resolved: it thinks, then
    /// sends the next.
    pub(crate) fn user_resolved(&mut self, svc: u32, user: u32, arrival: Time) {
        let Some(closed) = &self.cfgs[svc].closed else {
            return;
        };
        let mut pause = closed.think.sample(&mut self.rng);
        if self.now == arrival {
            pause = pause.max(MIN_PAUSE_NS);
        }
        self.queue
            .push(self.now + pause, Event::UserSend { svc, user });
    }
}
