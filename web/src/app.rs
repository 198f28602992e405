//! The app: one reducer for the state, one worker for runs, and the
//! effects that keep the URL fragment and localStorage in step with the form.

use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::components::calculator::Calculator;
use crate::components::form::ScenarioForm;
use crate::components::io::ImportPanel;
use crate::components::results::Results;
use crate::components::toolbar::{Export, Toolbar};
use crate::permalink::{self, LinkError};
use crate::runner::{self, Runner, RunnerRef};
use crate::state::{Action, Notice, Run, State, Tone};
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
            let timer =
                due.then(|| Timeout::new(delay, move || runner::start_run(&runner, &d, &scenario)));
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
                runner::start_run(&runner, &d, &state.scenario);
            }
        })
    };
    let on_cancel = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| runner::cancel_run(&runner, &d))
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
                runner::start_sweep(&runner, &d, &state.scenario);
            }
        })
    };
    let on_cancel_sweep = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| runner::cancel_sweep(&runner, &d))
    };
    let on_recommend = {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        Callback::from(move |slo: Slo| {
            if state.can_run() {
                runner::start_advice(&runner, &d, &state.scenario, slo);
            }
        })
    };
    let on_cancel_recommend = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| runner::cancel_advice(&runner, &d))
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
        // The link prefixes the page reads, for the end-to-end test's generated links.
        <div class="app" {onkeydown} data-link-prefixes={permalink::PREFIXES.join(" ")}>
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
