//! The acquire-wait distribution: what share of served acquisitions waited
//! at most x ms (a CDF over a log ms axis, read off the 1-2-5 histogram),
//! with p50/p95/p99 marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use poolcast::Report;
use poolcast::report::WaitHistogram;

use crate::common::{DrawResult, Entry, dashed, fmt_num, frame, header, mesh, message, note_font};
use crate::palette;

/// The CDF's points, `(ms, % served within ms)`, from the lower edge of the
/// first bucket with a wait to the last bucket; `Err` says why there are none.
pub fn cdf_points(h: &WaitHistogram) -> Result<Vec<(f64, f64)>, &'static str> {
    let n = h.le_ms.len().min(h.counts.len());
    let (le, counts) = (&h.le_ms[..n], &h.counts[..n]);
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    if total == 0.0 {
        return Err("no acquisition was served in the measured window");
    }
    let ordered =
        le.iter().all(|v| v.is_finite() && *v >= 0.0) && le.windows(2).all(|w| w[0] < w[1]);
    if !ordered {
        return Err("the wait histogram is malformed");
    }
    let waited = |i: &usize| le[*i] > 0.0 && counts[*i] > 0;
    let Some(first) = (0..n).find(waited) else {
        return Err("every acquisition was served at once: no waits");
    };
    let last = (0..n).rev().find(waited).unwrap_or(first);
    let x0 = if first > 0 && le[first - 1] > 0.0 {
        le[first - 1]
    } else {
        le[first] / 2.0
    };
    let mut served: f64 = counts[..first].iter().map(|&c| c as f64).sum();
    let mut points = vec![(x0, 100.0 * served / total)];
    for i in first..=last {
        served += counts[i] as f64;
        points.push((le[i], 100.0 * served / total));
    }
    Ok(points)
}

/// Draws the wait distribution of `report`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: Option<&Report>,
) -> DrawResult<(), DB> {
    let points = cdf_points(&report.acquire.wait_histogram);
    let a_points = a.and_then(|a| cdf_points(&a.acquire.wait_histogram).ok());
    let (x0, x1) = match &points {
        Ok(p) => (p[0].0, p[p.len() - 1].0),
        Err(_) => (0.001, 1.0),
    };
    let (x0, x1) = match &a_points {
        Some(q) if points.is_ok() => (x0.min(q[0].0), x1.max(q[q.len() - 1].0)),
        Some(q) => (q[0].0, q[q.len() - 1].0),
        None => (x0, x1),
    };
    let w = &report.acquire.wait_ms;
    let marks = [
        ("p50", w.p50, palette::P50),
        ("p95", w.p95, palette::P95),
        ("p99", w.p99, palette::P99),
    ];
    let mut entries = vec![Entry::solid("served within x ms", palette::BUSY)];
    entries.extend(
        marks
            .iter()
            .map(|(name, ms, color)| Entry::dashed(format!("{name} {} ms", fmt_num(*ms)), *color)),
    );
    if a.is_some() {
        entries.push(Entry::solid("faint: run A", RGBColor(0xC8, 0xC8, 0xC8)));
    }
    let mut chart = frame(root, false, (x0..x1).log_scale(), 0.0..100.0)?;
    mesh(
        &mut chart,
        "acquire wait x (ms, log scale)",
        "served acquisitions (%)",
    )?;
    header(
        root,
        &chart,
        crate::Chart::WaitDistribution.title(),
        &entries,
    )?;
    if let Some(q) = &a_points {
        chart.draw_series(LineSeries::new(
            q.iter().copied(),
            palette::BUSY.mix(crate::timeline::FAINT).stroke_width(2),
        ))?;
    }
    let points = match points {
        Ok(p) => p,
        Err(why) => return message(&chart, why),
    };
    for (_, ms, color) in marks {
        let x = if ms.is_finite() { ms.clamp(x0, x1) } else { x0 };
        dashed(&mut chart, (x, 0.0), (x, 100.0), color)?;
    }
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        palette::BUSY.stroke_width(2),
    ))?;
    let at_once = points[0].1;
    let note = format!("{}% served at once", fmt_num(at_once));
    let (v, dy) = if at_once > 80.0 {
        (VPos::Top, 6)
    } else {
        (VPos::Bottom, -6)
    };
    let style = note_font(palette::BUSY).pos(Pos::new(HPos::Left, v));
    chart.draw_series(std::iter::once(
        EmptyElement::at(points[0]) + Text::new(note, (6, dy), style),
    ))?;
    let timeouts = report.acquire.timeout_fraction;
    if timeouts > 0.0 {
        let note = format!(
            "{}% of attempts timed out (not served)",
            fmt_num(100.0 * timeouts)
        );
        let style = note_font(palette::TIMEOUTS).pos(Pos::new(HPos::Right, VPos::Bottom));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x1, 0.0)) + Text::new(note, (-6, -6), style),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(le_ms: &[f64], counts: &[u64]) -> WaitHistogram {
        WaitHistogram {
            le_ms: le_ms.to_vec(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn cdf_starts_at_the_share_served_at_once() {
        let p = cdf_points(&hist(&[0.0, 0.001, 0.002, 0.005], &[6, 0, 2, 2])).unwrap();
        assert_eq!(p, vec![(0.001, 60.0), (0.002, 80.0), (0.005, 100.0)]);
        let p = cdf_points(&hist(&[0.0, 0.001], &[1, 1])).unwrap();
        assert_eq!(p, vec![(0.0005, 50.0), (0.001, 100.0)]);
    }

    #[test]
    fn degenerate_histograms_explain_themselves() {
        assert!(cdf_points(&hist(&[], &[])).is_err());
        assert!(
            cdf_points(&hist(&[0.0], &[5]))
                .unwrap_err()
                .contains("at once")
        );
        assert!(
            cdf_points(&hist(&[0.0, 0.0], &[1, 1]))
                .unwrap_err()
                .contains("malformed")
        );
    }
}
