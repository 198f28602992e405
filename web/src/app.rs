//! The app: one reducer for the state, one worker for runs, and the
//! effects that keep the URL fragment and localStorage in step with the form.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use poolcast::Scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::components::calculator::Calculator;
use crate::components::form::ScenarioForm;
use crate::components::io::ImportPanel;
use crate::components::results::Results;
use crate::components::toolbar::{Export, Toolbar};
use crate::host::WorkerHost;
use crate::permalink::{self, LinkError};
use crate::proto::{FromWorker, ToWorker};
use crate::state::{self, Action, Notice, Outcome, Run, State, Tone};
use crate::{browser, envparse, export, presets};
use poolcast::recommend::Slo;

/// Wait after the last edit before a small scenario re-runs, ms.
const DEBOUNCE_MS: u32 = 600;

/// The state at page load: the link's scenario, else the last one used,
/// else the defaults. A broken link says so and falls back to the defaults.
fn initial_state() -> State {
    match permalink::decode(&browser::fragment()) {
        Ok(s) => State::with_scenario(s).apply(Action::Notify(Notice::new(
            Tone::Info,
            "Opened the scenario from the link.",
        ))),
        Err(LinkError::NotALink) => {
            State::with_scenario(browser::load_scenario().unwrap_or_default())
        }
        Err(e @ LinkError::Broken(_)) => State::default().apply(Action::Notify(Notice::new(
            Tone::Error,
            format!("{e}. Showing the default scenario instead."),
        ))),
    }
}

/// The workers: one for runs, one for recommendation searches, a few for
/// sweeps; the job counter; when the running job was sent.
#[derive(Default)]
struct Runner {
    host: Option<WorkerHost>,
    advice_host: Option<WorkerHost>,
    sweep_hosts: Vec<WorkerHost>,
    next_id: u64,
    sent_at_ms: f64,
    /// The job the run worker is busy with, if any.
    busy: Option<u64>,
    /// The scenario the recommendation search was asked about.
    asked: Scenario,
}

type RunnerRef = Rc<RefCell<Runner>>;

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
                dd.dispatch(Action::AdviceFailed {
                    id,
                    message: message.clone(),
                });
                dd.dispatch(Action::Notify(Notice::new(
                    Tone::Error,
                    format!("A simulation failed: {message}"),
                )));
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
fn start_run(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
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
fn cancel_run(runner: &RunnerRef, d: &UseReducerDispatcher<State>) {
    let mut r = runner.borrow_mut();
    r.host = None;
    r.busy = None;
    drop(r);
    d.dispatch(Action::Cancelled);
}

/// Runs a sweep of pool size over fresh workers, points dealt round-robin.
fn start_sweep(runner: &RunnerRef, d: &UseReducerDispatcher<State>, scenario: &Scenario) {
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
fn start_advice(
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

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let runner: RunnerRef = use_mut_ref(Runner::default);
    // Read before the first effect rewrites the fragment.
    let opened_link = use_memo((), |_| permalink::decode(&browser::fragment()).is_ok());
    let dispatcher = state.dispatcher();

    // Keep the link and localStorage in step with the form.
    use_effect_with(state.scenario.clone(), |s| {
        browser::set_fragment(&permalink::encode(s));
        browser::save_scenario(s);
    });

    // A link pasted into this tab's address bar changes only the fragment.
    {
        let d = dispatcher.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn FnMut()>::new(move || {
                let notice = match permalink::decode(&browser::fragment()) {
                    Ok(s) => {
                        let notice = Notice::new(Tone::Info, "Opened the scenario from the link.");
                        return d.dispatch(Action::Load {
                            scenario: Box::new(s),
                            notices: vec![notice],
                        });
                    }
                    Err(LinkError::NotALink) => return,
                    Err(e) => {
                        Notice::new(Tone::Error, format!("{e}. The form was left as it was."))
                    }
                };
                d.dispatch(Action::Notify(notice));
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    // Run at load when the scenario is small or came from a link, and
    // re-run small scenarios shortly after the last edit.
    {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        let from_link = *opened_link;
        use_effect_with(state.edits, move |&edits| {
            let due = state.can_run() && (state.small() || (edits == 0 && from_link));
            let delay = if edits == 0 { 0 } else { DEBOUNCE_MS };
            let scenario = state.scenario.clone();
            let timer = due.then(|| Timeout::new(delay, move || start_run(&runner, &d, &scenario)));
            move || drop(timer)
        });
    }

    let on_action = {
        let d = dispatcher.clone();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    let on_run = {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        Callback::from(move |()| {
            if state.can_run() {
                start_run(&runner, &d, &state.scenario);
            }
        })
    };
    let on_cancel = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| cancel_run(&runner, &d))
    };
    let on_preset = {
        let d = dispatcher.clone();
        Callback::from(move |id: String| {
            if let Some(p) = presets::by_id(&id) {
                let notice = Notice::new(
                    Tone::Info,
                    format!("Preset “{}”. {}", p.scenario.name, p.source),
                );
                d.dispatch(Action::Load {
                    scenario: Box::new(p.scenario),
                    notices: vec![notice],
                });
            }
        })
    };
    let on_copy_link = {
        let (state, d) = (state.clone(), dispatcher.clone());
        Callback::from(move |()| {
            let link = browser::link_with(&permalink::encode(&state.scenario));
            browser::copy(&link);
            d.dispatch(Action::Notify(Notice {
                tone: Tone::Info,
                text: "Link copied: it opens this scenario and runs it.".into(),
                details: vec![link],
            }));
        })
    };
    let on_export = {
        let state = state.clone();
        Callback::from(move |kind: Export| {
            let stem = slug(&state.scenario.name);
            match (kind, &state.outcome) {
                (Export::Scenario, _) => browser::download_text(
                    &format!("{stem}.scenario.json"),
                    "application/json",
                    &export::scenario_json(&state.scenario),
                ),
                (Export::Report, Some(o)) => browser::download_text(
                    &format!("{stem}.report.json"),
                    "application/json",
                    &o.report.to_json_pretty(),
                ),
                (Export::Csv, Some(o)) => browser::download_text(
                    &format!("{stem}.timeline.csv"),
                    "text/csv",
                    &export::timeline_csv(&o.report),
                ),
                _ => {}
            }
        })
    };
    let on_json = {
        let d = dispatcher.clone();
        Callback::from(move |text: String| match export::import(&text) {
            Ok(imported) => {
                let notice = Notice {
                    tone: if imported.notes.is_empty() {
                        Tone::Info
                    } else {
                        Tone::Warn
                    },
                    text: format!("Imported “{}”.", imported.scenario.name),
                    details: imported.notes,
                };
                d.dispatch(Action::Load {
                    scenario: Box::new(imported.scenario),
                    notices: vec![notice],
                });
            }
            Err(message) => d.dispatch(Action::Notify(Notice::new(Tone::Error, message))),
        })
    };
    let on_env = {
        let (state, d) = (state.clone(), dispatcher.clone());
        Callback::from(move |text: String| {
            let got = envparse::apply(&text, &state.scenario);
            let mut details: Vec<String> = got.read.iter().map(|r| format!("read: {r}")).collect();
            details.extend(got.ignored.iter().map(|i| format!("ignored: {i}")));
            let notice = Notice {
                tone: if got.read.is_empty() {
                    Tone::Warn
                } else {
                    Tone::Info
                },
                text: format!(
                    "Read {} setting(s), ignored {}.",
                    got.read.len(),
                    got.ignored.len()
                ),
                details,
            };
            d.dispatch(Action::Load {
                scenario: Box::new(got.scenario),
                notices: vec![notice],
            });
        })
    };
    let on_sweep = {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        Callback::from(move |()| {
            if state.can_run() {
                start_sweep(&runner, &d, &state.scenario);
            }
        })
    };
    let on_cancel_sweep = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| {
            runner.borrow_mut().sweep_hosts.clear();
            d.dispatch(Action::SweepCancelled);
        })
    };
    let on_recommend = {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        Callback::from(move |slo: Slo| {
            if state.can_run() {
                start_advice(&runner, &d, &state.scenario, slo);
            }
        })
    };
    let on_cancel_recommend = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| {
            runner.borrow_mut().advice_host = None;
            d.dispatch(Action::AdviceCancelled);
        })
    };
    let onkeydown = {
        let on_run = on_run.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                on_run.emit(());
            }
        })
    };

    let errors = state.errors();
    let errors_empty = errors.is_empty();
    let progress = match state.run {
        Run::Running { progress, .. } => Some(progress),
        Run::Idle => None,
    };
    let preset_list: Vec<(AttrValue, AttrValue)> = presets::all()
        .into_iter()
        .map(|p| (AttrValue::from(p.id), AttrValue::from(p.scenario.name)))
        .collect();
    html! {
        <div class="app" {onkeydown}>
            <Toolbar presets={preset_list} {progress} can_run={errors.is_empty()}
                has_report={state.outcome.is_some()} {on_preset} {on_run} {on_cancel}
                {on_copy_link} {on_export} />
            <main class="layout">
                <aside class="left">
                    <h2>{ "Scenario" }</h2>
                    <ScenarioForm scenario={state.scenario.clone()} drafts={state.drafts.clone()}
                        errors={errors} on_action={on_action.clone()} />
                    <ImportPanel {on_json} {on_env} />
                </aside>
                <div class="right">
                    { notices(&state.notices, on_action.reform(|_: MouseEvent| Action::Dismiss)) }
                    <Results outcome={state.outcome.clone()} stale={state.stale()} />
                    <Calculator scenario={state.scenario.clone()} valid={errors_empty}
                        sweep={state.sweep.clone()} advice={state.advice.clone()}
                        {on_sweep} {on_cancel_sweep} {on_recommend} {on_cancel_recommend} />
                </div>
            </main>
        </div>
    }
}

fn notices(list: &[Notice], on_dismiss: Callback<MouseEvent>) -> Html {
    if list.is_empty() {
        return html! {};
    }
    html! {
        <div class="notices" data-testid="notices" aria-live="polite">
            { for list.iter().map(|n| {
                let tone = match n.tone { Tone::Info => "info", Tone::Warn => "warn", Tone::Error => "error" };
                html! {
                    <div class={classes!("notice", tone)} role={(n.tone == Tone::Error).then_some("alert")}>
                        <p>{ &n.text }</p>
                        if !n.details.is_empty() {
                            <ul>{ for n.details.iter().map(detail) }</ul>
                        }
                    </div>
                }
            }) }
            <button type="button" class="small" onclick={on_dismiss} data-testid="dismiss">{ "Dismiss" }</button>
        </div>
    }
}

/// One detail line of a notice; a link is shown as one.
fn detail(text: &String) -> Html {
    if text.starts_with("http") {
        html! { <li><a href={text.clone()} data-testid="link-text">{ text }</a></li> }
    } else {
        html! { <li>{ text }</li> }
    }
}

/// A file-name-safe version of a scenario name.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() {
        "poolcast".into()
    } else {
        s.chars().take(60).collect()
    }
}
