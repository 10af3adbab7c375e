//! The stage's tests: the committed hash logs and action graphs of real
//! go1.26.8 builds (tests/fixtures/actions/), pairs that differ in one
//! thing each (the workdir, an `-X` value, a VCS stamp, a cgo workdir),
//! crafted graphs for nondeterminism and cycles, and damaged files that must
//! give notes, never a panic.

use std::io::Write;
use std::path::PathBuf;

use super::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}/tests/fixtures/actions/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// A side from `NAME.hash.log` and, when there is one, `NAME.graph.json`.
fn side(name: &str) -> SideLog {
    let graph = fixture(&format!("{name}.graph.json"));
    let graph = graph.exists().then_some(graph);
    SideLog::read(
        Some(&fixture(&format!("{name}.hash.log"))),
        graph.as_deref(),
    )
}

/// A side from bytes: the hash log and the action graph.
fn side_from(hash_log: &[u8], graph: &[u8]) -> SideLog {
    let mut notes = Vec::new();
    let hashes = hashlog::parse(&mut &hash_log[..], &mut notes);
    let actions = graph::parse(graph, &mut notes);
    SideLog {
        hashes,
        actions,
        notes,
    }
}

fn hashed<'a>(log: &'a SideLog, mode: &str, package: &str) -> &'a Hashed {
    log.hashes
        .iter()
        .find(|h| h.mode == mode && h.package == package)
        .unwrap_or_else(|| panic!("{mode} {package} not hashed"))
}

/// One expected input difference: mode, package, cause, the differing
/// lines, the differing dependency lines.
type Expected<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a [(Option<&'a str>, Option<&'a str>)],
    usize,
);

/// Compare two fixture sides and check their input differences (and that
/// there are no notes but for a graph not kept).
fn check_pair(lhs: &str, rhs: &str, expected: &[Expected]) -> BuildInputs {
    let got = compare(&side(lhs), &side(rhs));
    let simple: Vec<_> = got
        .input_differences
        .iter()
        .map(|d| {
            let lines: Vec<_> = d
                .lines
                .iter()
                .map(|p| (p.lhs.as_deref(), p.rhs.as_deref()))
                .collect();
            (
                d.mode.as_str(),
                d.package.as_str(),
                d.cause.as_deref(),
                lines,
                d.dependency_lines,
            )
        })
        .collect();
    let expected: Vec<_> = expected
        .iter()
        .map(|&(m, p, c, l, n)| (m, p, c, l.to_vec(), n))
        .collect();
    assert_eq!(simple, expected, "{lhs}/{rhs}");
    let unexpected = |n: &&String| !n.ends_with("no action graph was kept");
    assert!(
        !got.notes.iter().any(|n| unexpected(&n)),
        "{lhs}/{rhs}: {:?}",
        got.notes
    );
    assert!(got.nondeterministic_actions.is_empty(), "{lhs}/{rhs}");
    got
}

#[test]
fn sample_hash_log_has_every_package_with_its_lines_and_sum() {
    let log = side("sample");
    assert!(log.notes.is_empty(), "{:?}", log.notes);
    assert_eq!(log.hashes.len(), 73); // 72 packages and the link
    let ledger = hashed(&log, "build", "example.com/multipkg/internal/ledger");
    assert_eq!(
        ledger.sum,
        "f416c3e17ce8e9b0fef6a48868d62a3de81d51b2d6b279ab96d49843e96f636d"
    );
    assert_eq!(
        &ledger.lines[..4],
        [
            "go1.26.8",
            "compile",
            "module example.com/multipkg@",
            "go 1.26"
        ]
    );
    for line in [
        "import \"example.com/multipkg/internal/ledger\"",
        "omitdebug false standard false local false prefix \"\"",
        "trimpath",
        "compile compile version go1.26.8 [] []",
        "file ledger.go abMVbuK3unPX3zFYg-8u",
        "import time xxdI4Uxf2lKLcVyXjiSI",
    ] {
        assert!(ledger.lines.iter().any(|l| l == line), "{line}");
    }
    assert_eq!(ledger.lines.len(), 17);
    let link = hashed(&log, "link", "example.com/multipkg");
    assert!(link.lines.iter().any(|l| l == "linkflags [\"-buildid=\"]"));
    let main = hashed(&log, "build", "example.com/multipkg");
    let modinfo = main
        .lines
        .iter()
        .find(|l| l.starts_with("modinfo"))
        .unwrap();
    assert!(
        modinfo.contains("\"path\\texample.com/multipkg\\nmod"),
        "{modinfo}"
    );
    let sorted = log
        .hashes
        .windows(2)
        .all(|w| (&w[0].mode, &w[0].package) < (&w[1].mode, &w[1].package));
    assert!(sorted);
}

#[test]
fn sample_action_graph_has_ids_from_the_build_ids() {
    let log = side("sample");
    assert_eq!(log.actions.len(), 148);
    let find = |mode: &str, package: &str| {
        log.actions
            .iter()
            .find(|a| a.mode == mode && a.package == package)
            .unwrap()
    };
    let link = find("link", "example.com/multipkg");
    assert_eq!(link.action_id.as_deref(), Some("6-ODLml0RJX93u9rCMuY"));
    assert_eq!(link.output_id.as_deref(), Some("yl-Ve6vGC6az9uHqesuC"));
    assert_eq!(link.deps.len(), 72);
    assert_eq!(tool(link).as_deref(), Some("link"));
    let main = find("build", "example.com/multipkg");
    assert_eq!(main.action_id.as_deref(), Some("6oXr_NMz4ktmtauAmz7o"));
    assert_eq!(main.output_id.as_deref(), Some("iJjgZjxlcz9zPJ7Qja4i"));
    assert!(main.need_build && !main.failed);
    assert_eq!(
        main.start_ns,
        graph::parse_time("2026-12-03T14:33:43.853493805Z")
    );
    assert_eq!(tool(main).as_deref(), Some("compile"));
    // link-install has no ActionID: taken from its build ID.
    let install = find("link-install", "example.com/multipkg");
    assert_eq!(install.action_id.as_deref(), Some("6-ODLml0RJX93u9rCMuY"));
    assert!(install.cmd.is_empty());
    // The hash log's sums give the graph's action IDs.
    let sum = &hashed(&log, "build", "example.com/multipkg").sum;
    assert_eq!(action_id_of(sum).as_deref(), Some("6oXr_NMz4ktmtauAmz7o"));
}

#[test]
fn sample_timings_are_plausible() {
    let t = graph::timings(&side("sample").actions);
    assert_eq!((t.actions, t.rebuilt, t.cached), (148, 72, 0));
    assert!(t.wall_ms > 1000, "{t:?}"); // a cold build of fmt and its dependencies
                                        // The chain's actions run one after another inside the wall time.
    assert!(
        t.critical_path_ms > 0 && t.critical_path_ms <= t.wall_ms,
        "{t:?}"
    );
    assert!(
        t.critical_path[0].starts_with("build "),
        "{:?}",
        t.critical_path
    );
    assert_eq!(
        t.critical_path.last().map(String::as_str),
        Some("link example.com/multipkg")
    );
    assert!(
        t.critical_path.contains(&"build runtime".to_owned()),
        "{:?}",
        t.critical_path
    );
    assert_eq!(t.slowest.len(), SLOWEST);
    assert!(t.slowest.windows(2).all(|w| w[0].ms >= w[1].ms));
    assert!(
        t.slowest.iter().any(|a| a.package == "runtime"),
        "{:?}",
        t.slowest
    );
}

#[test]
fn a_side_compared_with_itself_differs_in_nothing() {
    let log = side("sample");
    let got = compare(&log, &log);
    assert!(got.input_differences.is_empty());
    assert!(got.nondeterministic_actions.is_empty());
    assert!(got.notes.is_empty(), "{:?}", got.notes);
    assert_eq!(got.timings.lhs, got.timings.rhs);
}

#[test]
fn two_workdirs_without_trimpath_differ_in_dir() {
    let dir = |l: &'static str, r: &'static str| [(Some(l), Some(r))];
    let got = check_pair(
        "workdir-lhs",
        "workdir-rhs",
        &[
            (
                "build",
                "example.com/multipkg",
                Some("embedded-path"),
                &dir("dir /tmp/tbact/a/src", "dir /tmp/tbact/bb/deeper/source"),
                3, // import ledger, render, stats
            ),
            (
                "build",
                "example.com/multipkg/internal/ledger",
                Some("embedded-path"),
                &dir(
                    "dir /tmp/tbact/a/src/internal/ledger",
                    "dir /tmp/tbact/bb/deeper/source/internal/ledger",
                ),
                0,
            ),
            (
                "build",
                "example.com/multipkg/internal/render",
                Some("embedded-path"),
                &dir(
                    "dir /tmp/tbact/a/src/internal/render",
                    "dir /tmp/tbact/bb/deeper/source/internal/render",
                ),
                1, // import stats
            ),
            (
                "build",
                "example.com/multipkg/internal/stats",
                Some("embedded-path"),
                &dir(
                    "dir /tmp/tbact/a/src/internal/stats",
                    "dir /tmp/tbact/bb/deeper/source/internal/stats",
                ),
                1, // import ledger
            ),
            // The link differs only in its packagefile and packagemain lines.
        ],
    );
    assert!(got.timings.lhs.actions > 0 && got.timings.rhs.actions > 0);
}

#[test]
fn another_x_value_differs_in_linkflags() {
    check_pair(
        "ldflags-x-lhs",
        "ldflags-x-rhs",
        &[(
            "link",
            "example.com/multipkg",
            Some("ldflags-x"),
            &[(
                Some(r#"linkflags ["-buildid=" "-X" "main.version=1"]"#),
                Some(r#"linkflags ["-buildid=" "-X" "main.version=2"]"#),
            )],
            0,
        )],
    );
}

#[test]
fn a_vcs_stamp_differs_in_modinfo() {
    let got = compare(&side("vcs-lhs"), &side("vcs-rhs"));
    let [d] = &got.input_differences[..] else {
        panic!("{:?}", got.input_differences);
    };
    assert_eq!(
        (d.mode.as_str(), d.package.as_str()),
        ("build", "example.com/vcs-stamp")
    );
    assert_eq!(d.cause.as_deref(), Some("buildinfo"));
    let [pair] = &d.lines[..] else {
        panic!("{:?}", d.lines)
    };
    assert!(pair
        .lhs
        .as_deref()
        .unwrap()
        .contains(r"\tvcs.revision=602b5a6"));
    assert!(pair.rhs.as_deref().unwrap().contains("(devel)"));
}

#[test]
fn cgo_in_two_workdirs_differs_in_dir_and_the_include_path() {
    check_pair(
        "cgo-lhs",
        "cgo-rhs",
        &[(
            "build",
            "example.com/cgo-file",
            Some("embedded-path"),
            &[
                (
                    Some("dir /tmp/tbact/c/src"),
                    Some("dir /tmp/tbact/bb/cgo/deeper"),
                ),
                (
                    Some(r#"CC=["gcc"] [] ["-O2" "-g" "-I/tmp/tbact/c/src/include"] ["-O2" "-g"]"#),
                    Some(
                        r#"CC=["gcc"] [] ["-O2" "-g" "-I/tmp/tbact/bb/cgo/deeper/include"] ["-O2" "-g"]"#,
                    ),
                ),
            ],
            0,
        )],
    );
}

#[test]
fn order_of_the_hash_log_does_not_change_the_result() {
    let (lhs, rhs) = (side("workdir-lhs"), side("workdir-rhs"));
    let mut shuffled = lhs.clone();
    shuffled.hashes.reverse();
    shuffled.actions.reverse();
    assert_eq!(compare(&lhs, &rhs), compare(&shuffled, &rhs));
}

const GRAPH: &str = r#"[
 {"ID":0,"Mode":"link","Package":"m","Deps":[1,2],"BuildID":"L/B/C/OUT1","Cmd":["/go/pkg/tool/linux_amd64/link -o a.out"],
  "TimeStart":"2026-01-01T00:00:01Z","TimeDone":"2026-01-01T00:00:02Z"},
 {"ID":1,"Mode":"build","Package":"m","Deps":[2],"NeedBuild":true,"ActionID":"B","BuildID":"B/C","Cmd":["C:\\go\\pkg\\tool\\compile.exe -o x"],
  "TimeStart":"2026-01-01T00:00:00.5Z","TimeDone":"2026-01-01T00:00:01Z"},
 {"ID":2,"Mode":"build","Package":"p","Deps":[1],"ActionID":"P","BuildID":"P/P","Failed":true,
  "TimeStart":"2026-01-01T00:00:00Z","TimeDone":"2026-01-01T00:00:00.25Z"},
 {"ID":3,"Mode":"nop","Package":"","Deps":null,"Cmd":null,"TimeStart":"0001-01-01T00:00:00Z","TimeDone":"bad"}
]"#;

#[test]
fn same_action_id_with_another_output_is_nondeterministic() {
    let lhs = side_from(b"", GRAPH.as_bytes());
    let rhs = side_from(
        b"",
        GRAPH
            .replace("B/C\"", "B/D\"")
            .replace("/OUT1", "/OUT2")
            .as_bytes(),
    );
    let got = compare(&lhs, &rhs);
    let expected = [
        NondeterministicAction {
            mode: "build".into(),
            package: "m".into(),
            action_id: "B".into(),
            lhs_output_id: "C".into(),
            rhs_output_id: "D".into(),
            tool: Some("compile".into()),
        },
        NondeterministicAction {
            mode: "link".into(),
            package: "m".into(),
            action_id: "L".into(),
            lhs_output_id: "OUT1".into(),
            rhs_output_id: "OUT2".into(),
            tool: Some("link".into()),
        },
    ];
    assert_eq!(got.nondeterministic_actions, expected);
    // The failed build with a placeholder build ID has no output ID.
    assert_eq!(lhs.actions[2].output_id, None);
    assert_eq!(
        (lhs.actions[3].start_ns, lhs.actions[3].done_ns),
        (None, None)
    );
}

#[test]
fn a_cycle_in_the_graph_ends_the_walk() {
    let t = graph::timings(&side_from(b"", GRAPH.as_bytes()).actions);
    // 1 and 2 depend on each other; the walk from 0 goes 0 → 1 → 2 and ignores 2 → 1.
    assert_eq!(t.critical_path, ["build p", "build m", "link m"]);
    assert_eq!((t.critical_path_ms, t.wall_ms), (1750, 2000));
    assert_eq!((t.actions, t.rebuilt, t.cached), (4, 1, 1));
}

#[test]
fn cgo_with_trimpath_still_hashes_the_include_path() {
    // The two binaries of this pair are identical: an input difference
    // makes the action IDs differ, not necessarily the output.
    check_pair(
        "cgo-trimpath-lhs",
        "cgo-trimpath-rhs",
        &[(
            "build",
            "example.com/cgo-file",
            Some("embedded-path"),
            &[(
                Some(r#"CC=["gcc"] [] ["-O2" "-g" "-I/tmp/tbact/c/src/include"] ["-O2" "-g"]"#),
                Some(
                    r#"CC=["gcc"] [] ["-O2" "-g" "-I/tmp/tbact/bb/cgo/deeper/include"] ["-O2" "-g"]"#,
                ),
            )],
            0,
        )],
    );
}

/// Read `hash_log` and `graph` written to files; the notes must hold each of `notes`.
fn check_damaged(hash_log: &[u8], graph: &[u8], notes: &[&str]) -> SideLog {
    let dir = tempfile::tempdir().unwrap();
    let (h, g) = (dir.path().join("hash.log"), dir.path().join("graph.json"));
    std::fs::File::create(&h)
        .unwrap()
        .write_all(hash_log)
        .unwrap();
    std::fs::File::create(&g).unwrap().write_all(graph).unwrap();
    let log = SideLog::read(Some(&h), Some(&g));
    for n in notes {
        assert!(
            log.notes.iter().any(|got| got.contains(n)),
            "{n:?} not in {:?}",
            log.notes
        );
    }
    log
}

#[test]
fn damaged_files_give_notes() {
    let log = check_damaged(
        b"",
        b"  \n",
        &["hash log: it is empty", "action graph: it is empty"],
    );
    assert_eq!(
        log,
        SideLog {
            notes: log.notes.clone(),
            ..SideLog::default()
        }
    );
    check_damaged(
        b"\x00\xff\xfegarbage\nHASH[\nHASH[build x]: \"a\"\n",
        b"\x00\xffnot json",
        &[
            "hash log: 1 lines are not HASH lines",
            "hash log: 1 HASH lines are not understood",
            "hash log: 1 HASH lines belong to no open build or link computation",
            "hash log: no build or link computation in it",
            "action graph: not a whole JSON array of actions",
        ],
    );
    check_damaged(
        b"go: no Go files in /x\n",
        br#"{"ID": 1}"#,
        &[
            "not HASH lines",
            "invalid type: map, expected a JSON array of actions",
        ],
    );
    let log = check_damaged(
        b"",
        br#"[1, {"ID": "x"}, {"ID": 7, "Mode": "build"}, null, {"ID": -1}]"#,
        &["action graph: 4 elements are not actions (skipped)"],
    );
    assert_eq!(log.actions.len(), 1);
    let missing = fixture("no-such-file");
    let log = SideLog::read(Some(&missing), Some(&fixture(""))); // a directory
    assert!(
        log.notes[0].starts_with("hash log: cannot open it: "),
        "{:?}",
        log.notes
    );
    assert!(
        log.notes[1].starts_with("action graph: reading stopped after 0 bytes"),
        "{:?}",
        log.notes
    );
    let log = SideLog::read(None, None);
    assert_eq!(
        log.notes,
        ["no hash log was kept", "no action graph was kept"]
    );
    // Against a whole side: that side's notes, not one per action.
    let got = compare(&log, &side("sample"));
    assert_eq!(
        got.notes,
        ["lhs: no hash log was kept", "lhs: no action graph was kept"]
    );
    assert_eq!(got.timings.lhs, Timings::default());
}

#[test]
fn truncated_files_give_what_was_read() {
    let hash_log = std::fs::read(fixture("sample.hash.log")).unwrap();
    let graph = std::fs::read(fixture("sample.graph.json")).unwrap();
    let cut = |b: &[u8], at: &[u8]| {
        b[..b.windows(at.len()).position(|w| w == at).unwrap() + at.len() + 3].to_vec()
    };
    let log = check_damaged(
        &cut(
            &hash_log,
            b"HASH[build example.com/multipkg/internal/stats]: \"go1",
        ),
        &cut(&graph, b"\"example.com/multipkg/internal/render\""),
        &[
            "have no sum (the log ends early?): build example.com/multipkg/internal/stats",
            "action graph: not a whole JSON array of actions (EOF while parsing",
            "; 4 actions read before that",
        ],
    );
    assert!(log
        .hashes
        .iter()
        .any(|h| h.package == "example.com/multipkg/internal/ledger"));
    assert_eq!(log.actions.len(), 4);
    // Compared with the whole build: actions on one side only, no panic.
    let got = compare(&log, &side("sample"));
    assert!(got.input_differences.is_empty());
    assert!(
        got.notes
            .iter()
            .any(|n| n.contains("hashed on one side only")),
        "{:?}",
        got.notes
    );
}

#[test]
fn long_lines_are_cut_and_files_from_two_builds_are_noticed() {
    let mut log = b"HASH[build x]\nHASH[build x]: \"".to_vec();
    log.extend(std::iter::repeat_n(b'a', 100_000));
    log.extend(
        b"\"\nHASH[build x]: 0000000000000000000000000000000000000000000000000000000000000000\n",
    );
    let got = side_from(&log, b"[]");
    assert_eq!(
        got.hashes[0].lines[0].len(),
        MAX_LINE - b"HASH[build x]: \"".len()
    );
    assert_eq!(got.notes, ["hash log: 1 lines longer than 64 KiB were cut"]);
    let mixed = SideLog::read(
        Some(&fixture("sample.hash.log")),
        Some(&fixture("workdir-lhs.graph.json")),
    );
    assert_eq!(
        mixed.notes,
        ["the hash log and the action graph disagree on 73 action IDs (not from the same build?)"]
    );
}
