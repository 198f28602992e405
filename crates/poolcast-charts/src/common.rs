//! What every chart shares: text sizes, number formatting, the empty-chart
//! message, safe axis ranges and the shared time axis.

use std::ops::Range;

use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use poolcast::Report;

use crate::palette;

/// What drawing on backend `DB` can fail with.
pub type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart whose axes are both plain numbers.
pub type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart of plain numbers with a second y axis on the right.
pub type DualChart<'a, DB> = DualCoordChartContext<
    'a,
    DB,
    Cartesian2d<RangedCoordf64, RangedCoordf64>,
    Cartesian2d<RangedCoordf64, RangedCoordf64>,
>;

/// The one font family; natively it is DejaVu Sans, registered in `lib.rs`.
pub const FONT: &str = "sans-serif";
/// Left label area of every chart, fixed so time charts line up vertically.
pub const Y_LABEL_AREA_PX: u32 = 64;
/// Bottom label area: tick labels and the x axis description.
pub const X_LABEL_AREA_PX: u32 = 48;
/// Right label area of a second y axis; charts without one keep it as a
/// margin, so every chart's plot has the same width.
pub const RIGHT_AREA_PX: u32 = 60;
/// Caption and legend row above the plot.
pub const HEADER_PX: u32 = 52;
/// Text sizes in plotters units: the canvas draws them as px, SVG as
/// px / 1.24 (plotters' convention), so they are chosen for both.
pub const CAPTION_SIZE: u32 = 17;
/// Axis descriptions.
pub const DESC_SIZE: u32 = 14;
/// Tick labels, legend and notes.
pub const LABEL_SIZE: u32 = 13;
/// Smaller than this the charts draw nothing (nothing would be readable).
pub const MIN_SIZE_PX: (u32, u32) = (160, 100);

/// Text of the caption.
pub fn caption_font() -> TextStyle<'static> {
    (FONT, CAPTION_SIZE).into_font().color(&BLACK)
}

/// Text of notes and labels inside the plot.
pub fn note_font(color: RGBColor) -> TextStyle<'static> {
    (FONT, LABEL_SIZE).into_font().color(&color)
}

/// A number for a label: short, never in 15 digits, never `NaN`.
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "?".into()
    } else if a == 0.0 {
        "0".into()
    } else if !(0.001..1e6).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        trim(format!("{v:.1}"))
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else {
        // Three significant digits below 1.
        let decimals = (2 - a.log10().floor() as i32).clamp(1, 6) as usize;
        trim(format!("{v:.decimals$}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `0..top` for values whose largest finite value is `max`: a little
/// headroom, at least `floor`, and always a non-empty finite range.
pub fn y_range(max: f64, floor: f64) -> Range<f64> {
    let max = if max.is_finite() { max } else { 0.0 };
    let top = (max * 1.1).max(floor);
    0.0..if top.is_finite() && top > 0.0 {
        top
    } else {
        f64::MAX / 2.0
    }
}

/// The largest finite value, or 0.
pub fn finite_max(values: impl IntoIterator<Item = f64>) -> f64 {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// Whether `root` is large enough to hold a chart.
pub fn big_enough<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> bool {
    let (w, h) = root.dim_in_pixel();
    w >= MIN_SIZE_PX.0 && h >= MIN_SIZE_PX.1
}

/// Writes `msg` in the middle of the plotting area of `chart`.
pub fn message<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    msg: &str,
) -> DrawResult<(), DB> {
    let area = chart.plotting_area();
    let (w, h) = area.dim_in_pixel();
    let style = note_font(palette::FAILURES).pos(Pos::new(HPos::Center, VPos::Center));
    // Pixel coordinates keep this independent of the axis ranges.
    area.strip_coord_spec()
        .draw_text(msg, &style, (w as i32 / 2, h as i32 / 2))
}

/// A dashed straight line from `a` to `b` in chart coordinates.
pub fn dashed<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    a: (f64, f64),
    b: (f64, f64),
    color: RGBColor,
) -> DrawResult<(), DB> {
    chart.draw_series(DashedLineSeries::new([a, b], 8, 5, color.stroke_width(2)))?;
    Ok(())
}

/// The time axis every time chart shares: seconds from the start of the run,
/// warmup included, so the charts line up when stacked; the timed events
/// are shaded on it.
#[derive(Debug, Clone)]
pub struct TimeAxis {
    /// End of the axis, s.
    pub end_s: f64,
    /// Width of one bucket, s.
    pub bucket_s: f64,
    /// End of the warmup, s.
    pub warmup_s: f64,
    /// Timed events: (start, end) in s; a moment has end = start.
    pub events: Vec<(f64, f64)>,
}

impl TimeAxis {
    /// The axis of B's timeline, long enough for A's too when comparing.
    pub fn of_pair(b: &Report, a: Option<&Report>) -> TimeAxis {
        let mut axis = TimeAxis::of(b);
        if let Some(a) = a {
            let other = TimeAxis::of(a);
            axis.end_s = axis.end_s.max(other.end_s);
        }
        axis
    }

    /// A's buckets drawn on this axis: A's own bucket width.
    pub fn for_a(&self, a: &Report) -> TimeAxis {
        TimeAxis {
            end_s: self.end_s,
            ..TimeAxis::of(a)
        }
    }

    /// The axis of `report`'s timeline.
    pub fn of(report: &Report) -> TimeAxis {
        let s = &report.scenario;
        let t = &report.timeline;
        let buckets = t.series.busy.len() as f64;
        let bucket_s = if t.bucket_s.is_finite() && t.bucket_s > 0.0 {
            t.bucket_s
        } else {
            1.0
        };
        let run_s = s.warmup_s + s.duration_s;
        let end_s = if run_s.is_finite() && run_s > 0.0 {
            run_s
        } else if buckets > 0.0 {
            buckets * bucket_s
        } else {
            1.0
        };
        let warmup_s = if s.warmup_s.is_finite() {
            s.warmup_s.clamp(0.0, end_s)
        } else {
            0.0
        };
        let events = report
            .timeline
            .events
            .iter()
            .filter(|m| m.at_s.is_finite() && m.end_s.is_finite())
            .map(|m| {
                (
                    m.at_s.clamp(0.0, end_s),
                    m.end_s.clamp(m.at_s.clamp(0.0, end_s), end_s),
                )
            })
            .collect();
        TimeAxis {
            end_s,
            bucket_s,
            warmup_s,
            events,
        }
    }

    /// Where bucket `i` is drawn: its middle, s (the last one may be short).
    pub fn x(&self, i: usize) -> f64 {
        ((i as f64 + 0.5) * self.bucket_s).min(self.end_s)
    }

    /// Builds a time chart on `root`: caption, legend, axes with units, the
    /// warmup shaded. The y axis runs over `y`.
    pub fn chart<'a, DB: DrawingBackend>(
        &self,
        root: &'a DrawingArea<DB, Shift>,
        caption: &str,
        entries: &[Entry],
        y_desc: &str,
        y: Range<f64>,
    ) -> DrawResult<Chart2d<'a, DB>, DB> {
        let mut chart = frame(root, false, 0.0..self.end_s, y.clone())?;
        self.decorate(root, &mut chart, caption, entries, y_desc, y)?;
        Ok(chart)
    }

    /// Axes, header and warmup shading of a time chart built by [`frame`]
    /// (a chart with a second axis sets it up before calling this).
    pub fn decorate<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &mut Chart2d<'_, DB>,
        caption: &str,
        entries: &[Entry],
        y_desc: &str,
        y: Range<f64>,
    ) -> DrawResult<(), DB> {
        mesh(chart, "time since start (s)", y_desc)?;
        header(root, chart, caption, entries)?;
        if self.warmup_s > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y.start), (self.warmup_s, y.end)],
                palette::WARMUP.mix(0.6).filled(),
            )))?;
            let label = EmptyElement::at((0.0, y.end))
                + Text::new("warmup", (4, 4), note_font(palette::FAILURES));
            chart.draw_series(std::iter::once(label))?;
        }
        self.shade_events(chart, y)
    }

    /// The timed events on a chart: each window shaded, each start a line.
    pub fn shade_events<DB: DrawingBackend>(
        &self,
        chart: &mut Chart2d<'_, DB>,
        y: Range<f64>,
    ) -> DrawResult<(), DB> {
        for &(at, end) in &self.events {
            if end > at {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(at, y.start), (end, y.end)],
                    palette::EVENT_WINDOW.mix(0.7).filled(),
                )))?;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                [(at, y.start), (at, y.end)],
                palette::EVENT.stroke_width(1),
            )))?;
        }
        Ok(())
    }
}

/// The chart [`frame`] builds.
pub type Framed<'a, DB, X, Y> = ChartContext<
    'a,
    DB,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// A chart on `root` with room for the header and the label areas; a second
/// y axis on the right if `right_axis`.
pub fn frame<'a, DB: DrawingBackend, X: AsRangedCoord, Y: AsRangedCoord>(
    root: &'a DrawingArea<DB, Shift>,
    right_axis: bool,
    x: X,
    y: Y,
) -> DrawResult<Framed<'a, DB, X, Y>, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(8)
        .margin_top(HEADER_PX)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(Y_LABEL_AREA_PX);
    if right_axis {
        builder.right_y_label_area_size(RIGHT_AREA_PX);
    } else {
        builder.margin_right(8 + RIGHT_AREA_PX);
    }
    builder.build_cartesian_2d(x, y)
}

/// The right-hand y axis of `chart`, described by `y_desc` (which carries
/// the unit), its tick labels in `labels`.
pub fn secondary_axis<DB: DrawingBackend>(
    chart: &mut DualChart<'_, DB>,
    y_desc: &str,
    labels: TextStyle<'static>,
) -> DrawResult<(), DB> {
    chart
        .configure_secondary_axes()
        .y_desc(y_desc)
        .y_labels(6)
        .y_label_formatter(&|v| fmt_num(*v))
        .axis_desc_style((FONT, DESC_SIZE))
        .label_style(labels)
        .draw()
}

/// Axes with their descriptions (which carry the units) and light grid.
pub fn mesh<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
) -> DrawResult<(), DB>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .x_labels(8)
        .y_labels(6)
        .light_line_style(BLACK.mix(0.05))
        .axis_desc_style((FONT, DESC_SIZE))
        .label_style((FONT, LABEL_SIZE))
        .draw()
}

/// One legend entry: a line in `color`, dashed or solid, and its label.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What the line shows, with units.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// Whether the line is dashed.
    pub dashed: bool,
}

impl Entry {
    /// A solid line.
    pub fn solid(label: impl Into<String>, color: RGBColor) -> Entry {
        Entry {
            label: label.into(),
            color,
            dashed: false,
        }
    }

    /// A dashed line.
    pub fn dashed(label: impl Into<String>, color: RGBColor) -> Entry {
        Entry {
            dashed: true,
            ..Entry::solid(label, color)
        }
    }
}

/// The caption and a one-row legend above the plotting area of `chart`, so
/// the legend never hides data.
pub fn header<DB: DrawingBackend, CT: CoordTranslate>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, CT>,
    caption: &str,
    entries: &[Entry],
) -> DrawResult<(), DB> {
    let (plot_x, _) = chart.plotting_area().get_pixel_range();
    let (base_x, _) = root.get_base_pixel();
    let center = (plot_x.start + plot_x.end) / 2 - base_x;
    let top = caption_font().pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(caption, &top, (center, 6))?;
    let font = (FONT, LABEL_SIZE).into_font().color(&BLACK);
    const MARK: i32 = 20;
    const GAP: i32 = 16;
    let mut widths = Vec::with_capacity(entries.len());
    for e in entries {
        widths.push(root.estimate_text_size(&e.label, &font)?.0 as i32);
    }
    let total: i32 = widths.iter().map(|w| MARK + 6 + w + GAP).sum::<i32>() - GAP;
    // Centred over the plot; if too wide, from the left edge of the area.
    let (width, _) = root.dim_in_pixel();
    let mut x = (center - total / 2).max(plot_x.start - base_x);
    if x + total > width as i32 {
        x = 4;
    }
    let y = 38;
    let label_style = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (e, w) in entries.iter().zip(widths) {
        let style = e.color.stroke_width(3);
        if e.dashed {
            root.draw(&PathElement::new([(x, y), (x + 8, y)], style))?;
            root.draw(&PathElement::new([(x + 12, y), (x + MARK, y)], style))?;
        } else {
            root.draw(&PathElement::new([(x, y), (x + MARK, y)], style))?;
        }
        root.draw_text(&e.label, &label_style, (x + MARK + 6, y))?;
        x += MARK + 6 + w + GAP;
    }
    Ok(())
}

/// `text`, cut with an ellipsis to fit `max_px`.
pub(crate) fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_px: i32,
) -> DrawResult<String, DB> {
    let w = |t: &str| root.estimate_text_size(t, style).map(|(w, _)| w as i32);
    if w(text)? <= max_px {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        let t: String = chars[..mid].iter().collect::<String>() + "…";
        if w(&t)? <= max_px {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(chars[..lo].iter().collect::<String>() + "…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(12.0), "12");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.00123), "0.00123");
        assert_eq!(fmt_num(1234.56), "1235");
        assert_eq!(fmt_num(1e300), "1.0e300");
        assert_eq!(fmt_num(f64::NAN), "?");
    }

    #[test]
    fn y_ranges_are_never_empty() {
        assert_eq!(y_range(0.0, 1.0), 0.0..1.0);
        assert!(y_range(f64::MAX, 1.0).end.is_finite());
        assert!(y_range(f64::NAN, 1.0).end > 0.0);
    }
}
