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
