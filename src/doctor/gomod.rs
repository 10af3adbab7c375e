//! go.mod: is the toolchain pinned?
//!
//! Input: go.mod's text. Output: its `go` and `toolchain` lines
//! ([`GoMod`]) and the finding when neither pins a release: no `toolchain`
//! line and a `go` line that is not a full `1.N.P` version.

use super::sources::Text;
use super::{Finding, Severity};

pub const TOOLCHAIN_NOT_PINNED: &str = "toolchain-not-pinned";

/// What go.mod says about the toolchain.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GoMod {
    /// The `go` line's version and its 1-based line.
    pub go: Option<(String, usize)>,
    /// The `toolchain` line's name and its 1-based line.
    pub toolchain: Option<(String, usize)>,
}

/// Reads the `go` and `toolchain` directives (comments dropped).
pub fn parse(text: &str) -> GoMod {
    let mut out = GoMod::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or_default().trim();
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("go"), Some(v)) => out.go = Some((v.to_string(), i + 1)),
            (Some("toolchain"), Some(v)) => out.toolchain = Some((v.to_string(), i + 1)),
            _ => {}
        }
    }
    out
}

/// `1.N.P` (a release, not a language version or a prerelease).
fn is_full_release(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts[0] == "1"
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// The finding about go.mod, if any.
pub fn check(gomod: &Option<Text>) -> Vec<Finding> {
    let Some(t) = gomod else {
        return Vec::new();
    };
    let m = parse(&t.text);
    match (&m.toolchain, &m.go) {
        (Some((name, _)), _) if name != "default" => Vec::new(),
        (_, Some((v, _))) if is_full_release(v) => Vec::new(),
        (_, go) => {
            let (line, what) = match go {
                Some((v, l)) => (
                    Some(*l),
                    format!("`go {v}` is a language version, not a release,"),
                ),
                None => (None, "there is no `go` line,".to_string()),
            };
            vec![Finding::new(
                TOOLCHAIN_NOT_PINNED,
                Severity::Warning,
                &t.path,
                line,
                format!("go.mod pins no toolchain: {what} and there is no `toolchain` line, so each machine builds with whatever go it has, and different compilers give different bytes and separate caches"),
                "pin one: `go get toolchain@go1.X.Y` (writes `toolchain go1.X.Y`), or a full `go 1.X.Y` line",
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(text: &str) -> Vec<Option<usize>> {
        check(&Some(Text::new("go.mod", text)))
            .iter()
            .map(|f| f.line)
            .collect()
    }

    #[test]
    fn pinned_or_not() {
        assert_eq!(check_text("module m\n\ngo 1.22\n"), [Some(3)]);
        assert_eq!(
            check_text("module m\ngo 1.22 // comment\ntoolchain go1.22.5\n"),
            []
        );
        assert_eq!(check_text("module m\ngo 1.23.4\n"), []);
        assert_eq!(check_text("module m\ngo 1.23rc1\n"), [Some(2)]);
        assert_eq!(check_text("module m\n"), [None]);
        assert_eq!(
            check_text("module m\ngo 1.22\ntoolchain default\n"),
            [Some(2)]
        );
    }
}
