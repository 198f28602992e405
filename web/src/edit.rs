//! Editing a scenario from the form. Two kinds of change:
//!
//! - a field's typed text, at a dotted path into version 2's JSON
//!   (`services.0.pool.max_size`, `proxy.default_pool_size`,
//!   `events.2.at_s`): [`set_text`]. Fields are set through the JSON, so the
//!   core's own parser checks types and names;
//! - a change of structure ([`Edit`]): add, copy, remove or rename a
//!   service, switch a block on or off (proxy, replicas, retries, ...), add
//!   or remove a timed event.
//!
//! A scenario read as version 1 stays version 1 while it still fits that
//! shape, so its link stays a `#s1=` link; the first version-2 feature makes
//! it version 2.

use poolcast::Scenario;
use poolcast::scenario::{
    Arrivals, Breaker, Budget, Cause, Contention, Dist, PoolMode, Proxy, RateStep, Replicas, Retry,
    Route, Serverless, Service, ServiceKind, Target, TimedEvent, TransactionLimits,
};
use serde_json::{Map, Value};

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

/// The scenario as version 2's JSON, the shape every form path points into.
pub fn to_json(s: &Scenario) -> Value {
    poolcast::json::to_value(s.to_v2()).unwrap_or(Value::Null)
}

/// Reads edited JSON back; a scenario that was version 1 stays so while it fits.
fn from_json(original: &Scenario, json: &Value) -> Result<Scenario, String> {
    let mut s = poolcast::parse(&json.to_string()).map_err(|e| e.to_string())?;
    if original.version == 1 && s.fits_v1() {
        s.version = 1;
    }
    Ok(s)
}

/// The JSON pointer of a dotted path.
fn pointer(path: &str) -> String {
    format!("/{}", path.replace('.', "/"))
}

/// A copy of `s` with the field at dotted `path` set to `value`. A field
/// left out of the JSON because it has its default (`read_fraction`) is
/// added to its object.
pub fn set_value(s: &Scenario, path: &str, value: Value) -> Result<Scenario, String> {
    let mut json = to_json(s);
    match json.pointer_mut(&pointer(path)) {
        Some(slot) => *slot = value,
        None => {
            let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
            let obj = if parent.is_empty() {
                Some(&mut json)
            } else {
                json.pointer_mut(&pointer(parent))
            };
            match obj {
                Some(Value::Object(m)) => {
                    m.insert(key.to_string(), value);
                }
                _ => return Err(format!("{path}: no such field")),
            }
        }
    }
    from_json(s, &json)
}

/// A copy of `s` with the field at `path` set from typed `text`.
pub fn set_text(s: &Scenario, path: &str, kind: Kind, text: &str) -> Result<Scenario, String> {
    let value = text_to_value(kind, text)?;
    if let Some(i) = service_name_path(path) {
        let Value::String(name) = value else {
            return Err("enter a name".into());
        };
        return apply(s, &Edit::Rename { service: i, name });
    }
    set_value(s, path, value)
}

/// `Some(i)` for the path of service `i`'s name.
fn service_name_path(path: &str) -> Option<usize> {
    path.strip_prefix("services.")?
        .strip_suffix(".name")?
        .parse()
        .ok()
}

/// The value at a dotted path, if the JSON has it.
pub fn value_at(s: &Scenario, path: &str) -> Option<Value> {
    to_json(s).pointer(&pointer(path)).cloned()
}

/// The text a field shows for its current value ("" for `null`).
pub fn field_text(s: &Scenario, path: &str) -> String {
    match value_at(s, path) {
        Some(v) => value_text(&v),
        None if path.ends_with(".read_fraction") => "0".into(),
        None => String::new(),
    }
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

/// The form's path of a field the core's validation names: version 1's
/// `pool.max_size` and `fleet.instances` are service 0's, and
/// `services[1].pool` is `services.1.pool`.
pub fn form_path(field: &str) -> String {
    let f = field.replace(['[', ']'], ".").replace("..", ".");
    let f = f.trim_end_matches('.');
    if let Some(rest) = f.strip_prefix("fleet.") {
        return format!("services.0.{rest}");
    }
    for top in ["pool", "workload"] {
        if f == top || f.starts_with(&format!("{top}.")) {
            return format!("services.0.{f}");
        }
    }
    f.to_string()
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

/// The distribution at `path`, if there is one.
pub fn dist_at(s: &Scenario, path: &str) -> Option<Dist> {
    serde_json::from_value(value_at(s, path)?).ok()
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

/// The kinds of timed event the events editor adds: (kind, label).
pub const EVENT_KINDS: [(&str, &str); 5] = [
    ("db_restart", "restart"),
    ("slow_queries", "brownout (slow queries)"),
    ("cores", "core loss"),
    ("scale", "scale"),
    ("rolling_restart", "rolling restart"),
];

/// A change to the scenario's structure.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// A new service after the others.
    AddService,
    /// A copy of service `0`, after the others.
    DuplicateService(usize),
    /// Removes a service (not the last one) and the events naming it.
    RemoveService(usize),
    /// Renames a service and the events naming it.
    Rename {
        /// Which.
        service: usize,
        /// Its new name.
        name: String,
    },
    /// Long-lived instances or serverless functions.
    SetKind(usize, ServiceKind),
    /// Closed-loop users (`true`) or Poisson arrivals.
    SetClosed(usize, bool),
    /// Prisma's interactive-transaction limits on or off.
    SetTransaction(usize, bool),
    /// A retry policy on or off.
    SetRetry(usize, bool),
    /// Retry on this cause or not.
    SetRetryOn(usize, Cause, bool),
    /// A retry budget on or off.
    SetBudget(usize, bool),
    /// A circuit breaker on or off.
    SetBreaker(usize, bool),
    /// A proxy on or off (off routes every service straight to the database).
    SetProxy(bool),
    /// Read replicas on or off.
    SetReplicas(bool),
    /// Contention past the knee on or off.
    SetContention(bool),
    /// A timed event of this kind (one of [`EVENT_KINDS`]).
    AddEvent(String),
    /// Removes event `0`.
    RemoveEvent(usize),
    /// The distribution at a path becomes one of [`DIST_KINDS`].
    SetDistKind {
        /// Dotted path of the distribution.
        path: String,
        /// Its new kind.
        kind: String,
    },
    /// A service's rate profile from its text.
    SetProfile(usize, String),
}

/// Edits that change which services exist, so drafts keyed by a service's
/// index no longer belong to it.
pub fn moves_services(e: &Edit) -> bool {
    matches!(e, Edit::RemoveService(_))
}

/// A name like `base` not used by any service of `s`.
fn unique_name(s: &Scenario, base: &str) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|name| s.service(name).is_none())
        .unwrap_or_else(|| base.to_string())
}

fn svc_mut(s: &mut Scenario, i: usize) -> Result<&mut Service, String> {
    let n = s.services.len();
    s.services
        .get_mut(i)
        .ok_or_else(|| format!("there is no service {i} (the scenario has {n})"))
}

/// Applies a structural edit; the result may still be invalid (the form
/// shows why), but it always parses.
///
/// Long because it is the list of structural edits, one short arm each:
/// kept as one match so every edit the form can make is read in one place.
pub fn apply(s: &Scenario, edit: &Edit) -> Result<Scenario, String> {
    let mut out = s.clone();
    match edit {
        Edit::AddService => {
            let name = unique_name(s, "worker");
            out.services.push(Service {
                name,
                instances: 2,
                workload: poolcast::scenario::Workload {
                    rate_per_s: 50.0,
                    ..Default::default()
                },
                pool: poolcast::scenario::Pool {
                    max_size: 5,
                    ..Default::default()
                },
                ..Service::default()
            });
        }
        Edit::DuplicateService(i) => {
            let mut copy = s
                .services
                .get(*i)
                .cloned()
                .ok_or_else(|| format!("there is no service {i}"))?;
            copy.name = unique_name(s, &format!("{}-copy", copy.name));
            out.services.push(copy);
        }
        Edit::RemoveService(i) => {
            if s.services.len() <= 1 {
                return Err("a scenario needs at least one service".into());
            }
            let gone = svc_mut(&mut out, *i)?.name.clone();
            out.services.remove(*i);
            out.events
                .retain(|e| event_service(e) != Some(gone.as_str()));
        }
        Edit::Rename { service, name } => {
            let old = svc_mut(&mut out, *service)?.name.clone();
            svc_mut(&mut out, *service)?.name = name.clone();
            for e in &mut out.events {
                if let TimedEvent::Scale { service: n, .. }
                | TimedEvent::RollingRestart { service: n, .. } = e
                    && *n == old
                {
                    n.clone_from(name);
                }
            }
        }
        Edit::SetKind(i, kind) => {
            let svc = svc_mut(&mut out, *i)?;
            svc.kind = *kind;
            match kind {
                ServiceKind::Serverless => {
                    svc.serverless.get_or_insert_with(Serverless::default);
                    svc.pools_per_instance = 1;
                    svc.pool.max_size = 1;
                    svc.pool.min_idle = 0;
                }
                ServiceKind::Instances => svc.serverless = None,
            }
            if *kind == ServiceKind::Serverless {
                let name = svc.name.clone();
                out.events
                    .retain(|e| event_service(e) != Some(name.as_str()));
            }
        }
        Edit::SetClosed(i, closed) => {
            let w = &mut svc_mut(&mut out, *i)?.workload;
            w.arrivals = if *closed {
                w.rate_profile.clear();
                Arrivals::Closed {
                    users: 100,
                    think_ms: Dist::Constant { value: 0.0 },
                    ramp_s: 0.0,
                    requests_per_user: None,
                }
            } else {
                Arrivals::Open
            };
        }
        Edit::SetTransaction(i, on) => {
            let w = &mut svc_mut(&mut out, *i)?.workload;
            w.transaction = on.then(TransactionLimits::default);
            if *on {
                w.query_mode = poolcast::scenario::QueryMode::Transaction;
            }
        }
        Edit::SetRetry(i, on) => {
            svc_mut(&mut out, *i)?.retry = on.then(|| Retry {
                max_attempts: 3,
                on: vec![Cause::PoolTimeout, Cause::TooManyClients],
                ..Retry::default()
            });
        }
        Edit::SetRetryOn(i, cause, on) => {
            if let Some(r) = svc_mut(&mut out, *i)?.retry.as_mut() {
                r.on.retain(|c| c != cause);
                if *on {
                    r.on.push(*cause);
                    r.on.sort();
                }
            }
        }
        Edit::SetBudget(i, on) => {
            if let Some(r) = svc_mut(&mut out, *i)?.retry.as_mut() {
                r.budget = on.then(Budget::default);
            }
        }
        Edit::SetBreaker(i, on) => {
            if let Some(r) = svc_mut(&mut out, *i)?.retry.as_mut() {
                r.breaker = on.then(Breaker::default);
            }
        }
        Edit::SetProxy(on) => {
            out.proxy = on.then(|| Proxy {
                // The guides ask for transaction mode (PgBouncer's default is session).
                pool_mode: PoolMode::Transaction,
                max_client_conn: 1000,
                ..Proxy::default()
            });
            if !on {
                for svc in &mut out.services {
                    svc.route = Route::Direct;
                }
                out.events.retain(|e| {
                    !matches!(
                        e,
                        TimedEvent::DbRestart {
                            target: Target::Proxy,
                            ..
                        }
                    )
                });
            }
        }
        Edit::SetReplicas(on) => {
            out.database.replicas = on.then(|| Replicas {
                max_connections: s.database.max_connections,
                reserved_connections: s.database.reserved_connections,
                cores: s.database.cores,
                ..Replicas::default()
            });
            if !on {
                out.events
                    .retain(|e| event_target(e).is_none_or(|t| !matches!(t, Target::Replica(_))));
            }
        }
        Edit::SetContention(on) => out.database.contention = on.then(Contention::default),
        Edit::AddEvent(kind) => {
            let e = new_event(s, kind).ok_or_else(|| format!("unknown event kind {kind:?}"))?;
            out.events.push(e);
        }
        Edit::RemoveEvent(i) => {
            if *i >= out.events.len() {
                return Err(format!("there is no event {i}"));
            }
            out.events.remove(*i);
        }
        Edit::SetDistKind { path, kind } => {
            let d = dist_at(s, path).ok_or_else(|| format!("{path}: no distribution here"))?;
            let value = poolcast::json::to_value(convert_dist(&d, kind)).unwrap_or_default();
            return set_value(s, path, value);
        }
        Edit::SetProfile(i, text) => {
            svc_mut(&mut out, *i)?.workload.rate_profile = parse_profile(text)?;
        }
    }
    if out.version == 1 && !out.fits_v1() {
        out.version = 2;
    }
    Ok(out)
}

/// The service an event acts on, if it acts on one.
pub fn event_service(e: &TimedEvent) -> Option<&str> {
    match e {
        TimedEvent::Scale { service, .. } | TimedEvent::RollingRestart { service, .. } => {
            Some(service)
        }
        _ => None,
    }
}

/// The database (or proxy) an event acts on, if it acts on one.
pub fn event_target(e: &TimedEvent) -> Option<Target> {
    match e {
        TimedEvent::DbRestart { target, .. }
        | TimedEvent::SlowQueries { target, .. }
        | TimedEvent::Cores { target, .. } => Some(*target),
        _ => None,
    }
}

/// A new event of `kind` a third of the way into the run, on the primary or
/// the first service of instances.
fn new_event(s: &Scenario, kind: &str) -> Option<TimedEvent> {
    let at_s = (s.warmup_s + s.duration_s / 3.0).round();
    let service = s
        .services
        .iter()
        .find(|svc| !svc.is_serverless())
        .map(|svc| svc.name.clone())
        .unwrap_or_default();
    let instances = s
        .service(&service)
        .map_or(2, |(_, svc)| svc.instances.saturating_mul(2).max(2));
    Some(match kind {
        "db_restart" => TimedEvent::DbRestart {
            at_s,
            target: Target::Primary,
            down_s: 10.0,
        },
        "slow_queries" => TimedEvent::SlowQueries {
            at_s,
            target: Target::Primary,
            factor: 4.0,
            for_s: (s.duration_s / 10.0).round().max(1.0),
        },
        "cores" => TimedEvent::Cores {
            at_s,
            target: Target::Primary,
            cores: s.database.cores.map_or(2, |c| (c / 2).max(1)),
            for_s: (s.duration_s / 10.0).round().max(1.0),
        },
        "scale" => TimedEvent::Scale {
            at_s,
            service,
            instances,
        },
        "rolling_restart" => TimedEvent::RollingRestart {
            at_s,
            service,
            batch: 1,
            every_s: 10.0,
        },
        _ => return None,
    })
}

/// The targets an event of this scenario may name: (value, label).
pub fn targets(s: &Scenario, with_proxy: bool) -> Vec<(String, String)> {
    let mut out = vec![("primary".to_string(), "primary".to_string())];
    for n in 1..=s.database.replica_count() {
        out.push((format!("replica:{n}"), format!("replica {n}")));
    }
    if with_proxy && s.proxy.is_some() {
        out.push(("proxy".into(), "the proxy".into()));
    }
    out
}

/// The JSON object of event `i`, for the events editor.
pub fn event_json(s: &Scenario, i: usize) -> Map<String, Value> {
    match to_json(s).pointer(&format!("/events/{i}")) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(s: &Scenario) -> Scenario {
        s.to_v2()
    }

    #[test]
    fn sets_nested_fields_from_text() {
        let s = Scenario::default();
        let t = set_text(&s, "services.0.pool.max_size", Kind::Int, " 7 ").unwrap();
        assert_eq!(t.app().pool.max_size, 7);
        assert_eq!(t.version, 1, "still fits version 1");
        let t = set_text(&s, "services.0.pool.acquire_timeout_ms", Kind::OptFloat, "").unwrap();
        assert_eq!(t.app().pool.acquire_timeout_ms, None);
        let t = set_text(&s, "database.cores", Kind::OptInt, "8").unwrap();
        assert_eq!(t.database.cores, Some(8));
        assert_eq!(field_text(&t, "database.cores"), "8");
        assert_eq!(field_text(&s, "database.cores"), "");
        assert_eq!(field_text(&s, "services.0.workload.rate_per_s"), "400");
        assert_eq!(field_text(&s, "services.0.workload.query_ms.p99"), "85");
        assert_eq!(field_text(&s, "services.0.instances"), "4");
        let t = set_text(&s, "services.0.workload.query_ms.p99", Kind::Float, "120").unwrap();
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
    fn fields_left_out_at_their_default_can_be_set() {
        let s = Scenario::default();
        assert_eq!(field_text(&s, "services.0.workload.read_fraction"), "0");
        let t = set_text(&s, "services.0.workload.read_fraction", Kind::Float, "0.8").unwrap();
        assert_eq!(t.app().workload.read_fraction, 0.8);
        assert_eq!(t.version, 1, "read_fraction fits version 1's workload");
    }

    #[test]
    fn bad_text_names_the_problem() {
        let s = Scenario::default();
        let e = set_text(&s, "services.0.pool.max_size", Kind::Int, "2.5").unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = set_text(&s, "services.0.pool.max_size", Kind::Int, "").unwrap_err();
        assert!(e.contains("enter a value"), "{e}");
        let e = set_text(&s, "services.0.workload.rate_per_s", Kind::Float, "abc").unwrap_err();
        assert!(e.contains("not a number"), "{e}");
        let e = set_text(&s, "services.0.pool.nope", Kind::Int, "1").unwrap_err();
        assert!(e.contains("nope"), "{e}");
        let e = set_text(&s, "services.4.pool.max_size", Kind::Int, "1").unwrap_err();
        assert!(e.contains("services.4"), "{e}");
    }

    #[test]
    fn validation_fields_map_to_form_paths() {
        assert_eq!(form_path("pool.max_size"), "services.0.pool.max_size");
        assert_eq!(form_path("fleet.instances"), "services.0.instances");
        assert_eq!(
            form_path("workload.rate_profile[1].at_s"),
            "services.0.workload.rate_profile.1.at_s"
        );
        assert_eq!(
            form_path("services[2].pool.max_size"),
            "services.2.pool.max_size"
        );
        assert_eq!(form_path("events[0].target"), "events.0.target");
        assert_eq!(form_path("database.cores"), "database.cores");
        assert_eq!(
            form_path("proxy.default_pool_size"),
            "proxy.default_pool_size"
        );
    }

    #[test]
    fn services_are_added_copied_renamed_and_removed() {
        let s = Scenario::default();
        let s = apply(&s, &Edit::AddService).unwrap();
        assert_eq!(s.services.len(), 2);
        assert_eq!(s.version, 2, "a second service needs version 2");
        assert_eq!(s.services[1].name, "worker");
        let s = apply(&s, &Edit::DuplicateService(1)).unwrap();
        assert_eq!(s.services[2].name, "worker-copy");
        let s = apply(&s, &Edit::AddEvent("scale".into())).unwrap();
        let s = apply(&s, &Edit::AddEvent("rolling_restart".into())).unwrap();
        assert_eq!(event_service(&s.events[0]), Some("app"));
        let s = set_text(&s, "services.0.name", Kind::Text, "api").unwrap();
        assert_eq!(s.services[0].name, "api");
        assert_eq!(
            event_service(&s.events[1]),
            Some("api"),
            "events follow a rename"
        );
        poolcast::validate(&s, u64::MAX).unwrap();
        let s = apply(&s, &Edit::RemoveService(0)).unwrap();
        assert!(
            s.events.is_empty(),
            "events of a removed service go with it"
        );
        assert_eq!(s.services.len(), 2);
        let one = apply(&Scenario::default(), &Edit::RemoveService(0)).unwrap_err();
        assert!(one.contains("at least one"), "{one}");
    }

    #[test]
    fn blocks_switch_on_and_off() {
        let mut s = v2(&Scenario::default());
        for e in [
            Edit::SetKind(0, ServiceKind::Serverless),
            Edit::SetProxy(true),
            Edit::SetReplicas(true),
            Edit::SetContention(true),
            Edit::SetClosed(0, true),
            Edit::SetRetry(0, true),
            Edit::SetRetryOn(0, Cause::DbUnavailable, true),
            Edit::SetBudget(0, true),
            Edit::SetBreaker(0, true),
            Edit::SetTransaction(0, true),
        ] {
            s = apply(&s, &e).unwrap_or_else(|m| panic!("{e:?}: {m}"));
        }
        let s = set_text(&s, "services.0.route", Kind::Text, "proxy").unwrap();
        poolcast::validate(&s, u64::MAX).unwrap();
        let svc = s.app();
        assert!(svc.is_serverless() && svc.pool.max_size == 1);
        assert!(svc.workload.is_closed());
        let r = svc.retry.as_ref().unwrap();
        assert!(r.on.contains(&Cause::DbUnavailable) && r.budget.is_some() && r.breaker.is_some());
        assert_eq!(s.proxy.unwrap().pool_mode, PoolMode::Transaction);
        assert_eq!(s.database.replica_count(), 1);
        let s = apply(&s, &Edit::SetProxy(false)).unwrap();
        assert_eq!(
            s.app().route,
            Route::Direct,
            "no proxy, no route through it"
        );
        poolcast::validate(&s, u64::MAX).unwrap();
        let s = apply(&s, &Edit::SetKind(0, ServiceKind::Instances)).unwrap();
        assert!(s.app().serverless.is_none());
    }

    #[test]
    fn every_event_kind_can_be_added_and_edited() {
        let mut s = apply(&Scenario::default(), &Edit::SetProxy(true)).unwrap();
        for (kind, _) in EVENT_KINDS {
            s = apply(&s, &Edit::AddEvent(kind.into())).unwrap();
        }
        poolcast::validate(&s, u64::MAX).unwrap();
        assert_eq!(s.events.len(), 5);
        let s = set_text(&s, "events.0.at_s", Kind::Float, "100").unwrap();
        assert_eq!(s.events[0].at_s(), 100.0);
        let s = set_text(&s, "events.0.target", Kind::Text, "proxy").unwrap();
        assert_eq!(event_target(&s.events[0]), Some(Target::Proxy));
        let e = set_text(&s, "events.1.target", Kind::Text, "replica:0").unwrap_err();
        assert!(e.contains("replica"), "{e}");
        assert_eq!(event_json(&s, 1)["kind"], "slow_queries");
        let s = apply(&s, &Edit::RemoveEvent(0)).unwrap();
        assert_eq!(s.events.len(), 4);
        assert!(apply(&s, &Edit::AddEvent("meteor".into())).is_err());
        assert_eq!(targets(&s, true).len(), 2);
    }

    #[test]
    fn converting_a_dist_keeps_its_mean_and_shape_valid() {
        let d = Scenario::default().app().workload.query_ms.clone();
        for (kind, _) in DIST_KINDS {
            let c = convert_dist(&d, kind);
            assert_eq!(dist_kind(&c), kind);
            assert!(poolcast::lognormal_params(&c).is_ok(), "{kind}");
        }
        let s = apply(
            &Scenario::default(),
            &Edit::SetDistKind {
                path: "services.0.workload.query_ms".into(),
                kind: "exponential".into(),
            },
        )
        .unwrap();
        assert_eq!(dist_kind(&s.app().workload.query_ms), "exponential");
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
        let s = apply(&Scenario::default(), &Edit::SetProfile(0, "60:800".into())).unwrap();
        assert_eq!(s.app().workload.rate_profile.len(), 1);
    }
}
