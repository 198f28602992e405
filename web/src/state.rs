//! The page's one state and its reducer: every change the page makes goes
//! through an [`Action`]. Pure, so it is tested natively; in the browser
//! `impl Reducible` hands it to Yew's `use_reducer`.

use std::collections::BTreeMap;
use std::rc::Rc;

use poolcast::recommend::Recommendation;
use poolcast::sweep::SweepPoint;
use poolcast::{Report, Scenario};

use crate::edit::{self, Kind};

/// Most events the page lets one run take (a few tens of seconds in wasm).
pub const MAX_EVENTS: u64 = 200_000_000;
/// Runs of at most this many events re-run by themselves after an edit.
pub const AUTO_RUN_EVENTS: f64 = 3_000_000.0;

/// What a form field holds while it is being typed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The text as typed.
    pub text: String,
    /// Why it could not be applied, if so.
    pub error: Option<String>,
}

/// How a notice looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// News.
    Info,
    /// Something was not taken as given.
    Warn,
    /// Something failed.
    Error,
}

/// A message shown above the results until dismissed or replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// How it looks.
    pub tone: Tone,
    /// The message.
    pub text: String,
    /// Itemised details (fields read, fields ignored).
    pub details: Vec<String>,
}

impl Notice {
    /// A notice without details.
    pub fn new(tone: Tone, text: impl Into<String>) -> Notice {
        Notice {
            tone,
            text: text.into(),
            details: Vec::new(),
        }
    }
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Its report (which holds the scenario it belongs to).
    pub report: Report,
    /// Wall-clock time the worker took, ms.
    pub elapsed_ms: f64,
    /// Wall-clock time from sending the job to receiving the report, ms.
    pub roundtrip_ms: f64,
}

/// The simulation worker's job, if any.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    /// Nothing running.
    Idle,
    /// Job `id` is running; `progress` is from 0 to 1.
    Running {
        /// Job id.
        id: u64,
        /// Simulated time done, 0 to 1.
        progress: f64,
    },
}

/// A sweep of pool size in the calculator panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepRun {
    /// Job id of the sweep.
    pub id: u64,
    /// Points expected.
    pub total: usize,
    /// Points received, in any order.
    pub points: Vec<SweepPoint>,
    /// Whether it is still running.
    pub running: bool,
}

/// The calculator's pool-size recommendation.
#[derive(Debug, Clone, PartialEq)]
pub enum Advice {
    /// Job `id` is searching; `tried` sizes are done.
    Searching {
        /// Job id.
        id: u64,
        /// Sizes simulated so far.
        tried: usize,
    },
    /// The answer, for the scenario it was asked about.
    Done(Rc<(Scenario, Recommendation)>),
    /// The search could not run.
    Failed(String),
}

/// The pool sizes a sweep tries: about 16 from 1 up to twice the current
/// size or the database's share per pool, whichever is larger, plus those
/// two sizes themselves.
pub fn sweep_sizes(s: &Scenario) -> Vec<u32> {
    let pools = s.pool_count().max(1);
    let allowed = (u64::from(s.db_limit()) / pools).min(100_000) as u32;
    let hi = (s.app().pool.max_size * 2).max(allowed).clamp(4, 200);
    let step = hi.div_ceil(16);
    let mut sizes: Vec<u32> = (1..=hi).step_by(step as usize).collect();
    sizes.extend([s.app().pool.max_size.min(hi), allowed.clamp(1, hi), hi]);
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The scenario in the form.
    pub scenario: Scenario,
    /// Fields being typed in, by dotted path.
    pub drafts: BTreeMap<String, Draft>,
    /// The worker's job.
    pub run: Run,
    /// The last finished run.
    pub outcome: Option<Rc<Outcome>>,
    /// Messages for the person.
    pub notices: Vec<Notice>,
    /// Counts edits of the scenario, so effects can debounce on it.
    pub edits: u64,
    /// The sweep, if one was started.
    pub sweep: Option<SweepRun>,
    /// The recommendation, if one was asked for.
    pub advice: Option<Advice>,
}

impl Default for State {
    fn default() -> Self {
        State::with_scenario(Scenario::default())
    }
}

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A form field was edited.
    Set {
        /// Dotted path.
        path: String,
        /// How to read the text.
        kind: Kind,
        /// The text typed.
        text: String,
    },
    /// A distribution's kind was changed.
    SetDistKind {
        /// Dotted path of the distribution.
        path: String,
        /// One of [`edit::DIST_KINDS`].
        kind: String,
    },
    /// The rate profile text was edited.
    SetProfile(String),
    /// A new scenario replaces the form (preset, import, link).
    Load {
        /// The scenario.
        scenario: Box<Scenario>,
        /// What to tell the person about it.
        notices: Vec<Notice>,
    },
    /// Job `id` was sent to the worker.
    Started(u64),
    /// Job progress.
    Progress {
        /// Job id.
        id: u64,
        /// 0 to 1.
        fraction: f64,
    },
    /// Job `id` finished.
    Finished {
        /// Job id.
        id: u64,
        /// The outcome.
        outcome: Rc<Outcome>,
    },
    /// Job `id` (a run, a sweep point or a search) failed.
    Failed {
        /// Job id.
        id: u64,
        /// Why.
        message: String,
    },
    /// The person cancelled the run (the worker was stopped).
    Cancelled,
    /// Show a notice (replacing the others).
    Notify(Notice),
    /// Hide the notices.
    Dismiss,
    /// A sweep of `total` points started as job `id`.
    SweepStarted {
        /// Job id.
        id: u64,
        /// Points it will have.
        total: usize,
    },
    /// One sweep point arrived.
    SweepPoint {
        /// Job id.
        id: u64,
        /// The point.
        point: SweepPoint,
    },
    /// The sweep was cancelled.
    SweepCancelled,
    /// A recommendation search started as job `id`.
    AdviceStarted(u64),
    /// The search simulated one more size.
    AdviceProgress(u64),
    /// The search ended.
    AdviceDone {
        /// Job id.
        id: u64,
        /// The scenario asked about and the answer.
        answer: Rc<(Scenario, Recommendation)>,
    },
    /// The search was cancelled.
    AdviceCancelled,
}

impl State {
    /// A fresh state showing `scenario`.
    pub fn with_scenario(scenario: Scenario) -> State {
        State {
            scenario,
            drafts: BTreeMap::new(),
            run: Run::Idle,
            outcome: None,
            notices: Vec::new(),
            edits: 0,
            sweep: None,
            advice: None,
        }
    }

    /// Applies one action.
    pub fn apply(mut self, action: Action) -> State {
        match action {
            Action::Set { path, kind, text } => {
                let result = edit::set_text(&self.scenario, &path, kind, &text);
                self.apply_edit(path, text, result);
            }
            Action::SetDistKind { path, kind } => {
                let current = if path.ends_with("hold_extra_ms") {
                    self.scenario.app().workload.hold_extra_ms.clone()
                } else {
                    self.scenario.app().workload.query_ms.clone()
                };
                let d = edit::convert_dist(&current, &kind);
                let value = serde_json::to_value(d).unwrap_or_default();
                if let Ok(s) = edit::set_value(&self.scenario, &path, value) {
                    let prefix = format!("{path}.");
                    self.drafts.retain(|k, _| !k.starts_with(&prefix));
                    self.scenario = s;
                    self.edits += 1;
                }
            }
            Action::SetProfile(text) => {
                let result = edit::parse_profile(&text).map(|steps| {
                    let mut s = self.scenario.clone();
                    s.app_mut().workload.rate_profile = steps;
                    s
                });
                self.apply_edit("workload.rate_profile".into(), text, result);
            }
            Action::Load { scenario, notices } => {
                self.scenario = *scenario;
                self.drafts.clear();
                self.notices = notices;
                self.edits += 1;
            }
            Action::Started(id) => self.run = Run::Running { id, progress: 0.0 },
            Action::Progress { id, fraction } => {
                if let Run::Running {
                    id: running,
                    progress,
                } = &mut self.run
                    && *running == id
                {
                    *progress = fraction;
                }
            }
            Action::Finished { id, outcome } => {
                if self.is_running(id) {
                    self.run = Run::Idle;
                    self.outcome = Some(outcome);
                }
            }
            Action::Failed { id, message } => {
                if self.is_running(id) {
                    self.run = Run::Idle;
                    self.notices = vec![Notice::new(
                        Tone::Error,
                        format!("The run failed: {message}"),
                    )];
                } else if self.advice_running(id) {
                    self.advice = Some(Advice::Failed(message));
                } else if let Some(sw) = self.sweep.as_mut().filter(|sw| sw.id == id && sw.running)
                {
                    sw.running = false;
                    self.notices = vec![Notice::new(
                        Tone::Error,
                        format!("The sweep stopped: {message}"),
                    )];
                }
            }
            Action::Cancelled => {
                if self.run != Run::Idle {
                    self.run = Run::Idle;
                    self.notices = vec![Notice::new(Tone::Info, "Run cancelled.")];
                }
            }
            Action::Notify(n) => self.notices = vec![n],
            Action::Dismiss => self.notices.clear(),
            Action::SweepStarted { id, total } => {
                self.sweep = Some(SweepRun {
                    id,
                    total,
                    points: Vec::new(),
                    running: true,
                });
            }
            Action::SweepPoint { id, point } => {
                if let Some(sw) = self.sweep.as_mut().filter(|sw| sw.id == id && sw.running) {
                    sw.points.push(point);
                    sw.points.sort_by(|a, b| a.value.total_cmp(&b.value));
                    sw.running = sw.points.len() < sw.total;
                }
            }
            Action::SweepCancelled => {
                if let Some(sw) = self.sweep.as_mut() {
                    sw.running = false;
                }
            }
            Action::AdviceStarted(id) => self.advice = Some(Advice::Searching { id, tried: 0 }),
            Action::AdviceProgress(id) => {
                if let Some(Advice::Searching { id: running, tried }) = &mut self.advice
                    && *running == id
                {
                    *tried += 1;
                }
            }
            Action::AdviceDone { id, answer } => {
                if self.advice_running(id) {
                    self.advice = Some(Advice::Done(answer));
                }
            }
            Action::AdviceCancelled => {
                if matches!(self.advice, Some(Advice::Searching { .. })) {
                    self.advice = None;
                }
            }
        }
        self
    }

    fn apply_edit(&mut self, path: String, text: String, result: Result<Scenario, String>) {
        match result {
            Ok(s) => {
                self.drafts.insert(path, Draft { text, error: None });
                if s != self.scenario {
                    self.scenario = s;
                    self.edits += 1;
                }
            }
            Err(e) => {
                self.drafts.insert(
                    path,
                    Draft {
                        text,
                        error: Some(e),
                    },
                );
            }
        }
    }

    fn advice_running(&self, id: u64) -> bool {
        matches!(self.advice, Some(Advice::Searching { id: running, .. }) if running == id)
    }

    fn is_running(&self, id: u64) -> bool {
        matches!(self.run, Run::Running { id: running, .. } if running == id)
    }

    /// Problems with the scenario, each naming its field: text that could
    /// not be read, then what the core's validation says.
    pub fn errors(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .drafts
            .iter()
            .filter_map(|(k, d)| d.error.clone().map(|e| (k.clone(), e)))
            .collect();
        if let Err(e) = poolcast::validate(&self.scenario, MAX_EVENTS) {
            out.extend(e.field_errors().into_iter().map(|f| (f.field, f.message)));
        }
        out
    }

    /// Whether Run may be pressed.
    pub fn can_run(&self) -> bool {
        self.errors().is_empty()
    }

    /// Whether the shown results belong to another scenario than the form's.
    pub fn stale(&self) -> bool {
        self.outcome
            .as_ref()
            .is_some_and(|o| o.report.scenario != self.scenario)
    }

    /// Whether the scenario is small enough to re-run on every edit.
    pub fn small(&self) -> bool {
        poolcast::validate::estimate_events(&self.scenario) <= AUTO_RUN_EVENTS
    }
}

#[cfg(target_arch = "wasm32")]
impl yew::Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(path: &str, kind: Kind, text: &str) -> Action {
        Action::Set {
            path: path.into(),
            kind,
            text: text.into(),
        }
    }

    fn tiny() -> Scenario {
        Scenario {
            duration_s: 2.0,
            warmup_s: 0.0,
            ..Scenario::default()
        }
    }

    #[test]
    fn edits_apply_and_keep_the_typed_text() {
        let s = State::default().apply(set("pool.max_size", Kind::Int, "30"));
        assert_eq!(s.scenario.app().pool.max_size, 30);
        assert_eq!(s.edits, 1);
        assert_eq!(s.drafts["pool.max_size"].text, "30");
        assert!(s.errors().is_empty());
    }

    #[test]
    fn unreadable_text_keeps_the_scenario_and_names_the_field() {
        let s = State::default().apply(set("pool.max_size", Kind::Int, "lots"));
        assert_eq!(s.scenario.app().pool.max_size, 20);
        let errors = s.errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "pool.max_size");
        assert!(!s.can_run());
    }

    #[test]
    fn invalid_values_show_the_cores_field_errors() {
        let s = State::default().apply(set("pool.min_idle", Kind::Int, "50"));
        let errors = s.errors();
        assert!(
            errors
                .iter()
                .any(|(f, m)| f == "pool.min_idle" && m.contains("max_size")),
            "{errors:?}"
        );
    }

    #[test]
    fn dist_kind_changes_clear_old_parameter_drafts() {
        let s = State::default()
            .apply(set("workload.query_ms.p50", Kind::Float, "x"))
            .apply(Action::SetDistKind {
                path: "workload.query_ms".into(),
                kind: "exponential".into(),
            });
        assert_eq!(
            edit::dist_kind(&s.scenario.app().workload.query_ms),
            "exponential"
        );
        assert!(s.drafts.is_empty());
        let s = s.apply(Action::SetProfile("10:800, 20:400".into()));
        assert_eq!(s.scenario.app().workload.rate_profile.len(), 2);
    }

    #[test]
    fn results_belong_to_their_job_and_go_stale_on_edit() {
        let report = poolcast::run(&tiny()).unwrap();
        let outcome = Rc::new(Outcome {
            report,
            elapsed_ms: 1.0,
            roundtrip_ms: 2.0,
        });
        let s = State::with_scenario(tiny())
            .apply(Action::Started(1))
            .apply(Action::Progress {
                id: 1,
                fraction: 0.5,
            });
        assert_eq!(
            s.run,
            Run::Running {
                id: 1,
                progress: 0.5
            }
        );
        let s = s.apply(Action::Finished {
            id: 2,
            outcome: outcome.clone(),
        });
        assert!(s.outcome.is_none(), "answers to other jobs are ignored");
        let s = s.apply(Action::Finished { id: 1, outcome });
        assert_eq!(s.run, Run::Idle);
        assert!(!s.stale());
        let s = s.apply(set("fleet.instances", Kind::Int, "5"));
        assert!(s.stale());
        let s = s.apply(Action::Started(3)).apply(Action::Cancelled);
        assert_eq!(s.run, Run::Idle);
        assert_eq!(s.notices[0].text, "Run cancelled.");
    }

    #[test]
    fn load_replaces_the_form_and_says_why() {
        let p = crate::presets::by_id("serverless").unwrap();
        let s = State::default()
            .apply(set("pool.max_size", Kind::Int, "oops"))
            .apply(Action::Load {
                scenario: Box::new(p.scenario.clone()),
                notices: vec![Notice::new(Tone::Info, p.source)],
            });
        assert_eq!(s.scenario, p.scenario);
        assert!(s.drafts.is_empty());
        assert_eq!(s.notices.len(), 1);
        assert!(s.small());
    }

    #[test]
    fn sweep_sizes_cover_the_current_and_the_allowed_size() {
        let sizes = sweep_sizes(&Scenario::default());
        assert!(
            sizes.contains(&20) && sizes.contains(&24) && sizes.contains(&1),
            "{sizes:?}"
        );
        assert!(sizes.len() <= 20 && sizes.windows(2).all(|w| w[0] < w[1]));
        let mut one = Scenario::default();
        one.app_mut().instances = 200;
        assert!(sweep_sizes(&one).iter().all(|n| (1..=200).contains(n)));
    }

    #[test]
    fn advice_answers_only_its_own_search() {
        let s = tiny();
        let slo = poolcast::recommend::Slo {
            max_p99_wait_ms: 50.0,
            max_timeout_fraction: None,
            max_failure_fraction: None,
        };
        let rec = poolcast::recommend::recommend(&s, &slo, u64::MAX).unwrap();
        let answer = Rc::new((s.clone(), rec));
        let st = State::with_scenario(s)
            .apply(Action::AdviceStarted(4))
            .apply(Action::AdviceProgress(4))
            .apply(Action::AdviceDone {
                id: 3,
                answer: answer.clone(),
            });
        assert_eq!(st.advice, Some(Advice::Searching { id: 4, tried: 1 }));
        let st = st.apply(Action::AdviceDone {
            id: 4,
            answer: answer.clone(),
        });
        assert_eq!(st.advice, Some(Advice::Done(answer)));
        let st = st
            .apply(Action::AdviceStarted(5))
            .apply(Action::AdviceCancelled);
        assert_eq!(st.advice, None);
    }

    #[test]
    fn sweep_points_arrive_in_any_order() {
        let r = poolcast::run(&tiny()).unwrap();
        let pt = |v| poolcast::sweep::SweepPoint::from_report(v, &r);
        let s = State::default()
            .apply(Action::SweepStarted { id: 7, total: 2 })
            .apply(Action::SweepPoint {
                id: 7,
                point: pt(20.0),
            })
            .apply(Action::SweepPoint {
                id: 6,
                point: pt(5.0),
            });
        assert_eq!(s.sweep.as_ref().unwrap().points.len(), 1);
        let s = s.apply(Action::SweepPoint {
            id: 7,
            point: pt(10.0),
        });
        let sw = s.sweep.unwrap();
        assert!(!sw.running);
        assert_eq!(sw.points[0].value, 10.0);
    }
}
