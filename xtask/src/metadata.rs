//! The workspace's packages and their direct dependencies, from `cargo metadata --no-deps`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use serde_json::Value;

/// A workspace package and its direct dependencies as its `Cargo.toml` declares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Package name, e.g. `strongroom-api`.
    pub name: String,
    /// Direct dependencies of every kind.
    pub dependencies: Vec<Dependency>,
}

/// One direct dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The depended-on package's name (not the `package =` rename).
    pub name: String,
    /// Which table declares it.
    pub kind: DepKind,
}

/// The dependency table a dependency is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

impl DepKind {
    /// How a message names the kind.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Normal => "a normal dependency",
            Self::Dev => "a dev-dependency",
            Self::Build => "a build-dependency",
        }
    }
}

/// Runs `cargo metadata --format-version 1 --no-deps` at `root` and reads the workspace members.
pub fn workspace_packages(root: &Path) -> anyhow::Result<Vec<Package>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .with_context(|| format!("running {} metadata", cargo.to_string_lossy()))?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value = serde_json::from_slice(&output.stdout).context("parsing cargo metadata")?;
    packages_from_metadata(&metadata)
}

/// The workspace members of a `cargo metadata` document.
pub fn packages_from_metadata(metadata: &Value) -> anyhow::Result<Vec<Package>> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .context("cargo metadata has no workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut packages = Vec::new();
    for package in metadata["packages"]
        .as_array()
        .context("cargo metadata has no packages")?
    {
        let id = package["id"].as_str().context("package without id")?;
        if !members.contains(&id) {
            continue;
        }
        let name = package["name"]
            .as_str()
            .context("package without name")?
            .to_owned();
        let mut dependencies = Vec::new();
        for dep in package["dependencies"]
            .as_array()
            .context("package without dependencies")?
        {
            let dep_name = dep["name"]
                .as_str()
                .context("dependency without name")?
                .to_owned();
            let kind = match dep["kind"].as_str() {
                None => DepKind::Normal,
                Some("dev") => DepKind::Dev,
                Some("build") => DepKind::Build,
                Some(other) => bail!("{name}: dependency {dep_name} has unknown kind {other:?}"),
            };
            dependencies.push(Dependency { name: dep_name, kind });
        }
        packages.push(Package { name, dependencies });
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_and_kinds() {
        let metadata = serde_json::json!({
            "workspace_members": ["path+file:///w/a#0.1.0"],
            "packages": [
                {
                    "id": "path+file:///w/a#0.1.0",
                    "name": "a",
                    "dependencies": [
                        { "name": "b", "kind": null, "rename": "bee" },
                        { "name": "c", "kind": "dev" },
                        { "name": "d", "kind": "build" }
                    ]
                },
                { "id": "registry+x#z@1", "name": "z", "dependencies": [] }
            ]
        });
        let packages = packages_from_metadata(&metadata).unwrap();
        assert_eq!(packages.len(), 1);
        let kinds: Vec<(&str, DepKind)> = packages[0]
            .dependencies
            .iter()
            .map(|d| (d.name.as_str(), d.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![("b", DepKind::Normal), ("c", DepKind::Dev), ("d", DepKind::Build)]
        );
    }

    #[test]
    fn unknown_kind_is_an_error() {
        let metadata = serde_json::json!({
            "workspace_members": ["a"],
            "packages": [{ "id": "a", "name": "a", "dependencies": [{ "name": "b", "kind": "weird" }] }]
        });
        assert!(packages_from_metadata(&metadata).is_err());
    }
}
