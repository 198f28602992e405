//! The events strip: the scenario's timed events on the shared time axis,
//! one row each, a window as a bar and a moment as a tick, labelled. Drawn
//! from a run's markers, or from the scenario alone before any run (the
//! events editor shows it as events are added).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use poolcast::report::Marker;
use poolcast::scenario::TimedEvent;
use poolcast::{Report, Scenario};

use crate::common::{
    DESC_SIZE, DrawResult, Entry, FONT, LABEL_SIZE, TimeAxis, fit, frame, header, note_font,
};
use crate::palette;

/// The markers of `s`'s events, worked out from the scenario: a window for
/// a restart, a brownout or a core loss; a moment for a scale; a rolling
/// restart until its last batch is replaced.
pub fn markers(s: &Scenario) -> Vec<Marker> {
    s.events
        .iter()
        .map(|e| {
            let at_s = e.at_s();
            let end_s = match e {
                TimedEvent::DbRestart { down_s, .. } => at_s + down_s,
                TimedEvent::SlowQueries { for_s, .. } | TimedEvent::Cores { for_s, .. } => {
                    at_s + for_s
                }
                TimedEvent::Scale { .. } => at_s,
                TimedEvent::RollingRestart {
                    service,
                    batch,
                    every_s,
                    ..
                } => {
                    let n = s.service(service).map_or(1, |(_, x)| x.instances);
                    let batches = n.div_ceil((*batch).max(1)).max(1);
                    at_s + f64::from(batches) * every_s
                }
            };
            Marker {
                at_s,
                end_s,
                label: e.to_string(),
            }
        })
        .collect()
}

/// Draws the strip of `report` (its markers, or its scenario's events).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult<(), DB> {
    let axis = TimeAxis::of(report);
    let list = if report.timeline.events.is_empty() {
        markers(&report.scenario)
    } else {
        report.timeline.events.clone()
    };
    let rows = list.len().max(1) as f64;
    let entries = [
        Entry::solid("an event's window", palette::EVENT),
        Entry::dashed("a moment", palette::EVENT),
    ];
    let mut chart = frame(root, false, 0.0..axis.end_s, 0.0..rows)?;
    chart
        .configure_mesh()
        .x_desc("time since start (s)")
        .x_label_formatter(&|v| crate::fmt_num(*v))
        .x_labels(8)
        .y_labels(0)
        .disable_y_mesh()
        .light_line_style(BLACK.mix(0.05))
        .axis_desc_style((FONT, DESC_SIZE))
        .label_style((FONT, LABEL_SIZE))
        .draw()?;
    header(root, &chart, crate::Chart::Events.title(), &entries)?;
    if axis.warmup_s > 0.0 {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (axis.warmup_s, rows)],
            palette::WARMUP.mix(0.6).filled(),
        )))?;
    }
    if list.is_empty() {
        return crate::common::message(&chart, "no timed events: add one in the form");
    }
    for (k, m) in list.iter().enumerate() {
        let y0 = rows - k as f64 - 0.8;
        let y1 = rows - k as f64 - 0.2;
        let (at, end) = (
            m.at_s.clamp(0.0, axis.end_s),
            m.end_s.clamp(0.0, axis.end_s),
        );
        if end > at {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(at, y0), (end, y1)],
                palette::EVENT.mix(0.75).filled(),
            )))?;
        } else {
            chart.draw_series(std::iter::once(PathElement::new(
                [(at, y0 - 0.1), (at, y1 + 0.1)],
                palette::EVENT.stroke_width(3),
            )))?;
        }
        // The label goes right of the bar if it fits there, else left of
        // it if it fits there, else on the roomier side without its time,
        // cut to fit (the events editor's strip is narrow).
        let full = format!("{} at {} s", m.label, crate::fmt_num(m.at_s));
        let font = note_font(palette::EVENT);
        let (px, _) = chart.plotting_area().get_pixel_range();
        let room_right = px.end - chart.backend_coord(&(end, 0.0)).0 - 10;
        let room_left = chart.backend_coord(&(at, 0.0)).0 - px.start - 10;
        let width = root.estimate_text_size(&full, &font)?.0 as i32;
        let (fits_right, fits_left) = (width <= room_right, width <= room_left);
        let right = fits_right || (!fits_left && room_right >= room_left);
        let room = if right { room_right } else { room_left };
        let text = if width <= room {
            full
        } else {
            fit(root, &m.label, &font, room)?
        };
        let (x, pos, dx) = if right {
            (end, Pos::new(HPos::Left, VPos::Center), 6)
        } else {
            (at, Pos::new(HPos::Right, VPos::Center), -6)
        };
        let style = font.pos(pos);
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, (y0 + y1) / 2.0)) + Text::new(text, (dx, 0), style),
        ))?;
    }
    Ok(())
}
