//! wasm-bindgen bindings for playgate (see issue 3).
