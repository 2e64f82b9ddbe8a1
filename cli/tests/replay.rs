//! Replays every conformance case through the `playgate check` binary: the printed decision and
//! the exit code (0 allow, 1 deny) must match the case. Also checks the usage/config error path.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn playgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_playgate"))
}

#[test]
fn every_corpus_case_replays_through_the_cli() {
    let dir = root().join("fixtures/conformance");
    let tmp = root().join("target/cli-replay");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut n = 0;
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".cases.json"))
    {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let config = match &case["config"] {
                Value::String(name) => dir.join(name),
                other => {
                    let p = tmp.join(format!("config-{n}.json"));
                    std::fs::write(&p, other.to_string()).unwrap();
                    p
                }
            };
            let req = tmp.join(format!("request-{n}.json"));
            std::fs::write(&req, case["request"].to_string()).unwrap();
            n += 1;
            let out = playgate()
                .args(["check", "--config"])
                .arg(&config)
                .arg("--request")
                .arg(&req)
                .args(["--now", &case["now"].to_string()])
                .output()
                .unwrap();
            let got: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            let want = &case["expect"];
            let code_ok = out.status.code() == Some(if want["allow"] == true { 0 } else { 1 });
            let mut ok = code_ok
                && got["allow"] == want["allow"]
                && got["status"] == want["status"]
                && got["reason"] == want["reason"];
            if let Some(fwd) = want.get("forward") {
                ok &= &got["forward"] == fwd;
            }
            if !ok {
                failures.push(format!(
                    "{}: want {want} got {got} exit {:?}",
                    case["name"],
                    out.status.code()
                ));
            }
        }
    }
    assert!(n >= 150, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_config_exits_2_with_the_field_named() {
    let tmp = root().join("target/cli-replay");
    std::fs::create_dir_all(&tmp).unwrap();
    let cfg = tmp.join("bad-config.json");
    std::fs::write(&cfg, r#"{"keys":[{"kid":"a","alg":"HS257","secret":"x"}]}"#).unwrap();
    let req = tmp.join("req.json");
    std::fs::write(&req, r#"{"uri":"/a","querystring":""}"#).unwrap();
    let out = playgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--request")
        .arg(&req)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keys[0].alg"), "{err}");

    std::fs::write(
        &cfg,
        r#"{"keys":[{"kid":"a","alg":"HS256","secret":"c2hvcnQ"}]}"#,
    )
    .unwrap();
    let out = playgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--request")
        .arg(&req)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keys[0].secret") && err.contains("at least 32 bytes"),
        "{err}"
    );
    assert!(!err.contains("c2hvcnQ"), "secret leaked: {err}");

    let out = playgate()
        .args(["check", "--config", "/nonexistent.json", "--request"])
        .arg(&req)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    std::fs::write(&req, "[1,2]").unwrap();
    let good = root().join("fixtures/conformance/hs.config.json");
    let out = playgate()
        .args(["check", "--config"])
        .arg(&good)
        .arg("--request")
        .arg(&req)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn keygen_then_mint_then_check_round_trip() {
    let tmp = root().join("target/cli-replay");
    std::fs::create_dir_all(&tmp).unwrap();
    for alg in ["hs256", "hs384", "hs512", "es384"] {
        let out = playgate()
            .args(["keygen", "--alg", alg, "--kid", "k9"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let key = tmp.join(format!("key-{alg}.json"));
        std::fs::write(&key, doc.to_string()).unwrap();
        let cfg = tmp.join(format!("cfg-{alg}.json"));
        std::fs::write(
            &cfg,
            serde_json::json!({"keys": [doc["config_key"]]}).to_string(),
        )
        .unwrap();
        let claims = tmp.join("claims.json");
        std::fs::write(&claims, r#"{"sub":"viewer"}"#).unwrap();
        let out = playgate()
            .args(["mint", "--ttl", "300", "--key"])
            .arg(&key)
            .arg("--claims")
            .arg(&claims)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let req = tmp.join(format!("req-{alg}.json"));
        std::fs::write(
            &req,
            serde_json::json!({"uri": "/x.m3u8", "querystring": format!("token={token}")})
                .to_string(),
        )
        .unwrap();
        let out = playgate()
            .args(["check", "--config"])
            .arg(&cfg)
            .arg("--request")
            .arg(&req)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{alg}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
