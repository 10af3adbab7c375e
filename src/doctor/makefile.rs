//! Makefiles: variables and recipes.
//!
//! Input: a Makefile's text. Output: the [`Finding`]s about the go commands
//! its recipes run. Make's own variables (`=`, `:=`, `?=`, `+=`, `!=`) are
//! expanded in each recipe line (`$(NAME)`, `${NAME}`, `$$` → `$`; functions
//! such as `$(shell date)` kept as written), then the line is split as shell
//! text. Exported `GOFLAGS`/`CGO_ENABLED` are the recipes' environment.
//! Not handled: includes, target-specific variables, conditionals (both
//! branches' definitions count, the last one wins).

use super::commands::{self, GoCommand};
use super::shell::{self, Vars};
use super::sources::Text;
use super::Finding;

/// Nested expansions before expanding stops.
const MAX_DEPTH: usize = 16;
/// The longest expanded recipe line.
const MAX_EXPANDED: usize = 1 << 20;
/// Characters of expanded recipes per Makefile; later recipes are read as written.
const MAX_EXPANDED_TOTAL: usize = 64 << 20;

/// A Makefile's findings.
pub fn check(mk: &Text) -> Vec<Finding> {
    check_with_commands(mk).0
}

/// Its findings and the go commands its recipes run.
pub fn check_with_commands(mk: &Text) -> (Vec<Finding>, Vec<GoCommand>) {
    let lines: Vec<&str> = mk.text.lines().collect();
    let mut vars = Vars::new();
    let mut env = Vars::new();
    let mut export_all = false;
    let mut exported: Vec<String> = Vec::new();
    let mut in_rule = false;
    let mut expanded_total = 0usize;
    let mut findings = Vec::new();
    let mut gos = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = i;
        // A logical line: physical lines joined at a trailing backslash.
        let mut text = lines[i].to_string();
        while text.ends_with('\\') && i + 1 < lines.len() {
            i += 1;
            text.push('\n');
            text.push_str(lines[i]);
        }
        i += 1;
        if in_rule && text.starts_with('\t') {
            let recipe = recipe_text(&text);
            let expanded = if expanded_total < MAX_EXPANDED_TOTAL {
                expand(&recipe, &vars, 0)
            } else {
                recipe
            };
            expanded_total += expanded.len();
            let mut shell_vars = env.clone();
            let cmds = shell::split(&expanded, &mut shell_vars);
            let (f, g) = commands::check_shell(&cmds, &mk.path, false, |c| first + 1 + c.line);
            findings.extend(f);
            gos.extend(g);
            continue;
        }
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some((export, name, op, value)) = assignment(trimmed) {
            in_rule = false;
            let value = value.replace("\\\n", " ");
            let value = match op {
                ":=" | "::=" | ":::=" => expand(&value, &vars, 0),
                "!=" => format!("$(shell {value})"),
                _ => value,
            };
            match op {
                "?=" if vars.contains_key(&name) => {}
                "+=" => {
                    let v = vars.entry(name.clone()).or_default();
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(&value);
                }
                _ => {
                    vars.insert(name.clone(), value);
                }
            }
            if export || export_all || exported.contains(&name) {
                export_var(&name, &vars, &mut env, &mut findings, &mk.path, first + 1);
            }
            continue;
        }
        if trimmed == "export" {
            export_all = true;
            for name in shell::TRACKED {
                export_var(name, &vars, &mut env, &mut findings, &mk.path, first + 1);
            }
            continue;
        }
        if let Some(names) = trimmed.strip_prefix("export ") {
            for name in names.split_whitespace() {
                exported.push(name.to_string());
                export_var(name, &vars, &mut env, &mut findings, &mk.path, first + 1);
            }
            continue;
        }
        // Conditionals leave a rule's recipe going on.
        let word = trimmed.split_whitespace().next().unwrap_or_default();
        if matches!(
            word,
            "ifeq" | "ifneq" | "ifdef" | "ifndef" | "else" | "endif"
        ) {
            continue;
        }
        // A rule (`target: prerequisites`), or a directive.
        in_rule = trimmed.contains(':') && !trimmed.starts_with("include");
    }
    (findings, gos)
}

/// Makes a tracked variable part of the recipes' environment (checking a `GOFLAGS`).
fn export_var(
    name: &str,
    vars: &Vars,
    env: &mut Vars,
    out: &mut Vec<Finding>,
    file: &str,
    line: usize,
) {
    if !shell::TRACKED.contains(&name) {
        return;
    }
    if let Some(v) = vars.get(name) {
        let v = expand(v, vars, 0);
        out.extend(commands::check_env(name, &v, file, line));
        env.insert(name.to_string(), v);
    }
}

/// `[export|override] NAME op value`, when the line is an assignment.
fn assignment(line: &str) -> Option<(bool, String, &'static str, String)> {
    let mut rest = line;
    let mut export = false;
    loop {
        if let Some(r) = rest.strip_prefix("export ") {
            export = true;
            rest = r.trim_start();
        } else if let Some(r) = rest.strip_prefix("override ") {
            rest = r.trim_start();
        } else {
            break;
        }
    }
    for op in [":::=", "::=", ":=", "?=", "+=", "!=", "="] {
        if let Some(at) = rest.find(op) {
            let name = rest[..at].trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            // `a: b=c` is a rule with a target-specific variable, not an assignment.
            if valid && !rest[..at].contains(':') {
                return Some((
                    export,
                    name.to_string(),
                    op,
                    rest[at + op.len()..].trim().to_string(),
                ));
            }
            if rest[..at].contains(':') || rest[..at].contains('=') {
                return None;
            }
        }
    }
    None
}

/// A recipe line without its tab and its `@`, `-`, `+` prefixes.
fn recipe_text(text: &str) -> String {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_prefix('\t').unwrap_or(l))
        .collect();
    let mut out = lines.join("\n");
    let lead = out
        .find(|c: char| !matches!(c, '@' | '-' | '+' | ' '))
        .unwrap_or(out.len());
    out.drain(..lead);
    out
}

/// Variable references expanded per [`expand`] call before expanding stops.
const MAX_EXPANSIONS: usize = 10_000;

/// Make's expansion of `s` with `vars` (unknown variables and functions kept as written).
pub fn expand(s: &str, vars: &Vars, depth: usize) -> String {
    let mut budget = MAX_EXPANSIONS;
    expand_in(s, vars, depth, &mut budget)
}

fn expand_in(s: &str, vars: &Vars, depth: usize, budget: &mut usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if out.len() > MAX_EXPANDED {
            break;
        }
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some(&open @ ('(' | '{')) => {
                let close = if open == '(' { ')' } else { '}' };
                let mut depth_paren = 0usize;
                let mut end = i + 1;
                while end < chars.len() {
                    if chars[end] == open {
                        depth_paren += 1;
                    } else if chars[end] == close {
                        depth_paren -= 1;
                        if depth_paren == 0 {
                            break;
                        }
                    }
                    end += 1;
                }
                let inner: String = chars[(i + 2).min(chars.len())..end.min(chars.len())]
                    .iter()
                    .collect();
                let simple = !inner.is_empty()
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
                let room = depth < MAX_DEPTH && *budget > 0;
                if room {
                    *budget -= 1;
                }
                match vars.get(&inner) {
                    Some(v) if simple && room => {
                        out.push_str(&expand_in(v, vars, depth + 1, budget))
                    }
                    _ if simple => {
                        out.push('$');
                        out.push(open);
                        out.push_str(&inner);
                        out.push(close);
                    }
                    _ => {
                        // A function: its arguments expand, its name stays.
                        out.push('$');
                        out.push(open);
                        if room {
                            out.push_str(&expand_in(&inner, vars, depth + 1, budget));
                        } else {
                            out.push_str(&inner);
                        }
                        if end < chars.len() {
                            out.push(close);
                        }
                    }
                }
                i = end + 1;
            }
            Some(&n) => {
                out.push('$');
                out.push(n);
                i += 2;
            }
            None => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::commands::{
        BUILD_FLAG_A, MISSING_TRIMPATH, VOLATILE_COMPILE_FLAGS, VOLATILE_LDFLAGS_X,
    };
    use super::*;

    fn check_text(text: &str) -> Vec<(&'static str, Option<usize>)> {
        let mk = Text::new("Makefile", text);
        check(&mk).iter().map(|f| (f.id, f.line)).collect()
    }

    #[test]
    fn variables_expand_into_recipes() {
        let mk = "GO ?= go\nDATE := $(shell date +%s)\nLDFLAGS = -s -X main.built=$(DATE)\n\nbuild:\n\t@$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/app ./cmd/app\n\ntest:\n\t$(GO) test -a \\\n\t  ./...\n";
        assert_eq!(
            check_text(mk),
            [(VOLATILE_LDFLAGS_X, Some(6)), (BUILD_FLAG_A, Some(9))]
        );
    }

    #[test]
    fn exported_goflags_count_for_recipes() {
        assert_eq!(
            check_text("export GOFLAGS := -trimpath\nall:\n\tgo build -o app .\n"),
            []
        );
        assert_eq!(
            check_text("all:\n\tgo build -o app .\n"),
            [(MISSING_TRIMPATH, Some(2))]
        );
        assert_eq!(
            check_text("GOFLAGS = -a\nexport GOFLAGS\n"),
            [(BUILD_FLAG_A, Some(2))]
        );
    }

    /// Regression: a recipe inside `ifeq ... else ... endif` is still a recipe.
    #[test]
    fn recipes_inside_conditionals() {
        assert_eq!(
            check_text("bin/x: x.go\nifeq ($(EXE),)\n\tgo build -o $@ $<\nelse\n\tgo build -a -trimpath -o $@ $<\nendif\n"),
            [(MISSING_TRIMPATH, Some(3)), (BUILD_FLAG_A, Some(5))]
        );
    }

    #[test]
    fn dollar_dollar_is_the_shells() {
        assert_eq!(
            check_text("x:\n\tgo build -trimpath -gcflags=\"-d=$$(date +%s)\" .\n"),
            [(VOLATILE_COMPILE_FLAGS, Some(2))]
        );
    }

    #[test]
    fn expansion_terminates() {
        let mut vars = Vars::new();
        vars.insert("A".into(), "$(A)$(A)".into());
        let _ = expand("$(A)", &vars, 0);
        let _ = expand("$(unclosed", &vars, 0);
        let _ = expand("$", &vars, 0);
    }
}
