//! Benchmarks of the pure stages (`binary` parse, `diff`, `attribute`) and
//! of the whole `twinbuild diff` pipeline to JSON, on the committed
//! fixtures: `plain-a`/`plain-b` (hello built without -trimpath in two
//! workdirs: paths differ in the pclntab and in compressed DWARF) and
//! `release` against itself (identical files: the fast path).
//!
//! They catch regressions in the stages; `scripts/bench` measures the
//! command end to end against diffoscope and sha256sum on larger inputs.
//!
//! Each stage runs on freshly parsed inputs (parsing is not timed where it
//! is not the subject): `Binary` keeps inflated sections once made, so a
//! reused `Binary` would hide the cost of inflation in `diff`. `attribute`
//! gets inputs that `diff` has seen, as in the real pipeline. Inputs are
//! dropped outside the timing.
//!
//! Run: `cargo bench --bench pipeline` (add `-- diff` to run one group).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use twinbuild::attribute;
use twinbuild::binary::Binary;
use twinbuild::diff;
use twinbuild::harness::VariationHints;
use twinbuild::report::{Artifact, Context, OutputFormat, Report};

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "linux-amd64",
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/make-fixtures)", path.display()))
}

/// A named pair of inputs.
struct Pair {
    name: &'static str,
    lhs: Vec<u8>,
    rhs: Vec<u8>,
}

impl Pair {
    fn bytes(&self) -> u64 {
        (self.lhs.len() + self.rhs.len()) as u64
    }
}

fn pairs() -> Vec<Pair> {
    let release = fixture("release");
    vec![
        Pair {
            name: "plain",
            lhs: fixture("plain-a"),
            rhs: fixture("plain-b"),
        },
        Pair {
            name: "release-vs-release",
            lhs: release.clone(),
            rhs: release,
        },
    ]
}

fn parse(c: &mut Criterion) {
    let data = fixture("plain-a");
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("plain-a", |b| {
        b.iter(|| Binary::parse(black_box(&data)).unwrap())
    });
    group.finish();
}

fn diff_stage(c: &mut Criterion) {
    let mut group = c.benchmark_group("diff");
    for pair in pairs() {
        group.throughput(Throughput::Bytes(pair.bytes()));
        group.bench_function(pair.name, |b| {
            b.iter_batched_ref(
                || {
                    (
                        Binary::parse(&pair.lhs).unwrap(),
                        Binary::parse(&pair.rhs).unwrap(),
                    )
                },
                |(l, r)| diff::diff(l, r),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn attribute_stage(c: &mut Criterion) {
    let mut group = c.benchmark_group("attribute");
    let hints = VariationHints::default();
    for pair in pairs() {
        group.throughput(Throughput::Bytes(pair.bytes()));
        group.bench_function(pair.name, |b| {
            b.iter_batched_ref(
                || {
                    let (l, r) = (
                        Binary::parse(&pair.lhs).unwrap(),
                        Binary::parse(&pair.rhs).unwrap(),
                    );
                    let d = diff::diff(&l, &r);
                    (l, r, d)
                },
                |(l, r, d)| attribute::attribute(l, r, d, &hints),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// What `twinbuild diff LHS RHS --format json` does after reading the files.
fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline-json");
    let hints = VariationHints::default();
    for pair in pairs() {
        group.throughput(Throughput::Bytes(pair.bytes()));
        group.bench_function(pair.name, |b| {
            b.iter(|| {
                let (l, r) = (
                    Binary::parse(&pair.lhs).unwrap(),
                    Binary::parse(&pair.rhs).unwrap(),
                );
                let d = diff::diff(&l, &r);
                let a = attribute::attribute(&l, &r, &d, &hints);
                let context = Context {
                    command: "diff".into(),
                    ..Context::default()
                };
                let report = Report::new(
                    Artifact::new("lhs", &l),
                    Artifact::new("rhs", &r),
                    &d,
                    a,
                    context,
                );
                report.render(OutputFormat::Json, false)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse, diff_stage, attribute_stage, pipeline);
criterion_main!(benches);
