//! The two JSON shapes of a scenario and the reading and writing of them.
//!
//! A document says its `version`; without one, it is version 2 if it has a
//! version-2 top-level field (`services`, `proxy`, `events`) and version 1
//! otherwise (so `{}` and every version-1 link keep their meaning).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{
    Database, Fleet, Pool, Proxy, Route, Scenario, Service, ServiceKind, TimedEvent, Workload,
};

/// A version-1 document: one fleet of identical pools (MODEL.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioV1 {
    /// Always 1.
    pub version: u32,
    /// A label for people.
    pub name: String,
    /// Seed of the random generator.
    pub seed: u64,
    /// Length of the measured window, s.
    pub duration_s: f64,
    /// Simulated time before the window, s.
    pub warmup_s: f64,
    /// What the application asks of the database.
    pub workload: Workload,
    /// How many instances and pools.
    pub fleet: Fleet,
    /// The settings every pool uses.
    pub pool: Pool,
    /// The database server.
    pub database: Database,
}

impl Default for ScenarioV1 {
    fn default() -> Self {
        ScenarioV1 {
            version: 1,
            name: "4 instances x 20 vs max_connections 100".to_string(),
            seed: 42,
            duration_s: 600.0,
            warmup_s: 30.0,
            workload: Workload::default(),
            fleet: Fleet::default(),
            pool: Pool::default(),
            database: Database::default(),
        }
    }
}

impl From<ScenarioV1> for Scenario {
    fn from(v: ScenarioV1) -> Scenario {
        Scenario {
            version: 1,
            name: v.name,
            seed: v.seed,
            duration_s: v.duration_s,
            warmup_s: v.warmup_s,
            services: vec![Service {
                name: "app".to_string(),
                kind: ServiceKind::Instances,
                instances: v.fleet.instances,
                pools_per_instance: v.fleet.pools_per_instance,
                route: Route::Direct,
                workload: v.workload,
                pool: v.pool,
                serverless: None,
                retry: None,
            }],
            proxy: None,
            database: v.database,
            events: Vec::new(),
        }
    }
}

/// A version-2 document (MODEL.md §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ScenarioV2 {
    version: u32,
    name: String,
    seed: u64,
    duration_s: f64,
    warmup_s: f64,
    services: Vec<Service>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<Proxy>,
    database: Database,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<TimedEvent>,
}

impl Default for ScenarioV2 {
    fn default() -> Self {
        let v1 = ScenarioV1::default();
        ScenarioV2 {
            version: 2,
            name: v1.name,
            seed: v1.seed,
            duration_s: v1.duration_s,
            warmup_s: v1.warmup_s,
            services: vec![Service::default()],
            proxy: None,
            database: Database::default(),
            events: Vec::new(),
        }
    }
}

impl Serialize for Scenario {
    /// Version 1's shape for a version-1 scenario that still fits it,
    /// version 2's otherwise.
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        if self.version == 1 && self.fits_v1() {
            let app = self.app();
            ScenarioV1 {
                version: 1,
                name: self.name.clone(),
                seed: self.seed,
                duration_s: self.duration_s,
                warmup_s: self.warmup_s,
                workload: app.workload.clone(),
                fleet: Fleet {
                    instances: app.instances,
                    pools_per_instance: app.pools_per_instance,
                },
                pool: app.pool,
                database: self.database,
            }
            .serialize(ser)
        } else {
            ScenarioV2 {
                version: 2,
                name: self.name.clone(),
                seed: self.seed,
                duration_s: self.duration_s,
                warmup_s: self.warmup_s,
                services: self.services.clone(),
                proxy: self.proxy,
                database: self.database,
                events: self.events.clone(),
            }
            .serialize(ser)
        }
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(de)?;
        from_value(value)
            .map_err(|(field, message)| serde::de::Error::custom(format!("{field}: {message}")))
    }
}

/// Reads a scenario document; an error names the field (a dotted path such
/// as `services[1].pool.max_size`, or `scenario` for the whole) and says
/// what is wrong.
pub(crate) fn from_value(value: Value) -> Result<Scenario, (String, String)> {
    let Value::Object(map) = &value else {
        return Err((
            "scenario".into(),
            "must be a JSON object, like {\"pool\": {\"max_size\": 20}}".into(),
        ));
    };
    let version = match map.get("version") {
        None => {
            let v2 = ["services", "proxy", "events"]
                .iter()
                .any(|k| map.contains_key(*k));
            if v2 { 2 } else { 1 }
        }
        Some(v) => match v.as_u64() {
            Some(n @ (1 | 2)) => n,
            _ => {
                return Err((
                    "version".into(),
                    format!("unsupported version {v}; this build reads versions 1 and 2"),
                ));
            }
        },
    };
    closed_loop_rates(map, version)?;
    if version == 1 {
        let v1: ScenarioV1 = typed(value)?;
        Ok(v1.into())
    } else {
        let v2: ScenarioV2 = typed(value)?;
        Ok(Scenario {
            version: 2,
            name: v2.name,
            seed: v2.seed,
            duration_s: v2.duration_s,
            warmup_s: v2.warmup_s,
            services: v2.services,
            proxy: v2.proxy,
            database: v2.database,
            events: v2.events,
        })
    }
}

/// Deserialises, with the path of any error.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path == "?" {
            "scenario".to_string()
        } else {
            path
        };
        (field, e.into_inner().to_string())
    })
}

/// Closed-loop users set their own pace: a rate given beside them is a
/// mistake to point out, not a number to ignore.
fn closed_loop_rates(
    map: &serde_json::Map<String, Value>,
    version: u64,
) -> Result<(), (String, String)> {
    let workloads: Vec<(String, &Value)> = if version == 1 {
        map.get("workload")
            .map(|w| vec![("workload".to_string(), w)])
            .unwrap_or_default()
    } else {
        map.get("services")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .enumerate()
                    .filter_map(|(i, s)| {
                        s.get("workload")
                            .map(|w| (format!("services[{i}].workload"), w))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for (path, w) in workloads {
        let closed = w
            .pointer("/arrivals/kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k == "closed");
        for key in ["rate_per_s", "rate_profile"] {
            if closed && w.get(key).is_some() {
                return Err((
                    format!("{path}.{key}"),
                    "closed-loop users send their next request when the last one ends: \
                     remove this field, or use arrivals {\"kind\": \"open\"} for a fixed rate"
                        .into(),
                ));
            }
        }
    }
    Ok(())
}
