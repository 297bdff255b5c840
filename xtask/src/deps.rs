//! Which of our crates may depend on which (the table in `ARCHITECTURE.md`), and where crypto may live.

use std::collections::{BTreeMap, BTreeSet};

use crate::metadata::{DepKind, Package};

/// The marker lines around the table in `ARCHITECTURE.md`.
pub const TABLE_START: &str = "<!-- tidy:allowed-deps:start -->";
/// See [`TABLE_START`].
pub const TABLE_END: &str = "<!-- tidy:allowed-deps:end -->";

/// How a row allows an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// As any kind of dependency.
    Any,
    /// Only from `[dev-dependencies]` (the entry says `(dev only)`).
    DevOnly,
}

/// The allowed-dependencies table: crate → the workspace crates it may depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedDeps {
    /// One entry per row.
    pub rows: BTreeMap<String, BTreeMap<String, Allowance>>,
}

/// Reads the table between [`TABLE_START`] and [`TABLE_END`] in `markdown`.
///
/// Rows look like ``| `crate` | `dep`, `other` (dev only) |``; `—` in the second column means none. The
/// header row and the `|---|---|` separator are skipped. Every problem is reported (with its line number),
/// so a malformed table fails the check instead of silently allowing or forbidding edges.
pub fn parse_allowed_deps(markdown: &str) -> Result<AllowedDeps, Vec<String>> {
    let lines: Vec<&str> = markdown.lines().collect();
    let start = lines.iter().position(|l| l.trim() == TABLE_START);
    let end = lines.iter().position(|l| l.trim() == TABLE_END);
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) if start < end => (start, end),
        _ => {
            return Err(vec![format!(
                "ARCHITECTURE.md: no table between `{TABLE_START}` and `{TABLE_END}`"
            )]);
        }
    };
    let mut allowed = AllowedDeps::default();
    let mut problems = Vec::new();
    for (index, line) in lines.iter().enumerate().take(end).skip(start + 1) {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(cells) = split_row(line) else {
            problems.push(format!("ARCHITECTURE.md:{line_no}: not a table row: {line}"));
            continue;
        };
        if is_separator(&cells) || cells.first().is_some_and(|c| *c == "crate") {
            continue;
        }
        let [krate, deps] = cells.as_slice() else {
            problems.push(format!("ARCHITECTURE.md:{line_no}: expected two columns: {line}"));
            continue;
        };
        let Some(krate) = backticked(krate) else {
            problems.push(format!(
                "ARCHITECTURE.md:{line_no}: the crate must be written `name`: {line}"
            ));
            continue;
        };
        let mut entries = BTreeMap::new();
        if *deps != "—" {
            for entry in deps.split(',').map(str::trim) {
                match parse_entry(entry) {
                    Some((dep, allowance)) => {
                        if entries.insert(dep.to_owned(), allowance).is_some() {
                            problems.push(format!("ARCHITECTURE.md:{line_no}: `{dep}` is listed twice"));
                        }
                    }
                    None => problems.push(format!(
                        "ARCHITECTURE.md:{line_no}: entry {entry:?} is neither `name` nor `name` (dev only); \
                         write — for none"
                    )),
                }
            }
        }
        if allowed.rows.insert(krate.to_owned(), entries).is_some() {
            problems.push(format!("ARCHITECTURE.md:{line_no}: second row for `{krate}`"));
        }
    }
    if problems.is_empty() {
        Ok(allowed)
    } else {
        Err(problems)
    }
}

/// The trimmed cells of `| a | b |`, or `None` when the line is not a row.
fn split_row(line: &str) -> Option<Vec<&str>> {
    let inner = line.strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

/// Whether the cells are a `|---|:---:|` separator row.
fn is_separator(cells: &[&str]) -> bool {
    cells
        .iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'))
}

/// `name` from `` `name` ``.
fn backticked(cell: &str) -> Option<&str> {
    let name = cell.strip_prefix('`')?.strip_suffix('`')?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then_some(name)
}

/// `` `dep` `` or `` `dep` (dev only) ``.
fn parse_entry(entry: &str) -> Option<(&str, Allowance)> {
    if let Some(name) = entry.strip_suffix("(dev only)") {
        return backticked(name.trim_end()).map(|name| (name, Allowance::DevOnly));
    }
    backticked(entry).map(|name| (name, Allowance::Any))
}

/// Every dependency of a workspace crate on another workspace crate that the table does not allow, every
/// workspace crate without a row, and every row or entry naming a crate the workspace does not have.
pub fn check_edges(allowed: &AllowedDeps, packages: &[Package]) -> Vec<String> {
    let ours: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut offenders = Vec::new();
    for package in packages {
        let Some(row) = allowed.rows.get(&package.name) else {
            offenders.push(format!(
                "`{}` has no row in ARCHITECTURE.md's allowed-deps table: add one (— for no dependencies)",
                package.name
            ));
            continue;
        };
        for dep in &package.dependencies {
            if !ours.contains(dep.name.as_str()) || dep.name == package.name {
                continue;
            }
            match (row.get(&dep.name), dep.kind) {
                (Some(Allowance::Any), _) | (Some(Allowance::DevOnly), DepKind::Dev) => {}
                (Some(Allowance::DevOnly), kind) => offenders.push(format!(
                    "`{}` has `{}` as {}, but its row allows it only as a dev-dependency",
                    package.name,
                    dep.name,
                    kind.describe()
                )),
                (None, kind) => offenders.push(format!(
                    "`{}` has `{}` as {}, which its row in ARCHITECTURE.md does not allow",
                    package.name,
                    dep.name,
                    kind.describe()
                )),
            }
        }
    }
    for (krate, row) in &allowed.rows {
        if !ours.contains(krate.as_str()) {
            offenders.push(format!(
                "ARCHITECTURE.md has a row for `{krate}`, which is not a workspace crate"
            ));
        }
        for dep in row.keys().filter(|dep| !ours.contains(dep.as_str())) {
            offenders.push(format!(
                "ARCHITECTURE.md's row for `{krate}` names `{dep}`, which is not a workspace crate"
            ));
        }
    }
    offenders
}

/// Crypto primitive crates: only `strongroom-crypto` may depend on them directly. (`aws-lc-sys` is the
/// raw binding under `aws-lc-rs`, added so that it cannot be used to go around the rule.)
pub const CRYPTO_CRATES: [&str; 14] = [
    "aws-lc-rs",
    "aws-lc-sys",
    "ring",
    "sha2",
    "hmac",
    "aes-gcm",
    "subtle",
    "p256",
    "p384",
    "rsa",
    "ecdsa",
    "chacha20poly1305",
    // X.509 path validation and parsing: certificate trust decisions are crypto too.
    "rustls-webpki",
    "x509-parser",
];

/// The crate allowed the crypto primitives.
pub const CRYPTO_OWNER: &str = "strongroom-crypto";

/// The TLS stack, which brings its own crypto provider: only the server (its listener) and the caching
/// client (its HTTPS connections) may depend on it.
pub const TLS_CRATES: [&str; 4] = ["rustls", "tokio-rustls", "hyper-rustls", "rcgen"];

/// The crate allowed the TLS stack for serving.
pub const TLS_OWNER: &str = "strongroom-server";

/// Narrow exceptions to the TLS rule: the signing helper and the caching client are HTTPS clients (rustls,
/// no certificate generation), and `strongroom-crypto` makes certificates with rcgen.
pub const TLS_EXCEPTIONS: [(&str, &[&str]); 3] = [
    ("strongroom-signing-helper", &["rustls", "tokio-rustls"]),
    ("strongroom-cache", &["rustls", "tokio-rustls", "hyper-rustls"]),
    ("strongroom-crypto", &["rcgen"]),
];

fn tls_allowed(krate: &str, tls_crate: &str) -> bool {
    krate == TLS_OWNER
        || TLS_EXCEPTIONS
            .iter()
            .any(|(owner, allowed)| *owner == krate && allowed.contains(&tls_crate))
}

/// Whether `name` is the AWS SDK or built on it.
fn is_aws_sdk(name: &str) -> bool {
    name.starts_with("aws-sdk-") || name == "aws-config" || name.starts_with("aws_secretsmanager_")
}

/// Every direct dependency that breaks crypto confinement: a primitive outside `strongroom-crypto`, the TLS
/// stack outside `strongroom-server` and its narrow exceptions, or an AWS SDK crate (`aws-sdk-*`, `aws-config`, and
/// AWS's caching client `aws_secretsmanager_caching`, which wraps the SDK; they sign with their own crypto) anywhere but
/// `[dev-dependencies]`, where tests use them as clients.
pub fn check_crypto(packages: &[Package]) -> Vec<String> {
    let mut offenders = Vec::new();
    for package in packages {
        for dep in &package.dependencies {
            let name = dep.name.as_str();
            let problem = if CRYPTO_CRATES.contains(&name) && package.name != CRYPTO_OWNER {
                Some(format!("crypto primitives belong in `{CRYPTO_OWNER}` alone"))
            } else if TLS_CRATES.contains(&name) && !tls_allowed(&package.name, name) {
                Some(format!("the TLS stack belongs in `{TLS_OWNER}` alone"))
            } else if is_aws_sdk(name) && dep.kind != DepKind::Dev {
                Some("the AWS SDK is for tests only (a dev-dependency)".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                offenders.push(format!(
                    "`{}` has `{name}` as {}: {problem}",
                    package.name,
                    dep.kind.describe()
                ));
            }
        }
    }
    offenders
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Dependency;

    fn table(rows: &str) -> String {
        format!(
            "# Doc\n\n| not | this one |\n\n{TABLE_START}\n| crate | may depend on |\n|---|---|\n{rows}{TABLE_END}\n"
        )
    }

    fn package(name: &str, deps: &[(&str, DepKind)]) -> Package {
        Package {
            name: name.to_owned(),
            dependencies: deps
                .iter()
                .map(|(n, k)| Dependency {
                    name: (*n).to_owned(),
                    kind: *k,
                })
                .collect(),
        }
    }

    #[test]
    fn parses_rows_dev_only_and_none() {
        let allowed = parse_allowed_deps(&table(
            "| `types` | — |\n| `service` | `types`, `store-sqlite` (dev only) |\n\n| `server` |`types`,`service`|\n",
        ))
        .unwrap();
        assert_eq!(allowed.rows.len(), 3);
        assert!(allowed.rows["types"].is_empty());
        assert_eq!(allowed.rows["service"]["types"], Allowance::Any);
        assert_eq!(allowed.rows["service"]["store-sqlite"], Allowance::DevOnly);
        assert_eq!(allowed.rows["server"].len(), 2);
    }

    #[test]
    fn malformed_tables_are_errors_with_every_problem() {
        let problems = parse_allowed_deps(&table(
            "| types | — |\n| `a` | b |\n| `c` | `d` (dev) |\n| `e` |\n| `a` | — |\n| `f` | `g`, `g` |\nnot a row\n| `h` | |\n",
        ))
        .unwrap_err();
        assert_eq!(problems.len(), 8, "{problems:#?}");
        assert!(
            problems[0].starts_with("ARCHITECTURE.md:8: the crate must be written"),
            "{problems:#?}"
        );
        assert!(parse_allowed_deps("no markers here").is_err());
        assert!(parse_allowed_deps(&format!("{TABLE_END}\n{TABLE_START}\n")).is_err());
    }

    #[test]
    fn the_real_table_parses() {
        let markdown = std::fs::read_to_string(crate::workspace_root().join("ARCHITECTURE.md")).unwrap();
        let allowed = parse_allowed_deps(&markdown).unwrap();
        assert!(allowed.rows.contains_key("strongroom-api"));
        assert!(allowed.rows.contains_key("xtask"));
    }

    #[test]
    fn allows_listed_edges_and_forbids_the_rest() {
        let allowed = parse_allowed_deps(&table(
            "| `types` | — |\n| `store` | `types` |\n| `service` | `types`, `store` (dev only) |\n",
        ))
        .unwrap();
        let external = ("serde", DepKind::Normal);
        let good = [
            package("types", &[external]),
            package("store", &[("types", DepKind::Normal), ("types", DepKind::Dev)]),
            package("service", &[("types", DepKind::Build), ("store", DepKind::Dev)]),
        ];
        assert_eq!(check_edges(&allowed, &good), Vec::<String>::new());

        let bad = [
            package("types", &[("store", DepKind::Dev)]),
            package("store", &[("types", DepKind::Normal)]),
            package(
                "service",
                &[("store", DepKind::Normal), ("store", DepKind::Build)],
            ),
            package("rogue", &[]),
        ];
        let offenders = check_edges(&allowed, &bad);
        assert_eq!(
            offenders,
            vec![
                "`types` has `store` as a dev-dependency, which its row in ARCHITECTURE.md does not allow",
                "`service` has `store` as a normal dependency, but its row allows it only as a dev-dependency",
                "`service` has `store` as a build-dependency, but its row allows it only as a dev-dependency",
                "`rogue` has no row in ARCHITECTURE.md's allowed-deps table: add one (— for no dependencies)",
            ]
        );
    }

    #[test]
    fn stale_rows_and_entries_are_reported() {
        let allowed = parse_allowed_deps(&table("| `types` | `gone` |\n| `old` | — |\n")).unwrap();
        let offenders = check_edges(&allowed, &[package("types", &[])]);
        assert_eq!(
            offenders,
            vec![
                "ARCHITECTURE.md has a row for `old`, which is not a workspace crate",
                "ARCHITECTURE.md's row for `types` names `gone`, which is not a workspace crate",
            ]
        );
    }

    #[test]
    fn crypto_stays_in_its_crates() {
        let good = [
            package(
                CRYPTO_OWNER,
                &[
                    ("aws-lc-rs", DepKind::Normal),
                    ("subtle", DepKind::Normal),
                    ("rcgen", DepKind::Normal),
                    ("x509-parser", DepKind::Normal),
                ],
            ),
            package(
                TLS_OWNER,
                &[
                    ("rustls", DepKind::Normal),
                    ("rcgen", DepKind::Normal),
                    ("aws-sdk-sts", DepKind::Dev),
                    ("aws_secretsmanager_caching", DepKind::Dev),
                ],
            ),
            package(
                "strongroom-service",
                &[
                    ("aws-sdk-secretsmanager", DepKind::Dev),
                    ("serde", DepKind::Normal),
                ],
            ),
            package(
                "strongroom-cache",
                &[("rustls", DepKind::Normal), ("hyper-rustls", DepKind::Normal)],
            ),
        ];
        let exceptions = [
            package(
                "strongroom-signing-helper",
                &[("rustls", DepKind::Normal), ("tokio-rustls", DepKind::Normal)],
            ),
            package(
                CRYPTO_OWNER,
                &[("rcgen", DepKind::Normal), ("rustls-webpki", DepKind::Normal)],
            ),
        ];
        assert_eq!(check_crypto(&good), Vec::<String>::new());
        assert_eq!(check_crypto(&exceptions), Vec::<String>::new());

        let bad = [
            package(
                "strongroom-sigv4",
                &[
                    ("hmac", DepKind::Normal),
                    ("sha2", DepKind::Dev),
                    ("ring", DepKind::Build),
                ],
            ),
            package(
                TLS_OWNER,
                &[("aws-lc-rs", DepKind::Normal), ("aws-sdk-sts", DepKind::Normal)],
            ),
            package(CRYPTO_OWNER, &[("tokio-rustls", DepKind::Normal)]),
            package("strongroom-signing-helper", &[("rcgen", DepKind::Normal)]),
            package("strongroom-service", &[("x509-parser", DepKind::Normal)]),
            package("strongroom-agent", &[("hyper-rustls", DepKind::Normal)]),
            package(
                "strongroom-cache",
                &[
                    ("aws_secretsmanager_caching", DepKind::Normal),
                    ("aws-config", DepKind::Normal),
                ],
            ),
        ];
        let offenders = check_crypto(&bad);
        assert_eq!(offenders.len(), 11, "{offenders:#?}");
        assert_eq!(
            offenders[0],
            "`strongroom-sigv4` has `hmac` as a normal dependency: crypto primitives belong in `strongroom-crypto` alone"
        );
        assert!(offenders[4].contains("AWS SDK is for tests only"));
        assert!(
            offenders[9].contains("`aws_secretsmanager_caching`")
                && offenders[9].contains("AWS SDK is for tests only")
        );
        assert!(
            offenders[10].contains("`aws-config`") && offenders[10].contains("AWS SDK is for tests only")
        );
    }
}
