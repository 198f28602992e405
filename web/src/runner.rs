//! The page's simulation workers: one for runs (replaced when a newer run
//! or Cancel makes its job unwanted), one for recommendation searches, and
//! one per core for sweeps. Their answers become reducer actions.

use std::cell::RefCell;
use std::rc::Rc;

use poolcast::Scenario;
use poolcast::recommend::Slo;
use yew::prelude::*;

use crate::browser;
use crate::host::WorkerHost;
use crate::proto::{FromWorker, ToWorker};
use crate::state::{self, Action, Notice, Outcome, State, Tone};

/// The workers: one for runs, one for recommendation searches, a few for
/// sweeps; the job counter; when the running job was sent.
#[derive(Default)]
pub struct Runner {
    pub(crate) host: Option<WorkerHost>,
    advice_host: Option<WorkerHost>,
    sweep_hosts: Vec<WorkerHost>,
    next_id: u64,
    sent_at_ms: f64,
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

/// Starts a worker whose answers become actions.
fn spawn(runner: &RunnerRef, d: &UseReducerDispatcher<State>) -> Option<WorkerHost> {
    let (timing, dd) = (runner.clone(), d.clone());
    let on_answer = Callback::from(move |answer: FromWorker| {
        let action = match answer {
            FromWorker::Ready => return,
            FromWorker::Progress { id, fraction } => Action::Progress { id, fraction },
            FromWorker::Done {
                id,
                report,
                elapsed_ms,
            } => {
                let roundtrip_ms = {
                    let mut r = timing.borrow_mut();
                    r.busy = r.busy.filter(|&b| b != id);
                    browser::now_ms() - r.sent_at_ms
                };
                let outcome = Rc::new(Outcome {
                    report: *report,
                    elapsed_ms,
                    roundtrip_ms,
                });
                Action::Finished { id, outcome }
            }
            FromWorker::SweepDone { id, point } => Action::SweepPoint { id, point },
            FromWorker::Tried { id } => Action::AdviceProgress(id),
            FromWorker::Recommended { id, recommendation } => {
                let asked = timing.borrow().asked.clone();
                Action::AdviceDone {
                    id,
                    answer: Rc::new((asked, *recommendation)),
                }
            }
            FromWorker::Failed { id, message } => {
                let mut r = timing.borrow_mut();
                r.busy = r.busy.filter(|&b| b != id);
                drop(r);
                Action::Failed { id, message }
            }
        };
        dd.dispatch(action);
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

/// Sends `scenario` to the run worker as a new job. A worker busy with an
/// older job is replaced, since its answer is no longer wanted.
pub fn start_run(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
    if runner.borrow_mut().busy.take().is_some() {
        runner.borrow_mut().host = None;
    }
    if runner.borrow().host.is_none() {
        let host = spawn(runner, d);
        runner.borrow_mut().host = host;
    }
    let mut r = runner.borrow_mut();
    r.next_id += 1;
    let id = r.next_id;
    r.sent_at_ms = browser::now_ms();
    r.busy = Some(id);
    if let Some(h) = &r.host {
        h.send(&ToWorker::Run {
            id,
            scenario: scenario.clone(),
        });
    }
    drop(r);
    d.dispatch(Action::Started(id));
}

/// Stops the run worker (a fresh one starts with the next run).
pub fn cancel_run(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    let mut r = runner.borrow_mut();
    r.host = None;
    r.busy = None;
    drop(r);
    d.dispatch(Action::Cancelled);
}

/// Runs a sweep of pool size over fresh workers, points dealt round-robin.
pub fn start_sweep(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
    let jobs: Vec<(u32, Scenario)> = state::sweep_sizes(scenario)
        .into_iter()
        .filter_map(|n| {
            poolcast::recommend::with_pool_size(scenario, n)
                .ok()
                .map(|s| (n, s))
        })
        .collect();
    let hosts: Vec<WorkerHost> = (0..sweep_workers())
        .filter_map(|_| spawn(runner, d))
        .collect();
    if hosts.is_empty() {
        return;
    }
    let id = {
        let mut r = runner.borrow_mut();
        r.next_id += 1;
        r.next_id
    };
    d.dispatch(Action::SweepStarted {
        id,
        total: jobs.len(),
    });
    for (i, (n, s)) in jobs.into_iter().enumerate() {
        hosts[i % hosts.len()].send(&ToWorker::SweepPoint {
            id,
            value: f64::from(n),
            scenario: s,
        });
    }
    runner.borrow_mut().sweep_hosts = hosts;
}

/// Searches for the smallest pool meeting `slo` in its own worker.
pub fn start_advice(
    runner: &RunnerRef,
    d: &UseReducerDispatcher<State>,
    scenario: &Scenario,
    slo: Slo,
) {
    let host = spawn(runner, d);
    let mut r = runner.borrow_mut();
    r.next_id += 1;
    let id = r.next_id;
    r.asked = scenario.clone();
    if let Some(h) = &host {
        h.send(&ToWorker::Recommend {
            id,
            scenario: scenario.clone(),
            slo,
        });
    }
    r.advice_host = host;
    drop(r);
    d.dispatch(Action::AdviceStarted(id));
}

/// Stops the sweep's workers.
pub fn cancel_sweep(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    runner.borrow_mut().sweep_hosts.clear();
    d.dispatch(Action::SweepCancelled);
}

/// Stops the recommendation search.
pub fn cancel_advice(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    runner.borrow_mut().advice_host = None;
    d.dispatch(Action::AdviceCancelled);
}
