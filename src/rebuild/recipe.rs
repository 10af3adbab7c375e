//! Step 1 of `rebuild`: recover the recipe from the published binary alone.
//!
//! Input: a parsed [`Binary`] and its [`GoInfo`]. Output: a [`Recipe`], plain
//! data, every part with the place it was read from (`buildinfo`, `symbols`,
//! `pclntab`, ...), or a [`RecipeError`] saying why the binary cannot be
//! rebuilt from what it records (no buildinfo, cgo, gccgo, ...).
//!
//! What a binary records and what it does not: the go command writes the Go
//! version, the main package, the main module and every dependency with its
//! sum, and the build settings (`-trimpath`, `-tags`, `-ldflags` unless
//! `-trimpath` hid them, `CGO_ENABLED`, `GOOS`/`GOARCH` and the architecture
//! level, `-buildmode`, `DefaultGODEBUG`, the VCS stamp). `-s` and `-w` are
//! inferred from the missing symbol table and DWARF; whether `-buildid=` was
//! given, from the missing build ID. Without `-trimpath`, the original
//! absolute paths (module root, GOROOT, GOMODCACHE) are read back from the
//! pclntab's file table (and the DWARF line tables when the pclntab has none).
//!
//! Pure: no I/O, no panics on malformed input.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::binary::go::{GoInfo, ModInfoEntry, Module, ARCH_LEVELS};
use crate::binary::{Binary, Format};

/// Build settings passed to the go command as environment variables (when
/// recorded): the target, its instruction-set levels and experiments, FIPS.
fn env_settings() -> impl Iterator<Item = &'static str> {
    ["CGO_ENABLED", "GOOS", "GOARCH"]
        .into_iter()
        .chain(ARCH_LEVELS.iter().copied())
        .chain(["GOFIPS140"])
}

/// Boolean build flags recorded as `-flag=true`.
const BOOL_FLAGS: &[&str] = &["-race", "-msan", "-asan"];
/// Build flags recorded with their value and passed back as recorded.
const VALUE_FLAGS: &[&str] = &["-gcflags", "-asmflags"];

/// Why a binary cannot be rebuilt from what it records.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecipeError {
    #[error(
        "no Go buildinfo: not a Go binary, or built before Go 1.18 or with the buildinfo stripped"
    )]
    NoBuildInfo,
    #[error("the buildinfo names no main module (a binary built from GOPATH or a go.work without modules)")]
    NoModule,
    #[error("built with {0}; only the gc compiler can be rebuilt")]
    Compiler(String),
    #[error("built with cgo (CGO_ENABLED=1): the host C toolchain it used cannot be pinned")]
    Cgo,
    #[error("the buildinfo records Go version {0:?}, which is not a released toolchain version")]
    GoVersion(String),
}

/// Where a part of the recipe came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The `\xff Go buildinf:` blob.
    Buildinfo,
    /// The symbol table (or its absence).
    Symbols,
    /// The DWARF sections (or their absence).
    Dwarf,
    /// The Go build ID (or its absence).
    BuildId,
    /// The pclntab file table.
    Pclntab,
    /// The user's command line.
    CommandLine,
    /// A default of the go command, since nothing records otherwise.
    Default,
}

/// The VCS stamp the go command wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VcsStamp {
    /// `git`, `hg`, ...
    pub vcs: String,
    pub revision: String,
    /// RFC 3339, as recorded (`vcs.time`).
    pub time: String,
    pub modified: bool,
}

/// Absolute paths of the original build (builds without `-trimpath`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalPaths {
    /// The main module's root directory.
    pub module_root: Option<String>,
    /// GOROOT of the toolchain.
    pub goroot: Option<String>,
    /// GOMODCACHE (when a dependency's files are in the binary).
    pub gomodcache: Option<String>,
    /// Where these were read from.
    pub origin: Origin,
}

/// Everything needed to run the go command as the original build did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipe {
    /// e.g. `go1.27.1`.
    pub go_version: String,
    /// The main package's import path.
    pub main_package: String,
    /// The main module, its version (`(devel)` when unknown) and sum (empty unless installed as `pkg@version`).
    pub module: Module,
    /// The main package's directory relative to the module root (`.` for the root).
    pub package_dir: String,
    /// Built by `go install pkg@version` (the main module's sum is recorded): rebuilt the same way,
    /// since its file names are then `module@version/...`.
    pub installed: bool,
    pub deps: Vec<Module>,
    /// Every `build` setting as recorded.
    pub settings: BTreeMap<String, String>,
    pub trimpath: bool,
    pub tags: Option<String>,
    /// `-ldflags` as recorded (absent when `-trimpath` hid it, or none were given).
    pub ldflags: Option<String>,
    /// Environment settings for the go command (`GOOS`, `GOARCH`, `CGO_ENABLED`, `GOAMD64`, ...).
    pub env: BTreeMap<String, String>,
    /// Flags for `go build` other than `-trimpath`, `-tags`, `-ldflags` (`-buildmode=...`, `-gcflags=...`).
    pub flags: Vec<String>,
    pub vcs: Option<VcsStamp>,
    /// No symbol table: linked with `-s`.
    pub strip_symbols: bool,
    /// No DWARF: linked with `-w` (or `-s`, which implies it).
    pub strip_dwarf: bool,
    /// The Go build ID as published (`None`: linked with `-buildid=`).
    pub build_id: Option<String>,
    /// Without `-trimpath`: the paths to recreate.
    pub paths: Option<OriginalPaths>,
    /// Where each part came from, by part name.
    pub origins: BTreeMap<String, Origin>,
    /// The binary's format and architecture (`elf`, `amd64`).
    pub format: Format,
}

impl Recipe {
    /// Reads the recipe from `bin` and its Go structures.
    pub fn from_binary(bin: &Binary<'_>, go: &GoInfo) -> Result<Recipe, RecipeError> {
        let info = go.buildinfo.as_ref().ok_or(RecipeError::NoBuildInfo)?;
        let modinfo = info.modinfo.as_ref().ok_or(RecipeError::NoModule)?;
        let module = modinfo
            .main_module()
            .cloned()
            .ok_or(RecipeError::NoModule)?;
        let main_package = modinfo.path().unwrap_or_default().to_string();
        let go_version = info.go_version.clone();
        if !crate::harness::is_toolchain_version(&go_version) {
            return Err(RecipeError::GoVersion(go_version));
        }
        let mut settings = BTreeMap::new();
        let mut deps = Vec::new();
        for line in &modinfo.lines {
            match &line.entry {
                ModInfoEntry::Build { key, value } => {
                    settings.insert(key.clone(), value.clone());
                }
                ModInfoEntry::Dep(m) => deps.push(m.clone()),
                ModInfoEntry::Replace(r) => {
                    if let Some(last) = deps.last_mut() {
                        // Keep the replacement as what the build used.
                        *last = Module {
                            path: format!("{} => {}", last.path, r.path),
                            version: r.version.clone(),
                            sum: r.sum.clone(),
                        };
                    }
                }
                _ => {}
            }
        }
        if let Some(c) = settings.get("-compiler") {
            if c != "gc" {
                return Err(RecipeError::Compiler(c.clone()));
            }
        }
        if settings.get("CGO_ENABLED").map(String::as_str) == Some("1") {
            return Err(RecipeError::Cgo);
        }
        let mut origins = BTreeMap::new();
        for part in ["go", "main-package", "module", "deps", "settings"] {
            origins.insert(part.to_string(), Origin::Buildinfo);
        }
        let trimpath = settings.get("-trimpath").map(String::as_str) == Some("true");
        let tags = settings.get("-tags").cloned().filter(|t| !t.is_empty());
        let ldflags = settings.get("-ldflags").cloned();
        let mut env = BTreeMap::new();
        for key in env_settings() {
            if let Some(v) = settings.get(key) {
                env.insert(key.to_string(), v.clone());
            }
        }
        // Before Go 1.18 wrote CGO_ENABLED, and when it is absent, cgo was off or unused.
        env.entry("CGO_ENABLED".into())
            .or_insert_with(|| "0".into());
        let mut flags = Vec::new();
        // A build without -buildmode records `exe` (also where the default is PIE);
        // naming it explicitly changes the link action ID and, where the default is
        // PIE, the binary: `exe` is left to the default.
        if let Some(mode) = settings.get("-buildmode") {
            if mode != "exe" {
                flags.push(format!("-buildmode={mode}"));
            }
        }
        for flag in BOOL_FLAGS {
            if settings.get(*flag).map(String::as_str) == Some("true") {
                flags.push(format!("{flag}=true"));
            }
        }
        for flag in VALUE_FLAGS {
            if let Some(v) = settings.get(*flag) {
                flags.push(format!("{flag}={v}"));
            }
        }
        let vcs = settings.get("vcs").map(|vcs| VcsStamp {
            vcs: vcs.clone(),
            revision: settings.get("vcs.revision").cloned().unwrap_or_default(),
            time: settings.get("vcs.time").cloned().unwrap_or_default(),
            modified: settings.get("vcs.modified").map(String::as_str) == Some("true"),
        });
        let strip_symbols = bin.symbols.is_empty();
        origins.insert("strip-symbols".into(), Origin::Symbols);
        let strip_dwarf = !has_dwarf(bin);
        origins.insert("strip-dwarf".into(), Origin::Dwarf);
        let build_id = go
            .build_id
            .as_ref()
            .map(|b| b.value.clone())
            .filter(|v| !v.is_empty());
        origins.insert("build-id".into(), Origin::BuildId);
        let package_dir = package_dir(&main_package, &module.path);
        let paths = if trimpath {
            None
        } else {
            origins.insert("paths".into(), Origin::Pclntab);
            Some(original_paths(go, &deps, &package_dir))
        };
        Ok(Recipe {
            go_version,
            main_package,
            installed: !module.sum.is_empty(),
            module,
            package_dir,
            deps,
            settings,
            trimpath,
            tags,
            ldflags,
            env,
            flags,
            vcs,
            strip_symbols,
            strip_dwarf,
            build_id,
            paths,
            origins,
            format: bin.format,
        })
    }

    /// `GOOS/GOARCH` as recorded (`?` for a missing one).
    pub fn target(&self) -> String {
        let get = |k: &str| self.env.get(k).map(String::as_str).unwrap_or("?");
        format!("{}/{}", get("GOOS"), get("GOARCH"))
    }

    /// The module version to fetch from the proxy, when the binary names a real one.
    pub fn fetchable_version(&self) -> Option<&str> {
        let v = self.module.version.as_str();
        (v.starts_with('v') && !v.contains("+dirty")).then_some(v)
    }
}

/// True when the binary has DWARF (any `debug_info` section, compressed or not).
fn has_dwarf(bin: &Binary<'_>) -> bool {
    bin.sections.iter().any(|s| {
        let name = s.name.rsplit(',').next().unwrap_or(&s.name);
        matches!(
            name,
            ".debug_info" | ".zdebug_info" | "__debug_info" | "__zdebug_info"
        )
    })
}

/// The main package's directory relative to its module root.
pub fn package_dir(package: &str, module: &str) -> String {
    if package == module {
        return ".".into();
    }
    match package
        .strip_prefix(module)
        .and_then(|r| r.strip_prefix('/'))
    {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        // `command-line-arguments` or a package outside its module: build the module root.
        _ => ".".into(),
    }
}

/// Module path escaping as in the module cache: an upper-case letter becomes `!` and its lower case.
pub fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The file names of the binary's code: the pclntab's file table, else the DWARF line tables.
fn file_names(go: &GoInfo) -> Vec<&str> {
    if let Some(p) = &go.pclntab {
        if !p.files.is_empty() {
            return p.files.iter().map(|f| f.name.as_str()).collect();
        }
    }
    let mut out = Vec::new();
    if let Some(d) = &go.dwarf {
        for unit in &d.units {
            if let Some(lt) = &unit.line_table {
                out.extend(lt.files.iter().map(|f| f.path.value.as_str()));
            }
        }
    }
    out
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || (p.len() > 2 && p.as_bytes()[1] == b':')
}

/// Reads the original module root, GOROOT and GOMODCACHE back from the embedded file names.
fn original_paths(go: &GoInfo, deps: &[Module], package_dir: &str) -> OriginalPaths {
    let files = file_names(go);
    let goroot = files.iter().find_map(|f| {
        ["/src/runtime/proc.go", "\\src\\runtime\\proc.go"]
            .iter()
            .find_map(|tail| f.strip_suffix(tail))
            .filter(|r| is_absolute(r))
            .map(str::to_string)
    });
    let gomodcache = deps.iter().find_map(|d| {
        let (path, version) = match d.path.split_once(" => ") {
            Some((_, to)) if !d.version.is_empty() => (to, d.version.as_str()),
            Some(_) => return None,
            None => (d.path.as_str(), d.version.as_str()),
        };
        let needle = format!("/{}@{}/", escape_module_path(path), version);
        files.iter().find_map(|f| {
            let i = f.find(&needle)?;
            let root = &f[..i];
            is_absolute(root).then(|| root.to_string())
        })
    });
    let module_root = {
        let other = |f: &&&str| {
            is_absolute(f)
                && !goroot
                    .as_deref()
                    .is_some_and(|g| f.starts_with(&format!("{g}/")))
                && !gomodcache
                    .as_deref()
                    .is_some_and(|m| f.starts_with(&format!("{m}/")))
        };
        let dirs: Vec<&str> = files
            .iter()
            .filter(other)
            .filter_map(|f| f.rsplit_once('/').map(|(d, _)| d))
            .collect();
        common_dir(&dirs).map(|c| {
            if package_dir != "." {
                c.strip_suffix(&format!("/{package_dir}"))
                    .map(str::to_string)
                    .unwrap_or(c)
            } else {
                c
            }
        })
    };
    OriginalPaths {
        module_root,
        goroot,
        gomodcache,
        origin: Origin::Pclntab,
    }
}

/// The longest common directory of `dirs` (component-wise).
fn common_dir(dirs: &[&str]) -> Option<String> {
    let first = dirs.first()?;
    let mut common: Vec<&str> = first.split('/').collect();
    for d in &dirs[1..] {
        let parts: Vec<&str> = d.split('/').collect();
        let n = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(n);
    }
    let joined = common.join("/");
    (!joined.is_empty() && joined != "/").then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_dirs() {
        let check = |pkg, module, want| assert_eq!(package_dir(pkg, module), want, "{pkg}");
        check("mvdan.cc/sh/v3/cmd/shfmt", "mvdan.cc/sh/v3", "cmd/shfmt");
        check("example.com/app", "example.com/app", ".");
        check("command-line-arguments", "example.com/app", ".");
        check("example.com/appx", "example.com/app", ".");
    }

    #[test]
    fn module_paths_are_escaped_as_in_the_cache() {
        assert_eq!(
            escape_module_path("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
    }

    #[test]
    fn common_dirs() {
        assert_eq!(
            common_dir(&["/w/app/cmd/x", "/w/app/internal/y", "/w/app"]),
            Some("/w/app".into())
        );
        assert_eq!(common_dir(&["/a/b", "/c/d"]), None);
        assert_eq!(common_dir(&[]), None);
    }
}
