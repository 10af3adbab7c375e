//! The hash log: what `GODEBUG=gocachehash=1` makes the go command print to
//! stderr, every line it hashes into each action ID.
//!
//! Input: the log's bytes (read from a file under [`MAX_HASH_LOG`]). Output:
//! one [`Hashed`] per `build` or `link` computation that reached its sum,
//! sorted by mode then package, and notes on what could not be read.
//!
//! The go command writes three line forms per computation (`cmd/go/internal/cache/hash.go`):
//!
//! ```text
//! HASH[build example.com/m/internal/ledger]                 a computation starts
//! HASH[build example.com/m/internal/ledger]: "compile\n"    one input, Go-quoted
//! HASH[build example.com/m/internal/ledger]: f416c3e1…      its sum, 64 hex digits (ends it)
//! ```
//!
//! and `HASH /abs/file.go: …` (a file's content hash) and `HASH subkey …`
//! lines, which are skipped. Computations run concurrently, so their lines
//! interleave: they are grouped by key; a header for a key already open
//! restarts it; when a key is computed several times the last complete
//! computation is kept. Only keys starting with `build ` or `link ` are kept
//! (not `moduleIndex`, `vet …`, `gccCompilerID`...).
//!
//! Never fails: a truncated, garbled or foreign log gives what could be read
//! and a note. Pure but for [`read`], which reads the file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use super::Hashed;

/// At most this many bytes of a hash log are read (a note says when it was cut).
pub const MAX_HASH_LOG: u64 = 256 << 20;
/// At most this many lines of a hash log are read.
pub const MAX_HASH_LINES: usize = 1_000_000;
/// A longer line is cut to this many bytes.
pub const MAX_LINE: usize = 64 << 10;

/// How many names a note lists before "...".
const NOTE_NAMES: usize = 3;

/// Read the hash log at `path`: its `build` and `link` computations, sorted
/// by mode then package. What could not be read becomes a note.
pub(super) fn read(path: &Path, notes: &mut Vec<String>) -> Vec<Hashed> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            notes.push(format!("hash log: cannot open it: {e}"));
            return Vec::new();
        }
    };
    let mut reader = BufReader::new(file.take(MAX_HASH_LOG));
    let hashed = parse(&mut reader, notes);
    let take = reader.into_inner();
    if take.limit() == 0 {
        let mut one = [0u8; 1];
        if matches!(take.into_inner().read(&mut one), Ok(1)) {
            notes.push(format!(
                "hash log: only its first {} MiB were read",
                MAX_HASH_LOG >> 20
            ));
        }
    }
    hashed
}

/// Parse a hash log from `input`: its `build` and `link` computations,
/// sorted by mode then package. What could not be read becomes a note.
pub(super) fn parse(input: &mut impl BufRead, notes: &mut Vec<String>) -> Vec<Hashed> {
    let mut parser = Parser::default();
    let mut buf = Vec::new();
    let (mut lines, mut failed) = (0usize, false);
    loop {
        match next_line(input, &mut buf) {
            Ok(None) => break,
            Ok(Some(cut)) => {
                if lines == MAX_HASH_LINES {
                    notes.push(format!(
                        "hash log: only its first {MAX_HASH_LINES} lines were read"
                    ));
                    break;
                }
                lines += 1;
                parser.cut += usize::from(cut);
                parser.line(&buf);
            }
            Err(e) => {
                notes.push(format!(
                    "hash log: reading stopped after {lines} lines: {e}"
                ));
                failed = true;
                break;
            }
        }
    }
    if lines == 0 && !failed {
        notes.push("hash log: it is empty".to_owned());
        return Vec::new();
    }
    parser.finish(notes)
}

/// The state of a parse: the computations open and those done.
#[derive(Default)]
struct Parser {
    /// Open computations by key: their input lines so far.
    open: BTreeMap<String, Vec<String>>,
    /// Complete computations by (mode, package); a later one replaces an earlier one.
    done: BTreeMap<(String, String), Hashed>,
    /// Lines longer than [`MAX_LINE`] (cut).
    cut: usize,
    /// Lines that do not start with `HASH`.
    foreign: usize,
    /// `HASH[...` lines of a kept key whose form is not understood.
    garbled: usize,
    /// Input or sum lines of a kept key that has no open computation.
    orphans: usize,
    /// Headers for a key already open.
    restarted: usize,
}

impl Parser {
    /// Take one line (without its newline).
    fn line(&mut self, line: &[u8]) {
        let Some(rest) = line.strip_prefix(b"HASH") else {
            if !line.iter().all(u8::is_ascii_whitespace) {
                self.foreign += 1;
            }
            return;
        };
        if rest.first() == Some(&b' ') {
            return; // a file's content hash or a subkey
        }
        let Some(rest) = rest.strip_prefix(b"[") else {
            self.garbled += 1;
            return;
        };
        let (key, value) = match find(rest, b"]: ") {
            Some(i) => (&rest[..i], Some(&rest[i + 3..])),
            None => match rest.strip_suffix(b"]") {
                Some(key) => (key, None),
                None => {
                    self.garbled += 1;
                    return;
                }
            },
        };
        let key = String::from_utf8_lossy(key);
        let Some((mode, package)) = split_key(&key) else {
            return; // moduleIndex, vet, gccCompilerID...
        };
        match value {
            None => {
                if self.open.insert(key.into_owned(), Vec::new()).is_some() {
                    self.restarted += 1;
                }
            }
            Some(v) if v.first() == Some(&b'"') => match self.open.get_mut(key.as_ref()) {
                Some(lines) => lines.push(unquote(v)),
                None => self.orphans += 1,
            },
            Some(v) if is_sum(v) => match self.open.remove(key.as_ref()) {
                Some(lines) => {
                    let hashed = Hashed {
                        mode: mode.to_owned(),
                        package: package.to_owned(),
                        lines,
                        sum: String::from_utf8_lossy(v).into_owned(),
                    };
                    self.done
                        .insert((hashed.mode.clone(), hashed.package.clone()), hashed);
                }
                None => self.orphans += 1,
            },
            Some(_) => self.garbled += 1,
        }
    }

    /// The complete computations, and notes on the rest.
    fn finish(self, notes: &mut Vec<String>) -> Vec<Hashed> {
        let counts = [
            (self.cut, "lines longer than 64 KiB were cut"),
            (self.foreign, "lines are not HASH lines"),
            (self.garbled, "HASH lines are not understood"),
            (
                self.orphans,
                "HASH lines belong to no open build or link computation",
            ),
            (
                self.restarted,
                "build or link computations were restarted before their sum (the later one kept)",
            ),
        ];
        for (n, what) in counts {
            if n > 0 {
                notes.push(format!("hash log: {n} {what}"));
            }
        }
        if !self.open.is_empty() {
            notes.push(format!(
                "hash log: {} build or link computations have no sum (the log ends early?): {}",
                self.open.len(),
                names(self.open.keys())
            ));
        }
        if self.done.is_empty() {
            notes.push("hash log: no build or link computation in it".to_owned());
        }
        self.done.into_values().collect()
    }
}

/// `build PKG` or `link PKG` as (mode, package); other keys are not kept.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let (mode, package) = key.split_once(' ')?;
    ((mode == "build" || mode == "link") && !package.is_empty()).then_some((mode, package))
}

/// The first few names joined, then "..." if there were more.
pub(super) fn names<'a>(all: impl ExactSizeIterator<Item = &'a String>) -> String {
    let more = all.len() > NOTE_NAMES;
    let mut s = all.take(NOTE_NAMES).cloned().collect::<Vec<_>>().join(", ");
    if more {
        s.push_str(", ...");
    }
    s
}

/// Whether `v` is a sum: 64 hex digits.
fn is_sum(v: &[u8]) -> bool {
    v.len() == 64 && v.iter().all(u8::is_ascii_hexdigit)
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Read the next line into `buf` (without its `\n` or `\r\n`), keeping at
/// most [`MAX_LINE`] bytes of it: `None` at the end, else whether it was cut.
fn next_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
    buf.clear();
    let (mut cut, mut any) = (false, false);
    loop {
        let avail = match input.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(any.then_some(cut));
        }
        any = true;
        let newline = avail.iter().position(|&b| b == b'\n');
        let chunk = &avail[..newline.unwrap_or(avail.len())];
        let room = MAX_LINE - buf.len();
        if chunk.len() > room {
            cut = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = newline.map_or(avail.len(), |i| i + 1);
        input.consume(used);
        if newline.is_some() {
            if buf.last() == Some(&b'\r') && !cut {
                buf.pop();
            }
            return Ok(Some(cut));
        }
    }
}

/// A Go-quoted string (`strconv.Quote`'s form, starting at its `"`) as text,
/// without one trailing newline. Lossy on anything odd: an unknown escape is
/// kept as written, a missing closing quote ends it at the line's end,
/// invalid UTF-8 becomes U+FFFD.
pub(super) fn unquote(quoted: &[u8]) -> String {
    let s = quoted.strip_prefix(b"\"").unwrap_or(quoted);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'"' => break,
            b'\\' if i + 1 < s.len() => {
                let (bytes, used) = escape(&s[i + 1..]);
                out.extend_from_slice(&bytes);
                i += 1 + used;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

/// One escape after its `\`: the bytes it stands for and how many bytes of
/// `s` it used. An escape not understood stands for itself.
fn escape(s: &[u8]) -> (Vec<u8>, usize) {
    let simple = match s[0] {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' | b'"' | b'\'' => Some(s[0]),
        _ => None,
    };
    if let Some(b) = simple {
        return (vec![b], 1);
    }
    let decoded = match s[0] {
        b'x' => number(s.get(1..3), 16).map(|v| (vec![v as u8], 3)),
        b'0'..=b'7' => number(s.get(..3), 8)
            .filter(|&v| v <= 0xff)
            .map(|v| (vec![v as u8], 3)),
        b'u' => number(s.get(1..5), 16).map(|v| (char_bytes(v), 5)),
        b'U' => number(s.get(1..9), 16).map(|v| (char_bytes(v), 9)),
        _ => None,
    };
    decoded.unwrap_or_else(|| (vec![b'\\', s[0]], 1))
}

/// The value of `digits` in `radix`, when they are all digits of it.
fn number(digits: Option<&[u8]>, radix: u32) -> Option<u32> {
    digits?.iter().try_fold(0u32, |v, &d| {
        Some(v * radix + char::from(d).to_digit(radix)?)
    })
}

/// The UTF-8 bytes of code point `v` (U+FFFD when it is not one).
fn char_bytes(v: u32) -> Vec<u8> {
    let c = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
    c.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    //! Go-quoted lines, and computations interleaved, restarted, repeated, cut.

    use super::*;

    #[test]
    fn quoted_lines_unquote_as_go_writes_them() {
        for (quoted, text) in [
            (r#""compile\n""#, "compile"),
            (r#""a\tb \"c\" \\ d\n""#, "a\tb \"c\" \\ d"),
            (r#""\x41\101\u00e9\U0001F600""#, "AAé😀"),
            (r#""\xff""#, "\u{fffd}"),
            (r#""\q\x4""#, "\\q\\x4"),
            (r#""no closing quote"#, "no closing quote"),
            (r#""two\n\n""#, "two\n"),
            (r#""\"#, "\\"),
        ] {
            assert_eq!(unquote(quoted.as_bytes()), text, "{quoted}");
        }
    }

    #[test]
    fn interleaved_restarted_and_repeated_computations() {
        let log = b"HASH[build a]\n\
    HASH[link a]\n\
    HASH[build a]: \"one\\n\"\n\
    HASH[link a]: \"l\\n\"\n\
    HASH[build a]\n\
    HASH[build a]: \"two\\n\"\n\
    HASH[link a]: 0000000000000000000000000000000000000000000000000000000000000001\n\
    HASH[build a]: 0000000000000000000000000000000000000000000000000000000000000002\r\n\
    HASH[build a]\n\
    HASH[build a]: \"three\\n\"\n\
    HASH[build a]: 0000000000000000000000000000000000000000000000000000000000000003\n\
    HASH[build b [b.test]]\n\
    HASH[build b [b.test]]: \"t\\n\"\n\
    HASH[build b [b.test]]: 0000000000000000000000000000000000000000000000000000000000000004\n\
    HASH[build c]\n\
    HASH[build c]: \"cut\n\
    HASH /abs/file.go: 00\n\
    HASH[moduleIndex]: junk\n";
        let mut notes = Vec::new();
        let hashes = parse(&mut &log[..], &mut notes);
        let simple: Vec<_> = hashes
            .iter()
            .map(|h| {
                (
                    h.mode.as_str(),
                    h.package.as_str(),
                    h.lines.clone(),
                    &h.sum[63..],
                )
            })
            .collect();
        assert_eq!(
            simple,
            [
                ("build", "a", vec!["three".to_owned()], "3"),
                ("build", "b [b.test]", vec!["t".to_owned()], "4"),
                ("link", "a", vec!["l".to_owned()], "1"),
            ]
        );
        assert_eq!(
            notes,
            [
                "hash log: 1 build or link computations were restarted before their sum (the later one kept)",
                "hash log: 1 build or link computations have no sum (the log ends early?): build c",
            ]
        );
    }
}
