//! The page's one state and its reducer: every change the page makes goes
//! through an [`Action`]. Pure, so it is tested natively; in the browser
//! `impl Reducible` hands it to Yew's `use_reducer`.
//!
//! Besides the form it holds the service being edited, the notices, what a
//! calibration paste measured, and the workers' jobs ([`Jobs`]: the run and
//! its live timeline, run A of a comparison, the sensitivity band, the
//! sweep, the recommendation search), whose replies [`Jobs`] matches to
//! their job by id.

use std::collections::BTreeMap;
use std::rc::Rc;

use poolcast::Scenario;
use poolcast::recommend::Sizing;

use crate::calibrate::Measured;
use crate::edit::{self, Edit, Kind};
use crate::jobs::{JobKind, Jobs, NewJob, Outcome, Pinned, Reply};

/// Most events the page lets one run take (a few tens of seconds in wasm).
pub const MAX_EVENTS: u64 = 200_000_000;
/// Runs of at most this many events re-run by themselves after an edit.
pub const AUTO_RUN_EVENTS: f64 = 3_000_000.0;
/// Runs of at most this many events get a sensitivity band by themselves.
pub const BAND_EVENTS: f64 = 20_000_000.0;

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

/// What a pin of the form does when a scenario is loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum PinChange {
    /// Leave A as it is (an import, a calibration).
    Keep,
    /// No comparison any more (a new example).
    Clear,
    /// Pin this scenario as A (a pair from the gallery, a compare link).
    Set(Box<Scenario>),
}

/// The pool sizes a sweep tries: about 16 from 1 up to twice the current
/// size or the largest the connection limits allow, whichever is larger,
/// plus those two sizes themselves.
pub fn sweep_sizes(s: &Scenario) -> Vec<u32> {
    sweep_values(s, Sizing::Pool(0))
}

/// The values a sweep of `sizing` tries (see [`sweep_sizes`]); the largest
/// allowed is the core's ([`Sizing::allowed`]).
pub fn sweep_values(s: &Scenario, sizing: Sizing) -> Vec<u32> {
    if sizing.validate(s).is_err() {
        return Vec::new();
    }
    let allowed = sizing.allowed(s).0;
    let current = sizing.current(s);
    let hi = current.saturating_mul(2).max(allowed).clamp(4, 200);
    let step = hi.div_ceil(16);
    let mut sizes: Vec<u32> = (1..=hi).step_by(step as usize).collect();
    sizes.extend([current.clamp(1, hi), allowed.clamp(1, hi), hi]);
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// What the calculator can size in `s`: each service's pool, and the
/// proxy's `default_pool_size` when a service routes through it.
pub fn sizings(s: &Scenario) -> Vec<Sizing> {
    (0..s.services.len())
        .map(Sizing::Pool)
        .chain([Sizing::Proxy])
        .filter(|z| z.validate(s).is_ok())
        .collect()
}

/// What `sizing` sizes, for people.
pub fn sizing_label(sizing: Sizing, s: &Scenario) -> String {
    match sizing {
        Sizing::Pool(_) => format!(
            "{}'s pool size (pool.max_size)",
            sizing.service(s).unwrap_or("?")
        ),
        Sizing::Proxy => "the proxy's default_pool_size".into(),
    }
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The scenario in the form.
    pub scenario: Scenario,
    /// Fields being typed in, by dotted path.
    pub drafts: BTreeMap<String, Draft>,
    /// The workers' jobs (the run, A, the band, the sweep, the search)
    /// and what they produced.
    pub jobs: Jobs,
    /// Messages for the person.
    pub notices: Vec<Notice>,
    /// Counts edits of the scenario, so effects can debounce on it.
    pub edits: u64,
    /// The service the form shows.
    pub service: usize,
    /// The service the cards show (`None`: all of them).
    pub view: Option<usize>,
    /// What a calibration paste measured.
    pub measured: Option<Measured>,
    /// A form path to bring into view (a click on the topology).
    pub focus: Option<(String, u64)>,
    /// The scenario just loaded should run now, however large.
    pub run_now: bool,
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
    /// A change of structure (services, blocks, events).
    Edit(Edit),
    /// The form shows service `0`.
    SelectService(usize),
    /// The cards show one service, or all.
    View(Option<usize>),
    /// A new scenario replaces the form (preset, import, link).
    Load {
        /// The scenario.
        scenario: Box<Scenario>,
        /// What happens to A.
        pinned: PinChange,
        /// What to tell the person about it.
        notices: Vec<Notice>,
        /// Run it at once, whatever its size (a link, a gallery entry).
        run: bool,
    },
    /// Job `id` was sent to the workers.
    Started {
        /// Job id.
        id: u64,
        /// What job.
        job: NewJob,
    },
    /// A worker answered about job `id`.
    Reply {
        /// Job id.
        id: u64,
        /// What it said.
        reply: Reply,
    },
    /// The person stopped the job of this kind (its workers were stopped).
    Cancelled(JobKind),
    /// Show a notice (replacing the others).
    Notify(Notice),
    /// Hide the notices.
    Dismiss,
    /// Pin the shown run as A.
    Pin,
    /// End the comparison.
    Unpin,
    /// A calibration paste measured this (or forget it).
    Measured(Option<Measured>),
    /// Bring a form path into view.
    Focus(String),
}

impl State {
    /// A fresh state showing `scenario`.
    pub fn with_scenario(scenario: Scenario) -> State {
        State {
            scenario,
            drafts: BTreeMap::new(),
            jobs: Jobs::default(),
            notices: Vec::new(),
            edits: 0,
            service: 0,
            view: None,
            measured: None,
            focus: None,
            run_now: false,
        }
    }

    /// Applies one action: the form's own here, the jobs' in [`Jobs`].
    pub fn apply(mut self, action: Action) -> State {
        match action {
            Action::Set { path, kind, text } => {
                let result = edit::set_text(&self.scenario, &path, kind, &text);
                self.apply_edit(path, text, result);
            }
            Action::Edit(e) => self.edit(e),
            Action::SelectService(i) => {
                self.service = i.min(self.scenario.services.len().saturating_sub(1));
            }
            Action::View(v) => self.view = v,
            Action::Load {
                scenario,
                pinned,
                notices,
                run,
            } => self.load(*scenario, pinned, notices, run),
            Action::Started { id, job } => {
                if job.kind() == JobKind::Run {
                    self.run_now = false;
                }
                self.jobs.start(id, job);
            }
            Action::Reply { id, reply } => {
                let notice = self.jobs.reply(id, reply, &self.scenario);
                self.notify(notice);
            }
            Action::Cancelled(kind) => {
                let notice = self.jobs.cancel(kind);
                self.notify(notice);
            }
            Action::Notify(n) => self.notices = vec![n],
            Action::Dismiss => self.notices.clear(),
            Action::Pin => {
                if let Some(o) = self.jobs.outcome.clone() {
                    self.jobs.pinned = Some(Pinned {
                        scenario: o.report.scenario.clone(),
                        outcome: Some(o),
                        job: None,
                    });
                    self.notices = vec![Notice::new(
                        Tone::Info,
                        "Pinned this run as A. Change anything and run: the cards and charts \
                         show A beside B, and Copy link carries both.",
                    )];
                }
            }
            Action::Unpin => self.jobs.pinned = None,
            Action::Measured(m) => self.measured = m,
            Action::Focus(path) => self.focus(path),
        }
        self
    }

    /// A change of structure; a rate profile is typed text, kept as a draft.
    fn edit(&mut self, e: Edit) {
        match edit::apply(&self.scenario, &e) {
            Ok(s) => {
                if let Edit::SetProfile(i, text) = &e {
                    let path = format!("services.{i}.workload.rate_profile");
                    self.drafts.insert(
                        path,
                        Draft {
                            text: text.clone(),
                            error: None,
                        },
                    );
                } else {
                    // Structure changed: typed text may belong elsewhere now.
                    self.drafts.retain(|_, d| d.error.is_none());
                    if edit::moves_services(&e) {
                        self.drafts.retain(|k, _| !k.starts_with("services."));
                    }
                    if let Edit::SetDistKind { path, .. } = &e {
                        let prefix = format!("{path}.");
                        self.drafts.retain(|k, _| !k.starts_with(&prefix));
                    }
                }
                match e {
                    Edit::AddService | Edit::DuplicateService(_) => {
                        self.service = s.services.len() - 1;
                    }
                    _ => {}
                }
                self.set_scenario(s);
            }
            Err(message) => match e {
                Edit::SetProfile(i, text) => {
                    let path = format!("services.{i}.workload.rate_profile");
                    self.drafts.insert(
                        path,
                        Draft {
                            text,
                            error: Some(message),
                        },
                    );
                }
                _ => self.notices = vec![Notice::new(Tone::Error, message)],
            },
        }
    }

    /// A new scenario replaces the form.
    fn load(&mut self, scenario: Scenario, pinned: PinChange, notices: Vec<Notice>, run: bool) {
        self.run_now = run;
        self.scenario = scenario;
        self.drafts.clear();
        self.notices = notices;
        self.edits += 1;
        self.service = 0;
        self.view = None;
        self.jobs.band = None;
        match pinned {
            PinChange::Keep => {}
            PinChange::Clear => self.jobs.pinned = None,
            PinChange::Set(a) => {
                self.jobs.pinned = Some(Pinned {
                    scenario: *a,
                    outcome: None,
                    job: None,
                })
            }
        }
    }

    /// Brings a form path into view: its service in the form, then its field.
    fn focus(&mut self, path: String) {
        if let Some(i) = path
            .strip_prefix("services.")
            .and_then(|r| r.split('.').next())
            .and_then(|n| n.parse::<usize>().ok())
        {
            self.service = i.min(self.scenario.services.len().saturating_sub(1));
        }
        let n = self.focus.as_ref().map_or(0, |f| f.1) + 1;
        self.focus = Some((path, n));
    }

    /// Shows `notice` instead of the others, if there is one.
    fn notify(&mut self, notice: Option<Notice>) {
        if let Some(n) = notice {
            self.notices = vec![n];
        }
    }

    fn set_scenario(&mut self, s: Scenario) {
        if s != self.scenario {
            self.scenario = s;
            self.edits += 1;
        }
        self.service = self
            .service
            .min(self.scenario.services.len().saturating_sub(1));
        if self.view.is_some_and(|v| v >= self.scenario.services.len()) {
            self.view = None;
        }
    }

    fn apply_edit(&mut self, path: String, text: String, result: Result<Scenario, String>) {
        match result {
            Ok(s) => {
                self.drafts.insert(path, Draft { text, error: None });
                self.set_scenario(s);
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

    /// Problems with the scenario, each naming its field by its form path:
    /// text that could not be read, then what the core's validation says.
    pub fn errors(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .drafts
            .iter()
            .filter_map(|(k, d)| d.error.clone().map(|e| (k.clone(), e)))
            .collect();
        if let Err(e) = poolcast::validate(&self.scenario, MAX_EVENTS) {
            out.extend(
                e.field_errors()
                    .into_iter()
                    .map(|f| (edit::form_path(&f.field), f.message)),
            );
        }
        out
    }

    /// Whether Run may be pressed.
    pub fn can_run(&self) -> bool {
        self.errors().is_empty()
    }

    /// Whether the shown results belong to another scenario than the form's.
    pub fn stale(&self) -> bool {
        self.jobs
            .outcome
            .as_ref()
            .is_some_and(|o| o.report.scenario != self.scenario)
    }

    /// Whether the scenario is small enough to re-run on every edit.
    pub fn small(&self) -> bool {
        poolcast::validate::estimate_events(&self.scenario) <= AUTO_RUN_EVENTS
    }

    /// Whether the last run should get its sensitivity band.
    pub fn wants_band(&self) -> bool {
        self.jobs
            .outcome
            .as_ref()
            .is_some_and(|o| poolcast::validate::estimate_events(&o.report.scenario) <= BAND_EVENTS)
            && !self.stale()
            && self.jobs.band.is_none()
    }

    /// A's result, when comparing and it has run.
    pub fn a(&self) -> Option<&Rc<Outcome>> {
        self.jobs.pinned.as_ref().and_then(|p| p.outcome.as_ref())
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
    use crate::jobs::{Advice, Run};
    use crate::testing::outcome;

    fn started(id: u64, job: NewJob) -> Action {
        Action::Started { id, job }
    }

    fn reply(id: u64, reply: Reply) -> Action {
        Action::Reply { id, reply }
    }

    fn set(path: &str, kind: Kind, text: &str) -> Action {
        Action::Set {
            path: path.into(),
            kind,
            text: text.into(),
        }
    }

    fn tiny() -> Scenario {
        crate::testing::short(2.0, 0.0)
    }

    #[test]
    fn edits_apply_and_keep_the_typed_text() {
        let s = State::default().apply(set("services.0.pool.max_size", Kind::Int, "30"));
        assert_eq!(s.scenario.app().pool.max_size, 30);
        assert_eq!(s.edits, 1);
        assert_eq!(s.drafts["services.0.pool.max_size"].text, "30");
        assert!(s.errors().is_empty());
    }

    #[test]
    fn unreadable_text_keeps_the_scenario_and_names_the_field() {
        let s = State::default().apply(set("services.0.pool.max_size", Kind::Int, "lots"));
        assert_eq!(s.scenario.app().pool.max_size, 20);
        let errors = s.errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "services.0.pool.max_size");
        assert!(!s.can_run());
    }

    #[test]
    fn invalid_values_show_the_cores_field_errors_at_their_form_path() {
        let s = State::default().apply(set("services.0.pool.min_idle", Kind::Int, "50"));
        let errors = s.errors();
        assert!(
            errors
                .iter()
                .any(|(f, m)| f == "services.0.pool.min_idle" && m.contains("max_size")),
            "{errors:?}"
        );
        let s = State::default()
            .apply(Action::Edit(Edit::AddService))
            .apply(set("services.1.pool.max_size", Kind::Int, "0"));
        assert!(
            s.errors()
                .iter()
                .any(|(f, _)| f == "services.1.pool.max_size"),
            "{:?}",
            s.errors()
        );
    }

    #[test]
    fn building_two_services_behind_a_proxy() {
        let s = State::default()
            .apply(Action::Edit(Edit::AddService))
            .apply(Action::Edit(Edit::SetProxy(true)))
            .apply(set("services.1.route", Kind::Text, "proxy"))
            .apply(set("services.1.name", Kind::Text, "worker"))
            .apply(set("proxy.default_pool_size", Kind::Int, "10"))
            .apply(Action::Edit(Edit::AddEvent("db_restart".into())));
        assert_eq!(s.service, 1, "a new service is shown");
        assert!(s.errors().is_empty(), "{:?}", s.errors());
        assert_eq!(s.scenario.services.len(), 2);
        assert_eq!(s.scenario.proxy.unwrap().default_pool_size, 10);
        assert_eq!(s.scenario.version, 2);
        let s = s
            .apply(Action::SelectService(0))
            .apply(Action::Edit(Edit::RemoveService(1)));
        assert_eq!(s.scenario.services.len(), 1);
        assert_eq!(s.service, 0);
    }

    #[test]
    fn dist_kind_changes_clear_old_parameter_drafts() {
        let s = State::default()
            .apply(set("services.0.workload.query_ms.p50", Kind::Float, "x"))
            .apply(Action::Edit(Edit::SetDistKind {
                path: "services.0.workload.query_ms".into(),
                kind: "exponential".into(),
            }));
        assert_eq!(
            edit::dist_kind(&s.scenario.app().workload.query_ms),
            "exponential"
        );
        assert!(s.drafts.is_empty());
        let s = s.apply(Action::Edit(Edit::SetProfile(0, "10:800, 20:400".into())));
        assert_eq!(s.scenario.app().workload.rate_profile.len(), 2);
        let s = s.apply(Action::Edit(Edit::SetProfile(0, "10".into())));
        assert!(s.drafts["services.0.workload.rate_profile"].error.is_some());
        assert_eq!(s.scenario.app().workload.rate_profile.len(), 2);
    }

    #[test]
    fn results_belong_to_their_job_and_go_stale_on_edit() {
        let outcome = outcome(&tiny());
        let s = State::with_scenario(tiny())
            .apply(started(1, NewJob::Run))
            .apply(reply(
                1,
                Reply::Progress {
                    fraction: 0.5,
                    timeline: None,
                },
            ));
        assert_eq!(
            s.jobs.run,
            Run::Running {
                id: 1,
                progress: 0.5
            }
        );
        let s = s.apply(reply(2, Reply::Finished(outcome.clone())));
        assert!(
            s.jobs.outcome.is_none(),
            "answers to other jobs are ignored"
        );
        let s = s.apply(reply(1, Reply::Finished(outcome)));
        assert_eq!(s.jobs.run, Run::Idle);
        assert!(!s.stale());
        let s = s.apply(set("services.0.instances", Kind::Int, "5"));
        assert!(s.stale());
        let s = s
            .apply(started(3, NewJob::Run))
            .apply(Action::Cancelled(JobKind::Run));
        assert_eq!(s.jobs.run, Run::Idle);
        assert_eq!(s.notices[0].text, "Run cancelled.");
    }

    #[test]
    fn live_progress_keeps_the_partial_timeline_and_cancel_keeps_it() {
        let s = tiny();
        let mut sim = poolcast::Sim::new(&poolcast::validate(&s, u64::MAX).unwrap());
        sim.step(3000);
        let timeline = sim.partial_timeline();
        let buckets = timeline.series.busy.len();
        assert!(buckets > 0);
        let st = State::with_scenario(s.clone())
            .apply(started(5, NewJob::Run))
            .apply(reply(
                5,
                Reply::Progress {
                    fraction: 0.4,
                    timeline: Some(Box::new(timeline.clone())),
                },
            ));
        let p = st.jobs.partial.clone().unwrap();
        assert_eq!(p.report.timeline.series.busy.len(), buckets);
        assert_eq!(p.report.scenario, s);
        let stale = st.clone().apply(reply(
            4,
            Reply::Progress {
                fraction: 0.9,
                timeline: Some(Box::new(timeline)),
            },
        ));
        assert_eq!(
            stale.jobs.partial.unwrap().fraction,
            0.4,
            "another job's progress is ignored"
        );
        let cancelled = st.clone().apply(Action::Cancelled(JobKind::Run));
        let kept = cancelled.jobs.partial.clone().unwrap();
        assert!(kept.cancelled);
        assert!(cancelled.notices[0].text.contains("keep the first 40 %"));
        let done = st.apply(reply(5, Reply::Finished(outcome(&s))));
        assert!(done.jobs.partial.is_none());
    }

    #[test]
    fn compare_pins_a_and_runs_it_when_loaded_from_a_link() {
        let a = tiny();
        let s = State::with_scenario(a.clone())
            .apply(started(1, NewJob::Run))
            .apply(reply(1, Reply::Finished(outcome(&a))))
            .apply(Action::Pin);
        assert_eq!(s.jobs.pinned.as_ref().unwrap().scenario, a);
        assert!(s.a().is_some());
        let s = s.apply(set("services.0.pool.max_size", Kind::Int, "5"));
        assert!(s.a().is_some(), "A stays while B changes");
        assert_ne!(s.scenario, a);
        let s = s.apply(Action::Unpin);
        assert!(s.jobs.pinned.is_none());
        // From a link: A is pinned before it has run.
        let b = edit::apply(&a, &Edit::SetProxy(true)).unwrap();
        let s = State::default().apply(Action::Load {
            scenario: Box::new(b.clone()),
            pinned: PinChange::Set(Box::new(a.clone())),
            notices: vec![],
            run: true,
        });
        assert!(s.jobs.pinned.is_some() && s.a().is_none());
        let s = s
            .apply(started(9, NewJob::Compare))
            .apply(reply(9, Reply::Finished(outcome(&a))));
        assert!(s.a().is_some());
        let s = s.apply(Action::Load {
            scenario: Box::new(b),
            pinned: PinChange::Keep,
            notices: vec![],
            run: true,
        });
        assert!(s.a().is_some(), "an import keeps A");
        let s = s.apply(Action::Load {
            scenario: Box::new(a),
            pinned: PinChange::Clear,
            notices: vec![],
            run: true,
        });
        assert!(s.jobs.pinned.is_none());
    }

    #[test]
    fn the_band_collects_its_points_for_its_job() {
        let f = crate::figures::Figures::of(&outcome(&tiny()).report);
        let s = State::default()
            .apply(started(3, NewJob::Band))
            .apply(reply(
                3,
                Reply::BandPoint {
                    factor: 1.1,
                    figures: f,
                },
            ))
            .apply(reply(
                2,
                Reply::BandPoint {
                    factor: 0.9,
                    figures: f,
                },
            ))
            .apply(reply(
                3,
                Reply::BandPoint {
                    factor: 0.9,
                    figures: f,
                },
            ));
        let b = s.jobs.band.clone().unwrap();
        assert_eq!(b.points.len(), 2);
        assert_eq!(b.points[0].0, 0.9);
        assert!(!b.complete());
        let s = s.apply(started(4, NewJob::Run));
        assert!(s.jobs.band.is_none(), "a new run, a new band");
    }

    #[test]
    fn a_click_on_the_topology_focuses_the_service_and_its_field() {
        let s = State::default()
            .apply(Action::Edit(Edit::AddService))
            .apply(Action::SelectService(0))
            .apply(Action::Focus("services.1.pool.max_size".into()));
        assert_eq!(s.service, 1);
        assert_eq!(s.focus.as_ref().unwrap().0, "services.1.pool.max_size");
        let again = s.apply(Action::Focus("services.1.pool.max_size".into()));
        assert_eq!(again.focus.unwrap().1, 2, "a second click focuses again");
    }

    #[test]
    fn load_replaces_the_form_and_says_why() {
        let p = crate::presets::by_id("oversized").unwrap();
        let s = State::default()
            .apply(set("services.0.pool.max_size", Kind::Int, "oops"))
            .apply(Action::Load {
                scenario: Box::new(p.scenario.clone()),
                pinned: PinChange::Clear,
                notices: vec![Notice::new(Tone::Info, p.source)],
                run: true,
            });
        assert!(s.run_now);
        let s = s.apply(started(1, NewJob::Run));
        assert!(!s.run_now);
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
        let mega = crate::presets::by_id("mega-directory").unwrap().scenario;
        let proxy = sweep_values(&mega, Sizing::Proxy);
        assert!(proxy.contains(&20) && proxy.contains(&67), "{proxy:?}");
    }

    #[test]
    fn the_calculator_sizes_each_pool_and_the_proxy() {
        let p = crate::presets::by_id("mega-directory").unwrap();
        assert_eq!(
            sizings(&p.scenario),
            [Sizing::Pool(0), Sizing::Pool(1), Sizing::Proxy]
        );
        assert_eq!(sizings(p.before.as_ref().unwrap()).len(), 2);
        assert_eq!(
            sizing_label(Sizing::Pool(1), &p.scenario),
            "functions's pool size (pool.max_size)"
        );
        // The largest sizes are the core's.
        assert_eq!(
            Sizing::Proxy.allowed(&p.scenario).0,
            67,
            "97 - the API's 30"
        );
        assert_eq!(
            Sizing::Pool(0).allowed(&p.scenario).0,
            25,
            "3 x 25 + 20 <= 97"
        );
        let warm = crate::presets::by_id("cultivai").unwrap().scenario;
        let s = poolcast::recommend::with_size(&warm, Sizing::Pool(0), 9).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (9, 9));
    }

    #[test]
    fn advice_answers_only_its_own_search() {
        let s = tiny();
        let slo = poolcast::recommend::Slo {
            max_p99_wait_ms: 50.0,
            max_timeout_fraction: None,
            max_failure_fraction: None,
        };
        let adv = poolcast::recommend::recommend_sizing(
            &s,
            Sizing::Pool(0),
            &slo,
            MAX_EVENTS,
            &mut |_| {},
        )
        .unwrap();
        let answer = Rc::new((s.clone(), adv));
        let t = answer.1.curve[0];
        let st = State::with_scenario(s)
            .apply(started(4, NewJob::Advice))
            .apply(reply(4, Reply::Tried(t)))
            .apply(reply(3, Reply::Advised(answer.clone())));
        assert!(
            matches!(&st.jobs.advice, Some(Advice::Searching { id: 4, tried }) if tried.len() == 1)
        );
        let st = st.apply(reply(4, Reply::Advised(answer.clone())));
        assert_eq!(st.jobs.advice, Some(Advice::Done(answer)));
        let st = st
            .apply(started(5, NewJob::Advice))
            .apply(Action::Cancelled(JobKind::Advice));
        assert_eq!(st.jobs.advice, None);
    }

    #[test]
    fn sweep_points_arrive_in_any_order() {
        let r = poolcast::run(&tiny()).unwrap();
        let pt = |v| poolcast::sweep::SweepPoint::from_report(v, &r);
        let s = State::default()
            .apply(started(
                7,
                NewJob::Sweep {
                    total: 2,
                    knob: Sizing::Pool(0),
                },
            ))
            .apply(reply(7, Reply::SweepPoint(pt(20.0))))
            .apply(reply(6, Reply::SweepPoint(pt(5.0))));
        assert_eq!(s.jobs.sweep.as_ref().unwrap().points.len(), 1);
        let s = s.apply(reply(7, Reply::SweepPoint(pt(10.0))));
        let sw = s.jobs.sweep.unwrap();
        assert!(!sw.running);
        assert_eq!(sw.points[0].value, 10.0);
    }
}
