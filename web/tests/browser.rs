//! What only a browser can show: a chart drawn on a real canvas has pixels
//! (with a run A faint under it), the topology too, the permalink (and a
//! comparison's) survives the real URL fragment, and a run stepped in wasm
//! gives its partial timelines. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p poolcast-web --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use poolcast_charts::Chart;
use poolcast_web::components::chart::{draw_on, draw_pair, draw_sized};
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

/// A gallery pair: (A, B) reports.
fn pair(id: &str) -> (poolcast::Report, poolcast::Report) {
    let p = presets::by_id(id).unwrap();
    let a = poolcast::run(&p.before.unwrap()).unwrap();
    let b = poolcast::run(&p.scenario).unwrap();
    (a, b)
}

#[wasm_bindgen_test]
fn every_chart_draws_on_a_canvas() {
    let (_, report) = pair("retry-storm");
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
fn charts_overlay_run_a_and_the_topology_draws() {
    let (a, b) = pair("mega-directory");
    for chart in Chart::ALL {
        let alone = canvas(640);
        draw_pair(&alone, chart, &b, None, 230).unwrap();
        let both = canvas(640);
        draw_pair(&both, chart, &b, Some(&a), 230).unwrap();
        assert!(inked(&both) > 0, "{chart:?}");
        if chart == Chart::DbConnections || chart == Chart::Failures {
            assert!(inked(&both) > inked(&alone), "{chart:?}: A adds ink");
        }
    }
    let c = canvas(900);
    let h = poolcast_charts::topology::height(&b.scenario);
    draw_sized(&c, h, |root| {
        poolcast_charts::draw_topology(root, &b.scenario, Some(&b))
    })
    .unwrap();
    assert_eq!(c.height(), h);
    let ink = inked(&c);
    assert!(ink > 2000, "{ink} pixels");
    let text = poolcast_charts::topology::describe(&a.scenario, Some(&a));
    assert!(
        text.contains("limit 97") && text.contains("(hit its limit)"),
        "{text}"
    );
}

#[wasm_bindgen_test]
fn a_run_stepped_in_wasm_gives_growing_partial_timelines() {
    // About 2 million events: ten slices or so.
    let s = presets::by_id("cultivai").unwrap().before.unwrap();
    let mut lengths = Vec::new();
    let report = poolcast_web::proto::run_stepped(&s, |sim| {
        lengths.push(sim.partial_timeline().series.busy.len());
    })
    .unwrap();
    assert!(lengths.len() > 2, "{lengths:?}");
    assert!(lengths.windows(2).all(|w| w[0] <= w[1]), "{lengths:?}");
    assert!(*lengths.last().unwrap() <= report.timeline.series.busy.len());
    assert_eq!(
        report,
        poolcast::run(&s).unwrap(),
        "stepping changes nothing"
    );
}

#[wasm_bindgen_test]
fn a_comparison_survives_the_real_fragment() {
    let p = presets::by_id("mega-directory").unwrap();
    let a = p.before.unwrap();
    browser::set_fragment(&permalink::encode_pair(&p.scenario, Some(&a)));
    let link = permalink::decode_link(&browser::fragment()).unwrap();
    assert_eq!(link.scenario, p.scenario);
    assert_eq!(link.pinned, Some(a));
    browser::set_fragment("example=retry-storm");
    assert_eq!(
        permalink::example_id(&browser::fragment()).as_deref(),
        Some("retry-storm")
    );
    browser::set_fragment("");
}

#[wasm_bindgen_test]
fn permalink_round_trips_through_the_real_fragment() {
    let mut s = presets::by_id("oversized").unwrap().scenario;
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
    assert_eq!(s.version, 2);
    browser::save_scenario(&s);
    assert_eq!(browser::load_scenario(), Some(s));
}
