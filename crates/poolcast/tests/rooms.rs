//! The core's four rooms and their one-way arrows (ARCHITECTURE.md):
//!
//! ```text
//!   input  <──  sim  ──>  measure  ──>  input
//!     ^                      ^
//!     └──────  plan  ────────┘   (plan runs simulations only through the
//!                                 public run API: crate::run, crate::Sim)
//! ```
//!
//! This test reads the core's sources and fails on an arrow the wrong way,
//! or on engine code (`impl Engine`) outside `sim/`.

use std::path::{Path, PathBuf};

const ROOMS: [&str; 4] = ["input", "sim", "measure", "plan"];

/// The rooms each room may name (`crate::ROOM::...`).
fn allowed(room: &str) -> &'static [&'static str] {
    match room {
        "input" => &[],
        "measure" => &["input"],
        "sim" => &["input", "measure"],
        "plan" => &["input", "measure"],
        _ => unreachable!(),
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The rooms named in `text` as `crate::ROOM`, with their line numbers.
fn named_rooms(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for room in ROOMS {
            if line.contains(&format!("crate::{room}::")) {
                found.push((n + 1, room));
            }
        }
    }
    found
}

#[test]
fn every_arrow_between_rooms_points_the_allowed_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut files = 0;
    for room in ROOMS {
        let mut paths = Vec::new();
        sources(&src.join(room), &mut paths);
        assert!(!paths.is_empty(), "room {room} has no files");
        for path in paths {
            files += 1;
            let text = std::fs::read_to_string(&path).expect("source");
            for (line, to) in named_rooms(&text) {
                if to != room && !allowed(room).contains(&to) {
                    wrong.push(format!("{}:{line}: {room} -> {to}", path.display()));
                }
            }
            if room != "sim" && text.contains("impl Engine") {
                wrong.push(format!("{}: engine code outside sim/", path.display()));
            }
        }
    }
    assert!(
        files > 40,
        "only {files} files read: is the layout still four rooms?"
    );
    assert!(
        wrong.is_empty(),
        "arrows the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_a_wrong_arrow() {
    // The check above must be able to fail: a measure file naming the
    // simulation is found.
    let text = "use crate::sim::engine::Engine;\nuse crate::input::dist::Time;";
    assert_eq!(named_rooms(text), vec![(1, "sim"), (2, "input")]);
    assert!(!allowed("measure").contains(&"sim"));
}
