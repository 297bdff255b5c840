//! The tidy checks, one test each, so that `cargo test` keeps the repository's rules. Each failure lists
//! every offender; `cargo run -p xtask -- tidy` prints the same report.

use xtask::{run_check, workspace_root};

/// Runs check `name` and fails listing every offender, with `rule` saying what to do about them.
fn assert_clean(name: &str, rule: &str) {
    let offenders = run_check(&workspace_root(), name)
        .unwrap_or_else(|error| vec![format!("the check could not run: {error:#}")]);
    assert!(
        offenders.is_empty(),
        "tidy check `{name}` failed: {rule}\n{} offender(s):\n  {}\n",
        offenders.len(),
        offenders.join("\n  ")
    );
}

#[test]
fn allowed_deps() {
    assert_clean(
        "allowed-deps",
        "dependencies between our crates must follow the table in ARCHITECTURE.md \
         (between `<!-- tidy:allowed-deps:start -->` and `<!-- tidy:allowed-deps:end -->`)",
    );
}

#[test]
fn crypto_confinement() {
    assert_clean(
        "crypto-confinement",
        "crypto primitives only in strongroom-crypto, the TLS stack only in strongroom-server and strongroom-cache, \
         aws-sdk-* only as dev-dependencies",
    );
}

#[test]
fn module_docs() {
    assert_clean(
        "module-docs",
        "every .rs file under crates/, xtask/ and fuzz/ starts with a `//!` line",
    );
}

#[test]
fn no_should_panic() {
    assert_clean(
        "should-panic",
        "tests assert on the error they expect instead of expecting a panic",
    );
}

#[test]
fn todos_have_issue_numbers() {
    assert_clean(
        "todo-issue",
        "to-do and fix-me markers name their issue, like `(#12)` right after the marker",
    );
}

#[test]
fn no_trailing_whitespace() {
    assert_clean(
        "trailing-whitespace",
        ".rs files have no trailing spaces, tabs or CRLF line ends",
    );
}
