//! `--attest FILE` for `rebuild`: an unsigned in-toto Statement v1 whose
//! subject is the published binary (sha256) and whose predicate records the
//! source (module@version and its sum), the toolchain, the recipe and the
//! verdict.
//!
//! The same style as `report::attest` (the `verify`/`diff` statement): our own
//! predicate type, no timestamp and no durations, fields in declaration order,
//! maps sorted, so the same rebuild gives the same bytes. Signing is left to
//! `cosign attest-blob` or `actions/attest`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::inputs::InputRecord;
use super::RebuildOutcome;
use crate::report::attest::{Statement, Subject, Verifier};

/// The predicate type: a rebuild of a published binary from its recorded recipe, version 1.
pub const PREDICATE_TYPE: &str = "https://twinbuild.dev/attestation/rebuild/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Predicate<'a> {
    verifier: Verifier<'static>,
    /// `identical` or `differs`.
    verdict: &'static str,
    /// `verdict == identical`, for policies that want a boolean.
    reproduced: bool,
    exit_code: i32,
    source: Source<'a>,
    toolchain: Toolchain<'a>,
    recipe: RecipeInfo<'a>,
    /// Every input with its digest (`h1:` is the go command's dirhash of a module zip).
    inputs: &'a [InputRecord],
    /// The rebuilt binary that was compared (the identical one, or the closest).
    rebuilt_sha256: Option<&'a str>,
    attempts: Vec<AttemptInfo<'a>>,
}

#[derive(Serialize)]
struct Source<'a> {
    module: &'a str,
    version: &'a str,
    /// The sum of the module zip the rebuild used (empty for `--source DIR`).
    sum: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vcs_revision: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vcs_time: Option<&'a str>,
}

#[derive(Serialize)]
struct Toolchain<'a> {
    version: &'a str,
    module: String,
    sum: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecipeInfo<'a> {
    main_package: &'a str,
    trimpath: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a str>,
    ldflags: Option<&'a str>,
    env: &'a BTreeMap<String, String>,
    flags: &'a [String],
}

#[derive(Serialize)]
struct AttemptInfo<'a> {
    ldflags: Option<&'a str>,
    sha256: &'a str,
    result: &'a str,
}

/// The statement's JSON text (pretty, ending in a newline).
pub fn statement(o: &RebuildOutcome) -> String {
    let r = &o.recipe;
    let chosen = super::judge::best(&o.attempts).map(|i| &o.attempts[i]);
    let source = o.inputs.iter().find(|i| i.role == "source");
    let toolchain = o.inputs.iter().find(|i| i.role == "toolchain");
    let identical = o.exit_code == crate::cli::EXIT_REPRODUCIBLE && chosen.is_some();
    let path = &o.published.path;
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    let s = Statement::new(
        vec![Subject::sha256(name, &o.published.sha256)],
        PREDICATE_TYPE,
        Predicate {
            verifier: Verifier::twinbuild(env!("CARGO_PKG_VERSION")),
            verdict: if identical { "identical" } else { "differs" },
            reproduced: identical,
            exit_code: o.exit_code,
            source: Source {
                module: &r.module.path,
                version: &r.module.version,
                sum: source.map(|s| s.sum.as_str()).unwrap_or(""),
                vcs_revision: r.vcs.as_ref().map(|v| v.revision.as_str()),
                vcs_time: r.vcs.as_ref().map(|v| v.time.as_str()),
            },
            toolchain: Toolchain {
                version: &r.go_version,
                module: toolchain.map(|t| t.name.clone()).unwrap_or_default(),
                sum: toolchain.map(|t| t.sum.as_str()).unwrap_or(""),
            },
            recipe: RecipeInfo {
                main_package: &r.main_package,
                trimpath: r.trimpath,
                tags: r.tags.as_deref(),
                ldflags: chosen.and_then(|a| a.ldflags.as_deref()),
                env: &r.env,
                flags: &r.flags,
            },
            inputs: &o.inputs,
            rebuilt_sha256: chosen.map(|a| a.sha256.as_str()),
            attempts: o
                .attempts
                .iter()
                .map(|a| AttemptInfo {
                    ldflags: a.ldflags.as_deref(),
                    sha256: &a.sha256,
                    result: &a.why,
                })
                .collect(),
        },
    );
    s.to_json()
}
