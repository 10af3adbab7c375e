//! YAML documents as plain nodes with line numbers.
//!
//! Input: a YAML file's text. Output: the first document as a [`Node`] tree:
//! scalars as strings (`true`, `3`, `on` as written), mappings as ordered
//! key/value pairs, every node and key with its 1-based line. The parsing is
//! saphyr's (YAML 1.2, so `on:` stays the string `on`); this module keeps its
//! types out of the checks. Malformed YAML is a [`DoctorError::Yaml`] with
//! the place; nesting deeper than [`MAX_DEPTH`] is refused.

use saphyr::{LoadableYamlNode as _, MarkedYaml, Scalar, YamlData};

use super::DoctorError;

/// Nesting levels a document may have.
pub const MAX_DEPTH: usize = 64;

/// A YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Null, an alias or an unresolvable value.
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    /// Key, the key's line, value.
    Map(Vec<(String, usize, Node)>),
}

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The key's line in a mapping.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, l, _)| *l),
            _ => None,
        }
    }

    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, usize, Node)] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }
}

/// The first document of `text` (`None` for an empty file).
pub fn parse(path: &str, text: &str) -> Result<Option<Node>, DoctorError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| DoctorError::Yaml {
        path: path.to_string(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().replace('\n', " "),
    })?;
    match docs.first() {
        None => Ok(None),
        Some(d) => convert(d, 0).map(Some).map_err(|line| DoctorError::Yaml {
            path: path.to_string(),
            line,
            column: 1,
            message: format!("nested deeper than {MAX_DEPTH} levels"),
        }),
    }
}

/// The node, or the line where nesting went too deep.
fn convert(y: &MarkedYaml<'_>, depth: usize) -> Result<Node, usize> {
    let line = y.span.start.line();
    if depth > MAX_DEPTH {
        return Err(line);
    }
    let value = match &y.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(s, _, _) => Value::Scalar(s.to_string()),
        YamlData::Sequence(items) => Value::Seq(
            items
                .iter()
                .map(|i| convert(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let key = match &k.data {
                    YamlData::Value(s) => match scalar(s) {
                        Value::Scalar(s) => s,
                        _ => String::new(),
                    },
                    YamlData::Representation(s, _, _) => s.to_string(),
                    _ => String::new(),
                };
                entries.push((key, k.span.start.line(), convert(v, depth + 1)?));
            }
            Value::Map(entries)
        }
        YamlData::Tagged(_, inner) => return convert(inner, depth + 1),
        _ => Value::Null,
    };
    Ok(Node { line, value })
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Scalar(b.to_string()),
        Scalar::Integer(i) => Value::Scalar(i.to_string()),
        Scalar::FloatingPoint(f) => Value::Scalar(f.to_string()),
        Scalar::String(s) => Value::Scalar(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_keys_and_values() {
        let doc = parse(
            "x.yml",
            "on: push\njobs:\n  b:\n    steps:\n      - run: |\n          go build\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(doc.get("on").and_then(Node::str), Some("push"));
        let jobs = doc.get("jobs").unwrap();
        assert_eq!(doc.key_line("jobs"), Some(2));
        let step = &jobs.get("b").unwrap().get("steps").unwrap().items()[0];
        assert_eq!(step.line, 5);
        assert_eq!(step.get("run").and_then(Node::str), Some("go build\n"));
    }

    #[test]
    fn malformed_yaml_names_the_place() {
        let err = parse("ci.yml", "jobs:\n  a: [1, 2\n  b: 3\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("malformed YAML in ci.yml at line "),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(200) + &"]".repeat(200);
        assert!(parse("d.yml", &text).is_err());
        assert_eq!(parse("e.yml", "").unwrap(), None);
    }
}
