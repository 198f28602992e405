//! Nothing here: the crate exists for `tests/golden.rs`, which runs the
//! golden scenarios in headless Chromium with `wasm-bindgen-test`:
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p poolcast-wasm-tests --target wasm32-unknown-unknown`.
