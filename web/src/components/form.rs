//! The scenario form for version 2: the services (one shown at a time, in
//! tabs: add, copy, remove, rename), the proxy, the database and its
//! replicas, the timed events, and the run's length under "Advanced".
//! Every field names itself in its error, inline.

use std::collections::BTreeMap;

use poolcast::Scenario;
use poolcast::scenario::{Arrivals, Cause, QueryMode, Retry, Route, ServiceKind, Workload};
use yew::prelude::*;

use super::events::EventsEditor;
use super::fields::{CheckField, NumField, SelectField};
use crate::edit::{self, DIST_KINDS, Edit, Kind};
use crate::state::{Action, Draft};

/// Props of [`ScenarioForm`].
#[derive(Properties, PartialEq)]
pub struct ScenarioFormProps {
    /// The scenario shown.
    pub scenario: Scenario,
    /// The service whose fields are shown.
    pub service: usize,
    /// Fields being typed in.
    pub drafts: BTreeMap<String, Draft>,
    /// Problems by field (form path, message).
    pub errors: Vec<(String, String)>,
    /// Called with each edit.
    pub on_action: Callback<Action>,
}

/// A number field of a row: path (after the row's prefix), label, unit,
/// kind, placeholder.
pub type NumSpec = (&'static str, &'static str, &'static str, Kind, &'static str);

/// What every field of the form needs to draw itself.
pub struct F<'a> {
    /// The scenario.
    pub s: &'a Scenario,
    /// Text being typed.
    pub drafts: &'a BTreeMap<String, Draft>,
    /// Problems by form path.
    pub errors: &'a [(String, String)],
    /// Where edits go.
    pub on_action: &'a Callback<Action>,
}

impl F<'_> {
    /// The problem with the field at `path`, typed or from validation.
    pub fn error_of(&self, path: &str) -> Option<String> {
        self.drafts
            .get(path)
            .and_then(|d| d.error.clone())
            .or_else(|| {
                self.errors
                    .iter()
                    .find(|(f, _)| f == path)
                    .map(|(_, m)| m.clone())
            })
    }

    /// A number (or text) field.
    pub fn num(
        &self,
        path: &str,
        label: &'static str,
        unit: &'static str,
        kind: Kind,
        placeholder: &'static str,
    ) -> Html {
        let value = self
            .drafts
            .get(path)
            .map(|d| d.text.clone())
            .unwrap_or_else(|| edit::field_text(self.s, path));
        let on_set = self
            .on_action
            .reform(|(path, kind, text): (String, Kind, String)| Action::Set { path, kind, text });
        html! {
            <NumField path={path.to_string()} {label} {unit} {kind} {value}
                error={self.error_of(path).map(AttrValue::from)} {placeholder} {on_set} />
        }
    }

    /// A row of number fields, each `(path, label, unit, kind,
    /// placeholder)` as [`F::num`] takes them, the path after `prefix`.
    pub fn row(&self, prefix: &str, fields: &[NumSpec]) -> Html {
        let fields = fields
            .iter()
            .map(|&(path, label, unit, kind, placeholder)| {
                self.num(&format!("{prefix}{path}"), label, unit, kind, placeholder)
            });
        html! { <div class="row">{ for fields }</div> }
    }

    /// A select whose value is the field's text.
    pub fn select(&self, path: &str, label: &'static str, options: &[(&str, &str)]) -> Html {
        let p = path.to_string();
        let on_change = self.on_action.reform(move |text: String| Action::Set {
            path: p.clone(),
            kind: Kind::Text,
            text,
        });
        let options: Vec<(AttrValue, AttrValue)> = options
            .iter()
            .map(|(v, l)| {
                (
                    AttrValue::from(v.to_string()),
                    AttrValue::from(l.to_string()),
                )
            })
            .collect();
        html! {
            <>
                <SelectField path={path.to_string()} {label} {options}
                    value={edit::field_text(self.s, path)} {on_change} />
                if let Some(e) = self.error_of(path) { <span class="error" role="alert">{ e }</span> }
            </>
        }
    }

    /// A checkbox that makes a structural edit.
    pub fn check(
        &self,
        id: &str,
        label: &'static str,
        on: bool,
        edit: impl Fn(bool) -> Edit + 'static,
    ) -> Html {
        let on_change = self.on_action.reform(move |v: bool| Action::Edit(edit(v)));
        html! { <CheckField path={id.to_string()} {label} checked={on} {on_change} /> }
    }

    /// A distribution: its kind and its parameters.
    pub fn dist(&self, path: &str, label: &'static str) -> Html {
        let Some(d) = edit::dist_at(self.s, path) else {
            return html! {};
        };
        let p = path.to_string();
        let on_change = self.on_action.reform(move |kind: String| {
            Action::Edit(Edit::SetDistKind {
                path: p.clone(),
                kind,
            })
        });
        let mut options: Vec<(AttrValue, AttrValue)> = DIST_KINDS
            .iter()
            .map(|(v, l)| (AttrValue::from(*v), AttrValue::from(*l)))
            .collect();
        if d.is_measured() {
            options.push(("measured".into(), "measured (edit it in the JSON)".into()));
        }
        let params = edit::dist_params(&d)
            .iter()
            .map(|(key, plabel)| self.num(&format!("{path}.{key}"), plabel, "ms", Kind::Float, ""));
        html! {
            <fieldset class="dist">
                <legend>{ label }</legend>
                <SelectField path={path.to_string()} label="distribution" {options}
                    value={edit::dist_kind(&d)} {on_change} />
                <div class="row">{ for params }</div>
                if let Some(e) = self.error_of(path) { <span class="error" role="alert">{ e }</span> }
            </fieldset>
        }
    }
}

/// The tabs of the services, with add, copy and remove.
fn service_tabs(f: &F, current: usize) -> Html {
    let tabs = f.s.services.iter().enumerate().map(|(i, svc)| {
        let onclick = f.on_action.reform(move |_: MouseEvent| Action::SelectService(i));
        let bad = f.errors.iter().any(|(p, _)| p.starts_with(&format!("services.{i}.")));
        let kind = if svc.is_serverless() { "λ " } else { "" };
        html! {
            <button type="button" role="tab" aria-selected={(i == current).to_string()}
                class={classes!("tab", (i == current).then_some("current"), bad.then_some("invalid"))}
                data-testid={format!("service-tab-{i}")} {onclick}>
                { format!("{kind}{}", svc.name) }
            </button>
        }
    });
    let act = |e: Edit| {
        f.on_action
            .reform(move |_: MouseEvent| Action::Edit(e.clone()))
    };
    html! {
        <div class="tabs">
            // Only the tabs are in the tablist (ARIA allows nothing else there).
            <div class="tablist" role="tablist" aria-label="Services">{ for tabs }</div>
            <button type="button" class="small" onclick={act(Edit::AddService)} data-testid="add-service"
                title="A new service (an API, a worker, a cron job) on the same database">{ "+ service" }</button>
            <button type="button" class="small" onclick={act(Edit::DuplicateService(current))}
                data-testid="duplicate-service">{ "copy" }</button>
            <button type="button" class="small" onclick={act(Edit::RemoveService(current))}
                disabled={f.s.services.len() < 2} data-testid="remove-service">{ "remove" }</button>
        </div>
    }
}

/// The fields of service `i`: how it runs and connects, then its
/// workload, pool and retries.
fn service_fields(f: &F, i: usize) -> Html {
    let Some(svc) = f.s.services.get(i) else {
        return html! {};
    };
    let p = |rest: &str| format!("services.{i}.{rest}");
    let prefix = p("");
    let serverless = svc.is_serverless();
    let kind_change = f.on_action.reform(move |v: String| {
        let k = if v == "serverless" {
            ServiceKind::Serverless
        } else {
            ServiceKind::Instances
        };
        Action::Edit(Edit::SetKind(i, k))
    });
    html! {
        <section class="service" id={format!("svc-{i}")} aria-label={format!("Service {}", svc.name)}>
            <div class="row">
                { f.num(&p("name"), "service name", "", Kind::Text, "") }
                <SelectField path={p("kind")} label="runs as" value={if serverless { "serverless" } else { "instances" }}
                    options={vec![("instances".into(), "instances".into()),
                                  ("serverless".into(), "serverless".into())]}
                    on_change={kind_change} />
            </div>
            if f.s.proxy.is_some() {
                { f.select(&p("route"), "connects", &[("direct", "straight to the database"), ("proxy", "through the proxy (PgBouncer)")]) }
            } else if svc.route == Route::Proxy {
                { f.select(&p("route"), "connects", &[("direct", "straight to the database"), ("proxy", "through the proxy (none set)")]) }
            }
            if serverless {
                <fieldset>
                    <legend>{ "Functions" }</legend>
                    { f.row(&prefix, &[
                        ("serverless.max_concurrency", "max concurrency", "functions", Kind::Int, ""),
                        ("serverless.idle_reclaim_s", "reclaimed after idle", "s", Kind::Float, ""),
                    ]) }
                    { f.row(&prefix, &[
                        ("serverless.orphan_linger_s", "orphaned connections linger", "s", Kind::Float, ""),
                    ]) }
                    { f.dist(&p("serverless.cold_start_ms"), "cold start") }
                </fieldset>
            } else {
                { f.row(&prefix, &[
                    ("instances", "instances", "", Kind::Int, ""),
                    ("pools_per_instance", "pools / instance", "", Kind::Int, ""),
                ]) }
            }
            { workload_fields(f, i, &svc.workload) }
            { pool_fields(f, i) }
            { retry_fields(f, i, svc.retry.as_ref()) }
        </section>
    }
}

/// The workload of service `i`: arrivals, queries, transactions.
fn workload_fields(f: &F, i: usize, w: &Workload) -> Html {
    let p = |rest: &str| format!("services.{i}.{rest}");
    let prefix = p("");
    let closed = w.is_closed();
    let arrivals_change = f
        .on_action
        .reform(move |v: String| Action::Edit(Edit::SetClosed(i, v == "closed")));
    let replicas = f.s.database.replica_count() > 0;
    html! {
        <fieldset>
            <legend>{ "Workload" }</legend>
            <SelectField path={p("workload.arrivals.kind")} label="arrivals"
                value={if closed { "closed" } else { "open" }}
                options={vec![("open".into(), "open: a rate (Poisson)".into()),
                              ("closed".into(), "closed: virtual users (artillery, k6)".into())]}
                on_change={arrivals_change} />
            if let Arrivals::Closed { .. } = &w.arrivals {
                { f.row(&prefix, &[
                    ("workload.arrivals.users", "users", "", Kind::Int, ""),
                    ("workload.arrivals.requests_per_user", "requests / user", "", Kind::OptInt, "none: until the end"),
                    ("workload.arrivals.ramp_s", "ramp", "s", Kind::Float, ""),
                ]) }
                { f.dist(&p("workload.arrivals.think_ms"), "think time") }
            } else {
                { f.row(&prefix, &[("workload.rate_per_s", "arrival rate", "req/s", Kind::Float, "")]) }
                { rate_profile(f, i, w) }
            }
            <div class="row">
                { f.num(&p("workload.queries_per_request"), "queries / request", "", Kind::Int, "") }
                if replicas {
                    { f.num(&p("workload.read_fraction"), "reads (to replicas)", "0-1", Kind::Float, "") }
                }
            </div>
            { f.select(&p("workload.query_mode"), "query mode", &[
                ("sequential", "sequential (each query borrows)"),
                ("parallel", "parallel (Promise.all)"),
                ("transaction", "transaction (one connection)"),
            ]) }
            { f.dist(&p("workload.query_ms"), "query time") }
            if w.query_mode == QueryMode::Transaction {
                { f.dist(&p("workload.hold_extra_ms"), "extra hold in the transaction") }
                { f.check(&p("transaction"), "Prisma transaction limits (maxWait, timeout)",
                    w.transaction.is_some(), move |on| Edit::SetTransaction(i, on)) }
                if w.transaction.is_some() {
                    { f.row(&prefix, &[
                        ("workload.transaction.max_wait_ms", "maxWait", "ms", Kind::Float, ""),
                        ("workload.transaction.timeout_ms", "timeout", "ms", Kind::Float, ""),
                    ]) }
                }
            }
        </fieldset>
    }
}

/// The rate profile of service `i`, typed as one line (`at_s:req/s, ...`)
/// and applied as a whole.
fn rate_profile(f: &F, i: usize, w: &Workload) -> Html {
    let path = format!("services.{i}.workload.rate_profile");
    let draft = f.drafts.get(&path);
    let value = draft
        .map(|d| d.text.clone())
        .unwrap_or_else(|| edit::profile_text(&w.rate_profile));
    let error = draft.and_then(|d| d.error.clone()).or_else(|| {
        f.errors
            .iter()
            .find(|(e, _)| e.starts_with(&path))
            .map(|(e, m)| format!("{e}: {m}"))
    });
    let oninput = f.on_action.reform(move |e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::Edit(Edit::SetProfile(i, input.value()))
    });
    html! {
        <div class={classes!("field", "wide", error.is_some().then_some("invalid"))}>
            <label for="f-workload-rate-profile">{ "rate profile (at_s:req/s, ...)" }</label>
            <input id="f-workload-rate-profile" data-testid="f-workload-rate-profile" type="text"
                placeholder="none, e.g. 300:900, 400:400" value={value} {oninput} />
            if let Some(e) = error { <span class="error" role="alert">{ e }</span> }
        </div>
    }
}

/// The pool of service `i`, its lifecycle under "Pool lifecycle".
fn pool_fields(f: &F, i: usize) -> Html {
    let prefix = format!("services.{i}.");
    html! {
        <fieldset>
            <legend>{ "Pool" }</legend>
            { f.row(&prefix, &[
                ("pool.max_size", "max size", "conns", Kind::Int, ""),
                ("pool.acquire_timeout_ms", "acquire timeout", "ms", Kind::OptFloat, "none: wait forever"),
            ]) }
            { f.select(&format!("{prefix}pool.on_connect_error"), "when the database refuses", &[
                ("fail", "fail the request (Prisma)"),
                ("retry", "retry (tarn / knex)"),
            ]) }
            <details class="advanced">
                <summary>{ "Pool lifecycle" }</summary>
                { f.row(&prefix, &[
                    ("pool.min_idle", "min idle", "conns", Kind::Int, ""),
                    ("pool.idle_timeout_ms", "idle timeout", "ms", Kind::OptFloat, "none: never"),
                ]) }
                { f.row(&prefix, &[
                    ("pool.max_lifetime_ms", "max lifetime", "ms", Kind::OptFloat, "none: never"),
                    ("pool.lifetime_jitter_ms", "lifetime jitter", "ms", Kind::Float, ""),
                ]) }
                { f.row(&prefix, &[
                    ("pool.max_uses", "max uses", "borrows", Kind::OptInt, "none: unlimited"),
                    ("pool.create_retry_interval_ms", "retry interval", "ms", Kind::Float, ""),
                ]) }
            </details>
        </fieldset>
    }
}

/// The causes a retry may be for, in the order of their checkboxes.
const RETRY_CAUSES: [Cause; 9] = [
    Cause::PoolTimeout,
    Cause::TooManyClients,
    Cause::DbUnavailable,
    Cause::ConnectionLost,
    Cause::QueryWaitTimeout,
    Cause::MaxClientConn,
    Cause::StatementTimeout,
    Cause::Throttled,
    Cause::TransactionStartTimeout,
];

/// The retries of service `i` (`retry`, if it retries): backoff, causes,
/// budget and circuit breaker.
fn retry_fields(f: &F, i: usize, retry: Option<&Retry>) -> Html {
    let p = |rest: &str| format!("services.{i}.{rest}");
    let prefix = p("");
    html! {
        <fieldset>
            <legend>{ "Retries" }</legend>
            { f.check(&p("retry"), "retry failed requests", retry.is_some(), move |on| Edit::SetRetry(i, on)) }
            if let Some(r) = retry {
                <div class="row">
                    { f.num(&p("retry.max_attempts"), "attempts in all", "", Kind::Int, "") }
                    { f.select(&p("retry.jitter"), "jitter", &[
                        ("none", "none"), ("full", "full"), ("equal", "equal"), ("decorrelated", "decorrelated"),
                    ]) }
                </div>
                { f.row(&prefix, &[
                    ("retry.base_ms", "first backoff", "ms", Kind::Float, ""),
                    ("retry.cap_ms", "longest backoff", "ms", Kind::Float, ""),
                ]) }
                <div class="causes" role="group" aria-label="Retry on">
                    <span class="hint">{ "retry on:" }</span>
                    { for RETRY_CAUSES.iter().map(|&c| {
                        let on = r.on.contains(&c);
                        f.check(&format!("services.{i}.retry.on.{}", c.name()), cause_label(c), on,
                            move |v| Edit::SetRetryOn(i, c, v))
                    }) }
                </div>
                { f.check(&p("retry.budget"), "retry budget (token bucket)", r.budget.is_some(), move |on| Edit::SetBudget(i, on)) }
                if r.budget.is_some() {
                    { f.row(&prefix, &[
                        ("retry.budget.ratio", "tokens per request", "", Kind::Float, ""),
                        ("retry.budget.max_tokens", "most tokens", "", Kind::Float, ""),
                    ]) }
                }
                { f.check(&p("retry.breaker"), "circuit breaker", r.breaker.is_some(), move |on| Edit::SetBreaker(i, on)) }
                if r.breaker.is_some() {
                    { f.row(&prefix, &[
                        ("retry.breaker.error_rate", "opens at failed", "0-1", Kind::Float, ""),
                        ("retry.breaker.min_requests", "of at least", "requests", Kind::Int, ""),
                    ]) }
                    { f.row(&prefix, &[
                        ("retry.breaker.window_s", "in a window of", "s", Kind::Float, ""),
                        ("retry.breaker.open_s", "stays open", "s", Kind::Float, ""),
                    ]) }
                }
            }
        </fieldset>
    }
}

/// A short label of a cause for the retry checkboxes.
fn cause_label(c: Cause) -> &'static str {
    match c {
        Cause::PoolTimeout => "pool timeout",
        Cause::TooManyClients => "too many clients",
        Cause::DbUnavailable => "database down",
        Cause::ConnectionLost => "connection lost",
        Cause::QueryWaitTimeout => "proxy query_wait_timeout",
        Cause::MaxClientConn => "proxy max_client_conn",
        Cause::StatementTimeout => "statement timeout",
        Cause::Throttled => "throttled",
        Cause::TransactionStartTimeout => "transaction maxWait",
        _ => "other",
    }
}

/// The proxy: on or off, its pool settings, reserve and server connections.
fn proxy_fields(f: &F) -> Html {
    let on = f.s.proxy.is_some();
    let unused = on && !f.s.services.iter().any(|x| x.route == Route::Proxy);
    html! {
        <fieldset id="proxy-fields">
            <legend>{ "Proxy" }</legend>
            { f.check("proxy", "a PgBouncer-style proxy", on, Edit::SetProxy) }
            if on {
                if unused {
                    <p class="hint">{ "No service goes through it yet: set a service's \"connects\" to the proxy." }</p>
                }
                <div class="row">
                    { f.select("proxy.pool_mode", "pool_mode", &[
                        ("transaction", "transaction"), ("session", "session"), ("statement", "statement"),
                    ]) }
                </div>
                { f.row("", &[
                    ("proxy.default_pool_size", "default_pool_size", "per db", Kind::Int, ""),
                    ("proxy.max_client_conn", "max_client_conn", "clients", Kind::Int, ""),
                ]) }
                { f.row("", &[
                    ("proxy.min_pool_size", "min_pool_size", "per db", Kind::Int, ""),
                    ("proxy.query_wait_timeout_ms", "query_wait_timeout", "ms", Kind::OptFloat, "none: never"),
                ]) }
                <details class="advanced">
                    <summary>{ "Reserve and server connections" }</summary>
                    { f.row("", &[
                        ("proxy.reserve_pool_size", "reserve_pool_size", "", Kind::Int, ""),
                        ("proxy.reserve_pool_timeout_ms", "reserve after", "ms", Kind::Float, ""),
                    ]) }
                    { f.row("", &[
                        ("proxy.server_idle_timeout_ms", "server_idle_timeout", "ms", Kind::OptFloat, "none: never"),
                        ("proxy.server_lifetime_ms", "server_lifetime", "ms", Kind::OptFloat, "none: never"),
                    ]) }
                    { f.row("", &[
                        ("proxy.server_login_retry_ms", "server_login_retry", "ms", Kind::Float, ""),
                        ("proxy.client_connect_ms", "client connect", "ms", Kind::Float, ""),
                    ]) }
                </details>
            }
        </fieldset>
    }
}

/// The database: connections, cores, timeouts, contention and replicas.
fn database_fields(f: &F) -> Html {
    let d = &f.s.database;
    html! {
        <fieldset id="db-fields">
            <legend>{ "Database" }</legend>
            { f.row("", &[
                ("database.max_connections", "max_connections", "", Kind::Int, ""),
                ("database.reserved_connections", "reserved", "", Kind::Int, ""),
            ]) }
            { f.row("", &[
                ("database.cores", "CPU cores", "", Kind::OptInt, "none"),
                ("database.connect_ms", "connect time", "ms", Kind::Float, ""),
            ]) }
            { f.row("", &[
                ("database.statement_timeout_ms", "statement_timeout", "ms", Kind::OptFloat, "none: never"),
                ("database.idle_in_transaction_timeout_ms", "idle_in_transaction timeout", "ms", Kind::OptFloat, "none: never"),
            ]) }
            { f.check("database.contention", "contention past the knee (locks, coherency)", d.contention.is_some(), Edit::SetContention) }
            if d.contention.is_some() {
                { f.row("", &[
                    ("database.contention.sigma", "sigma (serial)", "", Kind::Float, ""),
                    ("database.contention.kappa", "kappa (coherency)", "", Kind::Float, ""),
                ]) }
            }
            { f.check("database.replicas", "read replicas", d.replicas.is_some(), Edit::SetReplicas) }
            if d.replicas.is_some() {
                { f.row("", &[
                    ("database.replicas.count", "replicas", "", Kind::Int, ""),
                    ("database.replicas.cores", "cores each", "", Kind::OptInt, "none"),
                ]) }
                { f.row("", &[
                    ("database.replicas.max_connections", "max_connections each", "", Kind::Int, ""),
                    ("database.replicas.reserved_connections", "reserved each", "", Kind::Int, ""),
                ]) }
                <p class="hint">{ "Each service sends its reads (the \"reads\" fraction) to a replica at random." }</p>
            }
        </fieldset>
    }
}

/// The form.
#[function_component(ScenarioForm)]
pub fn scenario_form(p: &ScenarioFormProps) -> Html {
    let f = F {
        s: &p.scenario,
        drafts: &p.drafts,
        errors: &p.errors,
        on_action: &p.on_action,
    };
    let current = p.service.min(p.scenario.services.len().saturating_sub(1));
    html! {
        <form class="scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}
            aria-label="Scenario">
            if !p.errors.is_empty() {
                <div class="form-errors" role="alert" data-testid="form-errors">
                    <strong>{ format!("{} problem(s) to fix before running:", p.errors.len()) }</strong>
                    <ul>{ for p.errors.iter().map(|(f, m)| html! { <li><code>{ f }</code>{ ": " }{ m }</li> }) }</ul>
                </div>
            }
            <fieldset class="services">
                <legend>{ "Services" }</legend>
                { service_tabs(&f, current) }
                { service_fields(&f, current) }
            </fieldset>
            { proxy_fields(&f) }
            { database_fields(&f) }
            <EventsEditor scenario={p.scenario.clone()} drafts={p.drafts.clone()}
                errors={p.errors.clone()} on_action={p.on_action.clone()} />
            <details class="advanced" data-testid="advanced">
                <summary>{ "Advanced: run length, seed, name" }</summary>
                <fieldset>
                    <legend>{ "Run" }</legend>
                    { f.num("name", "name", "", Kind::Text, "") }
                    { f.row("", &[
                        ("duration_s", "measured", "s", Kind::Float, ""),
                        ("warmup_s", "warmup", "s", Kind::Float, ""),
                        ("seed", "seed", "", Kind::Int, ""),
                    ]) }
                </fieldset>
            </details>
        </form>
    }
}
