//! Every way a scenario comes into the page from outside the form (a
//! gallery entry, a link, an imported file, a pasted env block or psql
//! output) as the actions that load it, with the notice that tells the
//! person what was read, ignored or refused. Pure, so tested natively; the
//! app only dispatches what these return.

use poolcast::Scenario;

use crate::permalink::{self, LinkError};
use crate::state::{Action, Notice, PinChange, Tone};
use crate::{calibrate, envparse, export, presets};

/// What a fragment asks for: a gallery entry or a link's scenario(s), as
/// the action that loads it; `Err` for a broken link, `Ok(None)` for none.
pub fn from_fragment(fragment: &str) -> Result<Option<Action>, String> {
    if let Some(id) = permalink::example_id(fragment) {
        return match presets::by_id(&id) {
            Some(p) => Ok(Some(preset(p))),
            None => Err(format!("there is no example called “{id}” in the gallery")),
        };
    }
    match permalink::decode_link(fragment) {
        Ok(link) => {
            let text = if link.pinned.is_some() {
                "Opened the comparison from the link: A (faint) and B."
            } else {
                "Opened the scenario from the link."
            };
            Ok(Some(open(link.scenario, link.pinned, text.into())))
        }
        Err(LinkError::NotALink) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Loads a gallery entry: a pair opens as A (the guide's setup) beside B.
pub fn preset(p: presets::Preset) -> Action {
    let text = if p.before.is_some() {
        format!("“{}”: A is the setup, B its fix. {}", p.title, p.source)
    } else {
        format!("“{}”. {}", p.title, p.source)
    };
    open(p.scenario, p.before, text)
}

/// Opens `scenario` (with `a` pinned as A, or no comparison) and runs it
/// at once, saying `text`.
fn open(scenario: Scenario, a: Option<Scenario>, text: String) -> Action {
    Action::Load {
        scenario: Box::new(scenario),
        pinned: match a {
            Some(a) => PinChange::Set(Box::new(a)),
            None => PinChange::Clear,
        },
        notices: vec![Notice::new(Tone::Info, text)],
        run: true,
    }
}

/// Loads imported JSON (a scenario or a report), keeping A; or says why
/// nothing was loaded.
pub fn import_json(text: &str) -> Action {
    match export::import(text) {
        Ok(imported) => {
            let notice = Notice {
                tone: if imported.notes.is_empty() {
                    Tone::Info
                } else {
                    Tone::Warn
                },
                text: format!("Imported “{}”.", imported.scenario.name),
                details: imported.notes,
            };
            keep_a(imported.scenario, notice, false)
        }
        Err(message) => Action::Notify(Notice::new(Tone::Error, message)),
    }
}

/// Loads a paste into service `service` of `scenario`, keeping A: psql
/// output calibrates (and runs, and keeps what it measured); anything else
/// is read as env/`DATABASE_URL`/`postgresql.conf` settings.
pub fn paste(text: &str, scenario: &Scenario, service: usize) -> Vec<Action> {
    if calibrate::looks_like_psql(text) {
        return match calibrate::calibrate(text, scenario, service) {
            Ok(c) => {
                let notice = Notice {
                    tone: Tone::Info,
                    text: "Calibrated from the pasted output; the measured figures are shown \
                           beside the simulated ones after the run."
                        .into(),
                    details: read_and_ignored(&c.read, &c.ignored),
                };
                vec![
                    keep_a(c.scenario, notice, true),
                    Action::Measured(Some(c.measured)),
                ]
            }
            Err(problems) => vec![Action::Notify(Notice {
                tone: Tone::Error,
                text: "The pasted output could not be read, so nothing was applied:".into(),
                details: problems,
            })],
        };
    }
    let got = envparse::apply_to(text, scenario, service);
    let notice = Notice {
        tone: if got.read.is_empty() {
            Tone::Warn
        } else {
            Tone::Info
        },
        text: format!(
            "Read {} setting(s), ignored {}.",
            got.read.len(),
            got.ignored.len()
        ),
        details: read_and_ignored(&got.read, &got.ignored),
    };
    vec![keep_a(got.scenario, notice, false)]
}

/// What Copy link says, with the link itself as the detail.
pub fn link_copied(link: String, comparing: bool) -> Notice {
    let text = if comparing {
        "Link copied: it opens both runs, A and B, and compares them."
    } else {
        "Link copied: it opens this scenario and runs it."
    };
    Notice {
        tone: Tone::Info,
        text: text.into(),
        details: vec![link],
    }
}

/// Loads `scenario` in place of the form's, keeping A.
fn keep_a(scenario: Scenario, notice: Notice, run: bool) -> Action {
    Action::Load {
        scenario: Box::new(scenario),
        pinned: PinChange::Keep,
        notices: vec![notice],
        run,
    }
}

/// A paste's details: each thing read, then each thing ignored.
fn read_and_ignored(read: &[String], ignored: &[String]) -> Vec<String> {
    let read = read.iter().map(|r| format!("read: {r}"));
    read.chain(ignored.iter().map(|i| format!("ignored: {i}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one load in `actions`, with its notice.
    fn loaded(action: &Action) -> (&Scenario, &PinChange, &Notice, bool) {
        match action {
            Action::Load {
                scenario,
                pinned,
                notices,
                run,
            } => {
                assert_eq!(notices.len(), 1);
                (scenario, pinned, &notices[0], *run)
            }
            other => panic!("not a load: {other:?}"),
        }
    }

    fn notified(action: &Action) -> &Notice {
        match action {
            Action::Notify(n) => n,
            other => panic!("not a notice: {other:?}"),
        }
    }

    #[test]
    fn a_gallery_pair_pins_its_setup_as_a() {
        let action = from_fragment(&presets::link("cryb")).unwrap().unwrap();
        let p = presets::by_id("cryb").unwrap();
        let (s, pinned, notice, run) = loaded(&action);
        assert_eq!(*s, p.scenario);
        assert_eq!(*pinned, PinChange::Set(Box::new(p.before.unwrap())));
        assert!(run && notice.tone == Tone::Info);
        assert!(
            notice
                .text
                .starts_with(&format!("“{}”: A is the setup, B its fix. ", p.title))
        );
        let single = preset(presets::by_id("brownout").unwrap());
        let (_, pinned, notice, _) = loaded(&single);
        assert_eq!(*pinned, PinChange::Clear);
        assert!(!notice.text.contains("A is the setup"));
    }

    #[test]
    fn links_open_one_scenario_or_a_comparison() {
        let a = Scenario::default();
        let mut b = a.clone();
        b.app_mut().pool.max_size = 7;
        let link = permalink::encode_pair(&b, Some(&a));
        let action = from_fragment(&link).unwrap().unwrap();
        let (s, pinned, notice, run) = loaded(&action);
        assert_eq!((s, run), (&b, true));
        assert_eq!(*pinned, PinChange::Set(Box::new(a)));
        assert_eq!(
            notice.text,
            "Opened the comparison from the link: A (faint) and B."
        );
        let action = from_fragment(&permalink::encode_pair(&b, None))
            .unwrap()
            .unwrap();
        let (_, pinned, notice, _) = loaded(&action);
        assert_eq!(*pinned, PinChange::Clear);
        assert_eq!(notice.text, "Opened the scenario from the link.");
        assert_eq!(from_fragment(""), Ok(None));
        let missing = from_fragment(&presets::link("nope")).unwrap_err();
        assert_eq!(missing, "there is no example called “nope” in the gallery");
    }

    #[test]
    fn an_import_keeps_a_and_warns_about_what_it_did() {
        let clean = export::scenario_json(&Scenario::default());
        let action = import_json(&clean);
        let (s, pinned, notice, run) = loaded(&action);
        assert_eq!(*s, Scenario::default());
        assert_eq!((pinned, run), (&PinChange::Keep, false));
        assert_eq!(notice.tone, Tone::Info);
        assert_eq!(notice.text, format!("Imported “{}”.", s.name));
        assert!(notice.details.is_empty());
        let action = import_json(r#"{"name": "x"}"#);
        let (_, _, notice, _) = loaded(&action);
        assert_eq!(notice.tone, Tone::Warn);
        assert!(notice.details[0].starts_with("Not in the file"));
        let refused = import_json("not json");
        assert_eq!(notified(&refused).tone, Tone::Error);
    }

    #[test]
    fn an_env_paste_lists_what_it_read_and_ignored() {
        let s = Scenario::default();
        let got = paste("DB_CONNECTION_LIMIT=10\nPASSWORD=x", &s, 0);
        assert_eq!(got.len(), 1);
        let (scenario, pinned, notice, run) = loaded(&got[0]);
        assert_eq!(scenario.app().pool.max_size, 10);
        assert_eq!((pinned, run), (&PinChange::Keep, false));
        assert_eq!(notice.tone, Tone::Info);
        assert_eq!(notice.text, "Read 1 setting(s), ignored 1.");
        assert!(notice.details[0].starts_with("read: "));
        assert!(notice.details[1].starts_with("ignored: PASSWORD"));
        let got = paste("nothing here", &s, 0);
        let (_, _, notice, _) = loaded(&got[0]);
        assert_eq!(notice.tone, Tone::Warn, "nothing read");
    }

    #[test]
    fn a_psql_paste_calibrates_and_runs_or_applies_nothing() {
        let s = Scenario::default();
        let psql =
            " state  | count\n--------+-------\n active |    12\n idle   |    30\n(2 rows)\n";
        let got = paste(psql, &s, 0);
        assert_eq!(got.len(), 2, "{got:?}");
        let (_, pinned, notice, run) = loaded(&got[0]);
        assert_eq!((pinned, run), (&PinChange::Keep, true));
        assert!(notice.text.starts_with("Calibrated from the pasted output"));
        assert!(
            notice
                .details
                .iter()
                .all(|d| d.starts_with("read: ") || d.starts_with("ignored: "))
        );
        assert!(matches!(&got[1], Action::Measured(Some(_))));
        // SHOW DATABASES sets the proxy's pool size: there is no proxy here.
        let databases = " name | database | pool_size\n------+----------+-----------\n app  | app      |        40\n(1 row)\n";
        let got = paste(databases, &s, 0);
        assert_eq!(got.len(), 1);
        let n = notified(&got[0]);
        assert_eq!(n.tone, Tone::Error);
        assert_eq!(
            n.text,
            "The pasted output could not be read, so nothing was applied:"
        );
        assert!(n.details[0].contains("no proxy"), "{:?}", n.details);
    }

    #[test]
    fn copy_link_says_what_the_link_opens() {
        let n = link_copied("https://x/#s=1".into(), true);
        assert!(n.text.contains("both runs"));
        assert_eq!(n.details, vec!["https://x/#s=1".to_string()]);
        assert!(
            link_copied(String::new(), false)
                .text
                .contains("this scenario")
        );
    }
}
