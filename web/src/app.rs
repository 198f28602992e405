//! The app: one reducer for the state, workers for runs, and the effects
//! that keep the URL fragment and localStorage in step with the form, run
//! A of a comparison, measure the sensitivity band, and bring a clicked
//! part's fields into view.

use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::budget::Knob;
use crate::components::calculator::Calculator;
use crate::components::fields::field_id;
use crate::components::form::ScenarioForm;
use crate::components::gallery::Gallery;
use crate::components::io::ImportPanel;
use crate::components::results::Results;
use crate::components::toolbar::{Export, Toolbar};
use crate::components::topology::Topology;
use crate::permalink::{self, LinkError};
use crate::runner::{self, Runner, RunnerRef};
use crate::state::{Action, Notice, PinChange, Run, State, Tone};
use crate::{browser, calibrate, envparse, export, presets};
use poolcast::recommend::Slo;

/// Wait after the last edit before a small scenario re-runs, ms.
const DEBOUNCE_MS: u32 = 600;

/// What a fragment asks for: a gallery entry or a link's scenario(s), as
/// the action that loads it; `Err` for a broken link, `Ok(None)` for none.
fn from_fragment(fragment: &str) -> Result<Option<Action>, String> {
    if let Some(id) = permalink::example_id(fragment) {
        return match presets::by_id(&id) {
            Some(p) => Ok(Some(load_preset(p))),
            None => Err(format!("there is no example called “{id}” in the gallery")),
        };
    }
    match permalink::decode_link(fragment) {
        Ok(link) => {
            let pinned = link.pinned.is_some();
            let text = if pinned {
                "Opened the comparison from the link: A (faint) and B."
            } else {
                "Opened the scenario from the link."
            };
            Ok(Some(Action::Load {
                scenario: Box::new(link.scenario),
                pinned: match link.pinned {
                    Some(a) => PinChange::Set(Box::new(a)),
                    None => PinChange::Clear,
                },
                notices: vec![Notice::new(Tone::Info, text)],
                run: true,
            }))
        }
        Err(LinkError::NotALink) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Loads a gallery entry: a pair opens as A (the guide's setup) beside B.
fn load_preset(p: presets::Preset) -> Action {
    let pair = p.before.is_some();
    let text = if pair {
        format!("“{}”: A is the setup, B its fix. {}", p.title, p.source)
    } else {
        format!("“{}”. {}", p.title, p.source)
    };
    Action::Load {
        scenario: Box::new(p.scenario),
        pinned: match p.before {
            Some(a) => PinChange::Set(Box::new(a)),
            None => PinChange::Clear,
        },
        notices: vec![Notice::new(Tone::Info, text)],
        run: true,
    }
}

/// The state at page load: the link's scenario(s), else the last one used,
/// else the defaults. A broken link says so and falls back to the defaults.
fn initial_state() -> State {
    match from_fragment(&browser::fragment()) {
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
    let dispatcher = state.dispatcher();

    // Keep the link and localStorage in step with the form (and A).
    {
        let pinned = state.pinned.as_ref().map(|p| p.scenario.clone());
        use_effect_with((state.scenario.clone(), pinned), |(s, a)| {
            browser::set_fragment(&permalink::encode_pair(s, a.as_ref()));
            browser::save_scenario(s);
        });
    }

    // A link pasted into this tab's address bar, or a gallery link clicked,
    // changes only the fragment.
    {
        let d = dispatcher.clone();
        use_effect_with((), move |_| {
            let listener =
                Closure::<dyn FnMut()>::new(move || match from_fragment(&browser::fragment()) {
                    Ok(Some(load)) => d.dispatch(load),
                    Ok(None) => {}
                    Err(e) => d.dispatch(Action::Notify(Notice::new(
                        Tone::Error,
                        format!("{e}. The form was left as it was."),
                    ))),
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

    // Run what was just opened, and re-run small scenarios shortly after
    // the last edit.
    {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
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

    // Run A of a comparison once it is pinned from a link or the gallery.
    {
        let needs = state
            .pinned
            .as_ref()
            .filter(|p| p.outcome.is_none() && p.job.is_none())
            .map(|p| p.scenario.clone());
        let (runner, d) = (runner.clone(), dispatcher.clone());
        use_effect_with(needs, move |needs| {
            if let Some(a) = needs
                && poolcast::validate(a, crate::state::MAX_EVENTS).is_ok()
            {
                runner::start_pin(&runner, &d, a);
            }
        });
    }

    // Measure how sure the answer is once a run is done.
    {
        let key = state
            .outcome
            .as_ref()
            .map(|o| std::rc::Rc::as_ptr(o) as usize);
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        use_effect_with(key, move |_| {
            if state.wants_band()
                && let Some(o) = &state.outcome
            {
                runner::start_band(&runner, &d, &o.report.scenario);
            }
        });
    }

    // A click on the topology opens its part's fields.
    use_effect_with(state.focus.clone(), |focus| {
        let timer = focus
            .clone()
            .map(|(path, _)| Timeout::new(30, move || focus_field(&path)));
        move || drop(timer)
    });

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
                d.dispatch(load_preset(p));
            }
        })
    };
    let on_pin = {
        let d = dispatcher.clone();
        Callback::from(move |pin: bool| d.dispatch(if pin { Action::Pin } else { Action::Unpin }))
    };
    let on_copy_link = {
        let (state, d) = (state.clone(), dispatcher.clone());
        Callback::from(move |()| {
            let a = state.pinned.as_ref().map(|p| &p.scenario);
            let link = browser::link_with(&permalink::encode_pair(&state.scenario, a));
            browser::copy(&link);
            let text = if a.is_some() {
                "Link copied: it opens both runs, A and B, and compares them."
            } else {
                "Link copied: it opens this scenario and runs it."
            };
            d.dispatch(Action::Notify(Notice {
                tone: Tone::Info,
                text: text.into(),
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
                    pinned: PinChange::Keep,
                    notices: vec![notice],
                    run: false,
                });
            }
            Err(message) => d.dispatch(Action::Notify(Notice::new(Tone::Error, message))),
        })
    };
    let on_env = {
        let (state, d) = (state.clone(), dispatcher.clone());
        Callback::from(move |text: String| {
            if calibrate::looks_like_psql(&text) {
                match calibrate::calibrate(&text, &state.scenario, state.service) {
                    Ok(c) => {
                        let mut details: Vec<String> =
                            c.read.iter().map(|r| format!("read: {r}")).collect();
                        details.extend(c.ignored.iter().map(|i| format!("ignored: {i}")));
                        d.dispatch(Action::Load {
                            scenario: Box::new(c.scenario),
                            pinned: PinChange::Keep,
                            notices: vec![Notice {
                                tone: Tone::Info,
                                text: "Calibrated from the pasted output; the measured figures \
                                       are shown beside the simulated ones after the run."
                                    .into(),
                                details,
                            }],
                            run: true,
                        });
                        d.dispatch(Action::Measured(Some(c.measured)));
                    }
                    Err(problems) => d.dispatch(Action::Notify(Notice {
                        tone: Tone::Error,
                        text: "The pasted output could not be read, so nothing was applied:".into(),
                        details: problems,
                    })),
                }
                return;
            }
            let got = envparse::apply_to(&text, &state.scenario, state.service);
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
                pinned: PinChange::Keep,
                notices: vec![notice],
                run: false,
            });
        })
    };
    let on_sweep = {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        Callback::from(move |knob: Knob| {
            if state.can_run() {
                runner::start_sweep(&runner, &d, &state.scenario, knob);
            }
        })
    };
    let on_cancel_sweep = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| runner::cancel_sweep(&runner, &d))
    };
    let on_recommend = {
        let (state, runner, d) = (state.clone(), runner.clone(), dispatcher.clone());
        Callback::from(move |(knob, slo): (Knob, Slo)| {
            if state.can_run() {
                runner::start_advice(&runner, &d, &state.scenario, knob, slo);
            }
        })
    };
    let on_cancel_recommend = {
        let (runner, d) = (runner.clone(), dispatcher.clone());
        Callback::from(move |()| runner::cancel_advice(&runner, &d))
    };
    let on_focus = on_action.reform(Action::Focus);
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
        .map(|p| {
            let label = if p.before.is_some() {
                format!("{} (A/B)", p.title)
            } else {
                p.title.to_string()
            };
            (AttrValue::from(p.id), AttrValue::from(label))
        })
        .collect();
    let fresh = state.outcome.clone().filter(|_| !state.stale());
    html! {
        // The link prefixes the page reads, for the end-to-end test's generated links.
        <div class="app" {onkeydown} data-link-prefixes={permalink::PREFIXES.join(" ")}>
            <Toolbar presets={preset_list} {progress} can_run={errors_empty}
                has_report={state.outcome.is_some()} can_pin={fresh.is_some()}
                pinned={state.pinned.is_some()} {on_pin} {on_preset} {on_run} {on_cancel}
                {on_copy_link} {on_export} />
            <main class="layout">
                <aside class="left">
                    <h2>{ "Scenario" }</h2>
                    <ScenarioForm scenario={state.scenario.clone()} service={state.service}
                        drafts={state.drafts.clone()} errors={errors.clone()} on_action={on_action.clone()} />
                    <ImportPanel {on_json} {on_env} />
                </aside>
                <div class="right">
                    { notices(&state.notices, on_action.reform(|_: MouseEvent| Action::Dismiss)) }
                    <Topology scenario={state.scenario.clone()}
                        report={fresh.as_ref().map(|o| o.report.clone())}
                        compare={state.a().map(|o| o.report.clone())} {on_focus} />
                    <Results outcome={state.outcome.clone()} stale={state.stale()}
                        pinned={state.pinned.clone()} partial={state.partial.clone()}
                        band={state.band.clone()} view={state.view} measured={state.measured.clone()}
                        on_action={on_action.clone()} />
                    <Calculator scenario={state.scenario.clone()} service={state.service} valid={errors_empty}
                        sweep={state.sweep.clone()} advice={state.advice.clone()}
                        {on_sweep} {on_cancel_sweep} {on_recommend} {on_cancel_recommend} />
                    <Gallery />
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
