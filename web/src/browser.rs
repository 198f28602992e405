//! Small wrappers over browser APIs the page uses: the URL fragment,
//! downloads, the clipboard, the clock, local storage.

use gloo::storage::{LocalStorage, Storage};
use poolcast::Scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Key of the last scenario in localStorage.
const STORAGE_KEY: &str = "poolcast.scenario.v1";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The URL fragment without `#`.
pub fn fragment() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// Replaces the URL fragment without adding a history entry.
pub fn set_fragment(fragment: &str) {
    if let Some(w) = window()
        && let Ok(history) = w.history()
    {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{fragment}")));
    }
}

/// The page's address with `fragment`.
pub fn link_with(fragment: &str) -> String {
    let base = window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let base = base.split('#').next().unwrap_or_default().to_string();
    format!("{base}#{fragment}")
}

/// Milliseconds from a monotonic clock.
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// Logical processors the browser reports (at least 1).
pub fn cores() -> usize {
    window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .max(1)
}

/// The scenario saved by the last visit, if any.
pub fn load_scenario() -> Option<Scenario> {
    let text: String = LocalStorage::get(STORAGE_KEY).ok()?;
    poolcast::parse(&text).ok()
}

/// Saves the scenario for the next visit.
pub fn save_scenario(s: &Scenario) {
    if let Ok(text) = serde_json::to_string(s) {
        let _ = LocalStorage::set(STORAGE_KEY, text);
    }
}

/// Offers `text` as a file download.
pub fn download_text(filename: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    download_url(filename, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Offers a URL (blob: or data:) as a download named `filename`.
pub fn download_url(filename: &str, url: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(a) = doc.create_element("a") else {
        return;
    };
    let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() else {
        return;
    };
    a.set_href(url);
    a.set_download(filename);
    a.click();
}

/// Copies `text` to the clipboard (when the browser allows it).
pub fn copy(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}
