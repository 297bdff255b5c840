//! Checks on the text of our source files under `crates/`, `xtask/` and `fuzz/`, tracked or not.
//!
//! The scan walks the file system (so files not yet added to git are checked too), skips `target`
//! directories and does not follow symbolic links.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The top-level directories whose files are ours.
pub const SOURCE_DIRS: [&str; 3] = ["crates", "xtask", "fuzz"];

/// Extensions of the files the issue-number rule reads; the other checks read `.rs` files only.
pub const TEXT_EXTENSIONS: [&str; 4] = ["rs", "toml", "md", "sql"];

/// The attribute the `should-panic` check forbids, spelt in pieces so this file does not match itself.
const SHOULD_PANIC: &str = concat!("#[", "should_", "panic");

/// The markers that need an issue number, spelt in pieces so this file does not match itself.
const MARKERS: [&str; 2] = [concat!("TO", "DO"), concat!("FIX", "ME")];

/// A text problem found in one file: line number (1-based) and description.
pub type Problem = (usize, String);

/// Every file under [`SOURCE_DIRS`] of `root` with one of `extensions`, sorted, as paths relative to
/// `root`.
pub fn source_files(root: &Path, extensions: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        let dir = root.join(dir);
        if dir.is_dir() {
            walk(&dir, extensions, &mut files)?;
        }
    }
    let mut relative: Vec<PathBuf> = files
        .into_iter()
        .map(|f| f.strip_prefix(root).map(Path::to_path_buf).unwrap_or(f))
        .collect();
    relative.sort();
    Ok(relative)
}

/// Collects the matching files below `dir`.
fn walk(dir: &Path, extensions: &[&str], files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let path = entry.path();
        if file_type.is_dir() {
            if entry.file_name() != "target" {
                walk(&path, extensions, files)?;
            }
        } else if file_type.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Runs a per-file check over the files it reads and returns `path:line: problem` for each offence.
///
/// `check` gets the path (relative to `root`, for choosing by extension) and the text; files that are
/// not UTF-8 are offenders themselves.
pub fn check_files(root: &Path, check: fn(&Path, &str) -> Vec<Problem>) -> anyhow::Result<Vec<String>> {
    let mut offenders = Vec::new();
    for file in source_files(root, &TEXT_EXTENSIONS)? {
        let bytes = std::fs::read(root.join(&file)).with_context(|| format!("reading {}", file.display()))?;
        let problems = match String::from_utf8(bytes) {
            Ok(text) => check(&file, &text),
            Err(_) => vec![(1, "not UTF-8".to_owned())],
        };
        offenders.extend(
            problems
                .into_iter()
                .map(|(line, problem)| format!("{}:{line}: {problem}", file.display())),
        );
    }
    Ok(offenders)
}

/// Whether `path` is a Rust file.
fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// A `.rs` file must start with a `//!` line: the module's doc, on line 1 (no blank lines before it).
pub fn module_doc_problems(path: &Path, text: &str) -> Vec<Problem> {
    if !is_rust(path) {
        return Vec::new();
    }
    let first = text.split('\n').next().unwrap_or_default();
    if first.starts_with("//!") {
        return Vec::new();
    }
    let found = if text.is_empty() {
        "the file is empty".to_owned()
    } else if first.trim().is_empty() {
        "it is blank".to_owned()
    } else {
        format!("it is {:?}", first.chars().take(60).collect::<String>())
    };
    vec![(1, format!("the first line must be a `//!` module doc; {found}"))]
}

/// No `should_panic` attribute in `.rs` files: a test should match the `Err` it expects instead, so it
/// cannot pass on some other panic.
pub fn should_panic_problems(path: &Path, text: &str) -> Vec<Problem> {
    if !is_rust(path) {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.split_whitespace().collect::<String>().contains(SHOULD_PANIC))
        .map(|(index, _)| {
            (
                index + 1,
                "`should_panic` test: assert on the returned error (or catch_unwind) instead".to_owned(),
            )
        })
        .collect()
}

/// Every to-do and fix-me marker (as a whole word, in upper case) must carry an issue number, written
/// as the marker followed directly by `(#12)`.
pub fn todo_problems(_path: &Path, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for marker in MARKERS {
            for (at, _) in line.match_indices(marker) {
                let before = line[..at].chars().next_back();
                let after = &line[at + marker.len()..];
                let is_word = |c: char| c.is_alphanumeric() || c == '_';
                if before.is_some_and(is_word) || after.chars().next().is_some_and(is_word) {
                    continue;
                }
                if !has_issue_number(after) {
                    problems.push((
                        index + 1,
                        format!("{marker} without an issue number: write {marker}(#123)"),
                    ));
                }
            }
        }
    }
    problems
}

/// Whether `rest` starts with `(#` digits `)`.
fn has_issue_number(rest: &str) -> bool {
    rest.strip_prefix("(#")
        .and_then(|r| r.split_once(')'))
        .is_some_and(|(digits, _)| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
}

/// No spaces, tabs or carriage returns at the end of lines in `.rs` files.
pub fn trailing_whitespace_problems(path: &Path, text: &str) -> Vec<Problem> {
    if !is_rust(path) {
        return Vec::new();
    }
    text.split('\n')
        .enumerate()
        .filter(|(_, line)| line.ends_with([' ', '\t', '\r']))
        .map(|(index, line)| {
            let what = if line.ends_with('\r') {
                "carriage return (CRLF line end)"
            } else {
                "trailing whitespace"
            };
            (index + 1, what.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs() -> &'static Path {
        Path::new("crates/x/src/lib.rs")
    }

    fn lines(problems: Vec<Problem>) -> Vec<usize> {
        problems.into_iter().map(|(line, _)| line).collect()
    }

    #[test]
    fn module_docs() {
        assert!(module_doc_problems(rs(), "//! Doc.\nfn f() {}\n").is_empty());
        assert!(module_doc_problems(rs(), "//!\n").is_empty());
        for bad in [
            "",
            "\n//! Doc.\n",
            "   \n//! Doc.",
            "/// Item doc.\n",
            "// comment\n//! Doc.",
            "use x;",
            "\u{feff}//! BOM",
        ] {
            assert_eq!(lines(module_doc_problems(rs(), bad)), vec![1], "{bad:?}");
        }
        assert!(module_doc_problems(Path::new("Cargo.toml"), "[package]").is_empty());
    }

    #[test]
    fn should_panic_attribute() {
        let spaced = concat!("# [ should", "_panic (expected = \"x\")]");
        let text = format!(
            "//! T.\n#[test]\n{SHOULD_PANIC}]\nfn a() {{}}\n{spaced}\n// the word should_panic alone is fine\n"
        );
        assert_eq!(lines(should_panic_problems(rs(), &text)), vec![3, 5]);
        assert!(should_panic_problems(Path::new("notes.md"), &text).is_empty());
    }

    #[test]
    fn markers_need_issue_numbers() {
        let [todo, fixme] = MARKERS;
        let text = [
            format!("// {todo}(#12): fine"),
            format!("// {fixme}(#7) fine"),
            format!("// {todo}: no issue"),
            format!("// {todo} no issue"),
            format!("// {fixme}(alice)"),
            format!("// {todo}(#)"),
            format!("// {todo}(#12a)"),
            todo.to_owned(),
            format!(
                "// MAS{todo}N, {todo}S and {todo}_LIST are other words; lower-case {}",
                todo.to_lowercase()
            ),
            format!("// {todo}(#1) and {fixme} on one line"),
        ]
        .join("\n");
        assert_eq!(lines(todo_problems(rs(), &text)), vec![3, 4, 5, 6, 7, 8, 10]);
        assert_eq!(
            lines(todo_problems(Path::new("Cargo.toml"), &format!("# {todo}"))),
            vec![1]
        );
    }

    #[test]
    fn trailing_whitespace() {
        let text = "//! T.\nfn a() {}\x20\nlet b = 1;\t\r\nok\r\n\x20\x20\n\nend";
        assert_eq!(lines(trailing_whitespace_problems(rs(), text)), vec![2, 3, 4, 5]);
        let problems = trailing_whitespace_problems(rs(), "ok\r\n");
        assert_eq!(problems[0].1, "carriage return (CRLF line end)");
        assert!(trailing_whitespace_problems(Path::new("a.md"), "x\x20\n").is_empty());
    }

    #[test]
    fn walks_our_dirs_and_skips_target() {
        let root = std::env::temp_dir().join(format!("xtask-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for file in [
            "crates/a/src/lib.rs",
            "crates/a/target/debug/build/out.rs",
            "crates/a/Cargo.toml",
            "xtask/tests/t.rs",
            "fuzz/fuzz_targets/f.rs",
            "elsewhere/x.rs",
            "target/y.rs",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "fn x() {}\n").unwrap();
        }
        let found = source_files(&root, &["rs"]).unwrap();
        let found: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            found,
            vec![
                "crates/a/src/lib.rs",
                "fuzz/fuzz_targets/f.rs",
                "xtask/tests/t.rs"
            ]
        );
        let offenders = check_files(&root, module_doc_problems).unwrap();
        assert_eq!(offenders.len(), 3);
        assert!(
            offenders[0].starts_with("crates/a/src/lib.rs:1: the first line must be"),
            "{offenders:?}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
