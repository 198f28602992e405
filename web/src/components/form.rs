//! The scenario form, grouped Workload / Fleet / Pool / Database, with the
//! rarely changed settings folded under "Advanced".

use std::collections::BTreeMap;

use poolcast::Scenario;
use poolcast::scenario::Dist;
use yew::prelude::*;

use super::fields::{NumField, SelectField};
use crate::edit::{self, DIST_KINDS, Kind};
use crate::state::{Action, Draft};

/// Props of [`ScenarioForm`].
#[derive(Properties, PartialEq)]
pub struct ScenarioFormProps {
    /// The scenario shown.
    pub scenario: Scenario,
    /// Fields being typed in.
    pub drafts: BTreeMap<String, Draft>,
    /// Problems by field (dotted path, message).
    pub errors: Vec<(String, String)>,
    /// Called with each edit.
    pub on_action: Callback<Action>,
}

/// The form.
#[function_component(ScenarioForm)]
pub fn scenario_form(p: &ScenarioFormProps) -> Html {
    let on_set = {
        let on_action = p.on_action.clone();
        Callback::from(move |(path, kind, text): (String, Kind, String)| {
            on_action.emit(Action::Set { path, kind, text })
        })
    };
    let num = |path: &str,
               label: &'static str,
               unit: &'static str,
               kind: Kind,
               placeholder: &'static str| {
        let draft = p.drafts.get(path);
        let value = draft
            .map(|d| d.text.clone())
            .unwrap_or_else(|| edit::field_text(&p.scenario, path));
        let error = draft.and_then(|d| d.error.clone()).or_else(|| {
            p.errors
                .iter()
                .find(|(f, _)| f == path)
                .map(|(_, m)| m.clone())
        });
        html! {
            <NumField path={path.to_string()} label={label} unit={unit} kind={kind} value={value}
                error={error.map(AttrValue::from)} placeholder={placeholder} on_set={on_set.clone()} />
        }
    };
    let select =
        |path: &'static str, label: &'static str, options: &[(&'static str, &'static str)]| {
            let on_action = p.on_action.clone();
            let on_change = Callback::from(move |text: String| {
                on_action.emit(Action::Set {
                    path: path.into(),
                    kind: Kind::Text,
                    text,
                })
            });
            let options: Vec<(AttrValue, AttrValue)> = options
                .iter()
                .map(|(v, l)| (AttrValue::from(*v), AttrValue::from(*l)))
                .collect();
            html! {
                <SelectField path={path} label={label} options={options}
                    value={edit::field_text(&p.scenario, path)} {on_change} />
            }
        };
    let dist = |path: &'static str, label: &'static str, d: &Dist| {
        let on_action = p.on_action.clone();
        let on_change = Callback::from(move |kind: String| {
            on_action.emit(Action::SetDistKind {
                path: path.into(),
                kind,
            })
        });
        let options: Vec<(AttrValue, AttrValue)> = DIST_KINDS
            .iter()
            .map(|(v, l)| (AttrValue::from(*v), AttrValue::from(*l)))
            .collect();
        let params = edit::dist_params(d)
            .iter()
            .map(|(key, plabel)| num(&format!("{path}.{key}"), plabel, "ms", Kind::Float, ""));
        let error = p
            .errors
            .iter()
            .find(|(f, _)| f == path)
            .map(|(_, m)| m.clone());
        html! {
            <fieldset class="dist">
                <legend>{ label }</legend>
                <SelectField path={path} label="distribution" options={options}
                    value={edit::dist_kind(d)} {on_change} />
                <div class="row">{ for params }</div>
                if let Some(e) = error { <span class="error" role="alert">{ e }</span> }
            </fieldset>
        }
    };
    let profile = {
        let on_action = p.on_action.clone();
        let draft = p.drafts.get("workload.rate_profile");
        let value = draft
            .map(|d| d.text.clone())
            .unwrap_or_else(|| edit::profile_text(&p.scenario.app().workload.rate_profile));
        let error = draft.and_then(|d| d.error.clone()).or_else(|| {
            p.errors
                .iter()
                .find(|(f, _)| f.starts_with("workload.rate_profile"))
                .map(|(f, m)| format!("{f}: {m}"))
        });
        let oninput = Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            on_action.emit(Action::SetProfile(input.value()));
        });
        html! {
            <div class={classes!("field", "wide", error.is_some().then_some("invalid"))}>
                <label for="f-workload-rate-profile">{ "rate profile (at_s:req/s, ...)" }</label>
                <input id="f-workload-rate-profile" data-testid="f-workload-rate-profile" type="text"
                    placeholder="none, e.g. 300:900, 400:400" value={value} {oninput} />
                if let Some(e) = error { <span class="error" role="alert">{ e }</span> }
            </div>
        }
    };
    let s = &p.scenario;
    html! {
        <form class="scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}
            aria-label="Scenario">
            if !p.errors.is_empty() {
                <div class="form-errors" role="alert" data-testid="form-errors">
                    <strong>{ format!("{} problem(s) to fix before running:", p.errors.len()) }</strong>
                    <ul>{ for p.errors.iter().map(|(f, m)| html! { <li><code>{ f }</code>{ ": " }{ m }</li> }) }</ul>
                </div>
            }
            <fieldset>
                <legend>{ "Workload" }</legend>
                <div class="row">
                    { num("workload.rate_per_s", "arrival rate", "req/s", Kind::Float, "") }
                    { num("workload.queries_per_request", "queries / request", "", Kind::Int, "") }
                </div>
                { dist("workload.query_ms", "query time", &s.app().workload.query_ms) }
                { select("workload.query_mode", "query mode", &[
                    ("sequential", "sequential (each query borrows)"),
                    ("parallel", "parallel (Promise.all)"),
                    ("transaction", "transaction (one connection)"),
                ]) }
            </fieldset>
            <fieldset>
                <legend>{ "Fleet" }</legend>
                <div class="row">
                    { num("fleet.instances", "instances", "", Kind::Int, "") }
                    { num("fleet.pools_per_instance", "pools / instance", "", Kind::Int, "") }
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "Pool" }</legend>
                <div class="row">
                    { num("pool.max_size", "max size", "conns", Kind::Int, "") }
                    { num("pool.acquire_timeout_ms", "acquire timeout", "ms", Kind::OptFloat, "none: wait forever") }
                </div>
                { select("pool.on_connect_error", "when the database refuses", &[
                    ("fail", "fail the request (Prisma)"),
                    ("retry", "retry (tarn / knex)"),
                ]) }
            </fieldset>
            <fieldset>
                <legend>{ "Database" }</legend>
                <div class="row">
                    { num("database.max_connections", "max_connections", "", Kind::Int, "") }
                    { num("database.reserved_connections", "reserved", "", Kind::Int, "") }
                </div>
                <div class="row">
                    { num("database.cores", "CPU cores", "", Kind::OptInt, "none") }
                    { num("database.connect_ms", "connect time", "ms", Kind::Float, "") }
                </div>
            </fieldset>
            <details class="advanced" data-testid="advanced">
                <summary>{ "Advanced: run length, seed, lifecycle, retry, timeouts, rate profile" }</summary>
                <fieldset>
                    <legend>{ "Run" }</legend>
                    { num("name", "name", "", Kind::Text, "") }
                    <div class="row">
                        { num("duration_s", "measured", "s", Kind::Float, "") }
                        { num("warmup_s", "warmup", "s", Kind::Float, "") }
                        { num("seed", "seed", "", Kind::Int, "") }
                    </div>
                </fieldset>
                <fieldset>
                    <legend>{ "Load shape" }</legend>
                    { profile }
                    { dist("workload.hold_extra_ms", "extra hold in a transaction", &s.app().workload.hold_extra_ms) }
                </fieldset>
                <fieldset>
                    <legend>{ "Connection lifecycle" }</legend>
                    <div class="row">
                        { num("pool.min_idle", "min idle", "conns", Kind::Int, "") }
                        { num("pool.idle_timeout_ms", "idle timeout", "ms", Kind::OptFloat, "none: never") }
                    </div>
                    <div class="row">
                        { num("pool.max_lifetime_ms", "max lifetime", "ms", Kind::OptFloat, "none: never") }
                        { num("pool.lifetime_jitter_ms", "lifetime jitter", "ms", Kind::Float, "") }
                    </div>
                    <div class="row">
                        { num("pool.max_uses", "max uses", "borrows", Kind::OptInt, "none: unlimited") }
                        { num("pool.create_retry_interval_ms", "retry interval", "ms", Kind::Float, "") }
                    </div>
                    { num("database.statement_timeout_ms", "statement_timeout", "ms", Kind::OptFloat, "none: never") }
                </fieldset>
            </details>
        </form>
    }
}
