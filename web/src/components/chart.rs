//! One chart of a report on a `<canvas>` (from a `NodeRef`, never by id),
//! drawn by poolcast-charts through plotters-canvas, with a PNG download.

use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use poolcast_charts::Chart;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::browser;
use crate::state::Outcome;

/// Height of a chart, CSS pixels (also `.chart canvas` in style.css: the
/// page's CSP allows no inline styles).
const HEIGHT_PX: u32 = 230;

/// Props of [`ChartView`].
#[derive(Properties, PartialEq)]
pub struct ChartViewProps {
    /// The run to draw.
    pub outcome: Rc<Outcome>,
    /// Which chart.
    pub chart: Chart,
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
    let backend =
        CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    draw(&root).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// Draws `chart` of the report on `canvas`, sized to its box.
pub fn draw_on(
    canvas: &HtmlCanvasElement,
    chart: Chart,
    report: &poolcast::Report,
) -> Result<(), String> {
    draw_sized(canvas, HEIGHT_PX, |root| {
        poolcast_charts::draw(chart, root, report)
    })
}

/// A chart with its title and PNG button.
#[function_component(ChartView)]
pub fn chart_view(p: &ChartViewProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let (outcome, chart) = (p.outcome.clone(), p.chart);
        use_effect_with((Rc::as_ptr(&outcome) as usize, chart), move |_| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>()
                && let Err(e) = draw_on(&c, chart, &outcome.report)
            {
                web_sys::console::error_1(&format!("chart {}: {e}", chart.title()).into());
            }
        });
    }
    let on_png = {
        let canvas = canvas.clone();
        let stem = p.chart.file_stem();
        Callback::from(move |_| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>()
                && let Ok(url) = c.to_data_url()
            {
                browser::download_url(&format!("poolcast-{stem}.png"), &url);
            }
        })
    };
    let stem = p.chart.file_stem();
    html! {
        <figure class="chart">
            <figcaption>
                <span class="sr-only">{ p.chart.title() }</span>
                <button type="button" class="small" onclick={on_png}
                    data-testid={format!("png-{stem}")}
                    aria-label={format!("Download {} as PNG", p.chart.title())}>{ "PNG" }</button>
            </figcaption>
            <canvas ref={canvas} data-testid={format!("chart-{stem}")} role="img"
                aria-label={p.chart.title()}></canvas>
        </figure>
    }
}
