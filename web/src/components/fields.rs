//! Labelled inputs: a number field with its unit and inline error, and a
//! select. Ids and `data-testid`s come from the field's dotted path.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::edit::Kind;

/// The DOM id of a field's input, from its dotted path. The form shows one
/// service at a time, so a service's fields drop `services.N.`
/// (`services.1.pool.max_size` is `f-pool-max-size`) and keep the ids they
/// had when there was one fleet.
pub fn field_id(path: &str) -> String {
    let rel = match path.strip_prefix("services.") {
        Some(rest) => match rest.split_once('.') {
            Some((_, "name")) => "service.name",
            Some((_, field)) => field,
            None => rest,
        },
        None => path,
    };
    format!("f-{}", rel.replace(['.', '_'], "-"))
}

/// Props of [`CheckField`].
#[derive(Properties, PartialEq)]
pub struct CheckFieldProps {
    /// Id stem (a dotted path or a name).
    pub path: AttrValue,
    /// The label.
    pub label: AttrValue,
    /// Whether it is ticked.
    pub checked: bool,
    /// Called with the new state.
    pub on_change: Callback<bool>,
}

/// A labelled checkbox (a block of settings on or off).
#[function_component(CheckField)]
pub fn check_field(p: &CheckFieldProps) -> Html {
    let id = field_id(&p.path);
    let onchange = p
        .on_change
        .reform(|e: Event| e.target_unchecked_into::<HtmlInputElement>().checked());
    html! {
        <label class="check" for={id.clone()}>
            <input type="checkbox" id={id.clone()} data-testid={id} checked={p.checked} {onchange} />
            { p.label.clone() }
        </label>
    }
}

/// Props of [`NumField`].
#[derive(Properties, PartialEq)]
pub struct NumFieldProps {
    /// Dotted path of the scenario field.
    pub path: AttrValue,
    /// The label.
    pub label: AttrValue,
    /// Unit shown after the input ("" for none).
    #[prop_or_default]
    pub unit: AttrValue,
    /// How the text is read.
    pub kind: Kind,
    /// The text to show.
    pub value: AttrValue,
    /// What is wrong with the field, if anything.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// Placeholder, e.g. "none" for optional fields.
    #[prop_or_default]
    pub placeholder: AttrValue,
    /// Called with (path, kind, text) on every edit.
    pub on_set: Callback<(String, Kind, String)>,
}

/// One labelled input with its unit and its error.
#[function_component(NumField)]
pub fn num_field(p: &NumFieldProps) -> Html {
    let id = field_id(&p.path);
    let (path, kind) = (p.path.to_string(), p.kind);
    let oninput = p.on_set.reform(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        (path.clone(), kind, input.value())
    });
    let mode = match p.kind {
        Kind::Int | Kind::OptInt => "numeric",
        Kind::Float | Kind::OptFloat => "decimal",
        Kind::Text => "text",
    };
    let err_id = format!("{id}-err");
    html! {
        <div class={classes!("field", p.error.is_some().then_some("invalid"))}>
            <label for={id.clone()}>{ p.label.clone() }</label>
            <span class="input-unit">
                <input id={id.clone()} data-testid={id.clone()} type="text" inputmode={mode}
                    value={p.value.clone()} placeholder={p.placeholder.clone()} {oninput}
                    aria-invalid={p.error.is_some().to_string()}
                    aria-describedby={p.error.as_ref().map(|_| err_id.clone())} />
                <span class="unit">{ p.unit.clone() }</span>
            </span>
            if let Some(e) = &p.error {
                <span class="error" id={err_id} role="alert">{ e.clone() }</span>
            }
        </div>
    }
}

/// Props of [`SelectField`].
#[derive(Properties, PartialEq)]
pub struct SelectFieldProps {
    /// Id stem (a dotted path).
    pub path: AttrValue,
    /// The label.
    pub label: AttrValue,
    /// (value, label) pairs.
    pub options: Vec<(AttrValue, AttrValue)>,
    /// The selected value.
    pub value: AttrValue,
    /// Called with the new value.
    pub on_change: Callback<String>,
}

/// A labelled select.
#[function_component(SelectField)]
pub fn select_field(p: &SelectFieldProps) -> Html {
    let id = field_id(&p.path);
    let onchange = p
        .on_change
        .reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    html! {
        <div class="field">
            <label for={id.clone()}>{ p.label.clone() }</label>
            <select id={id.clone()} data-testid={id} {onchange}>
                { for p.options.iter().map(|(v, l)| html! {
                    <option value={v.clone()} selected={*v == p.value}>{ l.clone() }</option>
                }) }
            </select>
        </div>
    }
}
