//! What only a browser can show: a chart drawn on a real canvas has pixels,
//! and the permalink survives the real URL fragment. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p poolcast-web --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use poolcast::Scenario;
use poolcast_charts::Chart;
use poolcast_web::components::chart::draw_on;
use poolcast_web::permalink::{self, LinkError};
use poolcast_web::{browser, presets};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

fn canvas(width: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().unchecked_into();
    c.set_attribute("style", &format!("width: {width}px"))
        .unwrap();
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

/// Pixels that are not white.
fn inked(c: &HtmlCanvasElement) -> usize {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().unchecked_into();
    let data = ctx
        .get_image_data(0.0, 0.0, f64::from(c.width()), f64::from(c.height()))
        .unwrap()
        .data();
    data.chunks(4)
        .filter(|p| p[0] < 250 || p[1] < 250 || p[2] < 250)
        .count()
}

#[wasm_bindgen_test]
fn every_chart_draws_on_a_canvas() {
    let s = Scenario {
        duration_s: 20.0,
        warmup_s: 5.0,
        ..presets::by_id("serverless").unwrap().scenario
    };
    let report = poolcast::run(&s).unwrap();
    for chart in Chart::ALL {
        let c = canvas(640);
        draw_on(&c, chart, &report).unwrap();
        assert_eq!(c.width(), 640);
        let ink = inked(&c);
        let total = (c.width() * c.height()) as usize;
        assert!(
            ink > total / 200,
            "{chart:?}: only {ink} of {total} pixels drawn"
        );
        assert!(
            ink < total * 9 / 10,
            "{chart:?}: {ink} of {total} pixels drawn, nearly all"
        );
    }
}

#[wasm_bindgen_test]
fn permalink_round_trips_through_the_real_fragment() {
    let mut s = presets::by_id("livedash").unwrap().scenario;
    s.database.cores = Some(16);
    browser::set_fragment(&permalink::encode(&s));
    assert!(browser::fragment().starts_with(permalink::PREFIX));
    assert_eq!(permalink::decode(&browser::fragment()).unwrap(), s);
    let link = browser::link_with(&permalink::encode(&s));
    let fragment = link.split_once('#').unwrap().1;
    assert_eq!(permalink::decode(fragment).unwrap(), s);
}

#[wasm_bindgen_test]
fn mangled_links_are_refused() {
    browser::set_fragment("s1=eyJwb29sIjp7Im1heF9zaXplIjo");
    assert!(matches!(
        permalink::decode(&browser::fragment()),
        Err(LinkError::Broken(_))
    ));
    browser::set_fragment("s1=!!!");
    assert!(matches!(
        permalink::decode(&browser::fragment()),
        Err(LinkError::Broken(_))
    ));
    browser::set_fragment("section-2");
    assert_eq!(
        permalink::decode(&browser::fragment()),
        Err(LinkError::NotALink)
    );
    browser::set_fragment("");
}

#[wasm_bindgen_test]
fn local_storage_keeps_the_last_scenario() {
    let s = presets::by_id("cryb").unwrap().scenario;
    browser::save_scenario(&s);
    assert_eq!(browser::load_scenario(), Some(s));
}
