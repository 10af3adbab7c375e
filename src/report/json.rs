//! The JSON rendering: the [`Report`] as serde serialises it, pretty-printed,
//! fields in declaration order, maps sorted. Documented in docs/json.md and
//! checked against docs/report.schema.json in the tests.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a Report always serialises");
    s.push('\n');
    s
}
