//! The attacker's suite (issue 11): a real change to code or data must never
//! pass the release gate as a consequence of a benign difference.
//!
//! `tests/tamper/` is a small Go module (a main package and a local
//! dependency `lib`). Each attack is a small text substitution in it (a
//! constant, a string, a branch, a call target, a table entry...). Every
//! tampered program is built next to a benign, size-changing difference from
//! the lhs, so everything after the benign change moves:
//!
//! - `path`: no `-trimpath`, the two sides in workdirs of different path
//!   length (`embedded-path`);
//! - `stamp`: `-trimpath`, a longer `-X main.version=` on the rhs (`ldflags-x`);
//! - `vcs`: `-trimpath`, the lhs built from a git commit (VCS stamp), the rhs
//!   from a plain copy with `-buildvcs=false` (`buildinfo`);
//!
//! for linux/amd64, linux/arm64 (ELF), windows/amd64 (PE) and darwin/arm64
//! (Mach-O), all `CGO_ENABLED=0` cross builds with `-ldflags=-buildid=`.
//!
//! For each tampered pair, `twinbuild diff LHS RHS --format json` with
//! `--allow` of every benign cause must exit 1, and its report must have a
//! root `code` or `data` finding that names the tampered symbol (a `code` one
//! showing differing instructions). The controls (the benign pair alone)
//! must show the benign root, pass the gate with their own causes allowed
//! and prove every byte (`summary.unproven_bytes` 0): the gate does not
//! simply fail everything. (One diff per pair: an allowance changes the exit
//! code, not the verdict or the findings.)
//!
//! Beyond the five attacks (a constant, a string, a function that
//! grew, a global, the dependency), the attacker's own: a call redirected, a
//! branch flipped, a reference swapped between two strings, two literals
//! swapped, a float constant, a jump-table entry, a function-value table, an
//! inlined function, a pointer to another element, and integers (in data and
//! in code) set to what a corresponding address would be on each side.
//!
//! `TWINBUILD_TAMPER=linux-amd64,stamp,const` runs a subset (any mix of
//! target, benign and attack names; `none` is the control, always run).
//! One Go build cache per target lives in `target/tamper-cache/<goos>-<goarch>`
//! (shared by both sides: this suite tests the diff, not the harness), so only
//! the first run compiles the runtime. The pairs are kept in
//! `target/tamper-pairs/<target>/<benign>/<attack>/{lhs,rhs}` with each diff's
//! JSON report next to them, for inspection and for benchmarks. At most two
//! processes (go builds or twinbuild runs) run at once.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Instant;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A cross-compilation target: (name, GOOS, GOARCH).
const TARGETS: [(&str, &str, &str); 4] = [
    ("linux-amd64", "linux", "amd64"),
    ("linux-arm64", "linux", "arm64"),
    ("windows-amd64", "windows", "amd64"),
    ("darwin-arm64", "darwin", "arm64"),
];

/// The benign, size-changing difference between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Benign {
    /// No -trimpath; the rhs workdir path is longer than the lhs one.
    Path,
    /// -trimpath; `-X main.version=` is longer on the rhs.
    Stamp,
    /// -trimpath; the lhs is built from a git commit, the rhs from a plain
    /// copy with -buildvcs=false.
    Vcs,
}

const BENIGN: [Benign; 3] = [Benign::Path, Benign::Stamp, Benign::Vcs];

impl Benign {
    fn name(self) -> &'static str {
        match self {
            Benign::Path => "path",
            Benign::Stamp => "stamp",
            Benign::Vcs => "vcs",
        }
    }

    /// The root causes this difference alone has: the control must report
    /// them and pass the gate with them allowed.
    fn causes(self) -> &'static [&'static str] {
        match self {
            Benign::Path => &["embedded-path"],
            Benign::Stamp => &["ldflags-x"],
            Benign::Vcs => &["buildinfo"],
        }
    }
}

/// Every benign cause a release gate might allow. The tampered pairs are
/// gated with all of them allowed (a superset of each case's own causes), so
/// only the tampering itself can fail the gate.
const ALL_BENIGN_CAUSES: [&str; 4] = ["embedded-path", "ldflags-x", "buildinfo", "build-id"];

/// The attacks whose edit is computed: `main.magic` (data) or the
/// immediate `main.secret` returns (code) set to a moved symbol's address on
/// each side.
const LOOKALIKE: &str = "lookalike";
const LOOKALIKE_CODE: &str = "lookalike-code";

/// The values of `main.magic` and of `main.secret`'s immediate in the probe
/// builds: per target, of the same magnitude as its addresses, so that the
/// instruction loading the immediate has the same size with the final
/// value. (The source has 1, which the builds always replace.)
fn placeholder(target: usize) -> u64 {
    match TARGETS[target].0 {
        "linux-amd64" => 0x40_0001,
        "linux-arm64" => 0x1_0001,
        _ => 0x1_0001_0001,
    }
}

/// The control: the benign pair alone, no tampering.
const CONTROL: &str = "none";

/// One attack: edits to the base program, and the names a root finding must
/// mention (any one of them) to name what was tampered with.
struct Attack {
    name: &'static str,
    /// (file in tests/tamper, text, replacement); the text must occur exactly
    /// once, so a drifted base program fails loudly instead of testing nothing.
    edits: &'static [(&'static str, &'static str, &'static str)],
    names: &'static [&'static str],
}

const ATTACKS: &[Attack] = &[
    // A same-size immediate: `return 1000` becomes `return 1001`.
    Attack {
        name: "const",
        edits: &[("main.go", "return 1000\n", "return 1001\n")],
        names: &["main.threshold"],
    },
    // A same-length string literal, one letter changed.
    Attack {
        name: "string",
        edits: &[(
            "main.go",
            "\"hello, reproducible world\"",
            "\"hello, reproducib1e world\"",
        )],
        names: &["main.greeting", "reproducib1e"],
    },
    // A function that grew: a backdoor branch at its start, so the code
    // after it moves as well.
    Attack {
        name: "grew",
        edits: &[(
            "main.go",
            "\th := uint32(2166136261)\n",
            "\tif len(b) == 7 {\n\t\treturn 0\n\t}\n\th := uint32(2166136261)\n",
        )],
        names: &["main.checksum"],
    },
    // A package-level variable's initial value.
    Attack {
        name: "global",
        edits: &[("main.go", "var limit = 4096\n", "var limit = 4097\n")],
        names: &["main.limit"],
    },
    // One entry of a package-level table.
    Attack {
        name: "table",
        edits: &[(
            "main.go",
            "{2, 3, 5, 7, 11, 13, 17, 19}",
            "{2, 3, 5, 7, 11, 13, 17, 23}",
        )],
        names: &["main.primes"],
    },
    // A change in the dependency package, not in main.
    Attack {
        name: "lib",
        edits: &[("lib/lib.go", "return 100\n", "return 900\n")],
        names: &["lib.Quota"],
    },
    // A call redirected to another function of the same signature: only the
    // call's target differs, and it is a valid function on both sides.
    Attack {
        name: "redirect",
        edits: &[("main.go", "return permit(n)", "return refuse(n)")],
        names: &["main.authorize"],
    },
    // A branch condition flipped: `<` becomes `<=`.
    Attack {
        name: "branch",
        edits: &[("main.go", "uid < 1000", "uid <= 1000")],
        names: &["main.isAdmin"],
    },
    // A reference swapped between two same-length package-level strings:
    // the data is the same on both sides, only the address motd loads
    // differs, and it is a valid string's address on both.
    Attack {
        name: "refswap",
        edits: &[("main.go", "\treturn healthy\n", "\treturn maint\n")],
        names: &["main.motd"],
    },
    // Two same-length literals swapped between two functions: the same
    // bytes on both sides, only in another order (the code stays the same;
    // the strings' data trade places).
    Attack {
        name: "strswap",
        edits: &[
            ("main.go", "\"state: nominal\"", "\"@@STATUS@@\""),
            ("main.go", "\"state: failing\"", "\"state: nominal\""),
            ("main.go", "\"@@STATUS@@\"", "\"state: failing\""),
        ],
        names: &[
            "main.status",
            "main.alert",
            "state: nominal",
            "state: failing",
        ],
    },
    // A float constant (loaded from the constant pool on both architectures).
    // Where the constant's slot does not move, the code is the same and only
    // the pool entry differs: naming the constant's symbol ($f64.<bits> of
    // 3.14159 or 2.71828) names the tampering too.
    Attack {
        name: "float",
        edits: &[("main.go", "return 3.14159\n", "return 2.71828\n")],
        names: &[
            "main.ratio",
            "$f64.400921f9f01b866e",
            "$f64.4005bf0995aaf790",
        ],
    },
    // One value of a dense switch moved to another case's body: the code
    // is the same on both sides, one entry of the compiler's jump table
    // differs, and it is still an address inside the same function.
    Attack {
        name: "jumptable",
        edits: &[(
            "main.go",
            "\tcase 3:\n\t\treturn 41\n\tcase 4, 5:\n",
            "\tcase 3, 4:\n\t\treturn 41\n\tcase 5:\n",
        )],
        names: &["main.classify"],
    },
    // Two entries of a table of function values swapped: each word is still
    // a pointer to a valid function value, just not the corresponding one.
    Attack {
        name: "functable",
        edits: &[("main.go", "{inc, dec, dbl, neg}", "{dec, inc, dbl, neg}")],
        names: &["main.ops"],
    },
    // A pointer in data moved to another element of the same table: still
    // an address inside the corresponding symbol, at another offset.
    Attack {
        name: "ptroffset",
        edits: &[("main.go", "&primes[1]", "&primes[2]")],
        names: &["main.cursor"],
    },
    // An integer (in pointer-free data) whose value is an address: on the
    // lhs a symbol's lhs address, on the rhs the same symbol's rhs address.
    // It "corresponds under the address map", yet it is no pointer: the
    // program compares it with input. The values are learnt from a first
    // build of the control pair (the benign difference moves the symbol).
    Attack {
        name: LOOKALIKE,
        edits: &[],
        names: &["main.magic"],
    },
    // The same in code: an immediate (not an address operand) whose value is
    // a moved symbol's address on each side.
    Attack {
        name: LOOKALIKE_CODE,
        edits: &[],
        names: &["main.secret"],
    },
    // A change in a function the compiler inlines: it shows up in the
    // caller's code, not under the inlined function's name.
    Attack {
        name: "inlined",
        edits: &[("main.go", "return 250 }", "return 251 }")],
        names: &["main.price", "main.fee"],
    },
];

/// One case: a target, a benign difference and an attack (or the control).
#[derive(Clone, Copy)]
struct Case {
    target: usize,
    benign: Benign,
    /// None for the control.
    attack: Option<&'static Attack>,
}

impl Case {
    fn target_name(&self) -> &'static str {
        TARGETS[self.target].0
    }

    fn attack_name(&self) -> &'static str {
        self.attack.map_or(CONTROL, |a| a.name)
    }

    fn label(&self) -> String {
        format!(
            "{}/{}/{}",
            self.target_name(),
            self.benign.name(),
            self.attack_name()
        )
    }

    /// `target/tamper-pairs/<target>/<benign>/<attack>`.
    fn pair_dir(&self, dirs: &Dirs) -> PathBuf {
        dirs.pairs
            .join(self.target_name())
            .join(self.benign.name())
            .join(self.attack_name())
    }
}

/// Where things go under the cargo target dir.
struct Dirs {
    /// tests/tamper: the base Go module.
    source: PathBuf,
    /// target/tamper-cache: one GOCACHE per target.
    cache: PathBuf,
    /// target/tamper-work: the copies the builds run in.
    work: PathBuf,
    /// target/tamper-pairs: the built pairs and their reports.
    pairs: PathBuf,
}

fn dirs() -> Dirs {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent (the target dir)")
        .to_path_buf();
    Dirs {
        source: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tamper"),
        cache: target.join("tamper-cache"),
        work: target.join("tamper-work"),
        pairs: target.join("tamper-pairs"),
    }
}

/// The selected cases, controls included, in matrix order.
fn cases() -> Vec<Case> {
    // The rhs workdirs of the `path` cases are padded to 16 characters.
    assert!(
        ATTACKS.iter().all(|a| a.name.len() <= 16),
        "attack names are at most 16 characters"
    );
    let tokens: BTreeSet<String> = std::env::var("TWINBUILD_TAMPER")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let targets: BTreeSet<&str> = TARGETS.iter().map(|t| t.0).collect();
    let benigns: BTreeSet<&str> = BENIGN.iter().map(|b| b.name()).collect();
    let attacks: BTreeSet<&str> = ATTACKS.iter().map(|a| a.name).chain([CONTROL]).collect();
    let unknown: Vec<&String> = tokens
        .iter()
        .filter(|t| {
            !targets.contains(t.as_str())
                && !benigns.contains(t.as_str())
                && !attacks.contains(t.as_str())
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "TWINBUILD_TAMPER names unknown targets, benign differences or attacks: {unknown:?}"
    );
    // In each dimension the tokens name nothing from, everything is selected.
    let pick = |dimension: &BTreeSet<&str>, name: &str| {
        !tokens.iter().any(|t| dimension.contains(t.as_str())) || tokens.contains(name)
    };
    let mut cases = Vec::new();
    for (t, target) in TARGETS.iter().enumerate() {
        for benign in BENIGN {
            if !pick(&targets, target.0) || !pick(&benigns, benign.name()) {
                continue;
            }
            cases.push(Case {
                target: t,
                benign,
                attack: None,
            });
            for attack in ATTACKS.iter().filter(|a| pick(&attacks, a.name)) {
                cases.push(Case {
                    target: t,
                    benign,
                    attack: Some(attack),
                });
            }
        }
    }
    cases
}

/// At most two processes at once across the whole test binary (the tests
/// run in parallel threads).
static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());
const MAX_PROCESSES: usize = 2;

fn with_slot<R>(f: impl FnOnce() -> R) -> R {
    let (lock, freed) = &SLOTS;
    let mut busy = lock.lock().unwrap();
    while *busy >= MAX_PROCESSES {
        busy = freed.wait(busy).unwrap();
    }
    *busy += 1;
    drop(busy);
    let r = f();
    *lock.lock().unwrap() -= 1;
    freed.notify_one();
    r
}

/// `f` over `items` on two threads, results in the items' order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..MAX_PROCESSES {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// Progress lines go straight to stderr, not through the harness's capture.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// One build: which side, of which case.
struct BuildJob {
    case: Case,
    /// The lhs is built once per target and benign difference (in the
    /// control's pair dir); each case's rhs is built on its own.
    lhs: bool,
    /// The values of `main.magic` and `main.secret`'s immediate (see
    /// [`LOOKALIKE`]).
    magic: (u64, u64),
    /// A first build with the placeholder `magic`, to learn the layout.
    probe: bool,
}

impl BuildJob {
    fn output(&self, dirs: &Dirs) -> PathBuf {
        let side = if self.lhs { "lhs" } else { "rhs" };
        let name = if self.probe {
            format!("probe-{side}")
        } else {
            side.to_string()
        };
        self.case.pair_dir(dirs).join(name)
    }

    /// The workdir: for `path` the rhs one is longer (and deeper) than the
    /// lhs one; for the others it does not matter (-trimpath).
    fn workdir(&self, dirs: &Dirs) -> PathBuf {
        let base = dirs
            .work
            .join(self.case.target_name())
            .join(self.case.benign.name());
        match (self.lhs, self.case.benign) {
            (true, Benign::Path) => base.join("lhs/src"),
            (true, _) => base.join("lhs"),
            // Padded to the longest attack name, so every rhs workdir has the
            // same length and every rhs the control's layout.
            (false, Benign::Path) => base
                .join(format!("{:-<16}", self.case.attack_name()))
                .join("rhs-workdir-with-a-longer-path/src"),
            (false, _) => base.join(self.case.attack_name()),
        }
    }
}

/// Copies the base module to `workdir`, applies the attack's edits and, for
/// a VCS-stamped side, commits it to a fresh git repository.
fn prepare(dirs: &Dirs, job: &BuildJob, workdir: &Path) -> Result<(), String> {
    if workdir.exists() {
        std::fs::remove_dir_all(workdir).map_err(|e| format!("remove {workdir:?}: {e}"))?;
    }
    copy_tree(&dirs.source, workdir).map_err(|e| format!("copy the module: {e}"))?;
    let attack = job.case.attack.filter(|_| !job.lhs);
    for (file, from, to) in attack.map_or(&[][..], |a| a.edits) {
        let path = workdir.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("read {path:?}: {e}"))?;
        let n = text.matches(from).count();
        if n != 1 {
            return Err(format!(
                "attack edit {from:?} occurs {n} times in {file} (expected once)"
            ));
        }
        std::fs::write(&path, text.replacen(from, to, 1))
            .map_err(|e| format!("write {path:?}: {e}"))?;
    }
    let path = workdir.join("main.go");
    let mut text = std::fs::read_to_string(&path).map_err(|e| format!("read {path:?}: {e}"))?;
    for ((before, after), value) in [
        (("var magic uint64 = ", "\n"), job.magic.0),
        (("return ", " // magicCode\n"), job.magic.1),
    ] {
        let from = format!("{before}1{after}");
        if text.matches(&from).count() != 1 {
            return Err(format!("{from:?} does not occur once in main.go"));
        }
        text = text.replacen(&from, &format!("{before}{value:#x}{after}"), 1);
    }
    std::fs::write(&path, text).map_err(|e| format!("write {path:?}: {e}"))?;
    if job.lhs && job.case.benign == Benign::Vcs {
        let home = dirs.work.join("home");
        std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &["commit", "-q", "-m", "base"],
        ] {
            let out = Command::new("git")
                .args([
                    "-c",
                    "init.defaultBranch=main",
                    "-c",
                    "user.name=tamper",
                    "-c",
                    "user.email=tamper@example.com",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .current_dir(workdir)
                .env("HOME", &home)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                // A fixed date, so the revision (and the stamp) is the same
                // on every run.
                .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
                .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
                .output()
                .map_err(|e| format!("run git: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "git {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// Builds one side with the real Go toolchain.
fn build(dirs: &Dirs, job: &BuildJob) -> Result<(), String> {
    let (_, goos, goarch) = TARGETS[job.case.target];
    let workdir = job.workdir(dirs);
    prepare(dirs, job, &workdir)?;
    let output = job.output(dirs);
    std::fs::create_dir_all(output.parent().unwrap()).map_err(|e| e.to_string())?;

    let mut args: Vec<String> = vec!["build".into(), "-o".into()];
    args.push(output.to_string_lossy().into_owned());
    let benign = job.case.benign;
    if benign != Benign::Path {
        args.push("-trimpath".into());
    }
    // Only the VCS case's lhs is stamped: everything else is built inside
    // this repository's worktree, whose state must not leak in.
    if !(job.lhs && benign == Benign::Vcs) {
        args.push("-buildvcs=false".into());
    }
    let stamp = match (benign, job.lhs) {
        (Benign::Stamp, true) => " -X main.version=1.0",
        (Benign::Stamp, false) => " -X main.version=1.0.0-rc.1+build.20261203.linux",
        _ => "",
    };
    args.push(format!("-ldflags=-buildid={stamp}"));
    args.push(".".into());

    // A warm run reuses an output built from the same inputs (the Go build
    // cache makes the compile free, but not the link).
    let key = build_key(&workdir, &args, goos, goarch)?;
    let key_path = output.with_extension("key");
    if output.is_file() && std::fs::read_to_string(&key_path).ok().as_deref() == Some(&key) {
        return Ok(());
    }
    let _ = std::fs::remove_file(&key_path);
    let _ = std::fs::remove_file(&output);

    let home = dirs.work.join("home");
    let gocache = dirs.cache.join(format!("{goos}-{goarch}"));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let out = with_slot(|| {
        Command::new("nice")
            .args(["-n", "10", "go"])
            .args(&args)
            .current_dir(&workdir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("GOPATH", dirs.work.join("gopath"))
            .env("GOCACHE", &gocache)
            .env("GOOS", goos)
            .env("GOARCH", goarch)
            .env("CGO_ENABLED", "0")
            .env("GOENV", "off")
            .env("GOFLAGS", "")
            .env("GOWORK", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
    })
    .map_err(|e| format!("run go: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go {} (in {}): {}",
            args.join(" "),
            workdir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    std::fs::write(&key_path, key).map_err(|e| format!("write {key_path:?}: {e}"))
}

/// Everything a build's output depends on: the toolchain, the target, the
/// command line, the workdir's path and its files' contents (the git commit
/// of the VCS case follows from them: fixed identity and dates).
fn build_key(workdir: &Path, args: &[String], goos: &str, goarch: &str) -> Result<String, String> {
    static GO_VERSION: OnceLock<Result<String, String>> = OnceLock::new();
    let version = GO_VERSION
        .get_or_init(|| {
            let out = Command::new("go")
                .arg("version")
                .env("GOTOOLCHAIN", "local")
                .output()
                .map_err(|e| format!("run go version: {e}"))?;
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
        .clone()?;
    let mut hash = Sha256::new();
    for part in [&version, goos, goarch, &args.join(" ")] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(workdir.as_os_str().as_encoded_bytes());
    let mut files = Vec::new();
    list_files(workdir, &mut files).map_err(|e| format!("list {}: {e}", workdir.display()))?;
    files.sort();
    for file in files {
        let text = std::fs::read(&file).map_err(|e| format!("read {}: {e}", file.display()))?;
        hash.update([0]);
        hash.update(file.as_os_str().as_encoded_bytes());
        hash.update([0]);
        hash.update(&text);
    }
    Ok(format!("{:x}", hash.finalize()))
}

/// The files under `dir`, .git excluded.
fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), files)?;
        } else {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// A symbol the benign difference moved: its address on each side.
#[derive(Clone)]
struct Moved {
    name: String,
    lhs: u64,
    rhs: u64,
}

/// The built pairs, made once for all tests in this binary: each case's
/// pair dir holds `lhs` and `rhs`, or the reason it could not be built.
fn pairs() -> &'static Vec<(Case, Result<(), String>)> {
    static PAIRS: OnceLock<Vec<(Case, Result<(), String>)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let dirs = dirs();
        let cases = cases();
        let started = Instant::now();
        say(&format!(
            "tamper: {} cases, Go build caches in {}",
            cases.len(),
            dirs.cache.display()
        ));

        // Probes: the control pairs with the placeholder magic, to find a
        // symbol the benign difference moves (for the lookalike attacks).
        // Run whatever the selection, so every build of a case has the same
        // inputs in a subset run as in a full one (and is reused).
        let controls: Vec<Case> = cases
            .iter()
            .filter(|c| c.attack.is_none())
            .copied()
            .collect();
        let probes: Vec<BuildJob> = controls
            .iter()
            .flat_map(|case| {
                [true, false].map(|lhs| BuildJob {
                    case: *case,
                    lhs,
                    magic: (placeholder(case.target), placeholder(case.target)),
                    probe: true,
                })
            })
            .collect();
        let built = parallel(&probes, |job| build(&dirs, job));
        let moved: Vec<Result<Moved, String>> = controls
            .iter()
            .zip(built.chunks(2))
            .map(|(case, built)| {
                built[0].clone().map_err(|e| format!("probe lhs: {e}"))?;
                built[1].clone().map_err(|e| format!("probe rhs: {e}"))?;
                let dir = case.pair_dir(&dirs);
                moved_symbol(&dir.join("probe-lhs"), &dir.join("probe-rhs"))
            })
            .collect();
        let moved_for = |case: &Case| {
            controls
                .iter()
                .zip(&moved)
                .find(|(c, _)| c.target == case.target && c.benign == case.benign)
                .map(|(_, m)| m)
                .expect("every target/benign pair has a control")
        };

        // Every side uses the lhs address for both values; the lookalike
        // rhs uses the rhs address of the same symbol for one of them.
        let mut jobs: Vec<BuildJob> = Vec::new();
        for case in &cases {
            let moved = moved_for(case).as_ref().ok();
            let lhs = moved.map_or(placeholder(case.target), |m| m.lhs);
            let lhs_magic = (lhs, lhs);
            if case.attack.is_none() {
                jobs.push(BuildJob {
                    case: *case,
                    lhs: true,
                    magic: lhs_magic,
                    probe: false,
                });
            }
            let magic = match (moved, case.attack_name()) {
                (Some(m), LOOKALIKE) => (m.rhs, lhs),
                (Some(m), LOOKALIKE_CODE) => (lhs, m.rhs),
                _ => lhs_magic,
            };
            jobs.push(BuildJob {
                case: *case,
                lhs: false,
                magic,
                probe: false,
            });
        }
        let results = parallel(&jobs, |job| build(&dirs, job));
        say(&format!(
            "tamper: {} go builds (unchanged outputs reused) took {:.0}s",
            probes.len() + jobs.len(),
            started.elapsed().as_secs_f64()
        ));

        let mut lhs_results = Vec::new();
        let mut rhs_results = Vec::new();
        for (job, result) in jobs.iter().zip(results) {
            if job.lhs {
                lhs_results.push((job.case, result));
            } else {
                rhs_results.push(result);
            }
        }
        cases
            .iter()
            .zip(rhs_results)
            .map(|(case, rhs)| {
                let (control, lhs) = lhs_results
                    .iter()
                    .find(|(c, _)| c.target == case.target && c.benign == case.benign)
                    .expect("every target/benign pair has an lhs job");
                let dir = case.pair_dir(&dirs);
                let result = match (lhs, rhs) {
                    (Err(e), _) => Err(format!("lhs build failed: {e}")),
                    (_, Err(e)) => Err(format!("rhs build failed: {e}")),
                    (Ok(()), Ok(())) if case.attack.is_some() => {
                        link_lhs(&control.pair_dir(&dirs), &dir)
                    }
                    (Ok(()), Ok(())) => Ok(()),
                };
                let result = match result {
                    Ok(()) if [LOOKALIKE, LOOKALIKE_CODE].contains(&case.attack_name()) => {
                        moved_for(case).clone().and_then(|m| {
                            // The magic value must not have moved anything:
                            // the symbol is where the probes had it.
                            let lhs = symbol_addresses(&dir.join("lhs"))?;
                            let rhs = symbol_addresses(&dir.join("rhs"))?;
                            if lhs.get(&m.name) == Some(&m.lhs) && rhs.get(&m.name) == Some(&m.rhs)
                            {
                                Ok(())
                            } else {
                                Err(format!("{} moved between the probe and the build", m.name))
                            }
                        })
                    }
                    other => other,
                };
                (*case, result)
            })
            .collect()
    })
}

/// The first symbol (by name, the program's own first) whose address
/// differs between two builds.
fn moved_symbol(lhs: &Path, rhs: &Path) -> Result<Moved, String> {
    let (a, b) = (symbol_addresses(lhs)?, symbol_addresses(rhs)?);
    let moved: Vec<Moved> = a
        .iter()
        .filter_map(|(name, &l)| {
            let &r = b.get(name)?;
            (l != r).then(|| Moved {
                name: name.clone(),
                lhs: l,
                rhs: r,
            })
        })
        .collect();
    moved
        .iter()
        .find(|m| m.name.starts_with("main."))
        .or(moved.first())
        .cloned()
        .ok_or_else(|| "no symbol moves between the lhs and the control's rhs".into())
}

/// Puts the shared lhs next to a tampered rhs (a hard link, else a copy).
fn link_lhs(control: &Path, pair: &Path) -> Result<(), String> {
    let from = control.join("lhs");
    let to = pair.join("lhs");
    let _ = std::fs::remove_file(&to);
    std::fs::hard_link(&from, &to)
        .or_else(|_| std::fs::copy(&from, &to).map(|_| ()))
        .map_err(|e| format!("put the lhs at {}: {e}", to.display()))
}

/// `twinbuild diff LHS RHS --format json ARGS`: the exit code and the report
/// (also written to `<pair dir>/<name>.json`).
fn diff(dir: &Path, args: &[&str], name: &str) -> Result<(Option<i32>, Value), String> {
    let out = with_slot(|| {
        Command::new(env!("CARGO_BIN_EXE_twinbuild"))
            .arg("diff")
            .arg(dir.join("lhs"))
            .arg(dir.join("rhs"))
            .args(["--format", "json"])
            .args(args)
            .output()
    })
    .map_err(|e| format!("cannot run twinbuild: {e}"))?;
    let report_path = dir.join(format!("{name}.json"));
    let _ = std::fs::write(&report_path, &out.stdout);
    let code = out.status.code();
    let report = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "`twinbuild diff {}` exited {code:?} without a JSON report ({e}): {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    Ok((code, report))
}

/// Each symbol's address, as `go tool nm` lists them (without a leading
/// `_`; names listed more than once are left out).
fn symbol_addresses(binary: &Path) -> Result<BTreeMap<String, u64>, String> {
    let out = with_slot(|| Command::new("go").args(["tool", "nm"]).arg(binary).output())
        .map_err(|e| format!("run go tool nm: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go tool nm {}: {}",
            binary.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut seen: BTreeMap<String, Option<u64>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [address, _kind, name] = fields[..] else {
            continue;
        };
        let Ok(address) = u64::from_str_radix(address, 16) else {
            continue;
        };
        let name = name.trim_start_matches('_').to_string();
        seen.entry(name)
            .and_modify(|a| *a = None)
            .or_insert(Some(address));
    }
    Ok(seen
        .into_iter()
        .filter_map(|(name, a)| Some((name, a?)))
        .collect())
}

/// The names of the program's own symbols (package main and lib).
fn program_symbols(binary: &Path) -> Result<BTreeSet<String>, String> {
    Ok(symbol_addresses(binary)?
        .into_keys()
        .filter(|name| name.starts_with("main.") || name.starts_with("example.com/tamper/"))
        .collect())
}

/// `--allow C` for each cause.
fn allow_args<'a>(causes: &[&'a str]) -> Vec<&'a str> {
    causes.iter().flat_map(|c| ["--allow", *c]).collect()
}

/// The root findings (`root` is null).
fn roots(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .map(|fs| fs.iter().filter(|f| f["root"].is_null()).collect())
        .unwrap_or_default()
}

/// Whether a finding names `name` in its title, a location's symbol or an
/// instruction's symbol.
fn names(finding: &Value, name: &str) -> bool {
    let in_list = |list: &str| {
        finding[list].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|i| i["symbol"].as_str().is_some_and(|s| s.contains(name)))
        })
    };
    finding["title"].as_str().is_some_and(|t| t.contains(name))
        || in_list("locations")
        || in_list("instructions")
}

/// Whether a code finding shows at least one instruction whose lhs and rhs
/// disassembly differ (a missing side counts as empty).
fn shows_differing_instructions(finding: &Value) -> bool {
    finding["instructions"].as_array().is_some_and(|list| {
        list.iter().any(|i| {
            let text = |side: &str| i[side].as_str().unwrap_or("").trim().to_string();
            !(text("lhs").is_empty() && text("rhs").is_empty()) && text("lhs") != text("rhs")
        })
    })
}

/// `cause: title` of each root, for messages.
fn describe_roots(report: &Value) -> String {
    let roots: Vec<String> = roots(report)
        .iter()
        .map(|f| {
            let title: String = f["title"]
                .as_str()
                .unwrap_or("?")
                .chars()
                .take(100)
                .collect();
            format!("{}: {title}", f["cause"].as_str().unwrap_or("?"))
        })
        .collect();
    if roots.is_empty() {
        "no root findings".into()
    } else {
        roots.join("; ")
    }
}

/// What is wrong with a tampered pair's reports (empty when the attack is
/// caught).
fn check_tampered(case: &Case, dir: &Path) -> Vec<String> {
    let attack = case.attack.expect("an attack case");
    let mut problems = Vec::new();
    // With -trimpath the workdir does not matter, so an rhs identical to the
    // control's would mean the attack did not survive compilation: a broken
    // test, not a result.
    if case.benign != Benign::Path {
        let control = Case {
            attack: None,
            ..*case
        }
        .pair_dir(&dirs());
        if std::fs::read(dir.join("rhs")).ok() == std::fs::read(control.join("rhs")).ok() {
            problems.push("the attack changes nothing in the binary".into());
        }
        // Each attack is minimal: it changes code or data, and neither adds
        // nor drops a function or variable of the program (a call redirected
        // away from a function must not make the linker drop it).
        if case.benign == Benign::Stamp {
            match (
                program_symbols(&control.join("rhs")),
                program_symbols(&dir.join("rhs")),
            ) {
                (Ok(before), Ok(after)) if before != after => problems.push(format!(
                    "the attack changes the program's symbols: only before {:?}, only after {:?}",
                    before.difference(&after).collect::<Vec<_>>(),
                    after.difference(&before).collect::<Vec<_>>()
                )),
                (Err(e), _) | (_, Err(e)) => problems.push(e),
                _ => {}
            }
        }
    }
    // One run: the gate with every benign cause allowed must still fail, and
    // the report (whose findings an allowance does not change) must name
    // the tampering.
    match diff(dir, &allow_args(&ALL_BENIGN_CAUSES), "report") {
        Err(e) => problems.push(e),
        Ok((code, report)) => {
            if code != Some(1) {
                problems.push(format!(
                    "the gate passes: `diff --allow {}` exited {code:?}, expected 1",
                    ALL_BENIGN_CAUSES.join(" --allow ")
                ));
            }
            let named: Vec<&Value> = roots(&report)
                .into_iter()
                .filter(|f| matches!(f["cause"].as_str(), Some("code" | "data")))
                .filter(|f| attack.names.iter().any(|n| names(f, n)))
                .collect();
            if named.is_empty() {
                problems.push(format!(
                    "no root code/data finding names {}; roots: {}",
                    attack.names.join(" or "),
                    describe_roots(&report)
                ));
            } else if named.iter().all(|f| f["proven"] == true) {
                problems.push(format!(
                    "the root finding naming {} says proven: true",
                    attack.names.join(" or ")
                ));
            } else if named
                .iter()
                .all(|f| f["cause"] == "code" && !shows_differing_instructions(f))
            {
                problems.push(format!(
                    "the code root naming {} shows no differing lhs/rhs instructions: {}",
                    attack.names.join(" or "),
                    named[0]["instructions"]
                ));
            }
        }
    }
    problems
}

/// What is wrong with a control pair's reports (empty when the benign
/// difference alone is seen, size-changing, and passes the gate proven).
fn check_control(case: &Case, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let causes = case.benign.causes();
    // One run with the benign causes allowed: an allowance changes the gate
    // (the exit code), not the verdict or the findings.
    match diff(dir, &allow_args(causes), "report") {
        Err(e) => problems.push(e),
        Ok((code, report)) => {
            // The benign difference is really there and really changes a
            // size: otherwise the tampered cases would test nothing.
            if report["verdict"] != "differs" {
                problems.push(format!(
                    "verdict {}, expected \"differs\"",
                    report["verdict"]
                ));
            }
            let found: BTreeSet<&str> = roots(&report)
                .iter()
                .filter_map(|f| f["cause"].as_str())
                .collect();
            for cause in causes {
                if !found.contains(cause) {
                    problems.push(format!(
                        "no {cause} root; roots: {}",
                        describe_roots(&report)
                    ));
                }
            }
            let resized = report["sections"].as_array().is_some_and(|ss| {
                ss.iter()
                    .any(|s| s["status"] != "same" && s["lhs_size"] != s["rhs_size"])
            });
            if !resized {
                problems.push("the benign difference changes no section's size".into());
            }
            // The gate passes, every differing byte proven.
            if code != Some(0) {
                problems.push(format!(
                    "the gate fails the benign pair: `diff --allow {}` exited {code:?}, \
                     expected 0; roots: {}",
                    causes.join(" --allow "),
                    describe_roots(&report)
                ));
            }
            match report["summary"]["unproven_bytes"].as_u64() {
                Some(0) => {}
                Some(n) => problems.push(format!(
                    "summary.unproven_bytes is {n}, expected 0 (by cause: {})",
                    report["summary"]["by_cause"]
                )),
                None => problems.push(format!(
                    "summary.unproven_bytes missing or not a count: {}",
                    report["summary"]["unproven_bytes"]
                )),
            }
        }
    }
    problems
}

/// Runs `check` on the built cases `select`ed, prints a line per case and
/// fails with all the problems at once.
fn run(what: &str, select: fn(&Case) -> bool, check: impl Fn(&Case, &Path) -> Vec<String> + Sync) {
    let dirs = dirs();
    let cases: Vec<&(Case, Result<(), String>)> =
        pairs().iter().filter(|(c, _)| select(c)).collect();
    if cases.is_empty() {
        assert!(
            std::env::var_os("TWINBUILD_TAMPER").is_some(),
            "{what}: the full matrix has no such cases"
        );
        say(&format!("tamper {what}: none selected by TWINBUILD_TAMPER"));
        return;
    }
    let started = Instant::now();
    let outcomes = parallel(&cases, |(case, built)| {
        let problems = match built {
            Err(e) => vec![e.clone()],
            Ok(()) => check(case, &case.pair_dir(&dirs)),
        };
        let line = if problems.is_empty() {
            format!("{}: ok", case.label())
        } else {
            format!("{}: {}", case.label(), problems.join(" | "))
        };
        let verdict = if problems.is_empty() { "ok" } else { "FAIL" };
        say(&format!("tamper {what}: {verdict:<4} {}", case.label()));
        (problems.is_empty(), line)
    });
    say(&format!(
        "tamper {what}: diffs took {:.0}s",
        started.elapsed().as_secs_f64()
    ));
    let failed = outcomes.iter().filter(|(ok, _)| !ok).count();
    assert!(
        failed == 0,
        "{what}: {failed} of {} case(s) failed (reports in {}/<target>/<benign>/<attack>/):\n{}",
        outcomes.len(),
        dirs.pairs.display(),
        outcomes
            .iter()
            .map(|(_, line)| line.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Guards issue 11's core: a real change next to a benign size-changing
/// difference is a named `code`/`data` root and fails the gate even with
/// every benign cause allowed.
#[test]
fn tampered_code_and_data_fail_the_gate() {
    run("attacks", |c| c.attack.is_some(), check_tampered);
}

/// Guards against a gate that fails everything: the benign pair alone passes
/// with its own causes allowed, every differing byte proven.
#[test]
fn benign_controls_pass_the_gate_fully_proven() {
    run("controls", |c| c.attack.is_none(), check_control);
}
