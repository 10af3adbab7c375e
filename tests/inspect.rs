//! `twinbuild inspect`: the Go metadata of one binary, human and JSON, on
//! the committed fixtures of each format.

use std::process::Command;

fn inspect(target: &str, name: &str, format: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/{target}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let o = Command::new(env!("CARGO_BIN_EXE_twinbuild"))
        .args(["inspect", &path, "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn human_output_names_version_settings_build_id_and_paths() {
    for (target, goos, goarch) in [
        ("linux-amd64", "linux", "amd64"),
        ("windows-amd64", "windows", "amd64"),
        ("darwin-arm64", "darwin", "arm64"),
        ("linux-arm64", "linux", "arm64"),
    ] {
        let out = inspect(target, "plain-a", "human");
        assert!(out.contains("Go version   go1."), "{target}: {out}");
        assert!(
            out.contains(&format!("setting      GOOS={goos}")),
            "{target}: {out}"
        );
        assert!(
            out.contains(&format!("setting      GOARCH={goarch}")),
            "{target}: {out}"
        );
        assert!(
            out.lines()
                .any(|l| l.starts_with("build ID     ") && l.matches('/').count() == 3),
            "{target}: {out}"
        );
        assert!(
            out.contains("/tmp/tbfx/a/src/main.go"),
            "{target}: the workdir path is listed: {out}"
        );
        let release = inspect(target, "release", "human");
        assert!(release.contains("build ID     none"), "{target}: {release}");
        assert!(
            release.contains("no absolute paths embedded"),
            "{target}: {release}"
        );
        assert!(
            release.contains("setting      -trimpath=true"),
            "{target}: {release}"
        );
    }
}

#[test]
fn json_output_has_the_go_structures_with_their_spans() {
    let v: serde_json::Value =
        serde_json::from_str(&inspect("linux-amd64", "plain-a", "json")).unwrap();
    assert_eq!(v["format"], "elf");
    assert_eq!(v["arch"], "amd64");
    assert!(v["go"]["buildinfo"]["go_version"]
        .as_str()
        .unwrap()
        .starts_with("go1."));
    let files = v["go"]["pclntab"]["files"].as_array().unwrap();
    let main = files
        .iter()
        .find(|f| f["name"] == "/tmp/tbfx/a/src/main.go")
        .expect("main.go in the file table");
    let span = &main["span"]["range"];
    assert_eq!(
        span["end"].as_u64().unwrap() - span["start"].as_u64().unwrap(),
        "/tmp/tbfx/a/src/main.go".len() as u64
    );
    assert_eq!(v["go"]["build_id"]["parts"].as_array().unwrap().len(), 4);
    assert!(!v["go"]["dwarf"]["units"].as_array().unwrap().is_empty());
}
