//! The calculator panel: the connection budget of each database summed over
//! the services and the proxy, Erlang B for serverless functions, Erlang C
//! for the proxy's server pool, the version-1 formulas for one service, the
//! smallest value of a chosen knob (a service's pool size or the proxy's
//! `default_pool_size`) meeting an SLO, and a sweep of that knob.

use std::rc::Rc;

use poolcast::Scenario;
use poolcast::analytic::{Calc, QueueResult};
use poolcast::recommend::Slo;
use poolcast::sweep::Sweep;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::chart::{download_png, draw_sized};
use super::fields::NumField;
use crate::advise::Advised;
use crate::budget::{self, Knob};
use crate::edit::Kind;
use crate::jobs::{Advice, SweepRun};
use crate::verdict::{fmt_ms, fmt_pct};

/// Props of [`Calculator`].
#[derive(Properties, PartialEq)]
pub struct CalculatorProps {
    /// The scenario in the form.
    pub scenario: Scenario,
    /// The service the form shows (the default knob).
    pub service: usize,
    /// Whether it is valid (nothing is computed otherwise).
    pub valid: bool,
    /// The sweep, if any.
    pub sweep: Option<SweepRun>,
    /// The recommendation, if any.
    pub advice: Option<Advice>,
    /// Start a sweep of a knob.
    pub on_sweep: Callback<Knob>,
    /// Cancel the sweep.
    pub on_cancel_sweep: Callback<()>,
    /// Search for the smallest value of a knob meeting an SLO.
    pub on_recommend: Callback<(Knob, Slo)>,
    /// Cancel the search.
    pub on_cancel_recommend: Callback<()>,
}

fn queue_row(label: &str, q: &QueueResult) -> Html {
    let wait = |x: Option<f64>| x.map(fmt_ms).unwrap_or_else(|| "unbounded".into());
    html! {
        <tr>
            <th>{ format!("{label} ({}, c = {})", q.model, q.servers) }</th>
            <td>{ format!("P(wait) {}", fmt_pct(q.p_wait)) }</td>
            <td>{ format!("mean {}", wait(q.mean_wait_ms)) }</td>
            <td>{ format!("p99 {}", wait(q.p99_wait_ms)) }</td>
            <td>{ format!("timeouts {}", fmt_pct(q.p_timeout)) }</td>
            <td>{ if q.exact { "exact" } else { "approximate" } }</td>
        </tr>
    }
}

/// The connection budget of every database.
fn budget_table(s: &Scenario) -> Html {
    let budgets = budget::budgets(s);
    html! {
        <table class="calc-table budget" data-testid="calc-budget">
            <caption>{ "Connection budget: who can open how many connections, against what limit" }</caption>
            <thead><tr><th>{ "database" }</th><th>{ "who" }</th><th>{ "how" }</th><th class="num">{ "connections" }</th></tr></thead>
            { for budgets.iter().map(|b| {
                let head = b.headroom();
                html! {
                    <tbody>
                        { for b.rows.iter().enumerate().map(|(k, row)| html! {
                            <tr>
                                <td>{ if k == 0 { b.database.clone() } else { String::new() } }</td>
                                <td>{ &row.who }</td><td>{ &row.how }</td>
                                <td class="num">{ row.connections }</td>
                            </tr>
                        }) }
                        <tr class={classes!("total", (head < 0).then_some("over"))}
                            data-testid={format!("budget-{}", b.database.replace(':', "-"))}>
                            <td></td>
                            <td colspan="2">{ format!("total against the limit {} (max_connections − reserved)", b.limit) }</td>
                            <td class="num">{ if head < 0 {
                                format!("{} of {}: {} over", b.total, b.limit, -head)
                            } else {
                                format!("{} of {}: {} free", b.total, b.limit, head)
                            } }</td>
                        </tr>
                    </tbody>
                }
            }) }
        </table>
    }
}

/// Erlang B for serverless services and Erlang C for the proxy.
fn queues(s: &Scenario) -> Html {
    let loss = budget::serverless_loss(s);
    let proxy = budget::proxy_queues(s);
    let clients = budget::proxy_clients(s);
    let wait = |x: Option<f64>| x.map(fmt_ms).unwrap_or_else(|| "unbounded".into());
    html! {
        <>
            if let Some((n, max)) = clients {
                <p class={classes!("hint", (n > max).then_some("error"))} data-testid="calc-clients">
                    { format!("Client connections to the proxy: up to {n} against max_client_conn {max}{}.",
                        if n > max { ": past it PgBouncer refuses them" } else { "" }) }
                </p>
            }
            if !loss.is_empty() {
                <table class="calc-table" data-testid="calc-erlang-b">
                    <caption>{ "Erlang B: serverless functions as a loss system (warm functions, no cold starts)" }</caption>
                    { for loss.iter().map(|l| html! {
                        <tr>
                            <th>{ &l.service }</th>
                            <td>{ format!("{:.1} functions busy on average", l.offered) }</td>
                            <td>{ format!("c = {} ({})", l.servers, l.bound_by) }</td>
                            <td>{ format!("lost {}", fmt_pct(l.loss)) }</td>
                        </tr>
                    }) }
                </table>
            }
            if !proxy.is_empty() {
                <table class="calc-table" data-testid="calc-erlang-c-proxy">
                    <caption>{ "Erlang C: the proxy's server pool of each database (M/M/c, c = default_pool_size)" }</caption>
                    { for proxy.iter().map(|q| html! {
                        <tr>
                            <th>{ format!("{} (c = {})", q.database, q.servers) }</th>
                            <td>{ format!("{:.0} tx/s × {} = {:.1} busy", q.rate_per_s, fmt_ms(q.hold_ms), q.offered) }</td>
                            <td>{ format!("P(wait) {}", fmt_pct(q.p_wait)) }</td>
                            <td>{ format!("mean {}", wait(q.mean_wait_ms)) }</td>
                            <td>{ format!("p99 {}", wait(q.p99_wait_ms)) }</td>
                        </tr>
                    }) }
                </table>
            }
        </>
    }
}

/// Version 1's formulas for one service alone.
fn formulas(c: &Calc, name: &str) -> Html {
    let l = &c.littles_law;
    let r = &c.rules;
    let broken: Vec<&str> = c
        .assumptions
        .iter()
        .filter(|a| !a.holds)
        .map(|a| a.detail.as_str())
        .collect();
    html! {
        <>
            <ul class="calc-list" data-testid="calc-formulas">
                <li>{ format!("Little's law for {name}: {:.1} connections busy ({:.2} per pool, {:.0} % of max size).",
                    l.busy_connections, l.busy_per_pool, l.utilization * 100.0) }</li>
                <li>{ format!("Concurrency rule (busy + 25 %): {} connections, {} per pool.",
                    r.concurrency.fleet_connections, r.concurrency.per_pool) }</li>
                if let Some(cr) = &r.cores {
                    <li>{ format!("Cores rule (cores × 2 + spindles = {} × 2 + {}): {} connections, {} per pool.",
                        cr.cores, cr.spindles, cr.fleet_connections, cr.per_pool) }</li>
                }
            </ul>
            <table class="calc-table" data-testid="calc-erlang">
                <tbody>
                    { queue_row("Erlang C, one pool", &c.erlang_c) }
                    if let Some(q) = &c.with_timeout { { queue_row("with the timeout", q) } }
                </tbody>
            </table>
            if !broken.is_empty() {
                <details class="hint">
                    <summary>{ format!("The formulas assume things this scenario breaks ({})", broken.len()) }</summary>
                    <ul>{ for broken.iter().map(|d| html! { <li>{ *d }</li> }) }</ul>
                </details>
            }
        </>
    }
}

fn advice_view(a: &Advice, current: &Scenario) -> Html {
    match a {
        Advice::Searching { tried, .. } => html! {
            <p data-testid="advice">{ format!("Searching: {} values simulated…", tried.len()) }</p>
        },
        Advice::Failed(m) => html! { <p class="error" data-testid="advice">{ m }</p> },
        Advice::Done(answer) => {
            let (s, r): (&Scenario, &Advised) = (&answer.0, &answer.1);
            let what = r.knob.label(s);
            let headline = match r.value {
                Some(n) => format!(
                    "Smallest {what} meeting the SLO: {n} (p99 wait at most {} ms{}; the databases accept up to {}).",
                    r.slo.max_p99_wait_ms,
                    r.slo
                        .max_failure_fraction
                        .map(|f| format!(", failures at most {}", fmt_pct(f)))
                        .unwrap_or_default(),
                    r.allowed
                ),
                None => format!(
                    "No {what} up to {} meets the SLO: the fix is elsewhere (fewer instances, a proxy, shorter queries, more cores).",
                    r.allowed
                ),
            };
            let tried: Vec<String> = r
                .tried
                .iter()
                .map(|t| {
                    format!(
                        "{}: p99 {}, failed {}{}",
                        t.value,
                        fmt_ms(t.p99_wait_ms),
                        fmt_pct(t.fail_fraction),
                        if t.ok { " ✓" } else { "" }
                    )
                })
                .collect();
            html! {
                <div class={classes!("advice", (s != current).then_some("stale"))} data-testid="advice">
                    <p><strong>{ headline }</strong></p>
                    <p class="hint">{ format!("Simulated: {}", tried.join(" · ")) }</p>
                </div>
            }
        }
    }
}

/// The sweep's points as a table, for screen readers and exact numbers.
fn sweep_table(sw: &SweepRun) -> Html {
    if sw.points.is_empty() {
        return html! {};
    }
    html! {
        <details class="hint">
            <summary>{ "Sweep points as a table" }</summary>
            <table class="calc-table" data-testid="sweep-table">
                <thead><tr>
                    <th scope="col">{ "max size" }</th><th scope="col">{ "p99 wait" }</th>
                    <th scope="col">{ "timeouts (of acquires)" }</th>
                    <th scope="col">{ "failures (of requests)" }</th>
                    <th scope="col">{ "peak DB connections" }</th>
                </tr></thead>
                <tbody>{ for sw.points.iter().map(|pt| html! {
                    <tr data-failure-fraction={pt.failure_fraction.to_string()}>
                        <td>{ pt.value }</td><td>{ fmt_ms(pt.p99_wait_ms) }</td>
                        <td>{ fmt_pct(pt.timeout_fraction) }</td><td>{ fmt_pct(pt.failure_fraction) }</td>
                        <td>{ pt.peak_db_connections }</td>
                    </tr>
                }) }</tbody>
            </table>
        </details>
    }
}

/// The calculator panel: the budget, the queues and the formulas for one
/// service, then the recommendation and the sweep of the chosen knob.
///
/// Its hooks (the SLO's text, the chosen knob, the sweep's canvas) belong to
/// this component, and the SLO row uses all of them, so the row stays here;
/// the sweep and the tables are drawn by the functions above and below.
#[function_component(Calculator)]
pub fn calculator(p: &CalculatorProps) -> Html {
    let p99 = use_state(|| "50".to_string());
    let fail_pct = use_state(|| "0.1".to_string());
    let knobs = budget::knobs(&p.scenario);
    let chosen = use_state(|| None::<Knob>);
    let knob = chosen
        .filter(|k| knobs.contains(k))
        .unwrap_or(Knob::Service(
            p.service.min(p.scenario.services.len().saturating_sub(1)),
        ));
    let canvas = use_node_ref();
    let sweep_data = sweep_chart_data(p);
    use_sweep_chart(&canvas, sweep_data.clone(), p);
    if !p.valid {
        return html! {
            <section class="calc" aria-label="Calculator"><h2>{ "Calculator" }</h2>
                <p class="hint">{ "Fix the scenario's problems to see the formulas." }</p></section>
        };
    }
    let svc_index = match knob {
        Knob::Service(i) => i,
        Knob::Proxy => p.service,
    }
    .min(p.scenario.services.len().saturating_sub(1));
    let one = Scenario {
        services: vec![p.scenario.services[svc_index].clone()],
        proxy: None,
        events: Vec::new(),
        version: 2,
        ..p.scenario.clone()
    };
    let calc = poolcast::analytic::calc(&one);
    let slo = slo(&p99, &fail_pct);
    let set_text = |h: UseStateHandle<String>| {
        Callback::from(move |(_, _, t): (String, Kind, String)| h.set(t))
    };
    let on_recommend = {
        let cb = p.on_recommend.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(slo) = slo {
                cb.emit((knob, slo));
            }
        })
    };
    let on_knob = {
        let (chosen, knobs) = (chosen.clone(), knobs.clone());
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let i: usize = select.value().parse().unwrap_or(0);
            chosen.set(knobs.get(i).copied());
        })
    };
    let searching = matches!(p.advice, Some(Advice::Searching { .. }));
    let on_cancel_rec = p.on_cancel_recommend.reform(|_: MouseEvent| ());
    let name = p.scenario.services[svc_index].name.clone();
    html! {
        <section class="calc" aria-label="Calculator">
            <h2>{ "Calculator" }</h2>
            { budget_table(&p.scenario) }
            { queues(&p.scenario) }
            { formulas(&calc, &name) }
            <div class="slo">
                <div class="field">
                    <label for="f-knob">{ "Size" }</label>
                    <select id="f-knob" data-testid="knob" onchange={on_knob}>
                        { for knobs.iter().enumerate().map(|(i, k)| html! {
                            <option value={i.to_string()} selected={*k == knob}>{ k.label(&p.scenario) }</option>
                        }) }
                    </select>
                </div>
                <NumField path="slo.max_p99_wait_ms" label="SLO: p99 wait at most" unit="ms" kind={Kind::Float}
                    value={(*p99).clone()} on_set={set_text(p99.clone())}
                    error={slo.is_none().then(|| AttrValue::from("enter a number of ms"))} />
                <NumField path="slo.max_failure_pct" label="and failures at most" unit="%" kind={Kind::OptFloat}
                    value={(*fail_pct).clone()} placeholder="no bound" on_set={set_text(fail_pct.clone())} />
                <button type="button" onclick={on_recommend} disabled={slo.is_none() || searching}
                    data-testid="recommend">{ "Recommend" }</button>
                <button type="button" onclick={on_cancel_rec} disabled={!searching}>{ "Cancel" }</button>
            </div>
            if let Some(a) = &p.advice { { advice_view(a, &p.scenario) } }
            { sweep_view(p, knob, &canvas, sweep_data.as_deref()) }
        </section>
    }
}

/// The SLO typed in: a p99 wait in ms and, if given, a failure percentage;
/// `None` while the wait is not a number.
fn slo(p99: &str, fail_pct: &str) -> Option<Slo> {
    let read = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
    };
    read(p99).map(|max_p99_wait_ms| Slo {
        max_p99_wait_ms,
        max_timeout_fraction: None,
        max_failure_fraction: read(fail_pct).map(|x| x / 100.0),
    })
}

/// The sweep's points as the chart draws them, once there are any.
fn sweep_chart_data(p: &CalculatorProps) -> Option<Rc<Sweep>> {
    p.sweep
        .as_ref()
        .filter(|sw| !sw.points.is_empty())
        .map(|sw| {
            let field = sw.knob.map_or("pool.max_size".into(), Knob::path);
            Rc::new(Sweep {
                field,
                db_limit: u64::from(p.scenario.db_limit()),
                points: sw.points.clone(),
            })
        })
}

/// Redraws the sweep chart on `canvas` whenever a point arrives.
#[hook]
fn use_sweep_chart(canvas: &NodeRef, data: Option<Rc<Sweep>>, p: &CalculatorProps) {
    let (canvas, base) = (canvas.clone(), p.scenario.clone());
    let key = p.sweep.as_ref().map(|sw| (sw.id, sw.points.len()));
    use_effect_with(key, move |_| {
        if let (Some(c), Some(d)) = (canvas.cast::<HtmlCanvasElement>(), data)
            && let Err(e) = draw_sized(&c, 260, |root| poolcast_charts::draw_sweep(root, &d, &base))
        {
            web_sys::console::error_1(&format!("sweep chart: {e}").into());
        }
    });
}

/// The sweep of `knob`: its buttons and progress, its chart on `canvas`
/// (hidden until there are points) and its table.
fn sweep_view(p: &CalculatorProps, knob: Knob, canvas: &NodeRef, data: Option<&Sweep>) -> Html {
    let sweeping = p.sweep.as_ref().is_some_and(|sw| sw.running);
    let on_sweep = p.on_sweep.reform(move |_: MouseEvent| knob);
    let on_cancel_sweep = p.on_cancel_sweep.reform(|_: MouseEvent| ());
    let on_png = download_png(canvas, "poolcast-sweep.png".into());
    html! {
        <>
            <div class="sweep-bar">
                <button type="button" onclick={on_sweep} disabled={sweeping} data-testid="sweep">
                    { format!("Sweep {} ({} runs, {} workers)", knob.path(),
                        crate::state::sweep_values(&p.scenario, knob).len(), crate::runner::sweep_workers()) }
                </button>
                <button type="button" onclick={on_cancel_sweep} disabled={!sweeping} data-testid="sweep-cancel">{ "Cancel" }</button>
                if let Some(sw) = &p.sweep {
                    <progress max={sw.total.to_string()} value={sw.points.len().to_string()}></progress>
                    <span data-testid="sweep-progress">{ format!("{} / {} points", sw.points.len(), sw.total) }</span>
                }
                if data.is_some() {
                    <button type="button" class="small" onclick={on_png} data-testid="png-sweep">{ "PNG" }</button>
                }
            </div>
            <canvas ref={canvas.clone()} data-testid="chart-sweep" role="img"
                aria-label={format!("p99 wait, timeouts and failures against {}", data.map_or("pool size".into(), |d| d.field.clone()))}
                hidden={data.is_none()}></canvas>
            if let Some(sw) = &p.sweep { { sweep_table(sw) } }
        </>
    }
}
