//! `cargo run -p xtask -- tidy [CHECK…]`: the repository checks that `cargo test` also runs.

use std::process::ExitCode;

fn main() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, checks)) = args.split_first().filter(|(command, _)| *command == "tidy") else {
        eprintln!(
            "usage: cargo run -p xtask -- tidy [CHECK…]\nchecks: {}",
            xtask::CHECKS.join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    debug_assert_eq!(command, "tidy");
    let root = xtask::workspace_root();
    let names: Vec<&str> = if checks.is_empty() {
        xtask::CHECKS.to_vec()
    } else {
        checks.iter().map(String::as_str).collect()
    };
    let mut failed = false;
    for name in names {
        let offenders = xtask::run_check(&root, name)?;
        if offenders.is_empty() {
            println!("ok   {name}");
        } else {
            failed = true;
            println!("FAIL {name} ({} offenders)", offenders.len());
            for offender in offenders {
                println!("     {offender}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
