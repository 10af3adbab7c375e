//! `twinbuild cache-audit`: does a shared or remote Go build cache serve
//! what a cold build makes?
//!
//! The go command trusts what its cache returns for an action ID: an entry
//! whose bytes were changed (even at the same size) is linked as is. The
//! audit builds DIR twice at the same paths (`harness::GoBuilder::build_twice`):
//!
//! 1. **through the cache under audit**, with twinbuild itself as the
//!    build's `GOCACHEPROG` (`proxy`): it answers each `get` from the
//!    audited GOCACHE directory (`--gocache`, read in place, never written)
//!    or from the user's cache program (`--gocacheprog`, asked for gets
//!    only), declares no `put` (so nothing is ever written to the audited
//!    cache), and logs every body it served with the body's sha256;
//! 2. **cold**, into a fresh empty GOCACHE.
//!
//! Then `judge` compares every served entry with what the cold build stored
//! under the same action ID ([`Entry`]: `ok`, `poisoned`, `stale`,
//! `missing`), naming the package from the audited build's action graph,
//! and the two final binaries are diffed and attributed like `verify`'s, so
//! a poisoned package's bytes are named in the binary too. `report` renders
//! it. Exit 0 when every served entry matches and the binaries are the
//! same, 1 when not, 2 when the audit could not tell (a cache program that
//! misbehaved, a build that failed).

pub mod judge;
pub mod proxy;
pub mod report;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::Args;

use crate::cli::{analyse, side_log, BuildArgs, ReportArgs};
use crate::harness::{self, Twice, VariationHints, Workspace};
use proxy::ProxyConfig;

#[derive(Debug, Args)]
pub struct CacheAuditArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// The GOCACHE directory to audit (read in place, never written).
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "gocacheprog",
        required_unless_present = "gocacheprog"
    )]
    pub gocache: Option<PathBuf>,
    /// The GOCACHEPROG command line to audit (run with sh -c; asked for gets only, never a put).
    #[arg(long, value_name = "CMD")]
    pub gocacheprog: Option<String>,
    /// Seconds to wait for each answer of the --gocacheprog program.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub cacheprog_timeout: u64,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `cache-audit`; returns the exit code.
pub fn run(args: CacheAuditArgs) -> Result<i32> {
    let request = args.build.request()?;
    let audited = match (&args.gocache, &args.gocacheprog) {
        (Some(dir), None) => {
            let dir = std::fs::canonicalize(dir)
                .with_context(|| format!("cannot read the cache {}", dir.display()))?;
            if !dir.is_dir() {
                bail!("{} is not a directory", dir.display());
            }
            Audited::Dir(dir)
        }
        (None, Some(cmd)) if !cmd.trim().is_empty() => Audited::Program(cmd.clone()),
        _ => bail!("give the cache to audit: --gocache PATH or --gocacheprog CMD"),
    };
    harness::cleanup::install().map_err(anyhow::Error::msg)?;
    let own = Workspace::create().map_err(anyhow::Error::new)?;
    let root = own.path().context("no temp dir")?.to_path_buf();
    let (dir, upstream) = match &audited {
        Audited::Dir(d) => (Some(d.clone()), None),
        Audited::Program(c) => (None, Some(c.clone())),
    };
    let config = ProxyConfig {
        dir,
        upstream,
        writable: false,
        log: Some(root.join("served.jsonl")),
        scratch: root.join("served"),
        timeout_secs: args.cacheprog_timeout,
    };
    let config_path = root.join("cacheprog.json");
    std::fs::write(&config_path, serde_json::to_vec(&config)?)
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let twice = Twice {
        first_env: vec![("GOCACHEPROG".into(), cacheprog_command(&config_path)?)],
        fresh_cache: true,
    };
    let progress = args.report.progress();
    let log = config.log.clone().unwrap_or_default();
    // Read once, after the audited build: a cache that misbehaved leaves
    // nothing to judge, and then no cold build runs.
    let served = std::cell::OnceCell::new();
    let misbehaved = || {
        let read = judge::read_log(&log).map_err(|e| format!("{e:#}"))?;
        let read = served.get_or_init(|| read);
        match read.iter().find(|s| s.outcome == proxy::Outcome::Error) {
            Some(e) => Err(format!(
                "the cache under audit misbehaved: {}",
                e.detail.as_deref().unwrap_or("an error")
            )),
            None => Ok(()),
        }
    };
    let runs = harness::GoBuilder::new()
        .build_twice(&request, &twice, &misbehaved, &progress)
        .map_err(anyhow::Error::new)?;
    progress.clear();
    let served = served
        .into_inner()
        .context("the audited build's log was not read")?;
    let graph = side_log(&runs.first);
    let hash_log = runs.first.inputs.as_ref().map(|f| f.hash_log.as_path());
    let entries = judge::judge(&served, &graph, hash_log, &runs.second_cache);
    let context = crate::report::Context {
        command: "cache-audit".into(),
        toolchain: Some(runs.toolchain.clone()),
        builds: vec![runs.first.clone(), runs.second.clone()],
        allowances: Vec::new(),
        notes: Vec::new(),
    };
    let binaries = analyse(
        &runs.first.artifact,
        &runs.second.artifact,
        &VariationHints::default(),
        context,
    )?;
    let report =
        report::AuditReport::new(audited.describe(), &runs, entries, served.len(), binaries);
    args.report
        .publish(|format, color| report.render(format, color))?;
    Ok(report.exit_code)
}

/// What is audited.
enum Audited {
    Dir(PathBuf),
    Program(String),
}

impl Audited {
    fn describe(&self) -> String {
        match self {
            Audited::Dir(d) => format!("GOCACHE {}", d.display()),
            Audited::Program(c) => format!("GOCACHEPROG {c}"),
        }
    }
}

/// `twinbuild cacheprog CONFIG` as a GOCACHEPROG value: the go command
/// splits it into words as `cmd/internal/quoted` does (spaces, with `'` or
/// `"` quoting a word).
fn cacheprog_command(config: &Path) -> Result<String> {
    let exe = std::env::current_exe().context("cannot find twinbuild's own executable")?;
    let quote = |p: &Path| -> Result<String> {
        let s = p
            .to_str()
            .with_context(|| format!("{} is not UTF-8", p.display()))?;
        Ok(if !s.contains([' ', '\t', '\n', '\'', '"']) {
            s.to_owned()
        } else if !s.contains('\'') {
            format!("'{s}'")
        } else if !s.contains('"') {
            format!("\"{s}\"")
        } else {
            bail!("{s} holds both quote characters: it cannot be a GOCACHEPROG word")
        })
    };
    Ok(format!("{} cacheprog {}", quote(&exe)?, quote(config)?))
}

/// `twinbuild cacheprog CONFIG` (hidden): the proxy itself.
#[derive(Debug, Args)]
pub struct CacheprogArgs {
    /// The proxy's configuration (JSON).
    pub config: PathBuf,
}

/// Runs the proxy; returns the exit code.
pub fn cacheprog(args: CacheprogArgs) -> Result<i32> {
    proxy::serve(&args.config).map_err(|e| anyhow::anyhow!("cacheprog: {e}"))?;
    Ok(0)
}
