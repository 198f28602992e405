//! Setting one numeric field of a scenario by its path.
//!
//! A path is dotted names with `[i]` indices, as validation names fields:
//! `services[1].pool.max_size`, `proxy.default_pool_size`,
//! `database.replicas.count`; a JSON pointer (`/services/1/pool/max_size`)
//! is taken as it is. Version 1's names work on either shape: on a
//! version-2 scenario `pool.*`, `workload.*` and `fleet.instances` name the
//! first service's; on a version-1 scenario a version-2 path (`services`,
//! `proxy`, `events`) sets the field in its version-2 form.
//!
//! A block left out because it holds its defaults (a serverless block, a
//! `read_fraction` of 0) is filled in on the way, so every field the
//! scenario could have can be set; a name the scenario does not know is an
//! error that names the path.

use serde_json::Value;

use crate::input::scenario::Scenario;
use crate::input::validate::{FieldError, ScenarioError, parse};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The steps of `path`, or what is wrong with it.
fn steps(path: &str) -> Result<Vec<Step>, String> {
    if let Some(pointer) = path.strip_prefix('/') {
        return Ok(pointer
            .split('/')
            .map(|t| {
                let t = t.replace("~1", "/").replace("~0", "~");
                match t.parse::<usize>() {
                    Ok(i) => Step::Index(i),
                    Err(_) => Step::Key(t),
                }
            })
            .collect());
    }
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "not a field path: write names and [index]es joined by dots, like \
                 services[1].pool.max_size (at \"{part}\")"
            ));
        }
        out.push(Step::Key(name.to_string()));
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("unclosed [ in \"{part}\""))?;
            let index = rest[1..close]
                .parse::<usize>()
                .map_err(|_| format!("[{}] is not an index in \"{part}\"", &rest[1..close]))?;
            out.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("unexpected \"{rest}\" in \"{part}\""));
            }
        }
    }
    Ok(out)
}

fn key(step: Option<&Step>) -> Option<&str> {
    match step {
        Some(Step::Key(k)) => Some(k),
        _ => None,
    }
}

/// Version 1's names for the first service, on a version-2 document.
fn aliased(steps: Vec<Step>) -> Vec<Step> {
    let first = || vec![Step::Key("services".into()), Step::Index(0)];
    match (key(steps.first()), key(steps.get(1))) {
        (Some("pool" | "workload"), _) => first().into_iter().chain(steps).collect(),
        (Some("fleet"), Some("instances" | "pools_per_instance")) => first()
            .into_iter()
            .chain(steps.into_iter().skip(1))
            .collect(),
        _ => steps,
    }
}

/// The value at `steps`, creating missing object fields on the way; says
/// whether it created any.
fn slot<'a>(mut at: &'a mut Value, steps: &[Step]) -> Result<(&'a mut Value, bool), String> {
    let mut created = false;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        at = match (step, at) {
            (Step::Key(k), Value::Object(map)) => {
                if !map.contains_key(k) {
                    created = true;
                    let fresh = if last {
                        Value::Null
                    } else {
                        Value::Object(Default::default())
                    };
                    map.insert(k.clone(), fresh);
                }
                map.get_mut(k).ok_or("no such field in the scenario")?
            }
            (Step::Index(n), Value::Array(list)) => {
                let len = list.len();
                list.get_mut(*n)
                    .ok_or_else(|| format!("index {n} is past the end: the list has {len}"))?
            }
            _ => return Err("no such field in the scenario".into()),
        };
    }
    Ok((at, created))
}

/// A copy of `base` with the numeric field at `path` set to `value`.
///
/// Setting a pool's `max_size` moves its `min_idle` along (a `min_idle`
/// equal to the old size, a fixed warm pool, follows the new size;
/// otherwise it is capped at it), and the proxy's `default_pool_size` moves
/// `min_pool_size` the same way, so a sweep or a search over sizes never asks
/// for more idle than the pool holds. Errors name the path: an unknown
/// field, or a fraction for a whole-number field.
pub fn with_field(base: &Scenario, path: &str, value: f64) -> Result<Scenario, ScenarioError> {
    let bad = |message: String| {
        ScenarioError::Parse(FieldError {
            field: path.to_string(),
            message,
        })
    };
    let mut steps = steps(path).map_err(bad)?;
    let v1_shaped = base.version == 1 && base.fits_v1();
    let v2_path = matches!(key(steps.first()), Some("services" | "proxy" | "events"));
    let mut json = if v1_shaped && v2_path {
        crate::json::to_value(base.to_v2())
    } else {
        crate::json::to_value(base)
    }
    .map_err(|e| bad(e.to_string()))?;
    if !v1_shaped {
        steps = aliased(steps);
    }
    let (at, created) = slot(&mut json, &steps).map_err(bad)?;
    // Whole values go in as integers, which float fields accept too; a
    // fraction sent to a whole-number field fails parsing, naming the field.
    *at = if value.fract() == 0.0 && (0.0..9e15).contains(&value) {
        Value::from(value as u64)
    } else {
        Value::from(value)
    };
    let mut out = match parse(&json.to_string()) {
        Err(e) if created && e.to_string().contains("unknown field") => {
            return Err(bad(format!("no such field in the scenario ({e})")));
        }
        other => other?,
    };
    if base.version == 1 && out.fits_v1() {
        out.version = 1;
    }
    follow(base, &mut out, &steps);
    Ok(out)
}

/// Keeps `min_idle` (or the proxy's `min_pool_size`) within a new size.
fn follow(base: &Scenario, out: &mut Scenario, steps: &[Step]) {
    let keys: Vec<Option<&str>> = steps.iter().map(|s| key(Some(s))).collect();
    let svc = match (keys.as_slice(), steps.get(1)) {
        ([Some("pool"), Some("max_size")], _) => Some(0),
        ([Some("services"), None, Some("pool"), Some("max_size")], Some(Step::Index(i))) => {
            Some(*i)
        }
        ([Some("proxy"), Some("default_pool_size")], _) => {
            if let (Some(old), Some(new)) = (&base.proxy, &mut out.proxy) {
                new.min_pool_size = if old.min_pool_size == old.default_pool_size {
                    new.default_pool_size
                } else {
                    old.min_pool_size.min(new.default_pool_size)
                };
            }
            None
        }
        _ => None,
    };
    if let Some(i) = svc
        && let (Some(old), Some(new)) = (base.services.get(i), out.services.get_mut(i))
    {
        let size = new.pool.max_size;
        new.pool.min_idle = if old.pool.min_idle == old.pool.max_size {
            size
        } else {
            old.pool.min_idle.min(size)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_services() -> Scenario {
        crate::parse(
            r#"{"services": [{"name": "api", "pool": {"max_size": 10, "min_idle": 10}},
                             {"name": "worker", "pool": {"max_size": 4, "min_idle": 2}}],
                "proxy": {"default_pool_size": 20, "min_pool_size": 20}}"#,
        )
        .unwrap()
    }

    #[test]
    fn version_one_paths_set_nested_numbers_and_check_names() {
        let base = Scenario::default();
        let s = with_field(&base, "pool.max_size", 7.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.version), (7, 1));
        let s = with_field(&base, "workload.rate_per_s", 12.5).unwrap();
        assert_eq!(s.app().workload.rate_per_s, 12.5);
        let e = with_field(&base, "pool.max_sise", 7.0).unwrap_err();
        assert!(e.to_string().contains("pool.max_sise"), "{e}");
        assert!(e.to_string().contains("no such field"), "{e}");
        let e = with_field(&base, "pool.max_size", 7.5).unwrap_err();
        assert!(e.to_string().contains("pool.max_size"), "{e}");
        let warm = with_field(&base, "pool.min_idle", 20.0).unwrap();
        let s = with_field(&warm, "pool.max_size", 6.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (6, 6));
        let some = with_field(&base, "pool.min_idle", 5.0).unwrap();
        let s = with_field(&some, "pool.max_size", 3.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (3, 3));
        let s = with_field(&some, "pool.max_size", 30.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (30, 5));
        let s = with_field(&base, "database.cores", 8.0).unwrap();
        assert_eq!(s.database.cores, Some(8));
    }

    #[test]
    fn version_two_paths_with_indices() {
        let base = two_services();
        let s = with_field(&base, "services[1].pool.max_size", 3.0).unwrap();
        assert_eq!(s.services[1].pool.max_size, 3);
        assert_eq!(s.services[1].pool.min_idle, 2);
        assert_eq!(s.services[0].pool.max_size, 10);
        let s = with_field(&base, "services[0].pool.max_size", 6.0).unwrap();
        assert_eq!(
            (s.services[0].pool.max_size, s.services[0].pool.min_idle),
            (6, 6)
        );
        // Version 1's names reach the first service.
        let s = with_field(&base, "pool.max_size", 8.0).unwrap();
        assert_eq!(
            (s.services[0].pool.max_size, s.services[0].pool.min_idle),
            (8, 8)
        );
        let s = with_field(&base, "fleet.instances", 9.0).unwrap();
        assert_eq!(s.services[0].instances, 9);
        // The proxy's warm pool follows its size; a JSON pointer works too.
        let s = with_field(&base, "/proxy/default_pool_size", 12.0).unwrap();
        let p = s.proxy.unwrap();
        assert_eq!((p.default_pool_size, p.min_pool_size), (12, 12));
        let s = with_field(&base, "proxy.default_pool_size", 30.0).unwrap();
        let p = s.proxy.unwrap();
        assert_eq!((p.default_pool_size, p.min_pool_size), (30, 30));
        // Fields left out for their defaults are filled in.
        let s = with_field(&base, "services[1].workload.read_fraction", 0.5).unwrap();
        assert_eq!(s.services[1].workload.read_fraction, 0.5);
        let s = with_field(&base, "database.replicas.count", 2.0).unwrap();
        assert_eq!(s.database.replica_count(), 2);
    }

    #[test]
    fn bad_paths_name_themselves() {
        let base = two_services();
        for (path, says) in [
            ("services[2].pool.max_size", "past the end"),
            ("services[1].pool.max_sise", "no such field"),
            ("services[x].pool.max_size", "not an index"),
            ("services[1.pool.max_size", "unclosed"),
            ("services..pool", "not a field path"),
            ("name.first", "no such field"),
        ] {
            let e = with_field(&base, path, 3.0).unwrap_err().to_string();
            assert!(e.contains(path) && e.contains(says), "{path}: {e}");
        }
        // A fraction for a count names the field.
        let e = with_field(&base, "services[1].instances", 2.5).unwrap_err();
        assert!(e.to_string().contains("services[1].instances"), "{e}");
    }

    #[test]
    fn a_version_one_scenario_takes_version_two_paths() {
        let base = Scenario::default();
        let s = with_field(&base, "services[0].pool.max_size", 7.0).unwrap();
        assert_eq!(s.app().pool.max_size, 7);
        // Still version 1's shape: nothing version 2 was added.
        assert_eq!(s.version, 1);
        let s = with_field(&base, "services[0].workload.read_fraction", 0.5).unwrap();
        assert_eq!(s.app().workload.read_fraction, 0.5);
    }
}
