//! The app: one reducer for the state, workers for runs, and the effects
//! that keep the URL fragment and localStorage in step with the form, run
//! A of a comparison, measure the sensitivity band, and bring a clicked
//! part's fields into view.
//!
//! [`app`] only wires: each effect is a hook below (`use_…`), each panel's
//! callbacks are built by a function named after the panel, and what an
//! import, a paste or a link loads is worked out by [`crate::loads`].

use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::components::calculator::Calculator;
use crate::components::fields::field_id;
use crate::components::form::ScenarioForm;
use crate::components::gallery::Gallery;
use crate::components::io::ImportPanel;
use crate::components::results::Results;
use crate::components::toolbar::{Export, Toolbar};
use crate::components::topology::Topology;
use crate::jobs::Run;
use crate::runner::{self, Runner, RunnerRef};
use crate::state::{Action, Notice, State, Tone};
use crate::{browser, export, loads, permalink, presets};
use poolcast::recommend::{Sizing, Slo};

/// Wait after the last edit before a small scenario re-runs, ms.
const DEBOUNCE_MS: u32 = 600;

/// The reducer's handle, as the callbacks share it.
type StateRef = UseReducerHandle<State>;
/// The reducer's dispatcher.
type Dispatch = UseReducerDispatcher<State>;

/// The state at page load: the link's scenario(s), else the last one used,
/// else the defaults. A broken link says so and falls back to the defaults.
fn initial_state() -> State {
    match loads::from_fragment(&browser::fragment()) {
        Ok(Some(load)) => State::default().apply(load),
        Ok(None) => State::with_scenario(browser::load_scenario().unwrap_or_default()),
        Err(e) => State::default().apply(Action::Notify(Notice::new(
            Tone::Error,
            format!("{e}. Showing the default scenario instead."),
        ))),
    }
}

/// Brings the field at `path` into view and focuses it.
fn focus_field(path: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(el) = doc.get_element_by_id(&field_id(path)) {
        el.scroll_into_view();
        if let Ok(input) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = input.focus();
        }
    }
}

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let runner: RunnerRef = use_mut_ref(Runner::default);
    let d = state.dispatcher();
    use_link_in_step(&state);
    use_links_opened_in_place(d.clone());
    use_auto_run(state.clone(), runner.clone(), d.clone());
    use_run_a(&state, runner.clone(), d.clone());
    use_band(state.clone(), runner.clone(), d.clone());
    use_focus(state.focus.clone());

    let on_action = {
        let d = d.clone();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    let on_run = on_run(&state, &runner);
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
    let fresh = state.jobs.outcome.clone().filter(|_| !state.stale());
    html! {
        // The link prefixes the page reads, for the end-to-end test's generated links.
        <div class="app" {onkeydown} data-link-prefixes={permalink::PREFIXES.join(" ")}>
            { toolbar(&state, &runner, on_run, errors_empty) }
            <main class="layout">
                <aside class="left">
                    <h2>{ "Scenario" }</h2>
                    <ScenarioForm scenario={state.scenario.clone()} service={state.service}
                        drafts={state.drafts.clone()} errors={errors.clone()} on_action={on_action.clone()} />
                    { import_panel(&state) }
                </aside>
                <div class="right">
                    { notices(&state.notices, on_action.reform(|_: MouseEvent| Action::Dismiss)) }
                    <Topology scenario={state.scenario.clone()}
                        report={fresh.as_ref().map(|o| o.report.clone())}
                        compare={state.a().map(|o| o.report.clone())} on_focus={on_action.reform(Action::Focus)} />
                    <Results outcome={state.jobs.outcome.clone()} stale={state.stale()}
                        pinned={state.jobs.pinned.clone()} partial={state.jobs.partial.clone()}
                        band={state.jobs.band.clone()} view={state.view} measured={state.measured.clone()}
                        on_action={on_action.clone()} />
                    { calculator(&state, &runner, errors_empty) }
                    <Gallery />
                </div>
            </main>
        </div>
    }
}

/// Keeps the link and localStorage in step with the form (and A).
#[hook]
fn use_link_in_step(state: &StateRef) {
    let pinned = state.jobs.pinned.as_ref().map(|p| p.scenario.clone());
    use_effect_with((state.scenario.clone(), pinned), |(s, a)| {
        browser::set_fragment(&permalink::encode_pair(s, a.as_ref()));
        browser::save_scenario(s);
    });
}

/// Opens a link pasted into this tab's address bar, or a gallery link
/// clicked: they change only the fragment.
#[hook]
fn use_links_opened_in_place(d: Dispatch) {
    use_effect_with((), move |_| {
        let listener =
            Closure::<dyn FnMut()>::new(move || match loads::from_fragment(&browser::fragment()) {
                Ok(Some(load)) => d.dispatch(load),
                Ok(None) => {}
                Err(e) => d.dispatch(Action::Notify(Notice::new(
                    Tone::Error,
                    format!("{e}. The form was left as it was."),
                ))),
            });
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ =
                w.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
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

/// Runs what was just opened, and re-runs small scenarios shortly after
/// the last edit.
#[hook]
fn use_auto_run(state: StateRef, runner: RunnerRef, d: Dispatch) {
    use_effect_with(state.edits, move |&edits| {
        let due = state.can_run() && (state.small() || state.run_now);
        let delay = if edits == 0 || state.run_now {
            0
        } else {
            DEBOUNCE_MS
        };
        let scenario = state.scenario.clone();
        let timer =
            due.then(|| Timeout::new(delay, move || runner::start_run(&runner, &d, &scenario)));
        move || drop(timer)
    });
}

/// Runs A of a comparison once it is pinned from a link or the gallery.
#[hook]
fn use_run_a(state: &StateRef, runner: RunnerRef, d: Dispatch) {
    let needs = state
        .jobs
        .pinned
        .as_ref()
        .filter(|p| p.outcome.is_none() && p.job.is_none())
        .map(|p| p.scenario.clone());
    use_effect_with(needs, move |needs| {
        if let Some(a) = needs
            && poolcast::validate(a, crate::state::MAX_EVENTS).is_ok()
        {
            runner::start_pin(&runner, &d, a);
        }
    });
}

/// Measures how sure the answer is once a run is done.
#[hook]
fn use_band(state: StateRef, runner: RunnerRef, d: Dispatch) {
    let key = state
        .jobs
        .outcome
        .as_ref()
        .map(|o| std::rc::Rc::as_ptr(o) as usize);
    use_effect_with(key, move |_| {
        if state.wants_band()
            && let Some(o) = &state.jobs.outcome
        {
            runner::start_band(&runner, &d, &o.report.scenario);
        }
    });
}

/// Opens a clicked topology part's fields.
#[hook]
fn use_focus(focus: Option<(String, u64)>) {
    use_effect_with(focus, |focus| {
        let timer = focus
            .clone()
            .map(|(path, _)| Timeout::new(30, move || focus_field(&path)));
        move || drop(timer)
    });
}

/// Run (the button and Ctrl+Enter): runs the form's scenario if it can.
fn on_run(state: &StateRef, runner: &RunnerRef) -> Callback<()> {
    let (state, runner, d) = (state.clone(), runner.clone(), state.dispatcher());
    Callback::from(move |()| {
        if state.can_run() {
            runner::start_run(&runner, &d, &state.scenario);
        }
    })
}

/// The top bar and what its buttons do; Run is enabled when `can_run`.
fn toolbar(state: &StateRef, runner: &RunnerRef, on_run: Callback<()>, can_run: bool) -> Html {
    let d = state.dispatcher();
    let on_cancel = {
        let (runner, d) = (runner.clone(), d.clone());
        Callback::from(move |()| runner::cancel_run(&runner, &d))
    };
    let on_preset = {
        let d = d.clone();
        Callback::from(move |id: String| {
            if let Some(p) = presets::by_id(&id) {
                d.dispatch(loads::preset(p));
            }
        })
    };
    let on_pin = {
        let d = d.clone();
        Callback::from(move |pin: bool| d.dispatch(if pin { Action::Pin } else { Action::Unpin }))
    };
    let on_copy_link = {
        let (state, d) = (state.clone(), d.clone());
        Callback::from(move |()| {
            let a = state.jobs.pinned.as_ref().map(|p| &p.scenario);
            let link = browser::link_with(&permalink::encode_pair(&state.scenario, a));
            browser::copy(&link);
            d.dispatch(Action::Notify(loads::link_copied(link, a.is_some())));
        })
    };
    let on_export = {
        let state = state.clone();
        Callback::from(move |kind: Export| download(&state, kind))
    };
    let progress = match state.jobs.run {
        Run::Running { progress, .. } => Some(progress),
        Run::Idle => None,
    };
    let fresh = state.jobs.outcome.is_some() && !state.stale();
    html! {
        <Toolbar presets={preset_menu()} {progress} {can_run}
            has_report={state.jobs.outcome.is_some()} can_pin={fresh}
            pinned={state.jobs.pinned.is_some()} {on_pin} {on_preset} {on_run} {on_cancel}
            {on_copy_link} {on_export} />
    }
}

/// (id, label) of every gallery entry, a pair marked "(A/B)".
fn preset_menu() -> Vec<(AttrValue, AttrValue)> {
    presets::all()
        .into_iter()
        .map(|p| {
            let label = if p.before.is_some() {
                format!("{} (A/B)", p.title)
            } else {
                p.title.to_string()
            };
            (AttrValue::from(p.id), AttrValue::from(label))
        })
        .collect()
}

/// Downloads the scenario, or the last report as JSON or its timeline as
/// CSV (nothing when there is no report yet).
fn download(state: &State, kind: Export) {
    let stem = export::file_stem(&state.scenario.name);
    match (kind, &state.jobs.outcome) {
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
}

/// The import panel: JSON loads as it is; a paste fills the shown service.
fn import_panel(state: &StateRef) -> Html {
    let on_json = {
        let d = state.dispatcher();
        Callback::from(move |text: String| d.dispatch(loads::import_json(&text)))
    };
    let on_env = {
        let state = state.clone();
        Callback::from(move |text: String| {
            let d = state.dispatcher();
            for action in loads::paste(&text, &state.scenario, state.service) {
                d.dispatch(action);
            }
        })
    };
    html! { <ImportPanel {on_json} {on_env} /> }
}

/// The calculator panel and its sweep and search buttons.
fn calculator(state: &StateRef, runner: &RunnerRef, valid: bool) -> Html {
    let d = state.dispatcher();
    let on_sweep = {
        let (state, runner, d) = (state.clone(), runner.clone(), d.clone());
        Callback::from(move |knob: Sizing| {
            if state.can_run() {
                runner::start_sweep(&runner, &d, &state.scenario, knob);
            }
        })
    };
    let on_cancel_sweep = {
        let (runner, d) = (runner.clone(), d.clone());
        Callback::from(move |()| runner::cancel_sweep(&runner, &d))
    };
    let on_recommend = {
        let (state, runner, d) = (state.clone(), runner.clone(), d.clone());
        Callback::from(move |(knob, slo): (Sizing, Slo)| {
            if state.can_run() {
                runner::start_advice(&runner, &d, &state.scenario, knob, slo);
            }
        })
    };
    let on_cancel_recommend = {
        let (runner, d) = (runner.clone(), d.clone());
        Callback::from(move |()| runner::cancel_advice(&runner, &d))
    };
    html! {
        <Calculator scenario={state.scenario.clone()} service={state.service} {valid}
            sweep={state.jobs.sweep.clone()} advice={state.jobs.advice.clone()}
            {on_sweep} {on_cancel_sweep} {on_recommend} {on_cancel_recommend} />
    }
}

/// The notices, each in its tone, and one Dismiss for all of them.
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
