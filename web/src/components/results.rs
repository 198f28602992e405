//! The results: the verdict sentence first (with how sure it is), the
//! warnings, the comparison with A, a service selector and the summary
//! cards (A beside B with the difference, and the sensitivity band), the
//! measured figures of a calibration paste, then the charts. Greyed out
//! when the form no longer matches; while a run goes on the charts draw the
//! part simulated so far.

use std::rc::Rc;

use poolcast::Report;
use poolcast_charts::Chart;
use yew::prelude::*;

use super::chart::ChartView;
use super::events::strip_height;
use crate::calibrate::Measured;
use crate::figures::{Figures, Unit, better, fmt_delta, fmt_unit};
use crate::jobs::{Outcome, Partial, Pinned};
use crate::sensitivity::{Band, fragile};
use crate::state::Action;
use crate::verdict::{cause_words, fmt_ms, fmt_pct, verdict};

/// Props of [`Results`].
#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    /// The last finished run.
    pub outcome: Option<Rc<Outcome>>,
    /// Whether the form changed since.
    pub stale: bool,
    /// Run A, when comparing.
    pub pinned: Option<Pinned>,
    /// The run going on (or cancelled), drawn so far.
    pub partial: Option<Partial>,
    /// The sensitivity band of the last run.
    pub band: Option<Band>,
    /// The service the cards show.
    pub view: Option<usize>,
    /// What a calibration paste measured.
    pub measured: Option<Measured>,
    /// Actions (the service selector, unpin).
    pub on_action: Callback<Action>,
}

/// One card: B's figure, A's and the difference when comparing, the band.
struct Card<'a> {
    testid: &'a str,
    label: &'a str,
    unit: Unit,
    pick: fn(&Figures) -> f64,
    sub: String,
    over: bool,
    /// Shown instead of the figure (e.g. "97 / 97").
    shown: Option<String>,
}

impl<'a> Card<'a> {
    /// A card of `pick` of the figures in `unit`, over no limit.
    fn new(
        testid: &'a str,
        label: &'a str,
        unit: Unit,
        pick: fn(&Figures) -> f64,
        sub: String,
    ) -> Card<'a> {
        Card {
            testid,
            label,
            unit,
            pick,
            sub,
            over: false,
            shown: None,
        }
    }

    /// Marked as over a limit when `over`.
    fn over(self, over: bool) -> Card<'a> {
        Card { over, ..self }
    }
}

/// One card drawn: B's figure (or what `c.shown` says), A's beside it when
/// comparing, and the band's range once it is complete.
fn card(c: Card, b: &Figures, a: Option<&Figures>, band: Option<&Band>) -> Html {
    let v = (c.pick)(b);
    let value = c.shown.clone().unwrap_or_else(|| fmt_unit(v, c.unit));
    let compare = a.map(|a| {
        let av = (c.pick)(a);
        let cls = match better(av, v, c.unit) {
            Some(true) => "better",
            Some(false) => "worse",
            None => "same",
        };
        html! {
            <div class={classes!("card-ab", cls)} data-testid={format!("{}-ab", c.testid)}>
                { format!("A {} → B {} ({})", fmt_unit(av, c.unit), fmt_unit(v, c.unit), fmt_delta(av, v, c.unit)) }
            </div>
        }
    });
    let band = band.filter(|b| b.complete()).map(|bd| {
        let (lo, hi) = bd.range(b, c.pick);
        html! {
            <div class="card-band" data-testid={format!("{}-band", c.testid)}
                title="The same run with every query 10 % and 5 % shorter and longer">
                { format!("queries ±10 %: {} – {}", fmt_unit(lo, c.unit), fmt_unit(hi, c.unit)) }
            </div>
        }
    });
    html! {
        <div class={classes!("card", c.over.then_some("over"))} data-testid={c.testid.to_string()}>
            <div class="card-label">{ c.label }</div>
            <div class="card-value">{ value }</div>
            <div class="card-sub">{ c.sub }</div>
            { for compare }
            { for band }
        </div>
    }
}

/// The top failure cause of a report or service, in words.
fn top_cause(r: &Report, view: Option<usize>) -> String {
    let causes = match view.and_then(|i| r.services.get(i)) {
        Some(s) => &s.requests.failed_by_cause,
        None => &r.requests.failed_by_cause,
    };
    causes
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(c, n)| format!("most: {} ({n})", cause_words(c)))
        .unwrap_or_else(|| "no failures".into())
}

/// The cards of B (of one service when `view` says so), A's figures beside
/// them when comparing; the proxy and retry cards only where they apply.
///
/// Long because it lists the nine cards, in the order the page shows them.
fn cards(r: &Report, a: Option<&Report>, band: Option<&Band>, view: Option<usize>) -> Html {
    let b = match view {
        Some(i) => Figures::of_service(r, i),
        None => Figures::of(r),
    };
    // A's same service, by name, when comparing one service.
    let af = a.map(|a| match view.and_then(|i| r.services.get(i)) {
        Some(svc) => match a.services.iter().position(|x| x.name == svc.name) {
            Some(j) => Figures::of_service(a, j),
            None => Figures::of(a),
        },
        None => Figures::of(a),
    });
    let band = band.filter(|_| view.is_none());
    let (timeouts, p99_sub) = match view.and_then(|i| r.services.get(i)) {
        Some(s) => (s.requests.timed_out, s.acquire.wait_ms),
        None => (r.requests.timed_out, r.acquire.wait_ms),
    };
    let over_db = b.peak_db >= b.db_limit;
    let mut list = vec![
        Card::new(
            "card-p99",
            "acquire wait p99",
            Unit::Ms,
            |f| f.p99_wait_ms,
            format!("p50 {} · p95 {}", fmt_ms(p99_sub.p50), fmt_ms(p99_sub.p95)),
        ),
        Card::new(
            "card-failures",
            "failed requests",
            Unit::Pct,
            |f| f.fail_fraction,
            top_cause(r, view),
        )
        .over(b.fail_fraction > 0.0),
        Card::new(
            "card-timeouts",
            "acquire timeouts",
            Unit::Pct,
            |f| f.timeout_fraction,
            format!("{timeouts} requests"),
        ),
        Card {
            shown: Some(format!("{} / {}", b.peak_db, b.db_limit)),
            ..Card::new(
                "card-peak",
                "peak DB connections",
                Unit::Count,
                |f| f.peak_db as f64,
                "of max_connections − reserved (the fullest database)".into(),
            )
            .over(over_db)
        },
        Card::new(
            "card-latency",
            "request latency p99",
            Unit::Ms,
            |f| f.latency_p99_ms,
            "arrival to completion".into(),
        ),
        Card::new(
            "card-throughput",
            "throughput",
            Unit::PerS,
            |f| f.throughput_per_s,
            format!(
                "{} of {} completed",
                r.requests.completed, r.requests.arrived
            ),
        ),
        Card::new(
            "card-exhausted",
            "pool exhausted",
            Unit::Pct,
            |f| f.exhausted_fraction,
            "of the time a pool had waiters".into(),
        ),
    ];
    if r.proxy.is_some() || a.is_some_and(|a| a.proxy.is_some()) {
        let sub = r.proxy.as_ref().map_or("no proxy in B".into(), |p| {
            format!("{} of transactions waited", fmt_pct(p.p_wait))
        });
        list.push(
            Card::new(
                "card-proxy",
                "wait at the proxy p99",
                Unit::Ms,
                |f| f.proxy_p99_wait_ms.unwrap_or(0.0),
                sub,
            )
            .over(r.proxy.as_ref().is_some_and(|p| p.query_wait_timeouts > 0)),
        );
    }
    if r.requests.retries > 0 || a.is_some_and(|a| a.requests.retries > 0) {
        list.push(
            Card::new(
                "card-amplification",
                "attempts per request",
                Unit::Ratio,
                |f| f.amplification,
                format!("{} retries", r.requests.retries),
            )
            .over(b.amplification > 1.2),
        );
    }
    html! {
        <div class="cards">
            { for list.into_iter().map(|c| card(c, &b, af.as_ref(), band)) }
        </div>
    }
}

/// What a calibration paste measured, each beside what was simulated.
fn measured_view(m: &Measured, r: &Report) -> Html {
    let mut lines = Vec::new();
    if let Some(w) = m.wait_ms {
        let sim = r
            .proxy
            .as_ref()
            .map_or("no proxy in the scenario".to_string(), |p| {
                format!("{} mean wait at the proxy", fmt_ms(p.wait_ms.mean))
            });
        lines.push(format!(
            "wait for a server connection: measured {} (avg_wait_time), simulated {sim}",
            fmt_ms(w)
        ));
    }
    if let Some(c) = m.clients {
        let sim = r.proxy.as_ref().map_or(0, |p| p.peak_client_connections);
        lines.push(format!("clients: measured {c}, simulated peak {sim}"));
    }
    if let Some(n) = m.backends() {
        let peak: u64 = r.databases.iter().map(|d| d.peak_connections).sum();
        let states: Vec<String> = m.activity.iter().map(|(k, v)| format!("{k} {v}")).collect();
        lines.push(format!(
            "database backends: measured {n} ({}), simulated peak {peak}",
            states.join(", ")
        ));
    }
    if let (Some(x), Some(t)) = (m.xact_per_s, m.xact_ms) {
        lines.push(format!(
            "measured load: {x} transactions/s of {} each",
            fmt_ms(t)
        ));
    }
    html! {
        <div class="measured" data-testid="measured">
            <strong>{ format!("Measured{} beside simulated:", m.database.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()) }</strong>
            <ul>{ for lines.iter().map(|l| html! { <li>{ l }</li> }) }</ul>
        </div>
    }
}

/// The charts of a report (only those that say something), A faint.
fn charts(r: &Rc<Report>, a: Option<&Rc<Report>>, partial: &str) -> Html {
    let time_only = !partial.is_empty();
    let list: Vec<Chart> = Chart::ALL
        .into_iter()
        .filter(|c| c.relevant(r) || a.is_some_and(|a| c.relevant(a)))
        .filter(|c| !(time_only && *c == Chart::WaitDistribution))
        .collect();
    html! {
        <div class="charts">
            { for list.into_iter().map(|chart| {
                let height = if chart == Chart::Events {
                    strip_height(r.scenario.events.len())
                } else {
                    super::chart::HEIGHT_PX
                };
                html! {
                    <ChartView report={r.clone()} compare={a.cloned()} {chart} {height}
                        partial={AttrValue::from(partial.to_string())} />
                }
            }) }
        </div>
    }
}

/// The results panel: the verdict (A's too when comparing), the cards,
/// what a calibration measured, the run's figures and the charts; while a
/// run goes on, its charts so far.
#[function_component(Results)]
pub fn results(p: &ResultsProps) -> Html {
    let live = p.partial.as_ref().map(live_view);
    let Some(o) = &p.outcome else {
        return html! {
            <section class="results" aria-label="Results">
                <h2>{ "Results" }</h2>
                if live.is_none() {
                    <p class="hint">{ "Press Run (Ctrl+Enter) to simulate the scenario." }</p>
                }
                { for live }
            </section>
        };
    };
    let r = &o.report;
    let a = p
        .pinned
        .as_ref()
        .and_then(|x| x.outcome.as_ref())
        .map(|x| x.report.clone());
    let base = Figures::of(r);
    let (level, mut sentence) = verdict(r);
    let fragile_text = p
        .band
        .as_ref()
        .filter(|_| !p.stale)
        .and_then(|b| fragile(&base, b));
    if let Some(f) = &fragile_text {
        sentence.push(' ');
        sentence.push_str(f);
    }
    let shown = match &p.pinned {
        Some(_) => format!("B, “{}”: {sentence}", r.scenario.name),
        None => sentence.clone(),
    };
    let more_warnings: Vec<&String> = r
        .warnings
        .iter()
        .filter(|w| !sentence.contains(w.as_str()))
        .collect();
    let unpin = p.on_action.reform(|_: MouseEvent| Action::Unpin);
    let comparing = p.pinned.as_ref().map(|pin| compare_note(pin, unpin));
    html! {
        <section class={classes!("results", p.stale.then_some("stale"))} aria-label="Results"
            data-testid="results">
            if p.stale {
                <p class="stale-note" data-testid="stale">{ "The inputs changed: these results are for the previous scenario. Press Run to update." }</p>
            }
            { for comparing }
            <p class={classes!("verdict", level.class())} data-testid="verdict"
                data-fragile={fragile_text.is_some().to_string()}>{ shown }</p>
            if !more_warnings.is_empty() {
                <ul class="warnings" data-testid="warnings">
                    { for more_warnings.iter().map(|w| html! { <li>{ w }</li> }) }
                </ul>
            }
            if r.services.len() > 1 {
                { view_select(r, p.view, &p.on_action) }
            }
            { cards(r, a.as_deref(), p.band.as_ref(), p.view) }
            if let Some(m) = &p.measured { { measured_view(m, r) } }
            { run_info(o, p.band.as_ref()) }
            if let Some(l) = live { { l } } else { { charts(r, a.as_ref(), "") } }
        </section>
    }
}

/// A run going on (or cancelled): how far it got, and its charts so far.
fn live_view(pt: &Partial) -> Html {
    let (state, text) = if pt.cancelled {
        (
            "cancelled",
            format!(
                "Cancelled at {:.0} %: the charts show the part simulated.",
                pt.fraction * 100.0
            ),
        )
    } else {
        (
            "live",
            format!(
                "Simulating… {:.0} %: the charts draw the part done so far.",
                pt.fraction * 100.0
            ),
        )
    };
    html! {
        <>
            <p class="live-note" data-testid="live-note">{ text }</p>
            { charts(&pt.report, None, state) }
        </>
    }
}

/// The comparison's note: A's verdict (or that it runs) and Stop comparing.
fn compare_note(pin: &Pinned, unpin: Callback<MouseEvent>) -> Html {
    let a_verdict = match &pin.outcome {
        Some(ao) => {
            let (al, av) = verdict(&ao.report);
            html! {
                <p class={classes!("verdict", "verdict-a", al.class())} data-testid="verdict-a">
                    { format!("A, “{}”: {av}", pin.scenario.name) }
                </p>
            }
        }
        None => html! {
            <p class="hint" data-testid="verdict-a">{ format!("A, “{}”, is running…", pin.scenario.name) }</p>
        },
    };
    html! {
        <div class="compare-note" data-testid="compare-note">
            <p><strong>{ "Comparing two runs: A (faint in the charts) and B (the form)." }</strong>
                <button type="button" class="small" onclick={unpin} data-testid="unpin">{ "Stop comparing" }</button></p>
            { a_verdict }
        </div>
    }
}

/// The choice of whose cards to show: all services or one.
fn view_select(r: &Report, view: Option<usize>, on_action: &Callback<Action>) -> Html {
    let on_view = on_action.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Action::View(select.value().parse::<usize>().ok())
    });
    html! {
        <label class="view">
            { "Cards for " }
            <select data-testid="view" onchange={on_view} aria-label="Show the cards of one service">
                <option value="" selected={view.is_none()}>{ "all services" }</option>
                { for r.services.iter().enumerate().map(|(i, svc)| html! {
                    <option value={i.to_string()} selected={view == Some(i)}>{ &svc.name }</option>
                }) }
            </select>
        </label>
    }
}

/// The run's length, seed and speed (with the timings the end-to-end test
/// reads), and whether the band is still being measured.
fn run_info(o: &Outcome, band: Option<&Band>) -> Html {
    let (r, s) = (&o.report, &o.report.scenario);
    html! {
        <p class="run-info" data-testid="run-info"
            data-roundtrip-ms={format!("{:.1}", o.roundtrip_ms)}
            data-worker-ms={format!("{:.1}", o.elapsed_ms)}
            data-events={r.events.to_string()}>
            { format!("“{}”: {} s measured after {} s warmup, seed {}. Simulated {} events in {:.0} ms ({:.1} M events/s).",
                s.name, s.duration_s, s.warmup_s, s.seed, r.events, o.elapsed_ms,
                r.events as f64 / o.elapsed_ms.max(0.001) / 1000.0) }
            if band.is_some_and(|b| !b.complete()) {
                { " Measuring how sure the answer is (queries ±5 % and ±10 %)…" }
            }
        </p>
    }
}
