//! Shared by the integration tests: the conformance corpus, loaded once per test binary.

use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance")
}

/// Loads every case as (file, case) with its config resolved to an object.
pub fn load_cases() -> Vec<(String, Value, Value)> {
    let dir = corpus_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/conformance exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".cases.json") || n.ends_with(".filter-cases.json")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("json");
        for case in doc["cases"].as_array().expect("cases array") {
            let config = match &case["config"] {
                Value::String(name) => serde_json::from_str(
                    &std::fs::read_to_string(dir.join(name))
                        .unwrap_or_else(|e| panic!("{}: config {name}: {e}", f.display())),
                )
                .expect("config json"),
                other => other.clone(),
            };
            out.push((
                f.file_name().unwrap().to_string_lossy().into_owned(),
                config,
                case.clone(),
            ));
        }
    }
    out
}
