//! The gate under `--allow CAUSE`: exit 0 only when every differing byte's
//! root cause is allowed, and every format says so.

use std::process::Command;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linux-amd64/");

fn diff(pair: (&str, &str), args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_twinbuild"))
        .arg("diff")
        .arg(format!("{FIX}{}", pair.0))
        .arg(format!("{FIX}{}", pair.1))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn allowing_the_only_root_cause_passes_the_gate() {
    // stamp-a/stamp-b differ only by a -X value (and the layout it shifts).
    let stamp = ("stamp-a", "stamp-b");
    assert_eq!(diff(stamp, &[]).0, Some(1));
    let (code, out) = diff(stamp, &["--allow", "ldflags-x"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("gate passes"), "{out}");
    let (code, json) = diff(stamp, &["--allow", "ldflags-x", "--format", "json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["verdict"], "differs",
        "an allowance changes the gate, not the verdict"
    );
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["allowances"], serde_json::json!(["ldflags-x"]));
    for format in ["markdown", "html"] {
        let (code, out) = diff(stamp, &["--allow", "ldflags-x", "--format", format]);
        assert_eq!(code, Some(0));
        assert!(
            out.contains("ldflags-x") && out.to_lowercase().contains("allow"),
            "{format} states the allowance"
        );
    }
}

#[test]
fn allowing_some_but_not_all_root_causes_still_fails() {
    // plain-a/plain-b: an embedded path and the build ID.
    let plain = ("plain-a", "plain-b");
    assert_eq!(diff(plain, &["--allow", "build-id"]).0, Some(1));
    assert_eq!(
        diff(plain, &["--allow", "build-id", "--allow", "embedded-path"]).0,
        Some(0)
    );
    // Identical files pass whatever is allowed.
    assert_eq!(diff(("release", "release"), &["--allow", "cgo"]).0, Some(0));
}
