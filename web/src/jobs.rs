//! The workers' jobs as one part of the state, with one reducer: the run
//! (B), run A of a comparison, the sensitivity band, the sweep and the
//! recommendation search.
//!
//! Every job gets an id when it is sent (one counter for all of them, so
//! an id names one job of one kind). A reply says only its id: [`Jobs::live`]
//! says which job of each kind still listens, and [`Jobs::kind_of`] finds
//! the one a reply belongs to. A reply to no live job (a run replaced by a
//! newer one, a cancelled sweep) is dropped.

use std::rc::Rc;

use poolcast::recommend::{Recommendation, Sizing};
use poolcast::report::Timeline;
use poolcast::sweep::SweepPoint;
use poolcast::{Report, Scenario};

use crate::figures::Figures;
use crate::sensitivity::Band;
use crate::state::{Notice, Tone};

/// The kinds of job the workers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// The run of the form's scenario (B).
    Run,
    /// Run A of a comparison.
    Compare,
    /// The sensitivity band's runs.
    Band,
    /// A sweep of pool size (or another knob).
    Sweep,
    /// A recommendation search.
    Advice,
}

impl JobKind {
    /// Every kind, in the order a reply is matched (ids are unique, so at
    /// most one matches).
    pub const ALL: [JobKind; 5] = [
        JobKind::Run,
        JobKind::Advice,
        JobKind::Compare,
        JobKind::Sweep,
        JobKind::Band,
    ];
}

/// A job sent to the workers, with what its state needs to know first.
#[derive(Debug, Clone, PartialEq)]
pub enum NewJob {
    /// The form's scenario.
    Run,
    /// Run A of a comparison.
    Compare,
    /// The sensitivity band.
    Band,
    /// A sweep of `total` points of `knob`.
    Sweep {
        /// Points it will have.
        total: usize,
        /// What is swept.
        knob: Sizing,
    },
    /// A recommendation search.
    Advice,
}

impl NewJob {
    /// Its kind.
    pub fn kind(&self) -> JobKind {
        match self {
            NewJob::Run => JobKind::Run,
            NewJob::Compare => JobKind::Compare,
            NewJob::Band => JobKind::Band,
            NewJob::Sweep { .. } => JobKind::Sweep,
            NewJob::Advice => JobKind::Advice,
        }
    }
}

/// What a worker answered about a job.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Progress of a run, with the timeline so far when the worker sent it.
    Progress {
        /// 0 to 1.
        fraction: f64,
        /// The timeline simulated so far.
        timeline: Option<Box<Timeline>>,
    },
    /// A run (B or A) finished.
    Finished(Rc<Outcome>),
    /// One run of the band ended.
    BandPoint {
        /// Query-time factor.
        factor: f64,
        /// Its figures.
        figures: Figures,
    },
    /// One sweep point.
    SweepPoint(SweepPoint),
    /// The search simulated one more value: its figures, as the SLO reads them.
    Tried(SweepPoint),
    /// The search ended: the scenario asked about and the core's answer.
    Advised(Rc<(Scenario, Recommendation)>),
    /// The job failed.
    Failed(String),
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Its report (which holds the scenario it belongs to), shared with
    /// the charts, which redraw only when it changes.
    pub report: Rc<Report>,
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

/// The part of a run simulated so far, drawn while it goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// The job it belongs to.
    pub id: u64,
    /// A report that holds only the scenario and the timeline so far.
    pub report: Rc<Report>,
    /// Simulated time done, 0 to 1.
    pub fraction: f64,
    /// Whether the run was cancelled (the partial charts stay).
    pub cancelled: bool,
}

/// A report with only a scenario and a timeline, for drawing a run that is
/// still going.
pub fn partial_report(scenario: &Scenario, timeline: Timeline) -> Report {
    Report {
        scenario: scenario.clone(),
        requests: Default::default(),
        acquire: Default::default(),
        latency_ms: Default::default(),
        pool: Default::default(),
        database: Default::default(),
        throughput_per_s: 0.0,
        timeline,
        warnings: Vec::new(),
        events: 0,
        services: Vec::new(),
        databases: Vec::new(),
        proxy: None,
        incidents: Vec::new(),
    }
}

/// The run pinned as A in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Pinned {
    /// Its scenario.
    pub scenario: Scenario,
    /// Its result, once run.
    pub outcome: Option<Rc<Outcome>>,
    /// The job running it, if it runs.
    pub job: Option<u64>,
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
    /// What is swept.
    pub knob: Option<Sizing>,
}

/// The calculator's recommendation.
#[derive(Debug, Clone, PartialEq)]
pub enum Advice {
    /// Job `id` is searching; `tried` values are done.
    Searching {
        /// Job id.
        id: u64,
        /// Values simulated so far.
        tried: Vec<SweepPoint>,
    },
    /// The answer, for the scenario it was asked about.
    Done(Rc<(Scenario, Recommendation)>),
    /// The search could not run.
    Failed(String),
}

/// The jobs and what they produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Jobs {
    /// The run worker's job.
    pub run: Run,
    /// The last finished run.
    pub outcome: Option<Rc<Outcome>>,
    /// The run still going (or cancelled), drawn as far as it got.
    pub partial: Option<Partial>,
    /// A, when comparing.
    pub pinned: Option<Pinned>,
    /// The sensitivity band of the last run.
    pub band: Option<Band>,
    /// The sweep, if one was started.
    pub sweep: Option<SweepRun>,
    /// The recommendation, if one was asked for.
    pub advice: Option<Advice>,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            run: Run::Idle,
            outcome: None,
            partial: None,
            pinned: None,
            band: None,
            sweep: None,
            advice: None,
        }
    }
}

impl Jobs {
    /// The id of the job of `kind` whose replies are still wanted.
    pub fn live(&self, kind: JobKind) -> Option<u64> {
        match kind {
            JobKind::Run => match self.run {
                Run::Running { id, .. } => Some(id),
                Run::Idle => None,
            },
            JobKind::Compare => self.pinned.as_ref().and_then(|p| p.job),
            JobKind::Band => self.band.as_ref().map(|b| b.id),
            JobKind::Sweep => self.sweep.as_ref().filter(|sw| sw.running).map(|sw| sw.id),
            JobKind::Advice => match &self.advice {
                Some(Advice::Searching { id, .. }) => Some(*id),
                _ => None,
            },
        }
    }

    /// Whether job `id` is the live job of `kind`.
    pub fn matches(&self, kind: JobKind, id: u64) -> bool {
        self.live(kind) == Some(id)
    }

    /// The kind of the live job `id`, if it is one.
    pub fn kind_of(&self, id: u64) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|&k| self.matches(k, id))
    }

    /// Job `id` was sent: it replaces any job of its kind. A new run also
    /// drops the last run's band.
    pub fn start(&mut self, id: u64, job: NewJob) {
        match job {
            NewJob::Run => {
                self.run = Run::Running { id, progress: 0.0 };
                self.band = None;
            }
            NewJob::Compare => {
                if let Some(p) = self.pinned.as_mut() {
                    p.job = Some(id);
                }
            }
            NewJob::Band => {
                self.band = Some(Band {
                    id,
                    points: Vec::new(),
                })
            }
            NewJob::Sweep { total, knob } => {
                self.sweep = Some(SweepRun {
                    id,
                    total,
                    points: Vec::new(),
                    running: true,
                    knob: Some(knob),
                });
            }
            NewJob::Advice => {
                self.advice = Some(Advice::Searching {
                    id,
                    tried: Vec::new(),
                })
            }
        }
    }

    /// A worker's reply about job `id`; `scenario` is the form's (a run's
    /// partial charts belong to it). Returns the notice to show, if any.
    ///
    /// One match over (kind, reply), one short arm for each reply a kind
    /// gets: the whole of what a reply does is read in one place.
    pub fn reply(&mut self, id: u64, reply: Reply, scenario: &Scenario) -> Option<Notice> {
        let kind = self.kind_of(id)?;
        match (kind, reply) {
            (JobKind::Run, Reply::Progress { fraction, timeline }) => {
                if let Run::Running { progress, .. } = &mut self.run {
                    *progress = fraction;
                }
                if let Some(t) = timeline {
                    self.partial = Some(Partial {
                        id,
                        report: Rc::new(partial_report(scenario, *t)),
                        fraction,
                        cancelled: false,
                    });
                }
            }
            (JobKind::Run, Reply::Finished(outcome)) => {
                self.run = Run::Idle;
                self.outcome = Some(outcome);
                self.partial = None;
            }
            (JobKind::Run, Reply::Failed(message)) => {
                self.run = Run::Idle;
                self.partial = None;
                return Some(error(format!("The run failed: {message}")));
            }
            (JobKind::Compare, Reply::Finished(outcome)) => {
                if let Some(p) = self.pinned.as_mut() {
                    p.job = None;
                    p.outcome = Some(outcome);
                }
            }
            (JobKind::Compare, Reply::Failed(message)) => {
                if let Some(p) = self.pinned.as_mut() {
                    p.job = None;
                }
                return Some(error(format!("Run A failed: {message}")));
            }
            (JobKind::Band, Reply::BandPoint { factor, figures }) => {
                if let Some(b) = self.band.as_mut() {
                    b.points.retain(|(f, _)| *f != factor);
                    b.points.push((factor, figures));
                    b.points.sort_by(|x, y| x.0.total_cmp(&y.0));
                }
            }
            (JobKind::Sweep, Reply::SweepPoint(point)) => {
                if let Some(sw) = self.sweep.as_mut() {
                    sw.points.push(point);
                    sw.points.sort_by(|a, b| a.value.total_cmp(&b.value));
                    sw.running = sw.points.len() < sw.total;
                }
            }
            (JobKind::Sweep, Reply::Failed(message)) => {
                if let Some(sw) = self.sweep.as_mut() {
                    sw.running = false;
                }
                return Some(error(format!("The sweep stopped: {message}")));
            }
            (JobKind::Advice, Reply::Tried(t)) => {
                if let Some(Advice::Searching { tried, .. }) = &mut self.advice {
                    tried.push(t);
                }
            }
            (JobKind::Advice, Reply::Advised(answer)) => self.advice = Some(Advice::Done(answer)),
            (JobKind::Advice, Reply::Failed(message)) => {
                self.advice = Some(Advice::Failed(message))
            }
            // A band run that fails leaves its point out; the other replies
            // do not come for these kinds.
            _ => {}
        }
        None
    }

    /// The person stopped the live job of `kind` (its workers are gone).
    /// Returns the notice to show, if any.
    pub fn cancel(&mut self, kind: JobKind) -> Option<Notice> {
        match kind {
            JobKind::Run => {
                let Run::Running { id, progress } = self.run else {
                    return None;
                };
                self.run = Run::Idle;
                let kept = match self.partial.as_mut().filter(|p| p.id == id) {
                    Some(p) => {
                        p.cancelled = true;
                        format!(
                            " The charts keep the first {:.0} % of the run.",
                            progress * 100.0
                        )
                    }
                    None => String::new(),
                };
                Some(Notice::new(Tone::Info, format!("Run cancelled.{kept}")))
            }
            JobKind::Sweep => {
                if let Some(sw) = self.sweep.as_mut() {
                    sw.running = false;
                }
                None
            }
            JobKind::Advice => {
                if matches!(self.advice, Some(Advice::Searching { .. })) {
                    self.advice = None;
                }
                None
            }
            // A and the band are not cancelled by hand: a new pin or a new
            // run replaces them.
            JobKind::Compare | JobKind::Band => None,
        }
    }
}

fn error(text: String) -> Notice {
    Notice::new(Tone::Error, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> Rc<Outcome> {
        crate::testing::outcome(&crate::testing::short(2.0, 0.0))
    }

    fn pinned() -> Jobs {
        Jobs {
            pinned: Some(Pinned {
                scenario: Scenario::default(),
                outcome: None,
                job: None,
            }),
            ..Jobs::default()
        }
    }

    /// One job of each kind, ids 1 to 5.
    fn all_running() -> Jobs {
        let mut j = pinned();
        j.start(1, NewJob::Run);
        j.start(2, NewJob::Compare);
        j.start(3, NewJob::Band);
        j.start(
            4,
            NewJob::Sweep {
                total: 3,
                knob: Sizing::Pool(0),
            },
        );
        j.start(5, NewJob::Advice);
        j
    }

    #[test]
    fn each_id_matches_its_own_kind_only() {
        let j = all_running();
        let kinds = [
            JobKind::Run,
            JobKind::Compare,
            JobKind::Band,
            JobKind::Sweep,
            JobKind::Advice,
        ];
        for (i, &k) in kinds.iter().enumerate() {
            let id = i as u64 + 1;
            assert_eq!(j.live(k), Some(id));
            assert_eq!(j.kind_of(id), Some(k));
            for &other in &kinds {
                assert_eq!(j.matches(other, id), other == k, "{other:?} {id}");
            }
        }
        assert_eq!(j.kind_of(6), None);
        assert_eq!(Jobs::default().kind_of(1), None);
    }

    #[test]
    fn nothing_is_live_before_it_starts_or_after_it_ends() {
        let j = Jobs::default();
        for k in JobKind::ALL {
            assert_eq!(j.live(k), None, "{k:?}");
        }
        let mut j = all_running();
        j.reply(1, Reply::Finished(outcome()), &Scenario::default());
        j.reply(2, Reply::Finished(outcome()), &Scenario::default());
        j.cancel(JobKind::Sweep);
        j.reply(5, Reply::Failed("no".into()), &Scenario::default());
        for k in [
            JobKind::Run,
            JobKind::Compare,
            JobKind::Sweep,
            JobKind::Advice,
        ] {
            assert_eq!(j.live(k), None, "{k:?}");
        }
        assert!(j.outcome.is_some() && j.pinned.as_ref().unwrap().outcome.is_some());
        assert_eq!(j.advice, Some(Advice::Failed("no".into())));
        assert_eq!(
            j.live(JobKind::Band),
            Some(3),
            "the band listens until replaced"
        );
    }

    #[test]
    fn a_failure_says_which_job_failed() {
        let s = Scenario::default();
        let failed = |id| {
            all_running()
                .reply(id, Reply::Failed("boom".into()), &s)
                .map(|n| (n.tone, n.text))
        };
        let error = |t: &str| Some((Tone::Error, t.to_string()));
        assert_eq!(failed(1), error("The run failed: boom"));
        assert_eq!(failed(2), error("Run A failed: boom"));
        assert_eq!(failed(3), None, "a band run leaves its point out");
        assert_eq!(failed(4), error("The sweep stopped: boom"));
        assert_eq!(failed(5), None, "the calculator shows it");
        assert_eq!(failed(9), None, "no job, no notice");
    }

    #[test]
    fn replies_of_another_kind_are_dropped() {
        let s = Scenario::default();
        let mut j = all_running();
        let before = j.clone();
        // A run's outcome under the sweep's id, a sweep point under the run's.
        j.reply(4, Reply::Finished(outcome()), &s);
        let r = outcome();
        j.reply(
            1,
            Reply::SweepPoint(SweepPoint::from_report(1.0, &r.report)),
            &s,
        );
        assert_eq!(j, before);
    }

    #[test]
    fn only_the_run_sweep_and_search_are_cancelled() {
        let mut j = all_running();
        let note = j.cancel(JobKind::Run).unwrap();
        assert_eq!(note.text, "Run cancelled.");
        assert_eq!(j.cancel(JobKind::Run), None, "nothing left to cancel");
        assert_eq!(j.cancel(JobKind::Compare), None);
        assert_eq!(j.cancel(JobKind::Band), None);
        assert_eq!(j.live(JobKind::Compare), Some(2));
        assert_eq!(j.live(JobKind::Band), Some(3));
        j.cancel(JobKind::Sweep);
        assert!(j.sweep.is_some() && j.live(JobKind::Sweep).is_none());
        j.cancel(JobKind::Advice);
        assert_eq!(j.advice, None);
    }
}
