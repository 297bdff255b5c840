//! Repository checks ("tidy"), shared by `xtask/tests/tidy.rs` (so `cargo test` runs them) and by the
//! `cargo run -p xtask -- tidy` command line.
//!
//! Each check returns the list of its offenders, one line each, so that a failure shows all of them at
//! once rather than the first.

pub mod deps;
pub mod metadata;
pub mod sources;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The workspace root: the parent of the xtask crate.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// One check and what it found.
#[derive(Debug)]
pub struct CheckOutcome {
    /// Short name of the check, e.g. `allowed-deps`.
    pub name: &'static str,
    /// One line per offender; empty when the check passes.
    pub offenders: Vec<String>,
}

/// The names of the checks, in the order [`run_check`] knows them.
pub const CHECKS: [&str; 6] = [
    "allowed-deps",
    "crypto-confinement",
    "module-docs",
    "should-panic",
    "todo-issue",
    "trailing-whitespace",
];

/// Runs the check called `name` (one of [`CHECKS`]) against the workspace at `root`.
pub fn run_check(root: &Path, name: &str) -> anyhow::Result<Vec<String>> {
    match name {
        "allowed-deps" => {
            let architecture = root.join("ARCHITECTURE.md");
            let markdown = std::fs::read_to_string(&architecture)
                .with_context(|| format!("reading {}", architecture.display()))?;
            let allowed = match deps::parse_allowed_deps(&markdown) {
                Ok(allowed) => allowed,
                Err(problems) => return Ok(problems),
            };
            Ok(deps::check_edges(&allowed, &metadata::workspace_packages(root)?))
        }
        "crypto-confinement" => Ok(deps::check_crypto(&metadata::workspace_packages(root)?)),
        "module-docs" => sources::check_files(root, sources::module_doc_problems),
        "should-panic" => sources::check_files(root, sources::should_panic_problems),
        "todo-issue" => sources::check_files(root, sources::todo_problems),
        "trailing-whitespace" => sources::check_files(root, sources::trailing_whitespace_problems),
        other => anyhow::bail!("no check called {other:?}; the checks are {CHECKS:?}"),
    }
}

/// Runs every check.
pub fn run_all(root: &Path) -> anyhow::Result<Vec<CheckOutcome>> {
    CHECKS
        .iter()
        .map(|&name| {
            Ok(CheckOutcome {
                name,
                offenders: run_check(root, name)?,
            })
        })
        .collect()
}
