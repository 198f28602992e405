//! The calculator panel: the core's [`Calc`] for the scenario (the
//! connection budget of each database summed over the services and the
//! proxy, Erlang B for serverless functions, Erlang C for the proxy's server
//! pools, the single-pool formulas for one service), the core's smallest
//! value of a chosen [`Sizing`] (a service's pool size or the proxy's
//! `default_pool_size`) meeting an SLO, and a sweep of it. The panel draws;
//! every figure is the core's.

use std::rc::Rc;

use poolcast::Scenario;
use poolcast::analytic::{Calc, QueueResult};
use poolcast::recommend::{Recommendation, Sizing, Slo};
use poolcast::scenario::Route;
use poolcast::sweep::{Sweep, SweepPoint};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::chart::{download_png, draw_sized};
use super::fields::NumField;
use crate::edit::Kind;
use crate::jobs::{Advice, SweepRun};
use crate::state::{sizing_label, sizings};
use crate::verdict::{fmt_ms, fmt_pct};

/// Props of [`Calculator`].
#[derive(Properties, PartialEq)]
pub struct CalculatorProps {
    /// The scenario in the form.
    pub scenario: Scenario,
    /// The service the form shows (the default sizing).
    pub service: usize,
    /// Whether it is valid (nothing is computed otherwise).
    pub valid: bool,
    /// The sweep, if any.
    pub sweep: Option<SweepRun>,
    /// The recommendation, if any.
    pub advice: Option<Advice>,
    /// Start a sweep of what a sizing sizes.
    pub on_sweep: Callback<Sizing>,
    /// Cancel the sweep.
    pub on_cancel_sweep: Callback<()>,
    /// Search for the smallest value of a sizing meeting an SLO.
    pub on_recommend: Callback<(Sizing, Slo)>,
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
fn budget_table(c: &Calc) -> Html {
    html! {
        <table class="calc-table budget" data-testid="calc-budget">
            <caption>{ "Connection budget: who can open how many connections, against what limit" }</caption>
            <thead><tr><th>{ "database" }</th><th>{ "who" }</th><th>{ "how" }</th><th class="num">{ "connections" }</th></tr></thead>
            { for c.databases.iter().map(|b| {
                let head = b.headroom;
                html! {
                    <tbody>
                        { for b.rows.iter().enumerate().map(|(k, row)| html! {
                            <tr>
                                <td>{ if k == 0 { b.database.clone() } else { String::new() } }</td>
                                <td>{ &row.who }</td>
                                <td>{ match &row.note {
                                    Some(note) => format!("{} ({note})", row.formula),
                                    None => row.formula.clone(),
                                } }</td>
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
fn queues(c: &Calc) -> Html {
    let clients = c
        .proxy
        .as_ref()
        .filter(|p| p.client_connections > 0)
        .map(|p| (p.client_connections, u64::from(p.max_client_conn)));
    let proxy: Vec<(&poolcast::analytic::ServerPoolQueue, &QueueResult)> = c
        .proxy
        .iter()
        .flat_map(|p| &p.server_pools)
        .filter(|q| q.rate_per_s > 0.0)
        .filter_map(|q| Some((q, q.erlang_c.as_ref()?)))
        .collect();
    let wait = |x: Option<f64>| x.map(fmt_ms).unwrap_or_else(|| "unbounded".into());
    html! {
        <>
            if let Some((n, max)) = clients {
                <p class={classes!("hint", (n > max).then_some("error"))} data-testid="calc-clients">
                    { format!("Client connections to the proxy: up to {n} against max_client_conn {max}{}.",
                        if n > max { ": past it PgBouncer refuses them" } else { "" }) }
                </p>
            }
            if !c.serverless.is_empty() {
                <table class="calc-table" data-testid="calc-erlang-b">
                    <caption>{ "Erlang B: serverless functions as a loss system (throttled at max_concurrency, or refused at a connection limit)" }</caption>
                    { for c.serverless.iter().map(|l| {
                        // The smaller of the two limits binds (the core's choice).
                        let binds = l.limit.functions < u64::from(l.max_concurrency);
                        let (servers, bound_by, lost) = match (binds, l.route) {
                            (true, Route::Direct) => (l.limit.functions, "the database's headroom", l.limit.refused),
                            (true, Route::Proxy) => (l.limit.functions, "proxy.max_client_conn", l.limit.refused),
                            (false, _) => (u64::from(l.max_concurrency), "max_concurrency", l.throttled),
                        };
                        html! {
                            <tr>
                                <th>{ &l.service }</th>
                                <td>{ format!("{:.1} functions busy on average", l.offered_load) }</td>
                                <td>{ format!("c = {servers} ({bound_by})") }</td>
                                <td>{ format!("lost {}", fmt_pct(lost)) }</td>
                            </tr>
                        }
                    }) }
                </table>
            }
            if !proxy.is_empty() {
                <table class="calc-table" data-testid="calc-erlang-c-proxy">
                    <caption>{ "Erlang C: the proxy's server pool of each database (M/M/c, c = default_pool_size)" }</caption>
                    { for proxy.iter().map(|(q, e)| html! {
                        <tr>
                            <th>{ format!("{} (c = {})", q.database, q.servers) }</th>
                            <td>{ format!("{:.0} tx/s × {} = {:.1} busy", q.rate_per_s, fmt_ms(q.hold_ms), e.offered_load) }</td>
                            <td>{ format!("P(wait) {}", fmt_pct(e.p_wait)) }</td>
                            <td>{ format!("mean {}", wait(e.mean_wait_ms)) }</td>
                            <td>{ format!("p99 {}", wait(e.p99_wait_ms)) }</td>
                        </tr>
                    }) }
                </table>
            }
        </>
    }
}

/// The single-pool formulas for one service, in its scenario (the core's
/// `calc_for`).
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
            let (s, r): (&Scenario, &Recommendation) = (&answer.0, &answer.1);
            let what = match r.service.as_deref() {
                Some(name) => format!("{name}'s pool size ({})", r.field),
                None => "the proxy's default_pool_size".to_string(),
            };
            let headline = match r.pool_max_size {
                Some(n) => format!(
                    "Smallest {what} meeting the SLO: {n} (p99 wait at most {} ms{}; the connection limits allow up to {}).",
                    r.slo.max_p99_wait_ms,
                    r.slo
                        .max_failure_fraction
                        .map(|f| format!(", failures at most {}", fmt_pct(f)))
                        .unwrap_or_default(),
                    r.max_size_allowed
                ),
                None => format!(
                    "No {what} up to {} meets the SLO{}",
                    r.max_size_allowed,
                    r.reason
                        .as_deref()
                        .map_or(".".into(), |why| format!(": {why}"))
                ),
            };
            let tried: Vec<String> = r
                .curve
                .iter()
                .map(|t| tried_text(t, r.pool_max_size))
                .collect();
            let mut more: Vec<String> = r.fixes.clone();
            more.extend(r.notes.iter().cloned());
            html! {
                <div class={classes!("advice", (s != current).then_some("stale"))} data-testid="advice">
                    <p><strong>{ headline }</strong></p>
                    <p class="hint">{ format!("Simulated: {}", tried.join(" · ")) }
                        { for more.iter().map(|m| html! { <>{ " " }{ m }</> }) }</p>
                </div>
            }
        }
    }
}

/// One simulated value of a search. The search keeps the met and the missed
/// values on either side of its answer, so the answer marks which met.
fn tried_text(t: &SweepPoint, answer: Option<u32>) -> String {
    let met = answer.is_some_and(|n| t.value >= f64::from(n));
    format!(
        "{}: p99 {}, timed out {}, failed {}{}",
        t.value,
        fmt_ms(t.p99_wait_ms),
        fmt_pct(t.timeout_fraction),
        fmt_pct(t.failure_fraction),
        if met { " ✓" } else { "" }
    )
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
/// service, then the recommendation and the sweep of the chosen sizing.
///
/// Its hooks (the SLO's text, the chosen sizing, the sweep's canvas) belong to
/// this component, and the SLO row uses all of them, so the row stays here;
/// the sweep and the tables are drawn by the functions above and below.
#[function_component(Calculator)]
pub fn calculator(p: &CalculatorProps) -> Html {
    let p99 = use_state(|| "50".to_string());
    let fail_pct = use_state(|| "0.1".to_string());
    let knobs = sizings(&p.scenario);
    let chosen = use_state(|| None::<Sizing>);
    let knob = chosen.filter(|k| knobs.contains(k)).unwrap_or(Sizing::Pool(
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
        Sizing::Pool(i) => i,
        Sizing::Proxy => p.service,
    }
    .min(p.scenario.services.len().saturating_sub(1));
    let calc = poolcast::analytic::calc_for(&p.scenario, svc_index);
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
            { budget_table(&calc) }
            { queues(&calc) }
            { formulas(&calc, &name) }
            <div class="slo">
                <div class="field">
                    <label for="f-knob">{ "Size" }</label>
                    <select id="f-knob" data-testid="knob" onchange={on_knob}>
                        { for knobs.iter().enumerate().map(|(i, k)| html! {
                            <option value={i.to_string()} selected={*k == knob}>{ sizing_label(*k, &p.scenario) }</option>
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

/// The SLO typed in: a p99 wait in ms and, if given, a failure percentage,
/// which bounds both the core's timeout fraction (of acquisitions) and its
/// failure fraction (of requests, other causes), so a timeout counts as a
/// failure as the page says; `None` while the wait is not a number.
fn slo(p99: &str, fail_pct: &str) -> Option<Slo> {
    let read = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
    };
    let fail = read(fail_pct).map(|x| x / 100.0);
    read(p99).map(|max_p99_wait_ms| Slo {
        max_p99_wait_ms,
        max_timeout_fraction: fail,
        max_failure_fraction: fail,
    })
}

/// The sweep's points as the chart draws them, once there are any.
fn sweep_chart_data(p: &CalculatorProps) -> Option<Rc<Sweep>> {
    p.sweep
        .as_ref()
        .filter(|sw| !sw.points.is_empty())
        .map(|sw| {
            let field = sw
                .knob
                .map_or("pool.max_size".into(), |k| k.field(&p.scenario));
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

/// The sweep of what `knob` sizes: its buttons and progress, its chart on `canvas`
/// (hidden until there are points) and its table.
fn sweep_view(p: &CalculatorProps, knob: Sizing, canvas: &NodeRef, data: Option<&Sweep>) -> Html {
    let sweeping = p.sweep.as_ref().is_some_and(|sw| sw.running);
    let on_sweep = p.on_sweep.reform(move |_: MouseEvent| knob);
    let on_cancel_sweep = p.on_cancel_sweep.reform(|_: MouseEvent| ());
    let on_png = download_png(canvas, "poolcast-sweep.png".into());
    html! {
        <>
            <div class="sweep-bar">
                <button type="button" onclick={on_sweep} disabled={sweeping} data-testid="sweep">
                    { format!("Sweep {} ({} runs, {} workers)", knob.field(&p.scenario),
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
