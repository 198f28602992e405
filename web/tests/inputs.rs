//! Generated links and imported files never panic the page.
//!
//! Thousands of fragments, for every prefix the page's link decoder accepts
//! (`permalink::PREFIXES`, so a new link format is covered once it is listed
//! there), and of import files, go through the page's own entry points
//! (`permalink::decode`, `export::import`) and then through everything the
//! main thread computes for a scenario it shows: the reducer, validation,
//! the form's field texts, the link and storage encodings and, for a valid
//! scenario, the calculator. Each input either works or is refused with a
//! message. The same test runs natively and, built for wasm32, in headless
//! Chromium, where `usize` is 32 bits. The end-to-end test feeds a smaller
//! generated set to the built page itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poolcast::Scenario;
use poolcast_web::permalink::{self, LinkError, PREFIXES};
use poolcast_web::state::{self, State};
use poolcast_web::{edit, export, presets};
use serde_json::{Value, json};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Inputs of each kind per prefix (fewer in the browser, where it is slower).
const CASES: usize = if cfg!(target_arch = "wasm32") {
    400
} else {
    2500
};

/// The form's numeric fields, by dotted path.
const FORM_PATHS: &[&str] = &[
    "workload.rate_per_s",
    "workload.queries_per_request",
    "fleet.instances",
    "fleet.pools_per_instance",
    "pool.max_size",
    "pool.acquire_timeout_ms",
    "pool.min_idle",
    "pool.idle_timeout_ms",
    "pool.max_lifetime_ms",
    "pool.max_uses",
    "database.max_connections",
    "database.reserved_connections",
    "database.cores",
    "database.connect_ms",
    "database.statement_timeout_ms",
    "duration_s",
    "warmup_s",
    "seed",
];

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A value meant to find edges: zero, negatives, huge, fractional,
    /// wrong types.
    fn odd_value(&mut self) -> Value {
        match self.below(24) {
            0 => json!(0),
            1 => json!(-1),
            2 => json!(1),
            3 => json!(0.5),
            4 => json!(1e308),
            5 => json!(-1e308),
            6 => json!(1e-310),
            7 => json!(u32::MAX),
            8 => json!(u64::MAX),
            9 => json!(i64::MIN),
            10 => json!(4_294_967_296u64),
            11 => json!(null),
            12 => json!(true),
            13 => json!("12"),
            14 => json!("x".repeat(self.below(3000))),
            15 => json!([]),
            16 => json!({}),
            17 => json!([{"at_s": -1, "rate_per_s": 1e300}]),
            18 => json!({"kind": "lognormal", "p50": 0, "p99": 0}),
            19 => json!({"kind": "uniform", "min": 5, "max": 1}),
            20 => json!({"kind": "nope"}),
            21 => json!(1e15),
            22 => json!(100_000),
            _ => json!((self.next() % 1_000_000) as f64 / 7.0),
        }
    }
}

/// One field somewhere in `v` scaled or replaced: often still a valid
/// scenario, so the links that are read get tested too.
fn nudge(g: &mut Gen, v: &mut Value) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            let k = map
                .keys()
                .nth(g.below(map.len()))
                .cloned()
                .unwrap_or_default();
            if let Some(child) = map.get_mut(&k) {
                nudge(g, child);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = g.below(items.len());
            nudge(g, &mut items[i]);
        }
        Value::Number(n) if g.chance(80) => {
            let x =
                n.as_f64().unwrap_or(0.0) * *g.pick(&[0.0, 0.1, 0.5, 1.5, 2.0, 3.0, 10.0, 1000.0]);
            // Whole numbers stay whole (as the u32 fields require).
            *v = if n.is_u64() {
                json!(x.round() as u64)
            } else {
                json!(x)
            };
        }
        leaf => *leaf = g.odd_value(),
    }
}

/// A scenario's JSON with a few leaves replaced, keys dropped or added.
fn mutate(g: &mut Gen, v: &mut Value, depth: usize) {
    match v {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if g.chance(8) {
                    map.remove(&k);
                } else if g.chance(12) {
                    map.insert(k, g.odd_value());
                } else if let Some(child) = map.get_mut(&k) {
                    mutate(g, child, depth + 1);
                }
            }
            if g.chance(3) {
                map.insert(format!("extra_{depth}"), g.odd_value());
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                mutate(g, item, depth + 1);
            }
            if g.chance(10) {
                items.push(g.odd_value());
            }
        }
        leaf => {
            if g.chance(15) {
                *leaf = g.odd_value();
            }
        }
    }
}

/// Text with a little damage: cut, a byte changed, junk put in.
fn damage(g: &mut Gen, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let junk = [
        '%',
        '&',
        '=',
        '#',
        ' ',
        '+',
        '/',
        '\0',
        'é',
        '\u{1F600}',
        '{',
        '"',
    ];
    for _ in 0..1 + g.below(3) {
        let at = g.below(chars.len() + 1);
        match g.below(4) {
            0 => chars.truncate(at),
            1 if at < chars.len() => chars[at] = *g.pick(&junk),
            2 => chars.insert(at, *g.pick(&junk)),
            _ => chars.extend(text.chars().take(g.below(40))),
        }
    }
    chars.into_iter().collect()
}

/// The JSON of a preset or the default scenario.
fn some_scenario(g: &mut Gen) -> Value {
    let all = presets::all();
    let s = if g.chance(20) {
        Scenario::default()
    } else {
        g.pick(&all).scenario.clone()
    };
    serde_json::to_value(s).expect("a scenario is JSON")
}

/// The fragments a prefix gets: random text, random bytes, mutated and
/// damaged links, and a few fixed edge cases.
fn fragments(g: &mut Gen, prefix: &str) -> Vec<String> {
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=%&#+/ .é"
            .chars()
            .collect();
    let mut out = vec![
        String::new(),
        prefix.to_string(),
        format!("#{prefix}"),
        format!("{prefix}="),
        format!("{prefix}{prefix}"),
        format!("&&{prefix}&"),
        format!("{prefix}{}", b64(b"null")),
        format!("{prefix}{}", b64(b"{}")),
        format!("{prefix}{}", b64("[".repeat(10_000).as_bytes())),
        format!(
            "{prefix}{}",
            b64(r#"{"pool":{"max_size":1e400}}"#.as_bytes())
        ),
        format!("{prefix}{}", "A".repeat(100_000)),
    ];
    for _ in 0..CASES {
        let fragment = match g.below(5) {
            0 => {
                let n = g.below(200);
                let text: String = (0..n).map(|_| *g.pick(&alphabet)).collect();
                format!("{prefix}{text}")
            }
            1 => {
                let bytes: Vec<u8> = (0..g.below(300)).map(|_| g.next() as u8).collect();
                format!("{prefix}{}", b64(&bytes))
            }
            2 => {
                let mut v = some_scenario(g);
                mutate(g, &mut v, 0);
                format!("{prefix}{}", b64(v.to_string().as_bytes()))
            }
            3 => {
                let mut v = some_scenario(g);
                for _ in 0..1 + g.below(3) {
                    nudge(g, &mut v);
                }
                format!("{prefix}{}", b64(v.to_string().as_bytes()))
            }
            _ => {
                let mut v = some_scenario(g);
                mutate(g, &mut v, 0);
                damage(g, &format!("{prefix}{}", b64(v.to_string().as_bytes())))
            }
        };
        out.push(fragment);
    }
    out
}

/// Import files: mutated scenarios and reports, damaged JSON, random bytes.
fn files(g: &mut Gen, report: &Value) -> Vec<String> {
    let mut out = vec![
        String::new(),
        "null".into(),
        "[]".into(),
        "{".into(),
        "[".repeat(10_000),
        r#"{"requests": 1, "scenario": 2}"#.into(),
    ];
    for _ in 0..CASES {
        let text = match g.below(5) {
            0 => {
                let mut v = some_scenario(g);
                mutate(g, &mut v, 0);
                v.to_string()
            }
            4 => {
                let mut v = some_scenario(g);
                for _ in 0..1 + g.below(3) {
                    nudge(g, &mut v);
                }
                v.to_string()
            }
            1 => {
                let mut v = report.clone();
                nudge(g, &mut v);
                v.to_string()
            }
            2 => {
                let mut v = some_scenario(g);
                mutate(g, &mut v, 0);
                damage(g, &v.to_string())
            }
            _ => {
                let bytes: Vec<u8> = (0..g.below(400)).map(|_| g.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
        };
        out.push(text);
    }
    out
}

/// What the page's main thread computes for a scenario it shows.
fn show(s: &Scenario) {
    let st = State::with_scenario(s.clone());
    let errors = st.errors();
    for path in FORM_PATHS {
        let _ = edit::field_text(s, path);
    }
    let _ = edit::profile_text(&s.app().workload.rate_profile);
    let _ = edit::dist_kind(&s.app().workload.query_ms);
    let _ = edit::dist_params(&s.app().workload.hold_extra_ms);
    let _ = serde_json::to_string(s);
    let _ = export::scenario_json(s);
    let link = permalink::encode(s);
    if errors.is_empty() {
        let _ = st.small();
        let _ = poolcast::analytic::calc(s);
        let sizes = state::sweep_sizes(s);
        assert!(!sizes.is_empty() && sizes.iter().all(|&n| n >= 1));
        assert_eq!(permalink::decode(&link).as_ref(), Ok(s), "{link}");
    }
}

fn check_fragments(seed: u64) -> (usize, usize) {
    let mut g = Gen(seed);
    let (mut read, mut refused) = (0, 0);
    for prefix in PREFIXES {
        for f in fragments(&mut g, prefix) {
            match permalink::decode(&f) {
                Ok(s) => {
                    read += 1;
                    show(&s);
                }
                Err(e @ (LinkError::NotALink | LinkError::Broken(_))) => {
                    refused += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
    (read, refused)
}

fn check_files(seed: u64) -> (usize, usize) {
    let mut g = Gen(seed);
    let tiny = Scenario {
        duration_s: 2.0,
        warmup_s: 0.0,
        ..Scenario::default()
    };
    let report = serde_json::to_value(poolcast::run(&tiny).expect("runs")).expect("JSON");
    let (mut read, mut refused) = (0, 0);
    for text in files(&mut g, &report) {
        match export::import(&text) {
            Ok(imported) => {
                read += 1;
                show(&imported.scenario);
            }
            Err(message) => {
                refused += 1;
                assert!(message.starts_with("Import refused"), "{message}");
            }
        }
    }
    (read, refused)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn generated_links_are_read_or_refused_never_a_panic() {
    let (read, refused) = check_fragments(0x5eed_0001);
    // The generator must reach both outcomes, or it tests too little.
    assert!(read > 10 && refused > 10, "read {read}, refused {refused}");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn generated_import_files_are_read_or_refused_never_a_panic() {
    let (read, refused) = check_files(0x5eed_0002);
    assert!(read > 10 && refused > 10, "read {read}, refused {refused}");
}
