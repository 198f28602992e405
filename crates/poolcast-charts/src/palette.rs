//! One colour per series, shared by every chart (and by the page's legends),
//! so a burst can be followed from chart to chart by colour alone. Mostly the
//! Okabe-Ito colour-blind-safe set.

use plotters::style::RGBColor;

/// Connections lent to requests.
pub const BUSY: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Open connections nobody is using.
pub const IDLE: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Requests waiting for a connection.
pub const WAITING: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Connections the database sees (open or opening).
pub const DB_CONNECTIONS: RGBColor = RGBColor(0x6A, 0x3D, 0x9A);
/// The database's connection limit; always drawn dashed.
pub const LIMIT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Acquire timeouts.
pub const TIMEOUTS: RGBColor = RGBColor(0xA5, 0x00, 0x26);
/// Other request failures.
pub const FAILURES: RGBColor = RGBColor(0x4D, 0x4D, 0x4D);
/// Request arrivals.
pub const ARRIVALS: RGBColor = RGBColor(0x99, 0x99, 0x33);
/// Median wait marks.
pub const P50: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// 95th percentile wait marks.
pub const P95: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// 99th percentile wait marks and series.
pub const P99: RGBColor = RGBColor(0x33, 0x22, 0x88);
/// Shading of the warmup, which is not measured.
pub const WARMUP: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
/// Timed events: the shading of their window and the line at their start.
pub const EVENT: RGBColor = RGBColor(0xCC, 0x33, 0x11);
/// Shading of a timed event's window (a pale [`EVENT`]).
pub const EVENT_WINDOW: RGBColor = RGBColor(0xFB, 0xE3, 0xDC);
/// Retries started.
pub const RETRIES: RGBColor = RGBColor(0xAA, 0x44, 0x99);
/// Attempts per request (retry amplification).
pub const AMPLIFICATION: RGBColor = RGBColor(0x44, 0x77, 0xAA);
/// Live instances of every service.
pub const INSTANCES: RGBColor = RGBColor(0x11, 0x77, 0x33);
/// Clients waiting at the proxy for a server connection.
pub const PROXY_WAITING: RGBColor = RGBColor(0x88, 0x22, 0x55);
/// Boxes of the topology, and text on them.
pub const BOX: RGBColor = RGBColor(0xF3, 0xF5, 0xF7);
/// A part of the topology that hit its limit.
pub const OVER: RGBColor = RGBColor(0xB3, 0x26, 0x1E);

/// Connections of database `db` (0 the primary, then the replicas): the
/// primary in [`DB_CONNECTIONS`], replicas in lighter purples.
pub fn database(db: usize) -> RGBColor {
    const REPLICAS: [RGBColor; 3] = [
        RGBColor(0x9E, 0x7B, 0xC9),
        RGBColor(0x3F, 0x1D, 0x6B),
        RGBColor(0xC2, 0xA5, 0xCF),
    ];
    if db == 0 {
        DB_CONNECTIONS
    } else {
        REPLICAS[(db - 1) % REPLICAS.len()]
    }
}

/// The colour of a failure cause (by its JSON name), the same in every chart.
pub fn cause(name: &str) -> RGBColor {
    match name {
        "pool_timeout" => TIMEOUTS,
        "too_many_clients" => RGBColor(0xF4, 0x6D, 0x43),
        "statement_timeout" => RGBColor(0x7B, 0x32, 0x94),
        "max_client_conn" => RGBColor(0xE7, 0x29, 0x8A),
        "query_wait_timeout" => RGBColor(0xFD, 0xAE, 0x61),
        "throttled" => RGBColor(0x66, 0xA6, 0x1E),
        "db_unavailable" => FAILURES,
        "connection_lost" => RGBColor(0x99, 0x99, 0x99),
        "transaction_start_timeout" => RGBColor(0x8C, 0x51, 0x0A),
        "transaction_timeout" => RGBColor(0xBF, 0x81, 0x2D),
        "idle_in_transaction" => RGBColor(0x35, 0x97, 0x8F),
        "breaker_open" => RGBColor(0x01, 0x66, 0x5E),
        _ => RGBColor(0x33, 0x33, 0x33),
    }
}

/// The colour as CSS `#rrggbb`, for legends drawn outside the charts.
pub fn css(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn css_is_lowercase_hex() {
        assert_eq!(super::css(super::LIMIT), "#d55e00");
    }
}
