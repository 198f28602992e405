//! Import: a scenario JSON file or pasted JSON, or a pasted `DATABASE_URL`
//! / `.env` block, or psql output of PgBouncer's `SHOW POOLS` / `SHOW STATS`
//! / `SHOW DATABASES` and a `pg_stat_activity` count by state (a
//! calibration). The app says what was read and what was ignored.

use gloo::file::callbacks::FileReader;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Props of [`ImportPanel`].
#[derive(Properties, PartialEq)]
pub struct ImportPanelProps {
    /// Scenario or report JSON to import.
    pub on_json: Callback<String>,
    /// A `DATABASE_URL` or env block to read.
    pub on_env: Callback<String>,
}

/// The import panel: a box for a `DATABASE_URL`, env or psql paste, and a
/// scenario JSON file or pasted text. About a screen: its three handlers,
/// then its markup.
#[function_component(ImportPanel)]
pub fn import_panel(p: &ImportPanelProps) -> Html {
    let json = use_node_ref();
    let env = use_node_ref();
    let reader = use_mut_ref(|| None::<FileReader>);
    let on_file = {
        let (on_json, reader) = (p.on_json.clone(), reader.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let on_json = on_json.clone();
            let task = gloo::file::callbacks::read_as_text(&file.into(), move |text| match text {
                Ok(text) => on_json.emit(text),
                Err(_) => on_json.emit(String::new()),
            });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    let text_of = |node: &NodeRef| {
        node.cast::<HtmlTextAreaElement>()
            .map(|t| t.value())
            .unwrap_or_default()
    };
    let on_paste = {
        let (on_json, json) = (p.on_json.clone(), json.clone());
        Callback::from(move |_: MouseEvent| on_json.emit(text_of(&json)))
    };
    let on_env = {
        let (on_env, env) = (p.on_env.clone(), env.clone());
        Callback::from(move |_: MouseEvent| {
            on_env.emit(text_of(&env));
            if let Some(t) = env.cast::<HtmlTextAreaElement>() {
                // Credentials in the box are not kept around after reading.
                t.set_value("");
            }
        })
    };
    html! {
        <section class="import" aria-label="Import">
            <details open=true>
                <summary>{ "Paste DATABASE_URL, .env settings, or PgBouncer / pg_stat_activity output" }</summary>
                <label for="env-text" class="sr-only">{ "DATABASE_URL, env block, or psql output" }</label>
                <textarea id="env-text" ref={env} rows="4" data-testid="env-text" spellcheck="false"
                    placeholder="postgresql://u:p@host:5432/db?connection_limit=20&pool_timeout=10\nDB_POOL_TIMEOUT=20\n\nor psql output of SHOW POOLS; SHOW STATS; or\nSELECT state, count(*) FROM pg_stat_activity GROUP BY state;" />
                <button type="button" onclick={on_env} data-testid="env-apply">{ "Read" }</button>
                <p class="hint">{ "Settings fill the matching fields of the service shown in the form; PgBouncer's SHOW POOLS / SHOW STATS / SHOW DATABASES fill the proxy and the proxied service's rate and query time, and their measured waits are shown beside the simulated ones. Everything read and ignored is listed. The user, password and host are never stored or put in links." }</p>
            </details>
            <details>
                <summary>{ "Import scenario JSON" }</summary>
                <label for="import-file">{ "From a file: " }</label>
                <input id="import-file" type="file" accept=".json,application/json" onchange={on_file} data-testid="import-file" />
                <label for="import-text">{ "Or paste it:" }</label>
                <textarea id="import-text" ref={json} rows="4" data-testid="import-text" spellcheck="false"
                    placeholder="{\"pool\": {\"max_size\": 10}}" />
                <button type="button" onclick={on_paste} data-testid="import-apply">{ "Import" }</button>
            </details>
        </section>
    }
}
