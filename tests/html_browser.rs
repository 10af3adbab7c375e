//! The HTML report in a real browser: Debian's headless chromium loads the
//! file and dumps the DOM after parsing (and after any script would have run).
//!
//! Checks that the verdict and every root finding's title render, that the
//! layout shifts are folded in `<details>`, and that hostile names read from
//! a binary (a section called `<script>document.title='pwned'</script>`, an
//! `<img onerror>` symbol) created no element and ran nothing: the dumped
//! title is still ours. The report is loaded twice: as written, and with its
//! Content-Security-Policy removed, so the escaping alone is what is tested.
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`; scripts/setup
//! installs it) or `TWINBUILD_CHROMIUM=/path/to/chrome`. Without one the
//! test says it was skipped and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use twinbuild::attribute::attribute;
use twinbuild::binary::Binary;
use twinbuild::diff::{diff, Status};
use twinbuild::harness::VariationHints;
use twinbuild::report::{html, Artifact, Context, Report, Verdict};

const SCRIPT: &str = "<script>document.title='pwned'</script>";
const IMG: &str = "<img src=x onerror=\"document.title='pwned'\">";

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("TWINBUILD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/linux-amd64")
        .join(name)
}

/// `plain-a` vs `plain-b` through the library pipeline, with hostile names
/// planted where a binary's strings end up.
fn hostile_report() -> Report {
    let (lp, rp) = (fixture("plain-a"), fixture("plain-b"));
    let (ld, rd) = (std::fs::read(&lp).unwrap(), std::fs::read(&rp).unwrap());
    let (l, r) = (Binary::parse(&ld).unwrap(), Binary::parse(&rd).unwrap());
    let d = diff(&l, &r);
    let attribution = attribute(&l, &r, &d, &VariationHints::default());
    let context = Context {
        command: "diff".into(),
        notes: vec![format!("note {SCRIPT}")],
        ..Default::default()
    };
    let mut report = Report::new(
        Artifact::new(&lp.display().to_string(), &l),
        Artifact::new(&rp.display().to_string(), &r),
        &d,
        attribution,
        context,
    );
    assert_eq!(report.verdict, Verdict::Differs);
    let row = report
        .sections
        .iter_mut()
        .find(|s| s.status == Status::Differs)
        .unwrap();
    row.name = SCRIPT.into();
    row.warning = Some(IMG.into());
    let root = report
        .findings
        .iter_mut()
        .find(|f| f.root.is_none())
        .unwrap();
    root.section = SCRIPT.into();
    if let Some(l) = root.locations.first_mut() {
        l.symbol = Some(IMG.into());
    }
    if let Some(e) = root.lhs_excerpt.as_mut() {
        e.text = SCRIPT
            .chars()
            .chain(std::iter::repeat('.'))
            .take(e.text.chars().count())
            .collect();
    }
    report
}

/// Run chromium headless on `file` and return the serialised DOM.
fn dump_dom(browser: &Path, file: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => {
                assert!(status.success(), "chromium failed: {status}");
                break;
            }
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 120 s");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    reader.join().unwrap().expect("chromium's output is UTF-8")
}

/// Text as the DOM serialiser writes it (only `& < >` and no-break spaces are escaped).
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

#[test]
fn html_report_renders_in_chromium_without_running_hostile_names() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: chromium not installed (apt-get install chromium, or set TWINBUILD_CHROMIUM)"
        );
        return;
    };
    let report = hostile_report();
    let page = html::render(&report);
    let csp = page
        .lines()
        .find(|l| l.contains("Content-Security-Policy"))
        .expect("the report sets a CSP")
        .to_string();
    let without_csp = page.replacen(&format!("{csp}\n"), "", 1);
    assert!(!without_csp.contains("Content-Security-Policy"));

    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("report.html", &page),
        ("report-without-csp.html", &without_csp),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let dom = dump_dom(&browser, &file, &dir.path().join(format!("profile-{name}")));

        let title = &dom[dom.find("<title>").expect("a title") + 7..dom.find("</title>").unwrap()];
        assert_eq!(
            title, "twinbuild: not reproducible: plain-a vs plain-b",
            "{name}: the page title changed: a script ran"
        );
        assert!(dom.contains("<h1>Not reproducible</h1>"), "{name}: verdict");
        for f in report.roots() {
            assert!(
                dom.contains(&dom_text(&f.title)),
                "{name}: root finding [{}] title {:?} not rendered",
                f.id,
                f.title
            );
            assert!(
                dom.contains(&format!("id=\"f{}\"", f.id)),
                "{name}: root finding [{}]",
                f.id
            );
        }
        assert!(
            dom.contains("<details class=\"shifts\">"),
            "{name}: layout shifts folded under their root"
        );
        assert!(
            !dom.contains("<script") && !dom.contains("<img"),
            "{name}: a hostile name became an element"
        );
        assert!(
            dom.contains(&dom_text(SCRIPT)),
            "{name}: the hostile section name is shown as text"
        );
        assert!(
            dom.contains(&dom_text(IMG)),
            "{name}: the hostile symbol name is shown as text"
        );
    }
}
