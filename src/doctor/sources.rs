//! Reading a module's build sources, bounded.
//!
//! Input: the module directory and extra workflow files. Output:
//! [`Sources`], each file's text under its display path (relative to the
//! directory, `/`-separated). Files over [`MAX_FILE`] are skipped with a
//! note; the walk stops after [`MAX_ENTRIES`] entries and never enters
//! `.git`, `vendor`, `node_modules`, `testdata` or directories the go
//! command ignores (`.`/`_` prefixes), nor follows symbolic links. Nothing
//! is written.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::DoctorError;

/// The largest file read (bigger ones are skipped with a note).
pub const MAX_FILE: u64 = 4 << 20;
/// Directory entries the walk looks at before it stops.
pub const MAX_ENTRIES: usize = 100_000;
/// Bytes of `.go` files read in all (their directives and headers).
pub const MAX_GO_BYTES: u64 = 256 << 20;
/// Directory depth the walk goes to.
const MAX_DEPTH: usize = 32;

/// One file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Relative to the module directory, `/`-separated (a `--workflow` file outside it: as given).
    pub path: String,
    pub text: String,
    /// The path it was read from, for errors the user must find the file by.
    pub origin: String,
}

impl Text {
    /// A text whose origin is its path (tests, and texts not from files).
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Text {
        let path = path.into();
        Text {
            origin: path.clone(),
            path,
            text: text.into(),
        }
    }
}

/// What [`read`] found.
#[derive(Debug, Default)]
pub struct Sources {
    pub gomod: Option<Text>,
    pub makefiles: Vec<Text>,
    pub scripts: Vec<Text>,
    pub goreleaser: Option<Text>,
    pub workflows: Vec<Text>,
    pub go_files: Vec<Text>,
    pub gitignores: Vec<Text>,
    /// Every regular file the walk saw (relative paths), read or not.
    pub tree: BTreeSet<String>,
    pub notes: Vec<String>,
}

impl Sources {
    /// The files read, sorted: every source but the `.go` files.
    pub fn files_read(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .gomod
            .iter()
            .chain(&self.makefiles)
            .chain(&self.scripts)
            .chain(&self.goreleaser)
            .chain(&self.workflows)
            .chain(&self.gitignores)
            .map(|t| t.path.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Reads `dir`'s sources and the extra workflows.
pub fn read(dir: &Path, extra_workflows: &[PathBuf]) -> Result<Sources, DoctorError> {
    let shown = dir.display().to_string();
    let meta = std::fs::metadata(dir).map_err(|source| DoctorError::Unreadable {
        path: shown.clone(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(DoctorError::NotADirectory { dir: shown });
    }
    let mut src = Sources::default();
    let gomod = dir.join("go.mod");
    if !gomod.is_file() {
        return Err(DoctorError::NotAModule { dir: shown });
    }
    src.gomod = read_text(&gomod, "go.mod", &mut src.notes)?;
    for name in [
        ".goreleaser.yaml",
        ".goreleaser.yml",
        "goreleaser.yaml",
        "goreleaser.yml",
    ] {
        let p = dir.join(name);
        if p.is_file() {
            src.goreleaser = read_text(&p, name, &mut src.notes)?;
            break;
        }
    }
    let wf_dir = dir.join(".github").join("workflows");
    if wf_dir.is_dir() {
        let mut names = Vec::new();
        let entries = std::fs::read_dir(&wf_dir).map_err(|source| DoctorError::Unreadable {
            path: wf_dir.display().to_string(),
            source,
        })?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_file = e.file_type().map(|t| t.is_file()).unwrap_or(false);
            if is_file && (name.ends_with(".yml") || name.ends_with(".yaml")) {
                names.push(name);
            }
        }
        names.sort();
        for name in names.into_iter().take(1000) {
            let rel = format!(".github/workflows/{name}");
            if let Some(t) = read_text(&wf_dir.join(&name), &rel, &mut src.notes)? {
                src.workflows.push(t);
            }
        }
    }
    for w in extra_workflows {
        let shown = display_of(dir, w);
        if src.workflows.iter().any(|t| t.path == shown) {
            continue;
        }
        if let Some(t) = read_text(w, &shown, &mut src.notes)? {
            src.workflows.push(t);
        }
    }
    walk(dir, &mut src)?;
    Ok(src)
}

/// `w` relative to `dir` when it is inside it, else as given.
fn display_of(dir: &Path, w: &Path) -> String {
    let rel = match (dir.canonicalize(), w.canonicalize()) {
        (Ok(d), Ok(f)) => f.strip_prefix(&d).ok().map(slash_path),
        _ => None,
    };
    rel.unwrap_or_else(|| w.display().to_string())
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The walk: Makefiles, scripts, `.go` files and `.gitignore`s.
fn walk(dir: &Path, src: &mut Sources) -> Result<(), DoctorError> {
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(dir.to_path_buf(), String::new(), 0)];
    let mut seen = 0usize;
    let mut go_bytes = 0u64;
    while let Some((abs, rel, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&abs) {
            Ok(e) => e,
            Err(source) if depth == 0 => {
                return Err(DoctorError::Unreadable {
                    path: dir.display().to_string(),
                    source,
                })
            }
            Err(e) => {
                src.notes.push(format!("skipped directory {rel}: {e}"));
                continue;
            }
        };
        let mut list: Vec<(String, std::fs::FileType)> = entries
            .flatten()
            .filter_map(|e| {
                let t = e.file_type().ok()?;
                Some((e.file_name().to_string_lossy().into_owned(), t))
            })
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        let mut subdirs = Vec::new();
        for (name, ty) in list {
            seen += 1;
            if seen > MAX_ENTRIES {
                src.notes.push(format!(
                    "stopped walking after {MAX_ENTRIES} entries: some files were not read"
                ));
                return Ok(());
            }
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if ty.is_dir() {
                let skip = matches!(name.as_str(), "vendor" | "node_modules" | "testdata")
                    || name.starts_with('.')
                    || name.starts_with('_');
                if !skip && depth < MAX_DEPTH {
                    subdirs.push((abs.join(&name), child_rel, depth + 1));
                }
                continue;
            }
            if !ty.is_file() {
                continue;
            }
            src.tree.insert(child_rel.clone());
            let path = abs.join(&name);
            match kind(&rel, &name) {
                Kind::Other => {}
                Kind::Go => {
                    if go_bytes > MAX_GO_BYTES {
                        continue;
                    }
                    if let Some(t) = read_text(&path, &child_rel, &mut src.notes)? {
                        go_bytes += t.text.len() as u64;
                        if go_bytes > MAX_GO_BYTES {
                            src.notes.push(format!(
                                "read {MAX_GO_BYTES} bytes of .go files; the rest were not read"
                            ));
                        }
                        src.go_files.push(t);
                    }
                }
                Kind::Makefile => {
                    src.makefiles
                        .extend(read_text(&path, &child_rel, &mut src.notes)?)
                }
                Kind::Gitignore => {
                    src.gitignores
                        .extend(read_text(&path, &child_rel, &mut src.notes)?)
                }
                Kind::Script => {
                    if let Some(t) = read_text(&path, &child_rel, &mut src.notes)? {
                        if name.contains('.') || is_shell_shebang(&t.text) {
                            src.scripts.push(t);
                        }
                    }
                }
            }
        }
        // Depth first, in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

enum Kind {
    Go,
    Makefile,
    Script,
    Gitignore,
    Other,
}

/// What a file named `name` in directory `rel` is to the doctor.
fn kind(rel: &str, name: &str) -> Kind {
    let in_scripts = rel == "scripts" || rel.starts_with("scripts/");
    if name.ends_with(".go") {
        Kind::Go
    } else if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || name.ends_with(".mk") {
        Kind::Makefile
    } else if name == ".gitignore" {
        Kind::Gitignore
    } else if (rel.is_empty() || in_scripts) && (name.ends_with(".sh") || name.ends_with(".bash"))
        || in_scripts && !name.contains('.')
    {
        Kind::Script
    } else {
        Kind::Other
    }
}

fn is_shell_shebang(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default();
    first.starts_with("#!") && (first.contains("sh") || first.contains("bash"))
}

/// The file's text (invalid UTF-8 replaced), or `None` with a note when it
/// is over [`MAX_FILE`].
fn read_text(
    path: &Path,
    shown: &str,
    notes: &mut Vec<String>,
) -> Result<Option<Text>, DoctorError> {
    let unreadable = |source| DoctorError::Unreadable {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut buf = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    if buf.len() as u64 > MAX_FILE {
        notes.push(format!("skipped {shown}: larger than {MAX_FILE} bytes"));
        return Ok(None);
    }
    Ok(Some(Text {
        path: shown.to_string(),
        text: String::from_utf8_lossy(&buf).into_owned(),
        origin: path.display().to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_place_and_name() {
        let k = |rel, name| match kind(rel, name) {
            Kind::Go => "go",
            Kind::Makefile => "make",
            Kind::Script => "script",
            Kind::Gitignore => "ignore",
            Kind::Other => "other",
        };
        assert_eq!(k("", "main.go"), "go");
        assert_eq!(k("cmd/x", "Makefile"), "make");
        assert_eq!(k("", "build.mk"), "make");
        assert_eq!(k("", "release.sh"), "script");
        assert_eq!(k("scripts/ci", "build"), "script");
        assert_eq!(k("cmd", "release.sh"), "other");
        assert_eq!(k("sub", ".gitignore"), "ignore");
    }

    #[test]
    fn a_directory_without_go_mod_is_not_a_module() {
        let tmp = tempfile::tempdir().unwrap();
        let err = read(tmp.path(), &[]).unwrap_err();
        assert!(matches!(err, DoctorError::NotAModule { .. }), "{err}");
    }
}
