//! The permalink: a scenario in the URL fragment, `#s1=` followed by the
//! base64url (no padding) of the JSON of only the fields that differ from the
//! defaults. `s1` is the link format's version; a later format gets a new
//! prefix and this decoder keeps reading the old one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poolcast::Scenario;
use serde_json::{Map, Value};

/// The fragment prefix of version-1 links.
pub const PREFIX: &str = "s1=";

/// Every fragment prefix [`decode`] reads (the generated-input tests in
/// `web/tests/inputs.rs` and the end-to-end test feed each of them).
pub const PREFIXES: &[&str] = &[PREFIX];

/// The fragment (without `#`) that describes `s`.
pub fn encode(s: &Scenario) -> String {
    let full = serde_json::to_value(s).unwrap_or(Value::Null);
    let default = serde_json::to_value(Scenario::default()).unwrap_or(Value::Null);
    let delta = diff(&full, &default).unwrap_or_else(|| Value::Object(Map::new()));
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(delta.to_string()))
}

/// Why a fragment could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkError {
    /// The fragment is not a poolcast link (no known prefix).
    NotALink,
    /// It is one, but damaged or invalid: the message says how.
    Broken(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::NotALink => write!(f, "the link holds no scenario"),
            LinkError::Broken(m) => write!(f, "the link's scenario could not be read: {m}"),
        }
    }
}

/// Reads a fragment (with or without the leading `#`) back into a scenario.
pub fn decode(fragment: &str) -> Result<Scenario, LinkError> {
    let fragment = fragment.trim().trim_start_matches('#');
    let payload = fragment
        .split('&')
        .find_map(|part| part.strip_prefix(PREFIX))
        .ok_or(LinkError::NotALink)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| LinkError::Broken(format!("not base64url ({e})")))?;
    let text = String::from_utf8(bytes).map_err(|_| LinkError::Broken("not UTF-8 text".into()))?;
    let delta: Value =
        serde_json::from_str(&text).map_err(|e| LinkError::Broken(format!("not JSON ({e})")))?;
    if !delta.is_object() {
        return Err(LinkError::Broken("not a JSON object".into()));
    }
    let mut full = serde_json::to_value(Scenario::default()).unwrap_or(Value::Null);
    merge(&mut full, delta);
    let s = poolcast::parse(&full.to_string()).map_err(|e| LinkError::Broken(e.to_string()))?;
    poolcast::validate(&s, u64::MAX).map_err(|e| LinkError::Broken(e.to_string()))?;
    Ok(s)
}

/// The parts of `a` that differ from `b`; `None` when equal. Objects are
/// compared key by key, except tagged ones (distributions, with a `kind`),
/// which are kept whole so that a decoded link never mixes two kinds.
fn diff(a: &Value, b: &Value) -> Option<Value> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if !x.contains_key("kind") => {
            let mut out = Map::new();
            for (k, v) in x {
                let d = match y.get(k) {
                    Some(w) => diff(v, w),
                    None => Some(v.clone()),
                };
                if let Some(d) = d {
                    out.insert(k.clone(), d);
                }
            }
            Some(Value::Object(out))
        }
        _ => Some(a.clone()),
    }
}

/// Writes `delta` over `base`, key by key into objects without a `kind`.
fn merge(base: &mut Value, delta: Value) {
    match (base, delta) {
        (Value::Object(b), Value::Object(d)) if !d.contains_key("kind") => {
            for (k, v) in d {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, d) => *slot = d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poolcast::scenario::{Dist, RateStep};

    #[test]
    fn default_scenario_gives_a_tiny_link() {
        let f = encode(&Scenario::default());
        assert_eq!(f, format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode("{}")));
        assert_eq!(decode(&f).unwrap(), Scenario::default());
    }

    #[test]
    fn changed_fields_round_trip() {
        let mut s = Scenario {
            name: "serverless é".into(),
            ..Scenario::default()
        };
        s.app_mut().instances = 200;
        s.app_mut().pool.max_size = 1;
        s.app_mut().pool.acquire_timeout_ms = None;
        s.database.cores = Some(8);
        s.app_mut().workload.query_ms = Dist::Exponential { mean: 12.5 };
        s.app_mut().workload.rate_profile = vec![RateStep {
            at_s: 60.0,
            rate_per_s: 900.0,
        }];
        let f = encode(&s);
        assert!(f.len() < 400, "{f}");
        assert_eq!(decode(&format!("#{f}")).unwrap(), s);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert_eq!(decode(""), Err(LinkError::NotALink));
        assert_eq!(decode("#top"), Err(LinkError::NotALink));
        assert!(matches!(decode("s1=%%%"), Err(LinkError::Broken(_))));
        let not_json = URL_SAFE_NO_PAD.encode("{nope");
        assert!(
            matches!(decode(&format!("s1={not_json}")), Err(LinkError::Broken(m)) if m.contains("JSON"))
        );
        let unknown = URL_SAFE_NO_PAD.encode(r#"{"pool":{"max_sise":3}}"#);
        assert!(
            matches!(decode(&format!("s1={unknown}")), Err(LinkError::Broken(m)) if m.contains("max_sise"))
        );
        let invalid = URL_SAFE_NO_PAD.encode(r#"{"pool":{"max_size":0}}"#);
        assert!(
            matches!(decode(&format!("s1={invalid}")), Err(LinkError::Broken(m)) if m.contains("pool.max_size"))
        );
        let list = URL_SAFE_NO_PAD.encode("[1]");
        assert!(decode(&format!("s1={list}")).is_err());
    }
}
