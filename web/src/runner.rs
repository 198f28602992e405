//! The page's simulation workers: one for runs (replaced when a newer run
//! or Cancel makes its job unwanted), one for run A of a comparison, two for
//! the sensitivity band, one for recommendation searches, and one per core
//! for sweeps. Their answers become reducer actions.

use std::cell::RefCell;
use std::rc::Rc;

use poolcast::Scenario;
use poolcast::recommend::{Sizing, Slo, with_size};
use yew::prelude::*;

use crate::browser;
use crate::host::WorkerHost;
use crate::jobs::{JobKind, NewJob, Outcome, Reply};
use crate::proto::{FromWorker, ToWorker};
use crate::sensitivity::{FACTORS, scaled};
use crate::state::{self, Action, Notice, State, Tone};

/// Workers the sensitivity band uses.
const BAND_WORKERS: usize = 2;

/// The workers, the job counter, when each running job was sent.
#[derive(Default)]
pub struct Runner {
    pub(crate) host: Option<WorkerHost>,
    pin_host: Option<WorkerHost>,
    band_hosts: Vec<WorkerHost>,
    advice_host: Option<WorkerHost>,
    sweep_hosts: Vec<WorkerHost>,
    next_id: u64,
    /// When each job still running was sent, by id.
    sent_at_ms: Vec<(u64, f64)>,
    /// The job the run worker is busy with, if any.
    busy: Option<u64>,
    /// The scenario the recommendation search was asked about.
    asked: Scenario,
}

/// The runner, shared by the app's callbacks.
pub type RunnerRef = Rc<RefCell<Runner>>;

/// Workers a sweep uses: one per core the browser reports, at most 4.
pub fn sweep_workers() -> usize {
    browser::cores().clamp(1, 4)
}

impl Runner {
    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.sent_at_ms.push((id, browser::now_ms()));
        id
    }

    fn roundtrip(&mut self, id: u64) -> f64 {
        let sent = self
            .sent_at_ms
            .iter()
            .find(|(j, _)| *j == id)
            .map_or(0.0, |(_, t)| *t);
        self.sent_at_ms.retain(|(j, _)| *j != id);
        browser::now_ms() - sent
    }
}

/// Starts a worker whose answers become replies to their jobs (the state
/// matches each to its job by id).
fn spawn(runner: &RunnerRef, d: &UseReducerDispatcher<State>) -> Option<WorkerHost> {
    let (timing, dd) = (runner.clone(), d.clone());
    let on_answer = Callback::from(move |answer: FromWorker| {
        if let Some((id, reply)) = reply(&timing, answer) {
            dd.dispatch(Action::Reply { id, reply });
        }
    });
    let dd = d.clone();
    let on_error =
        Callback::from(move |m: String| dd.dispatch(Action::Notify(Notice::new(Tone::Error, m))));
    match WorkerHost::spawn(on_answer, on_error) {
        Ok(h) => Some(h),
        Err(e) => {
            let text = format!("Could not start a simulation worker: {e}");
            d.dispatch(Action::Notify(Notice::new(Tone::Error, text)));
            None
        }
    }
}

/// A worker's answer as the reply to job `id`, timing the runs and freeing
/// the run worker when its job ends; `None` for the worker's greeting.
fn reply(timing: &RunnerRef, answer: FromWorker) -> Option<(u64, Reply)> {
    Some(match answer {
        FromWorker::Ready => return None,
        FromWorker::Progress {
            id,
            fraction,
            timeline,
        } => (id, Reply::Progress { fraction, timeline }),
        FromWorker::Done {
            id,
            report,
            elapsed_ms,
        } => {
            let roundtrip_ms = {
                let mut r = timing.borrow_mut();
                r.busy = r.busy.filter(|&b| b != id);
                r.roundtrip(id)
            };
            let outcome = Rc::new(Outcome {
                report: Rc::new(*report),
                elapsed_ms,
                roundtrip_ms,
            });
            (id, Reply::Finished(outcome))
        }
        FromWorker::SweepDone { id, point } => (id, Reply::SweepPoint(point)),
        FromWorker::BandDone {
            id,
            factor,
            figures,
        } => (id, Reply::BandPoint { factor, figures }),
        FromWorker::Tried { id, tried } => (id, Reply::Tried(tried)),
        FromWorker::Advised { id, advised } => {
            let asked = timing.borrow().asked.clone();
            (id, Reply::Advised(Rc::new((asked, *advised))))
        }
        FromWorker::Failed { id, message } => {
            let mut r = timing.borrow_mut();
            r.busy = r.busy.filter(|&b| b != id);
            (id, Reply::Failed(message))
        }
    })
}

/// Sends `scenario` to the run worker as a new job, with live timelines.
/// A worker busy with an older job is replaced, since its answer is no
/// longer wanted; so are the band's workers (a new run, a new band).
pub fn start_run(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
    if runner.borrow_mut().busy.take().is_some() {
        runner.borrow_mut().host = None;
    }
    runner.borrow_mut().band_hosts.clear();
    if runner.borrow().host.is_none() {
        let host = spawn(runner, d);
        runner.borrow_mut().host = host;
    }
    let mut r = runner.borrow_mut();
    let id = r.new_id();
    r.busy = Some(id);
    if let Some(h) = &r.host {
        h.send(&ToWorker::Run {
            id,
            scenario: scenario.clone(),
            live: true,
        });
    }
    drop(r);
    d.dispatch(Action::Started {
        id,
        job: NewJob::Run,
    });
}

/// Runs A of a comparison in its own worker.
pub fn start_pin(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
    let host = spawn(runner, d);
    let id = runner.borrow_mut().new_id();
    if let Some(h) = &host {
        h.send(&ToWorker::Run {
            id,
            scenario: scenario.clone(),
            live: false,
        });
    }
    runner.borrow_mut().pin_host = host;
    d.dispatch(Action::Started {
        id,
        job: NewJob::Compare,
    });
}

/// Runs the sensitivity band of `scenario` (query times scaled) in the
/// background.
pub fn start_band(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
    let hosts: Vec<WorkerHost> = (0..BAND_WORKERS).filter_map(|_| spawn(runner, d)).collect();
    if hosts.is_empty() {
        return;
    }
    let id = runner.borrow_mut().new_id();
    d.dispatch(Action::Started {
        id,
        job: NewJob::Band,
    });
    for (i, &factor) in FACTORS.iter().enumerate() {
        hosts[i % hosts.len()].send(&ToWorker::Band {
            id,
            factor,
            scenario: scaled(scenario, factor),
        });
    }
    runner.borrow_mut().band_hosts = hosts;
}

/// Stops the run worker (a fresh one starts with the next run).
pub fn cancel_run(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    let mut r = runner.borrow_mut();
    r.host = None;
    r.busy = None;
    drop(r);
    d.dispatch(Action::Cancelled(JobKind::Run));
}

/// Runs a sweep of `knob` over fresh workers, points dealt round-robin.
pub fn start_sweep(
    runner: &RunnerRef,
    d: &UseReducerDispatcher<State>,
    scenario: &Scenario,
    knob: Sizing,
) {
    let jobs: Vec<(u32, Scenario)> = state::sweep_values(scenario, knob)
        .into_iter()
        .filter_map(|n| Some((n, with_size(scenario, knob, n).ok()?)))
        .filter(|(_, s)| poolcast::validate(s, state::MAX_EVENTS).is_ok())
        .collect();
    let hosts: Vec<WorkerHost> = (0..sweep_workers())
        .filter_map(|_| spawn(runner, d))
        .collect();
    if hosts.is_empty() {
        return;
    }
    let id = runner.borrow_mut().new_id();
    d.dispatch(Action::Started {
        id,
        job: NewJob::Sweep {
            total: jobs.len(),
            knob,
        },
    });
    for (i, (n, s)) in jobs.into_iter().enumerate() {
        hosts[i % hosts.len()].send(&ToWorker::SweepPoint {
            id,
            value: f64::from(n),
            scenario: s,
            knob: Some(knob),
        });
    }
    runner.borrow_mut().sweep_hosts = hosts;
}

/// Searches for the smallest value of `knob` meeting `slo` in its own worker.
pub fn start_advice(
    runner: &RunnerRef,
    d: &UseReducerDispatcher<State>,
    scenario: &Scenario,
    knob: Sizing,
    slo: Slo,
) {
    let host = spawn(runner, d);
    let mut r = runner.borrow_mut();
    let id = r.new_id();
    r.asked = scenario.clone();
    if let Some(h) = &host {
        h.send(&ToWorker::Advise {
            id,
            scenario: scenario.clone(),
            knob,
            slo,
        });
    }
    r.advice_host = host;
    drop(r);
    d.dispatch(Action::Started {
        id,
        job: NewJob::Advice,
    });
}

/// Stops the sweep's workers.
pub fn cancel_sweep(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    runner.borrow_mut().sweep_hosts.clear();
    d.dispatch(Action::Cancelled(JobKind::Sweep));
}

/// Stops the recommendation search.
pub fn cancel_advice(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    runner.borrow_mut().advice_host = None;
    d.dispatch(Action::Cancelled(JobKind::Advice));
}
