//! Checksum files (`--checksums FILE`): the `sha256sum` format that
//! goreleaser's `checksums.txt` and `SHA256SUMS` use, one `<hex>  <name>`
//! (or `<hex> *<name>`) a line, checked against the archives given by file
//! name. Pure: text in, [`ChecksumCheck`]s and notes out.

use serde::Serialize;

/// Longest checksum file read.
pub const MAX_CHECKSUM_FILE: u64 = 16 << 20;

/// One listed name that matches a given archive, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecksumCheck {
    /// The checksum file, as given.
    pub file: String,
    /// The name listed (the archive's file name).
    pub name: String,
    /// `lhs` or `rhs`: which archive has that name.
    pub side: String,
    pub expected: String,
    pub actual: String,
    pub ok: bool,
}

/// The `(sha256, name)` lines of a checksum file; an error names the first bad line.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "line {}: expected `<64 hex digits>  <name>`, found {:?}",
                i + 1,
                crate::report::view::clip(line, 80)
            )
        };
        let (hex, rest) = line.split_once(' ').ok_or_else(bad)?;
        let name = rest
            .strip_prefix(' ')
            .or_else(|| rest.strip_prefix('*'))
            .ok_or_else(bad)?;
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || name.is_empty() {
            return Err(bad());
        }
        out.push((hex.to_ascii_lowercase(), name.to_string()));
    }
    if out.is_empty() {
        return Err("no checksum lines".into());
    }
    Ok(out)
}

/// Checks each listed name that is one of `given` (`(side, file name,
/// sha256)`); the names not given make one note.
pub fn check(
    file: &str,
    lines: &[(String, String)],
    given: &[(&str, &str, &str)],
) -> (Vec<ChecksumCheck>, Option<String>) {
    let mut checks = Vec::new();
    let mut others = Vec::new();
    for (hex, name) in lines {
        let base = name.rsplit('/').next().unwrap_or(name);
        let matching: Vec<_> = given.iter().filter(|(_, n, _)| *n == base).collect();
        if matching.is_empty() {
            others.push(name.as_str());
        }
        for (side, _, sha) in matching {
            checks.push(ChecksumCheck {
                file: file.to_string(),
                name: name.clone(),
                side: side.to_string(),
                expected: hex.clone(),
                actual: sha.to_string(),
                ok: hex == sha,
            });
        }
    }
    let note = (!others.is_empty()).then(|| {
        let shown: Vec<&str> = others.iter().take(5).copied().collect();
        format!(
            "{file} lists {} name{} not among the archives given: {}{}",
            others.len(),
            if others.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if others.len() > 5 { ", ..." } else { "" }
        )
    });
    (checks, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_refuses_garbage() {
        let h = "a".repeat(64);
        let text = format!("{h}  app.tar.gz\n{h} *app.zip\r\n\n");
        assert_eq!(
            parse(&text).unwrap(),
            vec![
                (h.clone(), "app.tar.gz".into()),
                (h.clone(), "app.zip".into())
            ]
        );
        assert!(parse("not a checksum\n").unwrap_err().starts_with("line 1"));
        assert!(parse(&format!("{}  x", "g".repeat(64))).is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn checks_given_names_and_notes_the_rest() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let lines = vec![
            (a.clone(), "app.tar.gz".into()),
            (a.clone(), "other.zip".into()),
        ];
        let (checks, note) = check(
            "sums",
            &lines,
            &[("lhs", "app.tar.gz", &a), ("rhs", "app.tar.gz", &b)],
        );
        assert_eq!(checks.len(), 2);
        assert!(checks[0].ok && !checks[1].ok);
        assert!(note.unwrap().contains("other.zip"));
    }
}
