//! One chart of a report on a `<canvas>` (from a `NodeRef`, never by id),
//! drawn by poolcast-charts through plotters-canvas, with run A faint under
//! it when comparing, and a PNG download.

use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use poolcast::Report;
use poolcast_charts::Chart;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::browser;

/// Height of a chart, CSS pixels. The page's CSP allows no inline style
/// attributes: `draw_sized` sets the height through the CSSOM instead.
pub const HEIGHT_PX: u32 = 230;

/// Props of [`ChartView`].
#[derive(Properties, PartialEq)]
pub struct ChartViewProps {
    /// The run to draw (B when comparing; maybe a run still going).
    pub report: Rc<Report>,
    /// Run A, drawn faint under it.
    #[prop_or_default]
    pub compare: Option<Rc<Report>>,
    /// Which chart.
    pub chart: Chart,
    /// Height, CSS px.
    #[prop_or(HEIGHT_PX)]
    pub height: u32,
    /// "live" while the run goes on, "cancelled" after Cancel, "" when done.
    #[prop_or_default]
    pub partial: AttrValue,
}

/// Sizes `canvas` to its box's width and `height` px, then draws with `draw`.
pub fn draw_sized<F>(canvas: &HtmlCanvasElement, height: u32, draw: F) -> Result<(), String>
where
    F: FnOnce(
        &DrawingArea<CanvasBackend, Shift>,
    )
        -> Result<(), DrawingAreaErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>,
{
    let width = match canvas.client_width() {
        w if w > 0 => w as u32,
        _ => 800,
    };
    canvas.set_width(width);
    canvas.set_height(height);
    // Through the CSSOM: the page's CSP refuses style attributes.
    let _ = canvas
        .style()
        .set_property("height", &format!("{height}px"));
    let backend =
        CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    draw(&root).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// Draws `chart` of the report on `canvas`, sized to its box.
pub fn draw_on(canvas: &HtmlCanvasElement, chart: Chart, report: &Report) -> Result<(), String> {
    draw_pair(canvas, chart, report, None, HEIGHT_PX)
}

/// Draws `chart` of B with A faint under it on `canvas`.
pub fn draw_pair(
    canvas: &HtmlCanvasElement,
    chart: Chart,
    b: &Report,
    a: Option<&Report>,
    height: u32,
) -> Result<(), String> {
    draw_sized(canvas, height, |root| {
        poolcast_charts::draw_compare(chart, root, b, a)
    })
}

/// A PNG button's click: downloads what `canvas` shows as `file`.
pub fn download_png(canvas: &NodeRef, file: String) -> Callback<MouseEvent> {
    let canvas = canvas.clone();
    Callback::from(move |_| {
        if let Some(c) = canvas.cast::<HtmlCanvasElement>()
            && let Ok(url) = c.to_data_url()
        {
            browser::download_url(&file, &url);
        }
    })
}

/// A chart with its title and PNG button.
#[function_component(ChartView)]
pub fn chart_view(p: &ChartViewProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let (report, compare, chart, height) =
            (p.report.clone(), p.compare.clone(), p.chart, p.height);
        let key = (
            Rc::as_ptr(&report) as usize,
            compare.as_ref().map(|c| Rc::as_ptr(c) as usize),
            chart,
            height,
        );
        use_effect_with(key, move |_| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>()
                && let Err(e) = draw_pair(&c, chart, &report, compare.as_deref(), height)
            {
                web_sys::console::error_1(&format!("chart {}: {e}", chart.title()).into());
            }
        });
    }
    let stem = p.chart.file_stem();
    let on_png = download_png(&canvas, format!("poolcast-{stem}.png"));
    let label = if p.compare.is_some() {
        format!("{}: run B, with run A faint", p.chart.title())
    } else {
        p.chart.title().to_string()
    };
    let markers = p
        .report
        .timeline
        .events
        .len()
        .max(if p.chart == Chart::Events {
            p.report.scenario.events.len()
        } else {
            0
        });
    html! {
        <figure class="chart">
            <figcaption>
                <span class="sr-only">{ p.chart.title() }</span>
                <button type="button" class="small" onclick={on_png}
                    data-testid={format!("png-{stem}")}
                    aria-label={format!("Download {} as PNG", p.chart.title())}>{ "PNG" }</button>
            </figcaption>
            <canvas ref={canvas} data-testid={format!("chart-{stem}")} role="img"
                aria-label={label} data-markers={markers.to_string()} data-partial={p.partial.clone()}
                data-buckets={p.report.timeline.series.busy.len().to_string()}></canvas>
        </figure>
    }
}
