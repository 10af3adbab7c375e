//! Splitting shell text into simple commands, reasonably, not fully.
//!
//! Input: shell text (a workflow `run:`, a script, a Makefile recipe after
//! make's own expansion) and the variables known before it. Output: the
//! [`SimpleCommand`]s in order, each with its words (quotes removed,
//! expansions such as `$(date +%s)` or `${{ github.sha }}` kept as written,
//! so they can be recognised), the line it starts on, and the values the
//! environment keys in [`TRACKED`] had then.
//!
//! Handled: single and double quotes, backslash escapes and line
//! continuations, comments, `;` `&&` `||` `|` `&` `(` `)` and newlines as
//! separators, `$NAME`/`${NAME}`/`${{ env.NAME }}` of known variables
//! (assignments seen earlier in the text count), leading keywords and
//! wrappers (`if`, `then`, `do`, `time`, `sudo`, ...). Not handled: here
//! documents, functions, arithmetic, globbing, aliases.

use std::collections::BTreeMap;

/// Shell variables by name.
pub type Vars = BTreeMap<String, String>;

/// The variables a go command reads from its environment that checks look at.
pub const TRACKED: &[&str] = &["GOFLAGS", "CGO_ENABLED"];

/// Expansions per text before expanding stops (`A=$A$A` and friends).
const MAX_EXPANSIONS: usize = 10_000;
/// Characters a text may grow to through expansion.
const MAX_GROWTH: usize = 1 << 20;
/// Characters moved by expansions in one text before expanding stops (each
/// expansion moves the rest of the text).
const MAX_WORK: usize = 1 << 26;

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// 0-based line of the text where the command's first word is.
    pub line: usize,
    pub words: Vec<String>,
    /// [`TRACKED`] keys set (by the environment given or an earlier
    /// assignment) before this command, with their values.
    pub env: Vec<(String, String)>,
}

impl SimpleCommand {
    /// The leading `NAME=value` words and the rest.
    pub fn assignments(&self) -> (Vec<(String, String)>, &[String]) {
        let mut out = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            match assignment(w) {
                Some(kv) => out.push(kv),
                None => return (out, &self.words[i..]),
            }
        }
        (out, &[])
    }

    /// The variables this command sets for the rest of the text (`NAME=v`,
    /// `export NAME=v`, ...), if that is all it does.
    pub fn sets(&self) -> Option<Vec<(String, String)>> {
        let words: &[String] = match self.words.first().map(String::as_str) {
            Some("export" | "local" | "readonly" | "declare" | "typeset") => {
                let rest = &self.words[1..];
                let skip = rest.iter().take_while(|w| w.starts_with('-')).count();
                &rest[skip..]
            }
            _ => &self.words,
        };
        let kvs: Vec<(String, String)> = words.iter().filter_map(|w| assignment(w)).collect();
        (!kvs.is_empty() && kvs.len() == words.len()).then_some(kvs)
    }
}

/// `NAME=value` split, when `w` is one.
pub fn assignment(w: &str) -> Option<(String, String)> {
    let (k, v) = w.split_once('=')?;
    let mut chars = k.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| (k.to_string(), v.to_string()))
}

/// Words that start a command without being its program.
const PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
    "exec", "command", "sudo", "nohup", "nice",
];

/// Splits `text` into simple commands; assignments in it update `vars`.
pub fn split(text: &str, vars: &mut Vars) -> Vec<SimpleCommand> {
    let mut s = Splitter {
        chars: text.chars().collect(),
        i: 0,
        line: 0,
        expansions: 0,
        work: 0,
        limit: text.len().saturating_add(MAX_GROWTH),
        out: Vec::new(),
        words: Vec::new(),
        word: String::new(),
        in_word: false,
        start: 0,
    };
    s.run(vars);
    s.out
}

struct Splitter {
    chars: Vec<char>,
    i: usize,
    line: usize,
    expansions: usize,
    work: usize,
    limit: usize,
    out: Vec<SimpleCommand>,
    words: Vec<String>,
    word: String,
    in_word: bool,
    start: usize,
}

impl Splitter {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn begin_word(&mut self) {
        if !self.in_word {
            if self.words.is_empty() {
                self.start = self.line;
            }
            self.in_word = true;
        }
    }

    fn end_word(&mut self) {
        if self.in_word {
            self.words.push(std::mem::take(&mut self.word));
            self.in_word = false;
        }
    }

    fn end_command(&mut self, vars: &mut Vars) {
        self.end_word();
        let mut words = std::mem::take(&mut self.words);
        let lead = words
            .iter()
            .take_while(|w| PREFIXES.contains(&w.as_str()))
            .count();
        words.drain(..lead);
        if words.is_empty() {
            return;
        }
        let env = TRACKED
            .iter()
            .filter_map(|k| vars.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let cmd = SimpleCommand {
            line: self.start,
            words,
            env,
        };
        if let Some(kvs) = cmd.sets() {
            for (k, v) in kvs {
                vars.insert(k, v.replace('\n', " "));
            }
        }
        self.out.push(cmd);
    }

    fn run(&mut self, vars: &mut Vars) {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => self.line += 1,
                        Some(n) => {
                            self.begin_word();
                            self.word.push(n);
                        }
                        None => {}
                    }
                    self.i += 2;
                }
                '\n' => {
                    self.end_command(vars);
                    self.line += 1;
                    self.i += 1;
                }
                '#' if !self.in_word => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '&' if self.word.ends_with(['>', '<']) => {
                    self.word.push(c);
                    self.i += 1;
                }
                ';' | '&' | '|' | '(' | ')' => {
                    self.end_command(vars);
                    self.i += 1;
                }
                c if c.is_whitespace() => {
                    self.end_word();
                    self.i += 1;
                }
                '\'' => {
                    self.begin_word();
                    self.i += 1;
                    while let Some(c) = self.peek(0) {
                        self.i += 1;
                        if c == '\'' {
                            break;
                        }
                        self.count_line(c);
                        self.word.push(c);
                    }
                }
                '"' => {
                    self.begin_word();
                    self.i += 1;
                    self.double_quoted(vars);
                }
                '$' => {
                    self.begin_word();
                    self.dollar(vars);
                }
                '`' => {
                    self.begin_word();
                    self.verbatim_until_backtick();
                }
                c => {
                    self.begin_word();
                    self.word.push(c);
                    self.i += 1;
                }
            }
        }
        self.end_command(vars);
    }

    fn count_line(&mut self, c: char) {
        if c == '\n' {
            self.line += 1;
        }
    }

    fn double_quoted(&mut self, vars: &Vars) {
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.i += 1;
                    return;
                }
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => self.line += 1,
                        Some(n @ ('"' | '\\' | '$' | '`')) => self.word.push(n),
                        Some(n) => {
                            self.count_line(n);
                            self.word.push('\\');
                            self.word.push(n);
                        }
                        None => {}
                    }
                    self.i += 2;
                }
                '$' => self.dollar(vars),
                '`' => self.verbatim_until_backtick(),
                c => {
                    self.count_line(c);
                    self.word.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// At a `$`: a known variable is replaced by its value (read again from
    /// here); `$(...)`, `${...}` and `${{ ... }}` are kept as written.
    fn dollar(&mut self, vars: &Vars) {
        let name_at = |s: &Self, from: usize| -> String {
            s.chars[from.min(s.chars.len())..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .collect()
        };
        match self.peek(1) {
            Some('(') => self.verbatim_balanced('(', ')'),
            Some('{') => {
                if self.peek(2) == Some('{') {
                    // A GitHub expression; `${{ env.NAME }}` of a known name expands.
                    let end = self.find_from(self.i + 3, "}}");
                    let inner: String = self.chars[self.i + 3..end].iter().collect();
                    let key = inner.trim().strip_prefix("env.").map(str::to_string);
                    let stop = (end + 2).min(self.chars.len());
                    if let Some(v) = key.and_then(|k| vars.get(&k).cloned()) {
                        self.splice(stop, &v);
                    } else {
                        for k in self.i..stop {
                            let c = self.chars[k];
                            self.count_line(c);
                            self.word.push(c);
                        }
                        self.i = stop;
                    }
                    return;
                }
                let name = name_at(self, self.i + 2);
                let close = self.i + 2 + name.chars().count();
                if !name.is_empty() && self.chars.get(close) == Some(&'}') {
                    if let Some(v) = vars.get(&name).cloned() {
                        self.splice(close + 1, &v);
                        return;
                    }
                }
                self.verbatim_balanced('{', '}');
            }
            _ => {
                let name = name_at(self, self.i + 1);
                let end = self.i + 1 + name.chars().count();
                match vars.get(&name) {
                    Some(v) if !name.is_empty() => {
                        let v = v.clone();
                        self.splice(end, &v);
                    }
                    _ => {
                        self.word.push('$');
                        self.word.push_str(&name);
                        self.i = end;
                    }
                }
            }
        }
    }

    /// Replaces `chars[i..end]` with `value` (newlines made spaces), to be
    /// read from `i` on; past the budget the reference is kept as written.
    fn splice(&mut self, end: usize, value: &str) {
        self.expansions += 1;
        self.work = self.work.saturating_add(self.chars.len() - self.i);
        if self.expansions > MAX_EXPANSIONS
            || self.work > MAX_WORK
            || self.chars.len() + value.len() > self.limit
        {
            let kept: String = self.chars[self.i..end].iter().collect();
            self.word.push_str(&kept);
            self.i = end;
            return;
        }
        let v: Vec<char> = value
            .chars()
            .map(|c| if c == '\n' { ' ' } else { c })
            .collect();
        self.chars.splice(self.i..end, v);
    }

    fn find_from(&self, from: usize, pat: &str) -> usize {
        let p: Vec<char> = pat.chars().collect();
        (from..self.chars.len())
            .find(|&k| self.chars[k..].starts_with(&p))
            .unwrap_or(self.chars.len())
    }

    /// Copies `$` + a balanced `open`...`close` group into the word (quotes inside respected).
    fn verbatim_balanced(&mut self, open: char, close: char) {
        self.word.push('$');
        self.i += 1;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            self.count_line(c);
            self.word.push(c);
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '\'' || c == '"' => quote = Some(c),
                None if c == open => depth += 1,
                None if c == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                None => {}
            }
        }
    }

    fn verbatim_until_backtick(&mut self) {
        self.word.push('`');
        self.i += 1;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            self.count_line(c);
            self.word.push(c);
            if c == '`' {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[(usize, &[&str])]) {
        let got = split(text, &mut Vars::new());
        let got: Vec<(usize, Vec<&str>)> = got
            .iter()
            .map(|c| (c.line, c.words.iter().map(String::as_str).collect()))
            .collect();
        let want: Vec<(usize, Vec<&str>)> =
            expected.iter().map(|(l, w)| (*l, w.to_vec())).collect();
        assert_eq!(got, want, "{text:?}");
    }

    #[test]
    fn words_quotes_and_separators() {
        check(
            "go build -ldflags '-s -w' -o bin/app ./cmd && echo \"done $x\"",
            &[
                (
                    0,
                    &["go", "build", "-ldflags", "-s -w", "-o", "bin/app", "./cmd"],
                ),
                (0, &["echo", "done $x"]),
            ],
        );
        check(
            "a; b | c\n# comment\nd # trailing",
            &[(0, &["a"]), (0, &["b"]), (0, &["c"]), (2, &["d"])],
        );
    }

    #[test]
    fn continuations_keep_the_first_line() {
        check(
            "echo hi\ngo build \\\n  -trimpath \\\n  ./...\nls",
            &[
                (0, &["echo", "hi"]),
                (1, &["go", "build", "-trimpath", "./..."]),
                (4, &["ls"]),
            ],
        );
    }

    #[test]
    fn substitutions_stay_one_word() {
        check(
            r#"go build -gcflags="all=-d=$(date +%s)" -ldflags "-X main.c=${{ github.sha }} -X m.t=`date`""#,
            &[(
                0,
                &[
                    "go",
                    "build",
                    "-gcflags=all=-d=$(date +%s)",
                    "-ldflags",
                    "-X main.c=${{ github.sha }} -X m.t=`date`",
                ],
            )],
        );
    }

    #[test]
    fn known_variables_expand_and_assignments_are_remembered() {
        let mut vars = Vars::new();
        vars.insert("GOFLAGS".into(), "-trimpath".into());
        let cmds = split(
            "LDFLAGS=\"-X main.d=$(date)\"\nexport FLAGS='-a -v'\ngo build $FLAGS -ldflags \"$LDFLAGS\" ${{ env.X }} $UNKNOWN",
            &mut vars,
        );
        let last = cmds.last().unwrap();
        assert_eq!(
            last.words,
            [
                "go",
                "build",
                "-a",
                "-v",
                "-ldflags",
                "-X main.d=$(date)",
                "${{ env.X }}",
                "$UNKNOWN"
            ]
        );
        assert_eq!(last.env, vec![("GOFLAGS".into(), "-trimpath".into())]);
        assert_eq!(last.line, 2);
    }

    #[test]
    fn keywords_and_wrappers_are_not_the_program() {
        check(
            "if true; then sudo go build -a; fi",
            &[(0, &["true"]), (0, &["go", "build", "-a"])],
        );
    }

    /// Regression: self-referencing variables must not expand forever.
    #[test]
    fn recursive_variables_stop() {
        let mut vars = Vars::new();
        vars.insert("A".into(), "$A$A".into());
        let cmds = split("echo $A", &mut vars);
        assert_eq!(cmds.len(), 1);
    }

    /// Regression: many expansions in a long text stay bounded in time.
    #[test]
    fn many_expansions_in_a_long_text_are_bounded() {
        let mut vars = Vars::new();
        vars.insert("A".into(), "x".repeat(100));
        let text = "echo $A ".repeat(200_000);
        let t = std::time::Instant::now();
        let cmds = split(&text, &mut vars);
        assert_eq!(cmds.len(), 1);
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for t in [
            "'abc", "\"abc", "$(abc", "${{ x", "`x", "\\", "${", "$", "a=\"", "x &",
        ] {
            let _ = split(t, &mut Vars::new());
        }
    }
}
