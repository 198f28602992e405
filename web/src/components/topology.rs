//! The topology on a canvas: the scenario as a picture, annotated with the
//! run's results; a click on a part opens its fields in the form.

use std::rc::Rc;

use poolcast::{Report, Scenario};
use poolcast_charts::topology::{self, Part};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::chart::draw_sized;

/// The form path a part's click brings into view.
pub fn part_path(part: Part) -> String {
    match part {
        Part::Service(i) => format!("services.{i}.pool.max_size"),
        Part::Proxy => "proxy.default_pool_size".into(),
        Part::Database(0) => "database.max_connections".into(),
        Part::Database(_) => "database.replicas.max_connections".into(),
    }
}

/// Props of [`Topology`].
#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    /// The scenario drawn.
    pub scenario: Scenario,
    /// Its run, when it has one.
    pub report: Option<Rc<Report>>,
    /// Run A of a comparison, drawn below for reference.
    #[prop_or_default]
    pub compare: Option<Rc<Report>>,
    /// A part was clicked: its form path.
    pub on_focus: Callback<String>,
}

/// Props of [`Picture`].
#[derive(Properties, PartialEq)]
struct PictureProps {
    report: Rc<Report>,
    testid: AttrValue,
}

/// A run's topology, not clickable (run A beside the form's B).
#[function_component(Picture)]
fn picture(p: &PictureProps) -> Html {
    let canvas = use_node_ref();
    let height = topology::height(&p.report.scenario);
    {
        let (canvas, r) = (canvas.clone(), p.report.clone());
        use_effect_with(Rc::as_ptr(&r) as usize, move |_| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                let _ = draw_sized(&c, height, |root| {
                    poolcast_charts::draw_topology(root, &r.scenario, Some(&r))
                });
            }
        });
    }
    let label = format!(
        "Run A's {}",
        topology::describe(&p.report.scenario, Some(&p.report))
    );
    html! {
        <canvas ref={canvas} data-testid={p.testid.clone()} role="img" aria-label={label}></canvas>
    }
}

/// The topology.
#[function_component(Topology)]
pub fn topology_view(p: &TopologyProps) -> Html {
    let canvas = use_node_ref();
    let height = topology::height(&p.scenario);
    {
        let canvas = canvas.clone();
        let (s, r) = (p.scenario.clone(), p.report.clone());
        let key = (s.clone(), r.as_ref().map(|r| Rc::as_ptr(r) as usize));
        use_effect_with(key, move |_| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>()
                && let Err(e) = draw_sized(&c, height, |root| {
                    poolcast_charts::draw_topology(root, &s, r.as_deref())
                })
            {
                web_sys::console::error_1(&format!("topology: {e}").into());
            }
        });
    }
    let onclick = {
        let (canvas, s, on_focus) = (canvas.clone(), p.scenario.clone(), p.on_focus.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(c) = canvas.cast::<HtmlCanvasElement>() else {
                return;
            };
            if let Some(part) = topology::hit(&s, c.width(), e.offset_x(), e.offset_y()) {
                on_focus.emit(part_path(part));
            }
        })
    };
    let label = topology::describe(&p.scenario, p.report.as_deref());
    let parts: Vec<(Part, String)> = topology::layout(&p.scenario, p.report.as_deref(), 900)
        .into_iter()
        .map(|b| (b.part, b.lines.first().cloned().unwrap_or_default()))
        .collect();
    html! {
        <section class="topology" aria-label="Topology">
            <canvas ref={canvas} data-testid="topology" role="img" aria-label={label} {onclick}
                title="Click a part to open its fields"></canvas>
            <div class="topology-parts" aria-label="Open a part's fields">
                <span class="hint">{ "Fields of: " }</span>
                { for parts.into_iter().map(|(part, name)| {
                    let on_focus = p.on_focus.clone();
                    let onclick = Callback::from(move |_: MouseEvent| on_focus.emit(part_path(part)));
                    html! { <button type="button" class="small link" {onclick}>{ name }</button> }
                }) }
            </div>
            if let Some(a) = &p.compare {
                <p class="hint topology-a">{ format!("Run A, “{}” (for comparison):", a.scenario.name) }</p>
                <Picture report={a.clone()} testid="topology-a" />
            }
        </section>
    }
}
