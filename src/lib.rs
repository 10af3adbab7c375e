//! twinbuild: a reproducible-build verifier for Go.
//!
//! The pipeline, one module per stage, plain data in between:
//! [`cli`] ─▶ [`harness`] ─▶ [`binary`] ─▶ [`diff`] ─▶ [`attribute`] ─▶ [`report`].
//! [`rebuild`] rebuilds a published binary from its own recipe and judges it
//! with the same stages. [`actions`] reads what the go command says about
//! each side's build (the inputs hashed into each action ID, the action
//! graph) and compares the sides; [`explain_cache`] builds one side twice
//! into one cache and uses it to say why the second build missed the cache;
//! [`cache_audit`] builds through a shared cache and cold, and judges every
//! entry the cache served. [`archive`] compares two release archives
//! (tar, tar.gz, zip) and runs each differing binary member through the
//! pipeline. [`doctor`] checks a module's build setup
//! (go.mod, Makefiles, scripts, goreleaser, workflows) without building.
//! See ARCHITECTURE.md for the map and the invariants.

pub mod actions;
pub mod archive;
pub mod attribute;
pub mod binary;
pub mod cache_audit;
pub mod cli;
pub mod diff;
pub mod doctor;
pub mod explain_cache;
pub mod harness;
mod input;
pub mod matrix;
pub mod rebuild;
pub mod report;
pub mod rfc3339;
