//! The calculator panel: the formulas' answers for the scenario (Little's
//! law, the guides' sizing rules, the connection budget, Erlang C), a pool
//! size recommended for an SLO, and a sweep of pool size run in workers.

use std::rc::Rc;

use poolcast::Scenario;
use poolcast::analytic::{Calc, QueueResult};
use poolcast::recommend::{Recommendation, Slo};
use poolcast::sweep::Sweep;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::chart::draw_sized;
use super::fields::NumField;
use crate::browser;
use crate::edit::Kind;
use crate::state::{Advice, SweepRun};
use crate::verdict::{fmt_ms, fmt_pct};

/// Props of [`Calculator`].
#[derive(Properties, PartialEq)]
pub struct CalculatorProps {
    /// The scenario in the form.
    pub scenario: Scenario,
    /// Whether it is valid (nothing is computed otherwise).
    pub valid: bool,
    /// The sweep, if any.
    pub sweep: Option<SweepRun>,
    /// The recommendation, if any.
    pub advice: Option<Advice>,
    /// Start a sweep of pool size.
    pub on_sweep: Callback<()>,
    /// Cancel the sweep.
    pub on_cancel_sweep: Callback<()>,
    /// Search for the smallest pool meeting an SLO.
    pub on_recommend: Callback<Slo>,
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

fn formulas(c: &Calc) -> Html {
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
                <li>{ format!("Little's law: {:.1} connections busy fleet-wide ({:.2} per pool, {:.0} % of max size).",
                    l.busy_connections, l.busy_per_pool, l.utilization * 100.0) }</li>
                <li>{ format!("Concurrency rule (busy + 25 %): {} connections, {} per pool.",
                    r.concurrency.fleet_connections, r.concurrency.per_pool) }</li>
                if let Some(cr) = &r.cores {
                    <li>{ format!("Cores rule (cores × 2 + spindles = {} × 2 + {}): {} connections, {} per pool.",
                        cr.cores, cr.spindles, cr.fleet_connections, cr.per_pool) }</li>
                }
                <li>{ format!("Budget: {}", c.budget.message) }</li>
            </ul>
            <table class="calc-table" data-testid="calc-erlang">
                <tbody>
                    { queue_row("Erlang C", &c.erlang_c) }
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
            <p data-testid="advice">{ format!("Searching: {tried} pool sizes simulated…") }</p>
        },
        Advice::Failed(m) => html! { <p class="error" data-testid="advice">{ m }</p> },
        Advice::Done(answer) => {
            let (s, r): (&Scenario, &Recommendation) = (&answer.0, &answer.1);
            let headline = match r.pool_max_size {
                Some(n) => format!(
                    "Smallest pool meeting the SLO: max size {n} per pool ({} × {n} = {} of {} allowed connections).",
                    r.pools,
                    r.pools * u64::from(n),
                    r.db_limit
                ),
                None => format!(
                    "No pool size meets the SLO. {}",
                    r.reason.clone().unwrap_or_default()
                ),
            };
            let analytic = r.analytic_max_size.map(|n| {
                format!(
                    "The formulas alone say {n}{}.",
                    if r.analytic_exact {
                        ""
                    } else {
                        " (approximate here)"
                    }
                )
            });
            html! {
                <div class={classes!("advice", (s != current).then_some("stale"))} data-testid="advice">
                    <p><strong>{ headline }</strong></p>
                    if let Some(t) = analytic { <p class="hint">{ t }</p> }
                    if !r.fixes.is_empty() || !r.notes.is_empty() {
                        <ul class="hint">{ for r.fixes.iter().chain(r.notes.iter()).map(|t| html! { <li>{ t }</li> }) }</ul>
                    }
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

/// Draws the sweep chart on `canvas`.
fn draw_sweep(canvas: &HtmlCanvasElement, sweep: &Sweep, base: &Scenario) -> Result<(), String> {
    draw_sized(canvas, 260, |root| {
        poolcast_charts::draw_sweep(root, sweep, base)
    })
}

/// The calculator panel.
#[function_component(Calculator)]
pub fn calculator(p: &CalculatorProps) -> Html {
    let p99 = use_state(|| "50".to_string());
    let timeout_pct = use_state(|| "0.1".to_string());
    let canvas = use_node_ref();
    let sweep_data = p
        .sweep
        .as_ref()
        .filter(|sw| !sw.points.is_empty())
        .map(|sw| {
            Rc::new(Sweep {
                field: "pool.max_size".into(),
                db_limit: u64::from(p.scenario.db_limit()),
                points: sw.points.clone(),
            })
        });
    {
        let (canvas, data, base) = (canvas.clone(), sweep_data.clone(), p.scenario.clone());
        let key = p.sweep.as_ref().map(|sw| (sw.id, sw.points.len()));
        use_effect_with(key, move |_| {
            if let (Some(c), Some(d)) = (canvas.cast::<HtmlCanvasElement>(), data)
                && let Err(e) = draw_sweep(&c, &d, &base)
            {
                web_sys::console::error_1(&format!("sweep chart: {e}").into());
            }
        });
    }
    if !p.valid {
        return html! {
            <section class="calc" aria-label="Calculator"><h2>{ "Calculator" }</h2>
                <p class="hint">{ "Fix the scenario's problems to see the formulas." }</p></section>
        };
    }
    let calc = poolcast::analytic::calc(&p.scenario);
    let slo = {
        let read = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
        };
        read(&p99).map(|max_p99_wait_ms| Slo {
            max_p99_wait_ms,
            max_timeout_fraction: read(&timeout_pct).map(|x| x / 100.0),
            max_failure_fraction: None,
        })
    };
    let set_text = |h: UseStateHandle<String>| {
        Callback::from(move |(_, _, t): (String, Kind, String)| h.set(t))
    };
    let on_recommend = {
        let cb = p.on_recommend.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(slo) = slo {
                cb.emit(slo);
            }
        })
    };
    let searching = matches!(p.advice, Some(Advice::Searching { .. }));
    let sweeping = p.sweep.as_ref().is_some_and(|sw| sw.running);
    let on_sweep = p.on_sweep.reform(|_: MouseEvent| ());
    let on_cancel_sweep = p.on_cancel_sweep.reform(|_: MouseEvent| ());
    let on_cancel_rec = p.on_cancel_recommend.reform(|_: MouseEvent| ());
    let on_png = {
        let canvas = canvas.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>()
                && let Ok(url) = c.to_data_url()
            {
                browser::download_url("poolcast-sweep.png", &url);
            }
        })
    };
    html! {
        <section class="calc" aria-label="Calculator">
            <h2>{ "Calculator" }</h2>
            { formulas(&calc) }
            <div class="slo">
                <NumField path="slo.max_p99_wait_ms" label="SLO: p99 wait at most" unit="ms" kind={Kind::Float}
                    value={(*p99).clone()} on_set={set_text(p99.clone())}
                    error={slo.is_none().then(|| AttrValue::from("enter a number of ms"))} />
                <NumField path="slo.max_timeout_pct" label="and timeouts at most" unit="%" kind={Kind::OptFloat}
                    value={(*timeout_pct).clone()} placeholder="no bound" on_set={set_text(timeout_pct.clone())} />
                <button type="button" onclick={on_recommend} disabled={slo.is_none() || searching}
                    data-testid="recommend">{ "Recommend a pool size" }</button>
                <button type="button" onclick={on_cancel_rec} disabled={!searching}>{ "Cancel" }</button>
            </div>
            if let Some(a) = &p.advice { { advice_view(a, &p.scenario) } }
            <div class="sweep-bar">
                <button type="button" onclick={on_sweep} disabled={sweeping} data-testid="sweep">
                    { format!("Sweep pool size ({} runs, {} workers)", crate::state::sweep_sizes(&p.scenario).len(), crate::runner::sweep_workers()) }
                </button>
                <button type="button" onclick={on_cancel_sweep} disabled={!sweeping} data-testid="sweep-cancel">{ "Cancel" }</button>
                if let Some(sw) = &p.sweep {
                    <progress max={sw.total.to_string()} value={sw.points.len().to_string()}></progress>
                    <span data-testid="sweep-progress">{ format!("{} / {} points", sw.points.len(), sw.total) }</span>
                }
                if sweep_data.is_some() {
                    <button type="button" class="small" onclick={on_png} data-testid="png-sweep">{ "PNG" }</button>
                }
            </div>
            <canvas ref={canvas} data-testid="chart-sweep" role="img"
                aria-label="p99 wait, timeouts and failures against pool size"
                hidden={sweep_data.is_none()}></canvas>
            if let Some(sw) = &p.sweep { { sweep_table(sw) } }
        </section>
    }
}
