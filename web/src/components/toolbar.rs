//! The top bar: preset, Run / Cancel with progress, Copy link, Export.

use yew::prelude::*;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The scenario as JSON.
    Scenario,
    /// The last report as JSON.
    Report,
    /// The last report's timeline as CSV.
    Csv,
}

/// Props of [`Toolbar`].
#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    /// (id, label) of every preset.
    pub presets: Vec<(AttrValue, AttrValue)>,
    /// Progress of the running job, if one runs.
    pub progress: Option<f64>,
    /// Whether the scenario can run.
    pub can_run: bool,
    /// Whether a report exists to export.
    pub has_report: bool,
    /// Whether the shown run can be pinned as A (it is fresh).
    pub can_pin: bool,
    /// Whether a run is pinned as A.
    pub pinned: bool,
    /// Pin or unpin was pressed (true: pin).
    pub on_pin: Callback<bool>,
    /// A preset was chosen.
    pub on_preset: Callback<String>,
    /// Run was pressed.
    pub on_run: Callback<()>,
    /// Cancel was pressed.
    pub on_cancel: Callback<()>,
    /// Copy link was pressed.
    pub on_copy_link: Callback<()>,
    /// An export was chosen.
    pub on_export: Callback<Export>,
}

/// The top bar. A little over a screen: one handler per control, then the
/// bar's markup in the order it shows.
#[function_component(Toolbar)]
pub fn toolbar(p: &ToolbarProps) -> Html {
    let onchange = {
        let on_preset = p.on_preset.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let id = select.value();
            select.set_value("");
            if !id.is_empty() {
                on_preset.emit(id);
            }
        })
    };
    let run = p.on_run.reform(|_: MouseEvent| ());
    let cancel = p.on_cancel.reform(|_: MouseEvent| ());
    let copy = p.on_copy_link.reform(|_: MouseEvent| ());
    let pin = {
        let (on_pin, pinned) = (p.on_pin.clone(), p.pinned);
        Callback::from(move |_: MouseEvent| on_pin.emit(!pinned))
    };
    let menu = use_node_ref();
    let export = |kind: Export, label: &str, testid: &str, enabled: bool| {
        let (on_export, menu) = (p.on_export.clone(), menu.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            on_export.emit(kind);
            // Close the menu once something was chosen.
            if let Some(m) = menu.cast::<web_sys::Element>() {
                let _ = m.remove_attribute("open");
            }
        });
        html! { <button type="button" {onclick} disabled={!enabled} data-testid={testid.to_string()}>{ label }</button> }
    };
    let running = p.progress.is_some();
    html! {
        <header class="toolbar">
            <h1>{ "poolcast" }</h1>
            <label class="preset">
                <span class="sr-only">{ "Preset" }</span>
                <select data-testid="preset" {onchange} aria-label="Open an example from the gallery">
                    <option value="" selected=true>{ "Open an example…" }</option>
                    { for p.presets.iter().map(|(id, label)| html! {
                        <option value={id.clone()}>{ label.clone() }</option>
                    }) }
                </select>
            </label>
            <button type="button" class="primary" onclick={run} disabled={!p.can_run}
                data-testid="run" title="Run the simulation (Ctrl+Enter)">{ "Run" }</button>
            <button type="button" onclick={cancel} disabled={!running} data-testid="cancel">{ "Cancel" }</button>
            <button type="button" onclick={pin} disabled={!p.pinned && !p.can_pin} data-testid="pin"
                aria-pressed={p.pinned.to_string()}
                title="Keep this run as A; change anything, run B, and compare">
                { if p.pinned { "Unpin A" } else { "Pin as A" } }
            </button>
            <button type="button" onclick={copy} data-testid="copy-link">{ "Copy link" }</button>
            <details class="menu" ref={menu.clone()}>
                <summary data-testid="export-menu">{ "Export" }</summary>
                <div class="menu-body">
                    { export(Export::Scenario, "Scenario JSON", "export-scenario", true) }
                    { export(Export::Report, "Report JSON", "export-report", p.has_report) }
                    { export(Export::Csv, "Timeline CSV", "export-csv", p.has_report) }
                    <p class="hint">{ "Chart PNGs: the PNG button on each chart." }</p>
                </div>
            </details>
            <div class="progress" aria-live="polite">
                if let Some(f) = p.progress {
                    <progress data-testid="progress" max="1" value={f.to_string()}></progress>
                    <span>{ format!("{:.0} %", f * 100.0) }</span>
                }
            </div>
        </header>
    }
}
