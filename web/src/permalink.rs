//! The permalink: scenarios in the URL fragment, as the base64url (no
//! padding) of the JSON of only the fields that differ from the defaults.
//!
//! - `#s1=...`: a version-1 scenario (one fleet), as links have always been;
//! - `#s2=...`: a version-2 scenario; its services each differ from a
//!   default service, so a second service costs only what it changes;
//! - `&a1=...` / `&a2=...` beside it: the run pinned as A in a comparison;
//! - `#example=ID`: a gallery entry (see [`crate::presets`]).
//!
//! Later formats get new prefixes and this decoder keeps reading the old ones.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poolcast::Scenario;
use poolcast::scenario::Service;
use serde_json::{Map, Value};

/// The fragment prefix of version-1 links.
pub const PREFIX: &str = "s1=";
/// The fragment prefix of version-2 links.
pub const PREFIX_V2: &str = "s2=";
/// The prefix of a gallery link.
pub const EXAMPLE: &str = "example=";

/// What a fragment holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The scenario in the form (B when comparing).
    pub scenario: Scenario,
    /// The scenario pinned as A, when comparing.
    pub pinned: Option<Scenario>,
}

/// Every fragment prefix [`decode`] reads (the generated-input tests in
/// `web/tests/inputs.rs` and the end-to-end test feed each of them).
pub const PREFIXES: &[&str] = &[PREFIX, PREFIX_V2];

/// The fragment (without `#`) that describes `s`.
pub fn encode(s: &Scenario) -> String {
    encode_as(s, "s")
}

/// The fragment of a comparison: `b` in the form, `a` pinned.
pub fn encode_pair(b: &Scenario, a: Option<&Scenario>) -> String {
    match a {
        Some(a) => format!("{}&{}", encode(b), encode_as(a, "a")),
        None => encode(b),
    }
}

/// `s` as `{letter}{version}=payload`.
fn encode_as(s: &Scenario, letter: &str) -> String {
    let full = poolcast::json::to_value(s).unwrap_or(Value::Null);
    let v1 = full.get("services").is_none();
    let delta = if v1 {
        let default = poolcast::json::to_value(Scenario::default()).unwrap_or(Value::Null);
        diff(&full, &default).unwrap_or_else(|| Value::Object(Map::new()))
    } else {
        delta_v2(&full)
    };
    let version = if v1 { 1 } else { 2 };
    format!(
        "{letter}{version}={}",
        URL_SAFE_NO_PAD.encode(delta.to_string())
    )
}

/// A version-2 document's difference from version 2's defaults; every
/// service is kept (as its difference from a default service) so the list
/// keeps its length and order.
fn delta_v2(full: &Value) -> Value {
    let mut default = poolcast::json::to_value(Scenario::default().to_v2()).unwrap_or(Value::Null);
    let service = poolcast::json::to_value(Service::default()).unwrap_or(Value::Null);
    let mut full = full.clone();
    let services = full
        .as_object_mut()
        .and_then(|m| m.remove("services"))
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    if let Some(m) = default.as_object_mut() {
        m.remove("services");
    }
    let mut top = match diff(&full, &default) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let list: Vec<Value> = services
        .iter()
        .map(|x| diff(x, &service).unwrap_or_else(|| Value::Object(Map::new())))
        .collect();
    top.insert("services".into(), Value::Array(list));
    top.remove("version");
    Value::Object(top)
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
    decode_link(fragment).map(|l| l.scenario)
}

/// Reads a fragment: the scenario and, when comparing, the pinned one.
pub fn decode_link(fragment: &str) -> Result<Link, LinkError> {
    let parts: Vec<&str> = fragment.trim().trim_start_matches('#').split('&').collect();
    let find = |letter: char| {
        parts.iter().find_map(|p| {
            let rest = p.strip_prefix(letter)?;
            let (v, payload) = rest.split_once('=')?;
            let v: u32 = v.parse().ok()?;
            Some((v, payload))
        })
    };
    let (version, payload) = find('s').ok_or(LinkError::NotALink)?;
    let scenario = read(version, payload)?;
    let pinned = match find('a') {
        Some((v, p)) => Some(read(v, p).map_err(|e| match e {
            LinkError::Broken(m) => LinkError::Broken(format!("the pinned run A: {m}")),
            e => e,
        })?),
        None => None,
    };
    Ok(Link { scenario, pinned })
}

/// The gallery id of an `#example=ID` fragment.
pub fn example_id(fragment: &str) -> Option<String> {
    fragment
        .trim()
        .trim_start_matches('#')
        .split('&')
        .find_map(|p| p.strip_prefix(EXAMPLE))
        .map(str::to_string)
}

fn read(version: u32, payload: &str) -> Result<Scenario, LinkError> {
    if version != 1 && version != 2 {
        return Err(LinkError::Broken(format!(
            "link format {version} is newer than this page (it reads 1 and 2)"
        )));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| LinkError::Broken(format!("not base64url ({e})")))?;
    let text = String::from_utf8(bytes).map_err(|_| LinkError::Broken("not UTF-8 text".into()))?;
    let delta: Value =
        serde_json::from_str(&text).map_err(|e| LinkError::Broken(format!("not JSON ({e})")))?;
    let Value::Object(mut map) = delta else {
        return Err(LinkError::Broken("not a JSON object".into()));
    };
    let full = if version == 1 {
        let mut full = poolcast::json::to_value(Scenario::default()).unwrap_or(Value::Null);
        merge(&mut full, Value::Object(map));
        full
    } else {
        // Every block has serde defaults, so the difference reads as the whole.
        map.insert("version".into(), Value::from(2));
        map.entry("services")
            .or_insert_with(|| Value::Array(vec![Value::Object(Map::new())]));
        Value::Object(map)
    };
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
        (Value::Object(x), Value::Object(y)) if !tagged(x) && !tagged(y) => {
            let mut out = Map::new();
            for (k, v) in x {
                let d = match (y.get(k), block_default(k)) {
                    (Some(w), _) => diff(v, w),
                    // An optional block: only what differs from its defaults,
                    // and `{}` for a block at its defaults.
                    (None, Some(w)) if v.is_object() => {
                        Some(diff(v, &w).unwrap_or_else(|| Value::Object(Map::new())))
                    }
                    (None, _) => Some(v.clone()),
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

/// The defaults of an optional block (left out of the JSON when off), so a
/// link carries only what differs from them; its fields have serde
/// defaults, so the difference reads back as the whole.
fn block_default(key: &str) -> Option<Value> {
    use poolcast::scenario as sc;
    let v = match key {
        "proxy" => poolcast::json::to_value(sc::Proxy::default()),
        "retry" => poolcast::json::to_value(sc::Retry::default()),
        "serverless" => poolcast::json::to_value(sc::Serverless::default()),
        "replicas" => poolcast::json::to_value(sc::Replicas::default()),
        "contention" => poolcast::json::to_value(sc::Contention::default()),
        "budget" => poolcast::json::to_value(sc::Budget::default()),
        "breaker" => poolcast::json::to_value(sc::Breaker::default()),
        "transaction" => poolcast::json::to_value(sc::TransactionLimits::default()),
        _ => return None,
    };
    v.ok()
}

/// Whether an object is one variant of a tagged enum (a distribution, an
/// arrival process, an event), which a link keeps whole. A service's `kind`
/// is a plain field.
fn tagged(m: &Map<String, Value>) -> bool {
    m.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k != "instances" && k != "serverless")
}

/// Writes `delta` over `base`, key by key into objects without a `kind`.
fn merge(base: &mut Value, delta: Value) {
    match (base, delta) {
        (Value::Object(b), Value::Object(d)) if !tagged(&d) => {
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
    use crate::edit::{self, Edit};
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
        assert!(f.starts_with(PREFIX) && f.len() < 400, "{f}");
        assert_eq!(decode(&format!("#{f}")).unwrap(), s);
    }

    #[test]
    fn links_made_by_version_1_pages_still_open() {
        // Made by the page before version 2 (pool 12, 6 instances, cores 8).
        let old = URL_SAFE_NO_PAD
            .encode(r#"{"database":{"cores":8},"fleet":{"instances":6},"pool":{"max_size":12}}"#);
        let s = decode(&format!("#s1={old}")).unwrap();
        assert_eq!(s.version, 1);
        assert_eq!((s.app().instances, s.app().pool.max_size), (6, 12));
        assert_eq!(s.database.cores, Some(8));
        assert_eq!(encode(&s), format!("s1={old}"), "written back the same");
    }

    #[test]
    fn version_2_scenarios_round_trip_with_short_services() {
        let mut s = Scenario::default();
        for e in [
            Edit::AddService,
            Edit::SetProxy(true),
            Edit::SetReplicas(true),
            Edit::AddEvent("db_restart".into()),
            Edit::SetKind(1, poolcast::scenario::ServiceKind::Serverless),
            Edit::SetRetry(0, true),
        ] {
            s = edit::apply(&s, &e).unwrap();
        }
        s = edit::set_text(&s, "services.1.route", edit::Kind::Text, "proxy").unwrap();
        let f = encode(&s);
        assert!(f.starts_with(PREFIX_V2), "{f}");
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&f[3..]).unwrap()).unwrap();
        assert!(f.len() < 700, "{} chars: {json}", f.len());
        assert_eq!(decode(&f).unwrap(), s);
        let plain_v2 = Scenario::default().to_v2();
        assert_eq!(decode(&encode(&plain_v2)).unwrap(), plain_v2);
    }

    #[test]
    fn a_comparison_carries_both_scenarios() {
        let a = Scenario::default();
        let b = edit::apply(&a, &Edit::SetProxy(true)).unwrap();
        let f = encode_pair(&b, Some(&a));
        let link = decode_link(&format!("#{f}")).unwrap();
        assert_eq!(link.scenario, b);
        assert_eq!(link.pinned, Some(a));
        assert_eq!(decode_link(&encode_pair(&b, None)).unwrap().pinned, None);
        let broken = format!("{}&a2=!!", encode(&b));
        assert!(matches!(decode_link(&broken), Err(LinkError::Broken(m)) if m.contains("pinned")));
    }

    #[test]
    fn gallery_links_name_their_entry() {
        assert_eq!(
            example_id("#example=retry-storm"),
            Some("retry-storm".into())
        );
        assert_eq!(example_id("#s1=e30"), None);
        assert_eq!(decode("#example=retry-storm"), Err(LinkError::NotALink));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert_eq!(decode(""), Err(LinkError::NotALink));
        assert_eq!(decode("#top"), Err(LinkError::NotALink));
        assert!(matches!(decode("s1=%%%"), Err(LinkError::Broken(_))));
        assert!(matches!(decode("s9=e30"), Err(LinkError::Broken(m)) if m.contains("newer")));
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
        let invalid2 = URL_SAFE_NO_PAD.encode(r#"{"services":[{"pool":{"max_size":0}}]}"#);
        assert!(
            matches!(decode(&format!("s2={invalid2}")), Err(LinkError::Broken(m)) if m.contains("services[0].pool.max_size"))
        );
        let list = URL_SAFE_NO_PAD.encode("[1]");
        assert!(decode(&format!("s1={list}")).is_err());
    }
}
