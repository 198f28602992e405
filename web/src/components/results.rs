//! The results: the verdict sentence first, the warnings, the summary
//! cards, then the charts. Greyed out when the form no longer matches.

use std::rc::Rc;

use poolcast_charts::Chart;
use yew::prelude::*;

use super::chart::ChartView;
use crate::state::Outcome;
use crate::verdict::{fmt_ms, fmt_pct, verdict};

/// Props of [`Results`].
#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    /// The last finished run.
    pub outcome: Option<Rc<Outcome>>,
    /// Whether the form changed since.
    pub stale: bool,
}

/// The time charts first, stacked so their time axes line up, then the
/// wait distribution.
const CHART_ORDER: [Chart; 5] = [
    Chart::Connections,
    Chart::DbConnections,
    Chart::Failures,
    Chart::P99Wait,
    Chart::WaitDistribution,
];

/// One summary card.
fn card(testid: &str, label: &str, value: String, sub: String) -> Html {
    html! {
        <div class="card" data-testid={testid.to_string()}>
            <div class="card-label">{ label }</div>
            <div class="card-value">{ value }</div>
            <div class="card-sub">{ sub }</div>
        </div>
    }
}

/// The results panel.
#[function_component(Results)]
pub fn results(p: &ResultsProps) -> Html {
    let Some(o) = &p.outcome else {
        return html! {
            <section class="results empty" aria-label="Results">
                <p class="verdict" data-testid="verdict">{ "Press Run to simulate this scenario." }</p>
            </section>
        };
    };
    let r = &o.report;
    let s = &r.scenario;
    let (level, sentence) = verdict(r);
    // The verdict already says the first warning; list the others.
    let more_warnings: Vec<&String> = r
        .warnings
        .iter()
        .filter(|w| !sentence.contains(w.as_str()))
        .collect();
    let arrived = r.requests.arrived.max(1) as f64;
    let w = &r.acquire.wait_ms;
    let limit = s.db_limit();
    let over = r.database.peak_connections > u64::from(limit);
    html! {
        <section class={classes!("results", p.stale.then_some("stale"))} aria-label="Results"
            aria-busy={p.stale.to_string()}>
            if p.stale {
                <p class="stale-note" data-testid="stale">{ "The inputs changed: these results are for the previous scenario. Press Run to update." }</p>
            }
            <p class={classes!("verdict", level.class())} data-testid="verdict">{ sentence }</p>
            if !more_warnings.is_empty() {
                <ul class="warnings" data-testid="warnings">
                    { for more_warnings.iter().map(|w| html! { <li>{ w }</li> }) }
                </ul>
            }
            <div class="cards">
                { card("card-p99", "acquire wait p99", fmt_ms(w.p99),
                    format!("p50 {} · p95 {}", fmt_ms(w.p50), fmt_ms(w.p95))) }
                { card("card-timeouts", "timeouts", fmt_pct(r.acquire.timeout_fraction),
                    format!("{} requests", r.requests.timed_out)) }
                { card("card-failures", "failures", fmt_pct(r.requests.failed as f64 / arrived),
                    format!("{} too many clients", r.database.too_many_clients)) }
                { card("card-exhausted", "pool exhausted", fmt_pct(r.pool.exhausted_fraction),
                    "of the time".to_string()) }
                <div class={classes!("card", over.then_some("over"))} data-testid="card-peak">
                    <div class="card-label">{ "peak DB connections" }</div>
                    <div class="card-value">{ format!("{} / {}", r.database.peak_connections, limit) }</div>
                    <div class="card-sub">{ "max_connections − reserved" }</div>
                </div>
                { card("card-latency", "request latency p99", fmt_ms(r.latency_ms.p99),
                    format!("p50 {}", fmt_ms(r.latency_ms.p50))) }
                { card("card-throughput", "throughput", format!("{:.1} req/s", r.throughput_per_s),
                    format!("{} of {} completed", r.requests.completed, r.requests.arrived)) }
            </div>
            <p class="run-info" data-testid="run-info"
                data-roundtrip-ms={format!("{:.1}", o.roundtrip_ms)}
                data-worker-ms={format!("{:.1}", o.elapsed_ms)}
                data-events={r.events.to_string()}>
                { format!("“{}”: {} s measured after {} s warmup, seed {}. Simulated {} events in {:.0} ms ({:.1} M events/s).",
                    s.name, s.duration_s, s.warmup_s, s.seed, r.events, o.elapsed_ms,
                    r.events as f64 / o.elapsed_ms.max(0.001) / 1000.0) }
            </p>
            <div class="charts">
                { for CHART_ORDER.iter().map(|&chart| html! {
                    <ChartView outcome={o.clone()} {chart} />
                }) }
            </div>
        </section>
    }
}
