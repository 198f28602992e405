//! Reading pool settings out of what people already have: a Prisma-style
//! `DATABASE_URL` (`postgresql://u:p@host:5432/db?connection_limit=20&...`),
//! an `.env` block like the guides' (`DB_CONNECTION_LIMIT=10`), or
//! `postgresql.conf` lines (`max_connections = 200`). Every setting found is
//! either applied (and listed) or ignored (and listed, with the reason).
//! Credentials, hosts and unknown values are never kept or echoed: ignored
//! lines are named by their key only.

use poolcast::Scenario;
use serde_json::Value;

use crate::edit;

/// The outcome of reading a pasted block.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvImport {
    /// The scenario with the settings applied.
    pub scenario: Scenario,
    /// What was applied, e.g. `connection_limit=20 → pool.max_size = 20`.
    pub read: Vec<String>,
    /// What was not, by key, with the reason.
    pub ignored: Vec<String>,
    /// The service whose pool settings are read.
    pub service: usize,
}

/// Where a setting goes and in which unit it arrives.
#[derive(Clone, Copy)]
enum Target {
    MaxSize,
    MinIdle,
    /// Seconds; 0 means wait forever (Prisma's `pool_timeout=0`).
    AcquireTimeoutS,
    AcquireTimeoutMs,
    IdleTimeoutMs,
    RetryIntervalMs,
    MaxUses,
    StatementTimeoutMs,
    IdleInTransactionMs,
    MaxConnections,
    Reserved,
    /// Known, deliberately not modelled; the text says why.
    Skip(&'static str),
}

fn target(key: &str) -> Option<Target> {
    use Target::*;
    let t = match key.to_ascii_lowercase().as_str() {
        "connection_limit"
        | "db_connection_limit"
        | "database_connection_limit"
        | "database_pool_max"
        | "db_pool_max"
        | "pool_max" => MaxSize,
        "database_pool_min" | "db_pool_min" | "pool_min" => MinIdle,
        "pool_timeout" | "db_pool_timeout" | "database_pool_timeout" => AcquireTimeoutS,
        "database_pool_acquire_timeout" | "db_pool_acquire_timeout" => AcquireTimeoutMs,
        "database_pool_idle_timeout" | "db_pool_idle_timeout" => IdleTimeoutMs,
        "database_pool_create_retry_interval" => RetryIntervalMs,
        "database_pool_max_usage_count" => MaxUses,
        "statement_timeout" | "database_statement_timeout" | "db_statement_timeout" => {
            StatementTimeoutMs
        }
        "max_connections" => MaxConnections,
        "superuser_reserved_connections" => Reserved,
        "connect_timeout" | "database_connect_timeout" | "database_connection_timeout" => Skip(
            "a limit on opening a connection; poolcast models the opening time (database.connect_ms) instead",
        ),
        "database_max_connections" => Skip(
            "ambiguous (app-side or server max_connections?); set database.max_connections by hand",
        ),
        "database_query_timeout" => {
            Skip("an app-side query timeout, not modelled; statement_timeout is")
        }
        "idle_in_transaction_session_timeout" | "database_idle_in_transaction_session_timeout" => {
            IdleInTransactionMs
        }
        "database_pool_evict_run_interval" | "reap_interval" => {
            Skip("the reaper's period; poolcast closes idle connections exactly on time")
        }
        "database_pool_create_timeout" | "database_pool_destroy_timeout" => Skip("not modelled"),
        "schema" | "sslmode" | "pgbouncer" | "application_name" | "sslaccept"
        | "socket_timeout" => Skip("no effect on pooling"),
        _ => return None,
    };
    Some(t)
}

/// Applies every setting found in `text` to `base`: pool settings to its
/// first service.
pub fn apply(text: &str, base: &Scenario) -> EnvImport {
    apply_to(text, base, 0)
}

/// Applies every setting found in `text` to `base`, pool settings to
/// service `service`.
pub fn apply_to(text: &str, base: &Scenario, service: usize) -> EnvImport {
    let mut out = EnvImport {
        scenario: base.clone(),
        read: Vec::new(),
        ignored: Vec::new(),
        service,
    };
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some(url) = find_url(line) {
            read_url(url, &mut out);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            out.ignored.push(format!(
                "a line without KEY=value ({} characters)",
                line.len()
            ));
            continue;
        };
        let key = key.trim();
        let value = strip_comment(value)
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        setting(key, value, &mut out);
    }
    out
}

fn find_url(line: &str) -> Option<&str> {
    let start = line
        .find("postgresql://")
        .or_else(|| line.find("postgres://"))?;
    let rest = &line[start..];
    let end = rest
        .find(|c: char| c == '"' || c == '\'' || c.is_whitespace())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

fn read_url(url: &str, out: &mut EnvImport) {
    if url.contains('@') {
        out.ignored
            .push("the URL's user, password and host (never stored or put in links)".into());
    }
    let Some((_, query)) = url.split_once('?') else {
        out.ignored
            .push("the URL has no ?connection_limit=... parameters: nothing to read".into());
        return;
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        setting(key, value, out);
    }
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(i) => &value[..i],
        None => value,
    }
}

fn setting(key: &str, value: &str, out: &mut EnvImport) {
    let Some(t) = target(key) else {
        out.ignored
            .push(format!("{key} (not a pool setting poolcast knows)"));
        return;
    };
    if let Target::Skip(why) = t {
        out.ignored.push(format!("{key}: {why}"));
        return;
    }
    let Some(x) = value
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
    else {
        out.ignored
            .push(format!("{key}: its value is not a number of 0 or more"));
        return;
    };
    let Some((path, value, note)) = field_value(t, x) else {
        out.ignored
            .push(format!("{key}: {x} is out of range for it"));
        return;
    };
    let shown = if value.is_null() {
        "none".to_string()
    } else {
        edit::value_text(&value)
    };
    let path = if path.starts_with("pool.") {
        format!("services.{}.{path}", out.service)
    } else {
        path.to_string()
    };
    // The core's parser checks the value, as for any form edit.
    match edit::set_value(&out.scenario, &path, value) {
        Ok(s) => {
            out.scenario = s;
            out.read.push(format!("{key}={x} → {path} = {shown}{note}"));
        }
        Err(e) => out.ignored.push(format!("{key}: {e}")),
    }
}

/// The scenario field a setting of `x` goes to, its JSON value there, and
/// a note on the conversion; `None` when `x` does not fit the field.
fn field_value(t: Target, x: f64) -> Option<(&'static str, Value, &'static str)> {
    let whole = x.fract() == 0.0 && x <= f64::from(u32::MAX);
    let count = |min: f64| (whole && x >= min).then(|| Value::from(x as u64));
    // For these settings 0 means "never" / "no limit".
    let or_none = |v: Value| if x > 0.0 { v } else { Value::Null };
    Some(match t {
        Target::MaxSize => ("pool.max_size", count(1.0)?, ""),
        Target::MinIdle => ("pool.min_idle", count(0.0)?, ""),
        Target::AcquireTimeoutS if x == 0.0 => {
            ("pool.acquire_timeout_ms", Value::Null, " (0 waits forever)")
        }
        Target::AcquireTimeoutS => (
            "pool.acquire_timeout_ms",
            Value::from(x * 1000.0),
            " (seconds × 1000)",
        ),
        Target::AcquireTimeoutMs => ("pool.acquire_timeout_ms", Value::from(x), ""),
        Target::IdleTimeoutMs => ("pool.idle_timeout_ms", or_none(Value::from(x)), ""),
        Target::RetryIntervalMs if x > 0.0 => ("pool.create_retry_interval_ms", Value::from(x), ""),
        Target::MaxUses => ("pool.max_uses", or_none(count(0.0)?), ""),
        Target::StatementTimeoutMs => {
            ("database.statement_timeout_ms", or_none(Value::from(x)), "")
        }
        Target::IdleInTransactionMs => (
            "database.idle_in_transaction_timeout_ms",
            or_none(Value::from(x)),
            "",
        ),
        Target::MaxConnections => ("database.max_connections", count(1.0)?, ""),
        Target::Reserved => ("database.reserved_connections", count(0.0)?, ""),
        Target::RetryIntervalMs | Target::Skip(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_prisma_url_and_keeps_no_credentials() {
        let url = "postgresql://u:secret@db.example:5432/db?connection_limit=20&pool_timeout=10&connect_timeout=60";
        let r = apply(url, &Scenario::default());
        assert_eq!(r.scenario.app().pool.max_size, 20);
        assert_eq!(r.scenario.app().pool.acquire_timeout_ms, Some(10_000.0));
        assert_eq!(r.read.len(), 2, "{:?}", r.read);
        assert!(r.ignored.iter().any(|m| m.starts_with("connect_timeout")));
        assert!(r.ignored.iter().any(|m| m.contains("password")));
        let all = format!("{:?} {:?} {:?}", r.read, r.ignored, r.scenario);
        assert!(
            !all.contains("secret") && !all.contains("db.example"),
            "{all}"
        );
    }

    #[test]
    fn reads_env_blocks_like_the_guides() {
        let text = r#"
# Pool Settings
DATABASE_POOL_MIN=10
DATABASE_POOL_MAX=100
DATABASE_POOL_ACQUIRE_TIMEOUT=60000
DATABASE_POOL_IDLE_TIMEOUT=300000
DATABASE_POOL_CREATE_RETRY_INTERVAL=200
export DB_POOL_TIMEOUT="20"   # seconds
DATABASE_STATEMENT_TIMEOUT=30000
DATABASE_PASSWORD=hunter2
NODE_ENV=production
max_connections = 200
DATABASE_URL="postgresql://user:password@localhost:5432/mega?connection_limit=10&pool_timeout=20"
"#;
        let r = apply(text, &Scenario::default());
        let s = &r.scenario;
        assert_eq!(s.app().pool.min_idle, 10);
        assert_eq!(
            s.app().pool.max_size,
            10,
            "the URL line comes last and wins"
        );
        assert_eq!(s.app().pool.acquire_timeout_ms, Some(20_000.0));
        assert_eq!(s.app().pool.idle_timeout_ms, Some(300_000.0));
        assert_eq!(s.app().pool.create_retry_interval_ms, 200.0);
        assert_eq!(s.database.statement_timeout_ms, Some(30_000.0));
        assert_eq!(s.database.max_connections, 200);
        assert!(r.ignored.iter().any(|m| m.starts_with("DATABASE_PASSWORD")));
        assert!(r.ignored.iter().any(|m| m.starts_with("NODE_ENV")));
        assert!(!format!("{:?}", r.ignored).contains("hunter2"));
        assert!(poolcast::validate(s, u64::MAX).is_ok());
    }

    #[test]
    fn pool_settings_go_to_the_chosen_service() {
        let base = crate::presets::by_id("mega-directory").unwrap().scenario;
        let r = apply_to(
            "DATABASE_URL=postgresql://pgbouncer:6432/db?connection_limit=1&pool_timeout=5\n\
             idle_in_transaction_session_timeout=60000",
            &base,
            1,
        );
        assert_eq!(r.scenario.services[1].pool.acquire_timeout_ms, Some(5000.0));
        assert_eq!(r.scenario.services[0], base.services[0]);
        assert_eq!(
            r.scenario.database.idle_in_transaction_timeout_ms,
            Some(60_000.0)
        );
        assert!(
            r.read
                .iter()
                .any(|m| m.contains("services.1.pool.max_size")),
            "{:?}",
            r.read
        );
    }

    #[test]
    fn bad_values_are_ignored_with_a_reason() {
        let r = apply(
            "DB_CONNECTION_LIMIT=ten\nDB_CONNECTION_LIMIT=2.5\nDB_POOL_TIMEOUT=0\nhello",
            &Scenario::default(),
        );
        assert_eq!(r.scenario.app().pool.max_size, 20);
        assert_eq!(r.scenario.app().pool.acquire_timeout_ms, None);
        assert_eq!(r.ignored.len(), 3, "{:?}", r.ignored);
    }
}
