//! The events editor: add a restart, a brownout, a core loss, a scale or a
//! rolling restart at a time; each event's fields; and the events on a
//! strip under the time axis, drawn as they are added.

use std::collections::BTreeMap;
use std::rc::Rc;

use poolcast::Scenario;
use poolcast::scenario::TimedEvent;
use poolcast_charts::Chart;
use yew::prelude::*;

use super::chart::ChartView;
use super::form::F;
use crate::edit::{self, EVENT_KINDS, Edit, Kind};
use crate::jobs::partial_report;
use crate::state::{Action, Draft};

/// Props of [`EventsEditor`].
#[derive(Properties, PartialEq)]
pub struct EventsEditorProps {
    /// The scenario.
    pub scenario: Scenario,
    /// Fields being typed in.
    pub drafts: BTreeMap<String, Draft>,
    /// Problems by form path.
    pub errors: Vec<(String, String)>,
    /// Where edits go.
    pub on_action: Callback<Action>,
}

/// Height of the strip for `n` events, px.
pub fn strip_height(n: usize) -> u32 {
    (112 + 22 * n.max(1)) as u32
}

fn event_fields(f: &F, i: usize, e: &TimedEvent) -> Html {
    let p = |k: &str| format!("events.{i}.{k}");
    let targets = |with_proxy: bool| edit::targets(f.s, with_proxy);
    let select = |path: String, label: &'static str, opts: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = opts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        f.select(&path, label, &refs)
    };
    let services: Vec<(String, String)> =
        f.s.services
            .iter()
            .filter(|s| !s.is_serverless())
            .map(|s| (s.name.clone(), s.name.clone()))
            .collect();
    match e {
        TimedEvent::DbRestart { .. } => html! {
            <div class="row">
                { select(p("target"), "restarts", targets(true)) }
                { f.num(&p("down_s"), "down for", "s", Kind::Float, "") }
            </div>
        },
        TimedEvent::SlowQueries { .. } => html! {
            <div class="row">
                { select(p("target"), "on", targets(false)) }
                { f.num(&p("factor"), "queries slower", "x", Kind::Float, "") }
                { f.num(&p("for_s"), "for", "s", Kind::Float, "") }
            </div>
        },
        TimedEvent::Cores { .. } => html! {
            <div class="row">
                { select(p("target"), "on", targets(false)) }
                { f.num(&p("cores"), "cores left", "", Kind::Int, "") }
                { f.num(&p("for_s"), "for", "s", Kind::Float, "") }
            </div>
        },
        TimedEvent::Scale { .. } => html! {
            <div class="row">
                { select(p("service"), "service", services.clone()) }
                { f.num(&p("instances"), "to instances", "", Kind::Int, "") }
            </div>
        },
        TimedEvent::RollingRestart { .. } => html! {
            <div class="row">
                { select(p("service"), "service", services) }
                { f.num(&p("batch"), "batch", "instances", Kind::Int, "") }
                { f.num(&p("every_s"), "every", "s", Kind::Float, "") }
            </div>
        },
    }
}

/// The events editor: a button to add each kind of event, the list of
/// events (each with its time, its own fields and a remove button) and
/// their strip on the time axis. About a screen, most of it markup.
#[function_component(EventsEditor)]
pub fn events_editor(p: &EventsEditorProps) -> Html {
    let f = F {
        s: &p.scenario,
        drafts: &p.drafts,
        errors: &p.errors,
        on_action: &p.on_action,
    };
    let strip = use_memo(p.scenario.clone(), |s| {
        Rc::new(partial_report(
            s,
            poolcast::report::Timeline {
                bucket_s: 1.0,
                series: Default::default(),
                events: Vec::new(),
            },
        ))
    });
    let add = EVENT_KINDS.iter().map(|(kind, label)| {
        let k = kind.to_string();
        let onclick = p
            .on_action
            .reform(move |_: MouseEvent| Action::Edit(Edit::AddEvent(k.clone())));
        html! {
            <button type="button" class="small" {onclick} data-testid={format!("add-event-{kind}")}>
                { format!("+ {label}") }
            </button>
        }
    });
    let rows = p.scenario.events.iter().enumerate().map(|(i, e)| {
        let remove = p
            .on_action
            .reform(move |_: MouseEvent| Action::Edit(Edit::RemoveEvent(i)));
        let kind = EVENT_KINDS
            .iter()
            .find(|(k, _)| *k == e.kind())
            .map_or(e.kind(), |(_, l)| l);
        html! {
            <li class="event" data-testid={format!("event-{i}")}>
                <div class="event-head">
                    <strong>{ kind }</strong>
                    { f.num(&format!("events.{i}.at_s"), "at", "s", Kind::Float, "") }
                    <button type="button" class="small" onclick={remove}
                        aria-label={format!("Remove event {}", i + 1)}>{ "remove" }</button>
                </div>
                { event_fields(&f, i, e) }
            </li>
        }
    });
    let n = p.scenario.events.len();
    html! {
        <fieldset class="events" id="events-fields">
            <legend>{ "Timed events" }</legend>
            <div class="add-events">{ for add }</div>
            if n > 0 {
                <ol class="event-list">{ for rows }</ol>
                <ChartView report={(*strip).clone()} chart={Chart::Events} height={strip_height(n)} />
            } else {
                <p class="hint">{ "A restart, a brownout, a core loss, a scale or a rolling deploy at a moment of the run; shown on the time axis of every chart." }</p>
            }
        </fieldset>
    }
}
