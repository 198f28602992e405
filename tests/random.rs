//! Random version-2 scenarios and mangled scenario text, for the property
//! and fuzz tests. A small seeded generator (SplitMix64) keeps every case
//! reproducible from its number.

use serde_json::{Value, json};

/// SplitMix64: a seeded stream of 64-bit numbers.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform on [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }

    /// Uniform on lo..=hi.
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.next_u64() as usize % xs.len()]
    }
}

fn dist(r: &mut Rng, scale: f64) -> Value {
    match r.int(0, 6) {
        0 => json!({"kind": "constant", "value": r.range(0.0, scale)}),
        1 => json!({"kind": "exponential", "mean": r.range(0.1, scale)}),
        2 => {
            let p50 = r.range(0.1, scale);
            json!({"kind": "lognormal", "p50": p50, "p99": p50 * r.range(1.0, 15.0)})
        }
        3 => {
            let lo = r.range(0.0, scale);
            json!({"kind": "uniform", "min": lo, "max": lo + r.range(0.0, scale)})
        }
        4 => {
            let a = r.range(0.1, scale);
            json!({"kind": "quantiles", "points": [[0.5, a], [0.95, a * 3.0], [0.99, a * 6.0]]})
        }
        5 => json!({"kind": "histogram", "le_ms": [scale * 0.2, scale, scale * 4.0],
                     "counts": [r.int(1, 50), r.int(0, 50), r.int(0, 10)]}),
        _ => {
            json!({"kind": "samples", "ms": [r.range(0.0, scale), r.range(0.0, scale), r.range(0.0, 3.0 * scale)]})
        }
    }
}

/// `$v` with probability `$p`, else null (a macro, so the draws happen in
/// order without borrowing the generator twice).
macro_rules! opt {
    ($r:expr, $p:expr, $v:expr) => {{
        let keep = $r.chance($p);
        let v = $v;
        if keep { v } else { Value::Null }
    }};
}

const CAUSES: [&str; 12] = [
    "pool_timeout",
    "too_many_clients",
    "statement_timeout",
    "max_client_conn",
    "query_wait_timeout",
    "throttled",
    "db_unavailable",
    "connection_lost",
    "transaction_start_timeout",
    "transaction_timeout",
    "idle_in_transaction",
    "breaker_open",
];

/// A random valid version-2 scenario, small enough to run in milliseconds.
pub fn scenario(seed: u64) -> Value {
    let mut r = Rng::new(seed);
    let r = &mut r;
    let replicas = if r.chance(0.3) { r.int(1, 2) } else { 0 };
    let proxy = r.chance(0.4);
    let pool_mode = *r.pick(&["session", "transaction", "statement"]);
    let n = r.int(1, 3);
    let mut services = Vec::new();
    for i in 0..n {
        let serverless = r.chance(0.25);
        let closed = r.chance(0.25);
        let mode = *r.pick(&["sequential", "parallel", "transaction"]);
        let mode = if proxy && pool_mode == "statement" && mode == "transaction" {
            "sequential"
        } else {
            mode
        };
        let mut workload = json!({
            "queries_per_request": r.int(1, 3),
            "query_mode": mode,
            "query_ms": dist(r, 20.0),
            "hold_extra_ms": dist(r, 10.0),
            "read_fraction": if r.chance(0.5) { r.f() } else { 0.0 },
        });
        if closed {
            workload["arrivals"] = json!({"kind": "closed", "users": r.int(1, 30),
                "think_ms": dist(r, 50.0), "ramp_s": r.range(0.0, 2.0),
                "requests_per_user": opt!(r, 0.5, json!(r.int(1, 200)))});
        } else {
            workload["rate_per_s"] = json!(r.range(0.0, 800.0));
            if r.chance(0.3) {
                workload["rate_profile"] =
                    json!([{"at_s": r.range(0.5, 3.0), "rate_per_s": r.range(0.0, 1500.0)}]);
            }
        }
        if mode == "transaction" && r.chance(0.5) {
            workload["transaction"] =
                json!({"max_wait_ms": r.range(1.0, 300.0), "timeout_ms": r.range(1.0, 500.0)});
        }
        let max_size = r.int(1, 10);
        let mut svc = json!({
            "name": format!("svc{i}"),
            "kind": if serverless { "serverless" } else { "instances" },
            "instances": r.int(1, 4),
            "pools_per_instance": if serverless { 1 } else { r.int(1, 2) },
            "route": if proxy && r.chance(0.7) { "proxy" } else { "direct" },
            "workload": workload,
            "pool": {
                "max_size": max_size,
                "min_idle": r.int(0, max_size),
                "acquire_timeout_ms": opt!(r, 0.8, json!(r.range(0.0, 300.0))),
                "idle_timeout_ms": opt!(r, 0.7, json!(r.range(0.0, 2000.0))),
                "max_lifetime_ms": opt!(r, 0.3, json!(r.range(1.0, 3000.0))),
                "lifetime_jitter_ms": r.range(0.0, 200.0),
                "max_uses": opt!(r, 0.3, json!(r.int(1, 20))),
                "on_connect_error": *r.pick(&["fail", "retry"]),
                "create_retry_interval_ms": r.range(1.0, 300.0),
            },
        });
        if serverless {
            svc["serverless"] = json!({"max_concurrency": r.int(1, 50), "cold_start_ms": dist(r, 300.0),
                "idle_reclaim_s": r.range(0.0, 3.0), "orphan_linger_s": r.range(0.0, 3.0)});
        }
        if r.chance(0.4) {
            let on: Vec<&str> = CAUSES.iter().copied().filter(|_| r.chance(0.4)).collect();
            svc["retry"] = json!({"max_attempts": r.int(1, 4), "on": on,
                "base_ms": r.range(0.0, 50.0), "cap_ms": r.range(50.0, 500.0),
                "jitter": *r.pick(&["none", "full", "equal", "decorrelated"]),
                "budget": opt!(r, 0.5, json!({"ratio": r.range(0.0, 1.0), "max_tokens": r.range(0.0, 20.0)})),
                "breaker": opt!(r, 0.3, json!({"window_s": r.range(0.1, 3.0), "min_requests": r.int(1, 20),
                    "error_rate": r.range(0.05, 1.0), "open_s": r.range(0.1, 2.0)}))});
        }
        services.push(svc);
    }
    let max_connections = r.int(2, 60);
    let mut database = json!({
        "max_connections": max_connections,
        "reserved_connections": r.int(0, max_connections - 1),
        "cores": opt!(r, 0.5, json!(r.int(1, 8))),
        "connect_ms": r.range(0.0, 20.0),
        "statement_timeout_ms": opt!(r, 0.3, json!(r.range(1.0, 60.0))),
        "idle_in_transaction_timeout_ms": opt!(r, 0.2, json!(r.range(1.0, 50.0))),
    });
    if r.chance(0.3) {
        database["contention"] = json!({"sigma": r.range(0.0, 0.1), "kappa": r.range(0.0, 0.01)});
    }
    if replicas > 0 {
        let mc = r.int(2, 60);
        database["replicas"] = json!({"count": replicas, "max_connections": mc,
            "reserved_connections": r.int(0, mc - 1), "cores": opt!(r, 0.5, json!(r.int(1, 8)))});
    }
    let duration_s = r.range(0.5, 6.0);
    let warmup_s = r.range(0.0, 1.5);
    let mut events = Vec::new();
    let targets: Vec<String> = std::iter::once("primary".to_string())
        .chain((1..=replicas).map(|k| format!("replica:{k}")))
        .collect();
    let instance_services: Vec<String> = services
        .iter()
        .filter(|s| s["kind"] == "instances")
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    for _ in 0..r.int(0, 3) {
        let at_s = r.range(0.0, warmup_s + duration_s);
        let target = r.pick(&targets).clone();
        let e = match r.int(0, 4) {
            0 => {
                let t = if proxy && r.chance(0.3) {
                    "proxy".to_string()
                } else {
                    target
                };
                json!({"at_s": at_s, "kind": "db_restart", "target": t, "down_s": r.range(0.0, 2.0)})
            }
            1 => json!({"at_s": at_s, "kind": "slow_queries", "target": target,
                        "factor": r.range(0.5, 6.0), "for_s": r.range(0.0, 2.0)}),
            2 => json!({"at_s": at_s, "kind": "cores", "target": target,
                        "cores": r.int(1, 4), "for_s": r.range(0.0, 2.0)}),
            3 if !instance_services.is_empty() => json!({"at_s": at_s, "kind": "scale",
                        "service": r.pick(&instance_services).clone(), "instances": r.int(1, 5)}),
            4 if !instance_services.is_empty() => json!({"at_s": at_s, "kind": "rolling_restart",
                        "service": r.pick(&instance_services).clone(), "batch": r.int(1, 2),
                        "every_s": r.range(0.1, 1.0)}),
            _ => continue,
        };
        events.push(e);
    }
    let mut s = json!({
        "version": 2, "seed": r.next_u64() >> 1, "duration_s": duration_s, "warmup_s": warmup_s,
        "services": services, "database": database, "events": events,
    });
    if proxy {
        let size = r.int(1, 10);
        s["proxy"] = json!({"pool_mode": pool_mode, "max_client_conn": r.int(1, 100),
            "default_pool_size": size, "min_pool_size": r.int(0, size),
            "reserve_pool_size": r.int(0, 3), "reserve_pool_timeout_ms": r.range(0.0, 50.0),
            "query_wait_timeout_ms": opt!(r, 0.7, json!(r.range(1.0, 500.0))),
            "server_idle_timeout_ms": opt!(r, 0.7, json!(r.range(1.0, 1000.0))),
            "server_lifetime_ms": opt!(r, 0.5, json!(r.range(1.0, 2000.0))),
            "server_login_retry_ms": r.range(1.0, 500.0), "client_connect_ms": r.range(0.0, 5.0)});
    }
    s
}

/// Text that looks like a scenario but is broken in one of many ways:
/// characters cut, added or swapped, numbers made absurd, fields dropped,
/// renamed or retyped.
pub fn mangled(seed: u64, valid: &Value) -> String {
    let mut r = Rng::new(seed ^ 0xA5A5_A5A5);
    let r = &mut r;
    match r.int(0, 3) {
        0 => {
            // Structural: change one value somewhere in the tree.
            let mut v = valid.clone();
            mangle_value(r, &mut v, 0);
            v.to_string()
        }
        _ => {
            let mut text: Vec<u8> = valid.to_string().into_bytes();
            for _ in 0..r.int(1, 4) {
                if text.is_empty() {
                    break;
                }
                let at = r.int(0, text.len() as u64 - 1) as usize;
                match r.int(0, 3) {
                    0 => {
                        text.remove(at);
                    }
                    1 => text.insert(at, *r.pick(b"{}[]\",:-.e0123456789nulltrue ")),
                    2 => text.truncate(at),
                    _ => text[at] = (r.next_u64() & 0x7f) as u8,
                }
            }
            String::from_utf8_lossy(&text).into_owned()
        }
    }
}

fn mangle_value(r: &mut Rng, v: &mut Value, depth: u32) {
    let odd = [
        json!(-1),
        json!(0),
        json!(1e300),
        json!(-1e-300),
        json!(4_294_967_296u64),
        json!(18_446_744_073_709_551_615u64),
        json!(0.5),
        json!("20"),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!("replica:99"),
        json!("nope"),
    ];
    match v {
        Value::Object(m) if !m.is_empty() && depth < 6 => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = r.pick(&keys).clone();
            match r.int(0, 4) {
                0 => {
                    m.remove(&k);
                }
                1 => {
                    let x = m.remove(&k).unwrap();
                    m.insert(format!("{k}x"), x);
                }
                _ => mangle_value(r, m.get_mut(&k).unwrap(), depth + 1),
            }
        }
        Value::Array(a) if !a.is_empty() && depth < 6 => {
            let i = r.int(0, a.len() as u64 - 1) as usize;
            if r.chance(0.2) {
                let x = a[i].clone();
                a.push(x);
            } else {
                mangle_value(r, &mut a[i], depth + 1);
            }
        }
        _ => *v = r.pick(&odd).clone(),
    }
}
