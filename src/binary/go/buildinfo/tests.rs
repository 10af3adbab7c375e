//! The buildinfo reader's tests: `read` over the committed fixtures (version,
//! settings and every span), the quoting and modinfo parsing against Go's
//! rules, and patched blobs that must warn instead of panicking.

use super::super::fixtures;
use super::*;

/// Read a fixture's buildinfo; check the version, the settings given as
/// `key=value` (or `key` for "absent") and every span.
fn check(target: &str, name: &str, section: &str, settings: &[&str]) -> BuildInfo {
    let data = fixtures::load(target, name);
    let bin = Binary::parse(&data).unwrap();
    let mut warnings = Vec::new();
    let what = format!("{target}/{name}");
    let bi =
        read(&bin, &mut warnings).unwrap_or_else(|| panic!("{what}: no buildinfo: {warnings:?}"));
    assert!(warnings.is_empty(), "{what}: {warnings:?}");
    assert_eq!(bin.sections[bi.span.section].name, section, "{what}");
    assert_eq!(bi.ptr_size, 8);
    assert!(!bi.big_endian);
    let version = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/GO_VERSION"
    ))
    .unwrap();
    assert!(
        version.contains(&format!("{} ", bi.go_version)),
        "{what}: {} vs {version}",
        bi.go_version
    );
    assert_eq!(
        &*bi.go_version_span.bytes(&bin).unwrap(),
        bi.go_version.as_bytes()
    );
    assert!(bi.header.bytes(&bin).unwrap().starts_with(MAGIC));
    let mi = bi.modinfo.as_ref().unwrap();
    assert_eq!(&*mi.span.bytes(&bin).unwrap(), mi.text.as_bytes(), "{what}");
    let copy = mi
        .copy
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no runtime.modinfo copy"));
    assert_eq!(&*copy.bytes(&bin).unwrap(), mi.text.as_bytes(), "{what}");
    assert_ne!(copy.section, mi.span.section);
    // Lines tile the text.
    assert_eq!(
        mi.lines.first().unwrap().span.range.start,
        mi.span.range.start
    );
    assert_eq!(mi.lines.last().unwrap().span.range.end, mi.span.range.end);
    for w in mi.lines.windows(2) {
        assert_eq!(w[0].span.range.end, w[1].span.range.start);
    }
    assert_eq!(mi.path(), Some("example.com/hello"));
    assert_eq!(
        mi.main_module().map(|m| m.version.as_str()),
        Some("(devel)")
    );
    for s in settings {
        match s.split_once('=') {
            Some((k, v)) => assert_eq!(mi.setting(k), Some(v), "{what}: {k}"),
            None => assert_eq!(mi.setting(s), None, "{what}: {s}"),
        }
    }
    // Every byte of either copy maps back to its line.
    let line = mi
        .lines
        .iter()
        .find(|l| matches!(&l.entry, ModInfoEntry::Build { key, .. } if key == "GOOS"))
        .unwrap();
    let moved = mi.in_copy(&line.span).unwrap();
    assert_eq!(moved.bytes(&bin), line.span.bytes(&bin));
    assert_eq!(mi.line_at(moved.section, moved.range.start + 3), Some(line));
    assert_eq!(
        mi.line_at(line.span.section, line.span.range.end - 1),
        Some(line)
    );
    bi
}

#[test]
fn buildinfo_of_the_fixtures() {
    let targets = [
        ("linux-amd64", ".go.buildinfo", ".rodata"),
        ("linux-arm64", ".go.buildinfo", ".rodata"),
        ("windows-amd64", ".data", ".rdata"),
        ("darwin-arm64", "__DATA,__go_buildinfo", "__TEXT,__rodata"),
    ];
    for (target, section, rodata) in targets {
        let (goos, goarch) = target.split_once('-').unwrap();
        let goos = format!("GOOS={goos}");
        let goarch = format!("GOARCH={goarch}");
        let common = [
            "CGO_ENABLED=0",
            "-buildmode=exe",
            "-compiler=gc",
            goos.as_str(),
            goarch.as_str(),
            "vcs",
        ];
        // -ldflags is omitted under -trimpath (golang/go#52372).
        let release = check(
            target,
            "release",
            section,
            &[&common[..], &["-trimpath=true", "-ldflags"]].concat(),
        );
        let plain = check(
            target,
            "plain-a",
            section,
            &[&common[..], &["-trimpath"]].concat(),
        );
        let copy = plain.modinfo.as_ref().unwrap().copy.clone().unwrap();
        assert_eq!(
            Binary::parse(&fixtures::load(target, "plain-a"))
                .unwrap()
                .sections[copy.section]
                .name,
            rodata
        );
        assert_eq!(release.go_version, plain.go_version);
    }
    check(
        "linux-amd64",
        "stamp-a",
        ".go.buildinfo",
        &["-trimpath=true", "-ldflags", "GOAMD64=v1"],
    );
    check(
        "linux-amd64",
        "stripped-a",
        ".go.buildinfo",
        &["-ldflags=-s -w", "-trimpath", "GOOS=linux"],
    );
}

#[test]
fn quoted_values_are_unquoted_as_go_does() {
    // The stripped fixture was built with -ldflags='-s -w': Go writes `-ldflags="-s -w"`.
    let data = fixtures::load("linux-amd64", "stripped-a");
    let bi = read(&Binary::parse(&data).unwrap(), &mut Vec::new()).unwrap();
    assert!(bi
        .modinfo
        .as_ref()
        .unwrap()
        .text
        .contains("build\t-ldflags=\"-s -w\"\n"));
    assert_eq!(bi.modinfo.unwrap().setting("-ldflags"), Some("-s -w"));
}

#[test]
fn modinfo_lines() {
    let cases: &[(&str, Result<ModInfoEntry, &str>)] = &[
        (
            "path\texample.com/x",
            Ok(ModInfoEntry::Path {
                path: "example.com/x".into(),
            }),
        ),
        (
            "mod\tm\t(devel)\t",
            Ok(ModInfoEntry::Mod(Module {
                path: "m".into(),
                version: "(devel)".into(),
                sum: String::new(),
            })),
        ),
        (
            "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=",
            Ok(ModInfoEntry::Dep(Module {
                path: "golang.org/x/sys".into(),
                version: "v0.1.0".into(),
                sum: "h1:abc=".into(),
            })),
        ),
        (
            "=>\t../sys\t\t",
            Ok(ModInfoEntry::Replace(Module {
                path: "../sys".into(),
                version: String::new(),
                sum: String::new(),
            })),
        ),
        (
            "build\tGOOS=linux",
            Ok(ModInfoEntry::Build {
                key: "GOOS".into(),
                value: "linux".into(),
            }),
        ),
        (
            "build\t-tags=",
            Ok(ModInfoEntry::Build {
                key: "-tags".into(),
                value: String::new(),
            }),
        ),
        (
            "build\t-gcflags=\"all=-N -l\"",
            Ok(ModInfoEntry::Build {
                key: "-gcflags".into(),
                value: "all=-N -l".into(),
            }),
        ),
        (
            "build\t\"a key\"=`raw`",
            Ok(ModInfoEntry::Build {
                key: "a key".into(),
                value: "raw".into(),
            }),
        ),
        (
            "build\tk=\"\\x41\\u00e9\\101\\t\"",
            Ok(ModInfoEntry::Build {
                key: "k".into(),
                value: "AéA\t".into(),
            }),
        ),
        (
            "future\tthing",
            Ok(ModInfoEntry::Unknown {
                text: "future\tthing".into(),
            }),
        ),
        ("build\t=x", Err("missing key")),
        ("build\t", Err("missing '='")),
        ("build\tkey", Err("missing '=' after key")),
        ("build\tk=a b", Err("must be quoted")),
        ("build\tk=\"unterminated", Err("invalid quoted value")),
        ("build\t\"k\"x", Err("unexpected character")),
        ("mod\tonly", Err("2 or 3 columns")),
        ("=>\ta\tb", Err("3 columns")),
    ];
    for (line, want) in cases {
        match (parse_line(line, true), want) {
            (Ok(got), Ok(want)) => assert_eq!(&got, want, "{line:?}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{line:?}: {got}"),
            (got, want) => panic!("{line:?}: got {got:?}, want {want:?}"),
        }
    }
    assert!(parse_line("=>\ta\tb\tc", false)
        .unwrap_err()
        .contains("no module"));
}

#[test]
fn unquote_matches_strconv() {
    let cases: &[(&str, Option<&str>)] = &[
        ("\"\"", Some("")),
        ("\"a\\nb\"", Some("a\nb")),
        ("\"\\\"\"", Some("\"")),
        ("\"\\'\"", None),
        ("\"\\400\"", None),
        ("\"\\x4\"", None),
        ("\"\\ud800\"", None),
        ("\"\\U0001F600\"", Some("😀")),
        ("`a\\n\r`", Some("a\\n")),
        ("`a`b`", None),
        ("\"a\nb\"", None),
        ("\"", None),
        ("'a'", None),
    ];
    for (input, want) in cases {
        assert_eq!(unquote(input.as_bytes()).as_deref(), *want, "{input:?}");
    }
}

#[test]
fn uvarints() {
    assert_eq!(uvarint(&[0x05]), Some((5, 1)));
    assert_eq!(uvarint(&[0xc7, 0x01]), Some((199, 2)));
    assert_eq!(uvarint(&[0x80; 3]), None);
    assert_eq!(
        uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        Some((u64::MAX, 10))
    );
    assert_eq!(
        uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
        None
    );
    assert_eq!(uvarint(&[]), None);
}

/// Patch the fixture's blob with `patch(blob_bytes)` and read it again.
fn read_patched(patch: impl Fn(&mut [u8])) -> (Option<BuildInfo>, Vec<String>) {
    let mut data = fixtures::load("linux-amd64", "plain-a");
    let r = {
        let bin = Binary::parse(&data).unwrap();
        bin.sections[bin.section_index(".go.buildinfo").unwrap()]
            .file_range
            .clone()
    };
    patch(&mut data[r.start as usize..r.end as usize]);
    let bin = Binary::parse(&data).unwrap();
    let mut w = Vec::new();
    (read(&bin, &mut w), w)
}

#[test]
fn malformed_blobs_warn_instead_of_panicking() {
    // Old pointer format.
    let (bi, w) = read_patched(|b| b[15] = 0);
    assert!(bi.is_none() && w[0].contains("not supported"), "{w:?}");
    // Version length past the end of the section.
    let (bi, w) = read_patched(|b| b[32..34].copy_from_slice(&[0xff, 0x7f]));
    assert!(bi.is_none() && w[0].contains("version"), "{w:?}");
    // Huge modinfo length (a 10-byte uvarint).
    let (bi, w) = read_patched(|b| {
        b[41..51].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    });
    assert!(bi.is_none() && w[0].contains("module information"), "{w:?}");
    // Empty version.
    let (bi, w) = read_patched(|b| b[32] = 0);
    assert!(bi.is_none() && w[0].contains("empty"), "{w:?}");
    // A broken line: warned, kept as Unknown, the rest still parsed.
    let (bi, w) = read_patched(|b| {
        let at = find_bytes(b, b"build\t-buildmode", 0).unwrap();
        b[at + 6] = b'=';
    });
    let mi = bi.unwrap().modinfo.unwrap();
    assert!(w[0].contains("missing key"), "{w:?}");
    assert_eq!(mi.setting("GOOS"), Some("linux"));
    // No magic at all.
    let (bi, w) = read_patched(|b| b[0] = 0);
    assert!(bi.is_none() && w.is_empty());
    // Garbage everywhere after the magic.
    let (bi, _) = read_patched(|b| {
        for (i, x) in b.iter_mut().enumerate().skip(14) {
            *x = (i * 131 % 251) as u8 | 2;
        }
    });
    let _ = bi;
}
