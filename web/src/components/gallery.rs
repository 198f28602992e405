//! The gallery: every named scenario as a link (`#example=ID`) that opens
//! and runs it, here or in a fresh tab, with one line on what it shows.

use yew::prelude::*;

use crate::presets;

/// The gallery panel.
#[function_component(Gallery)]
pub fn gallery() -> Html {
    let entries = presets::all();
    html! {
        <section class="gallery" aria-label="Gallery" data-testid="gallery">
            <h2>{ "Gallery" }</h2>
            <p class="hint">{ "Each link opens the scenario and runs it (in a new tab too). A pair opens as a comparison: the guide's setup as A, its advice as B." }</p>
            <ul>
                { for entries.iter().map(|p| html! {
                    <li>
                        <a href={presets::link(p.id)} data-testid={format!("example-{}", p.id)}>{ p.title }</a>
                        if p.before.is_some() { <span class="pair" title="opens as A beside B">{ " A/B" }</span> }
                        <span class="line">{ format!(" — {}", p.line) }</span>
                    </li>
                }) }
            </ul>
        </section>
    }
}
