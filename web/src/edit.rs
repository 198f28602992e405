//! Editing a scenario one form field at a time: the text a person typed goes
//! in with the field's dotted path (`pool.max_size`), a new scenario or a
//! message naming the problem comes out. Fields are set through the
//! scenario's JSON, so the core's own parser checks types and names.

use poolcast::Scenario;
use poolcast::scenario::{Dist, RateStep};
use serde_json::Value;

/// How a form field's text becomes a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number.
    Float,
    /// A whole number.
    Int,
    /// A number, or empty for `null` (never / none).
    OptFloat,
    /// A whole number, or empty for `null`.
    OptInt,
    /// Free text.
    Text,
}

/// Converts typed text to the JSON value of a field of this kind.
pub fn text_to_value(kind: Kind, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let optional = matches!(kind, Kind::OptFloat | Kind::OptInt);
    if t.is_empty() {
        return if optional {
            Ok(Value::Null)
        } else if kind == Kind::Text {
            Ok(Value::String(String::new()))
        } else {
            Err("enter a value".into())
        };
    }
    match kind {
        Kind::Text => Ok(Value::String(text.to_string())),
        Kind::Float | Kind::OptFloat => match t.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::from(x)),
            _ => Err(format!("\"{t}\" is not a number")),
        },
        Kind::Int | Kind::OptInt => t
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| format!("\"{t}\" is not a whole number (0 or more)")),
    }
}

/// A copy of `s` with the field at dotted `path` set to `value`.
pub fn set_value(s: &Scenario, path: &str, value: Value) -> Result<Scenario, String> {
    let mut json = serde_json::to_value(s).map_err(|e| e.to_string())?;
    let pointer = format!("/{}", path.replace('.', "/"));
    let slot = json
        .pointer_mut(&pointer)
        .ok_or_else(|| format!("{path}: no such field"))?;
    *slot = value;
    poolcast::parse(&json.to_string()).map_err(|e| e.to_string())
}

/// A copy of `s` with the field at `path` set from typed `text`.
pub fn set_text(s: &Scenario, path: &str, kind: Kind, text: &str) -> Result<Scenario, String> {
    let value = text_to_value(kind, text)?;
    set_value(s, path, value)
}

/// The text a field shows for its current value ("" for `null`).
pub fn field_text(s: &Scenario, path: &str) -> String {
    let json = serde_json::to_value(s).unwrap_or(Value::Null);
    let pointer = format!("/{}", path.replace('.', "/"));
    json.pointer(&pointer).map(value_text).unwrap_or_default()
}

/// A JSON value as a form shows it: `null` as "", 400.0 as "400".
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => String::new(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        },
        v => v.to_string(),
    }
}

/// The kinds of distribution the form offers.
pub const DIST_KINDS: [(&str, &str); 5] = [
    ("constant", "constant"),
    ("exponential", "exponential"),
    ("lognormal", "lognormal (p50, p99)"),
    ("lognormal_mean", "lognormal (mean, p99)"),
    ("uniform", "uniform"),
];

/// The form's name for the kind of `d`.
pub fn dist_kind(d: &Dist) -> &'static str {
    match d {
        Dist::Constant { .. } => "constant",
        Dist::Exponential { .. } => "exponential",
        Dist::Lognormal { mean: Some(_), .. } => "lognormal_mean",
        Dist::Lognormal { .. } => "lognormal",
        Dist::Uniform { .. } => "uniform",
        Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => "measured",
    }
}

/// A distribution of `kind` with about the same mean as `d`.
pub fn convert_dist(d: &Dist, kind: &str) -> Dist {
    let mean = poolcast::mean_ms(d).max(0.0);
    let m = if mean.is_finite() { mean } else { 10.0 };
    match kind {
        "constant" => Dist::Constant { value: m },
        "exponential" => Dist::Exponential { mean: m.max(0.001) },
        "lognormal" => Dist::Lognormal {
            p50: Some(m.max(0.001)),
            mean: None,
            p99: (m * 10.0).max(0.01),
        },
        "lognormal_mean" => Dist::Lognormal {
            p50: None,
            mean: Some(m.max(0.001)),
            p99: (m * 5.0).max(0.01),
        },
        _ => Dist::Uniform {
            min: 0.0,
            max: 2.0 * m,
        },
    }
}

/// The parameters of a distribution: (JSON key, label).
pub fn dist_params(d: &Dist) -> &'static [(&'static str, &'static str)] {
    match d {
        Dist::Constant { .. } => &[("value", "value")],
        Dist::Exponential { .. } => &[("mean", "mean")],
        Dist::Lognormal { mean: Some(_), .. } => &[("mean", "mean"), ("p99", "p99")],
        Dist::Lognormal { .. } => &[("p50", "p50"), ("p99", "p99")],
        Dist::Uniform { .. } => &[("min", "min"), ("max", "max")],
        Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => &[],
    }
}

/// The rate profile as text: `at_s:rate_per_s` pairs separated by commas.
pub fn profile_text(steps: &[RateStep]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|s| format!("{}:{}", s.at_s, s.rate_per_s))
        .collect();
    parts.join(", ")
}

/// Parses `at_s:rate_per_s, ...` (blank: no steps).
pub fn parse_profile(text: &str) -> Result<Vec<RateStep>, String> {
    let mut steps = Vec::new();
    for part in text.split([',', ';', '\n']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (at, rate) = part.split_once(':').ok_or_else(|| {
            format!("\"{part}\": write each step as at_s:rate_per_s, e.g. 300:900")
        })?;
        let num = |x: &str| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("\"{}\" is not a number", x.trim()))
        };
        steps.push(RateStep {
            at_s: num(at)?,
            rate_per_s: num(rate)?,
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_nested_fields_from_text() {
        let s = Scenario::default();
        let t = set_text(&s, "pool.max_size", Kind::Int, " 7 ").unwrap();
        assert_eq!(t.app().pool.max_size, 7);
        let t = set_text(&s, "pool.acquire_timeout_ms", Kind::OptFloat, "").unwrap();
        assert_eq!(t.app().pool.acquire_timeout_ms, None);
        let t = set_text(&s, "database.cores", Kind::OptInt, "8").unwrap();
        assert_eq!(t.database.cores, Some(8));
        assert_eq!(field_text(&t, "database.cores"), "8");
        assert_eq!(field_text(&s, "database.cores"), "");
        assert_eq!(field_text(&s, "workload.rate_per_s"), "400");
        assert_eq!(field_text(&s, "workload.query_ms.p99"), "85");
        let t = set_text(&s, "workload.query_ms.p99", Kind::Float, "120").unwrap();
        assert_eq!(
            t.app().workload.query_ms,
            Dist::Lognormal {
                p50: Some(8.0),
                mean: None,
                p99: 120.0
            }
        );
    }

    #[test]
    fn bad_text_names_the_problem() {
        let s = Scenario::default();
        let e = set_text(&s, "pool.max_size", Kind::Int, "2.5").unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = set_text(&s, "pool.max_size", Kind::Int, "").unwrap_err();
        assert!(e.contains("enter a value"), "{e}");
        let e = set_text(&s, "workload.rate_per_s", Kind::Float, "abc").unwrap_err();
        assert!(e.contains("not a number"), "{e}");
        let e = set_text(&s, "pool.nope", Kind::Int, "1").unwrap_err();
        assert!(e.contains("pool.nope"), "{e}");
    }

    #[test]
    fn converting_a_dist_keeps_its_mean_and_shape_valid() {
        let d = Scenario::default().app().workload.query_ms.clone();
        for (kind, _) in DIST_KINDS {
            let c = convert_dist(&d, kind);
            assert_eq!(dist_kind(&c), kind);
            assert!(poolcast::lognormal_params(&c).is_ok(), "{kind}");
        }
    }

    #[test]
    fn profile_text_round_trips() {
        let steps = parse_profile("300:900, 400 : 400").unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].rate_per_s, 400.0);
        assert_eq!(parse_profile(&profile_text(&steps)).unwrap(), steps);
        assert!(parse_profile("").unwrap().is_empty());
        assert!(
            parse_profile("300")
                .unwrap_err()
                .contains("at_s:rate_per_s")
        );
    }
}
