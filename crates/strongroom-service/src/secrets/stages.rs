//! Versions and staging labels as a state machine, in pure functions over a secret's version list.
//!
//! The invariants, which the tests check under random sequences of operations:
//! a label is on at most one version; when AWSCURRENT moves from A to B, AWSPREVIOUS moves to A (and leaves
//! B); no other label moves unless asked; a version keeps at most 20 labels.

use strongroom_store::secrets::VersionRecord;
use strongroom_types::OffsetDateTime;
use time::Duration;

pub(crate) const AWSCURRENT: &str = "AWSCURRENT";
pub(crate) const AWSPREVIOUS: &str = "AWSPREVIOUS";
pub(crate) const AWSPENDING: &str = "AWSPENDING";
/// At most this many labels on one version (the model's limit on VersionStages).
pub(crate) const MAX_LABELS_PER_VERSION: usize = 20;
/// AWS keeps about this many versions; older deprecated ones are removed.
pub(crate) const MAX_VERSIONS: usize = 100;
/// A deprecated version younger than this is never removed.
pub(crate) const MIN_DEPRECATED_AGE: Duration = Duration::hours(24);

/// Why a label change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StageError {
    /// The label is on another version than `RemoveFromVersionId` names (or it was not named).
    MustRemoveFrom { label: String, holder: String },
    /// `RemoveFromVersionId` does not hold the label.
    NotOnVersion { label: String, version_id: String },
    /// No such version.
    UnknownVersion(String),
    /// A version would carry more than 20 labels.
    TooManyLabels,
    /// More than 100 versions, none of which may be removed yet.
    TooManyVersions,
}

fn holder<'a>(versions: &'a [VersionRecord], label: &str) -> Option<&'a VersionRecord> {
    versions.iter().find(|v| v.stages.iter().any(|s| s == label))
}

fn position(versions: &[VersionRecord], version_id: &str) -> Option<usize> {
    versions.iter().position(|v| v.version_id == version_id)
}

/// The version holding `label`, if any.
pub(crate) fn version_with<'a>(versions: &'a [VersionRecord], label: &str) -> Option<&'a VersionRecord> {
    holder(versions, label)
}

/// Attaches `label` to `target`, taking it from whichever version had it, and applies the AWSPREVIOUS rule
/// when the label is AWSCURRENT and it moves.
fn attach(versions: &mut [VersionRecord], target: usize, label: &str) {
    let previous_holder = position_of_label(versions, label);
    if previous_holder == Some(target) {
        return;
    }
    for version in versions.iter_mut() {
        version.stages.retain(|s| s != label);
    }
    versions[target].stages.push(label.to_owned());
    if label == AWSCURRENT
        && let Some(old) = previous_holder
    {
        for version in versions.iter_mut() {
            version.stages.retain(|s| s != AWSPREVIOUS);
        }
        versions[old].stages.push(AWSPREVIOUS.to_owned());
    }
}

fn position_of_label(versions: &[VersionRecord], label: &str) -> Option<usize> {
    versions.iter().position(|v| v.stages.iter().any(|s| s == label))
}

/// Adds `new` (whose `stages` are ignored) with `labels` (AWSCURRENT when none are given; AWSCURRENT is
/// added anyway when no version holds it yet, as for the first value of an empty secret).
pub(crate) fn add_version(
    versions: &mut Vec<VersionRecord>,
    mut new: VersionRecord,
    labels: Option<&[String]>,
) -> Result<(), StageError> {
    let mut wanted: Vec<String> = match labels {
        Some(labels) => labels.to_vec(),
        None => vec![AWSCURRENT.to_owned()],
    };
    if holder(versions, AWSCURRENT).is_none() && !wanted.iter().any(|l| l == AWSCURRENT) {
        wanted.push(AWSCURRENT.to_owned());
    }
    dedup(&mut wanted);
    if wanted.len() > MAX_LABELS_PER_VERSION {
        return Err(StageError::TooManyLabels);
    }
    new.stages.clear();
    versions.push(new);
    let target = versions.len() - 1;
    // AWSCURRENT first, so that the AWSPREVIOUS rule cannot take a label the new version was also given.
    wanted.sort_by_key(|l| l != AWSCURRENT);
    for label in &wanted {
        attach(versions, target, label);
    }
    Ok(())
}

/// Attaches `labels` to the existing version `version_id`, as PutSecretValue does when its token names a
/// label-only placeholder. The labels it already has stay.
pub(crate) fn attach_labels(
    versions: &mut [VersionRecord],
    version_id: &str,
    labels: &[String],
) -> Result<(), StageError> {
    let target =
        position(versions, version_id).ok_or_else(|| StageError::UnknownVersion(version_id.to_owned()))?;
    for label in labels {
        attach(versions, target, label);
    }
    if versions[target].stages.len() > MAX_LABELS_PER_VERSION {
        return Err(StageError::TooManyLabels);
    }
    Ok(())
}

/// UpdateSecretVersionStage: move, attach or remove one label.
pub(crate) fn update_stage(
    versions: &mut [VersionRecord],
    label: &str,
    remove_from: Option<&str>,
    move_to: Option<&str>,
) -> Result<(), StageError> {
    let current_holder = holder(versions, label).map(|v| v.version_id.clone());
    if let Some(to) = move_to {
        position(versions, to).ok_or_else(|| StageError::UnknownVersion(to.to_owned()))?;
    }
    if let Some(from) = remove_from {
        let index = position(versions, from).ok_or_else(|| StageError::UnknownVersion(from.to_owned()))?;
        if !versions[index].stages.iter().any(|s| s == label) {
            return Err(StageError::NotOnVersion {
                label: label.to_owned(),
                version_id: from.to_owned(),
            });
        }
    }
    match (move_to, current_holder) {
        (Some(to), Some(holder)) if holder != to && remove_from != Some(holder.as_str()) => {
            Err(StageError::MustRemoveFrom {
                label: label.to_owned(),
                holder,
            })
        }
        (Some(to), _) => {
            let target = position(versions, to).ok_or_else(|| StageError::UnknownVersion(to.to_owned()))?;
            attach(versions, target, label);
            if versions[target].stages.len() > MAX_LABELS_PER_VERSION {
                return Err(StageError::TooManyLabels);
            }
            Ok(())
        }
        (None, _) => {
            if let Some(from) = remove_from
                && let Some(index) = position(versions, from)
            {
                versions[index].stages.retain(|s| s != label);
            }
            Ok(())
        }
    }
}

/// Removes the oldest deprecated versions older than a day while there are more than 100 versions, and
/// returns the ids removed. Fails when more than 100 would remain (AWS's versions-per-secret quota).
pub(crate) fn prune(
    versions: &mut Vec<VersionRecord>,
    now: OffsetDateTime,
) -> Result<Vec<String>, StageError> {
    let mut removed = Vec::new();
    while versions.len() > MAX_VERSIONS {
        let oldest_removable = versions
            .iter()
            .enumerate()
            .filter(|(_, v)| v.stages.is_empty() && now - v.created_at >= MIN_DEPRECATED_AGE)
            .min_by_key(|(_, v)| v.created_at)
            .map(|(i, _)| i);
        match oldest_removable {
            Some(index) => removed.push(versions.remove(index).version_id),
            None => return Err(StageError::TooManyVersions),
        }
    }
    Ok(removed)
}

/// The versions of `after` that had a staging label in `before` and have none now: the ones a change
/// deprecated. A version that was deprecated already, or that is new, is not one of them.
pub(crate) fn newly_deprecated(before: &[VersionRecord], after: &[VersionRecord]) -> Vec<String> {
    after
        .iter()
        .filter(|v| v.stages.is_empty())
        .filter(|v| {
            before
                .iter()
                .any(|old| old.version_id == v.version_id && !old.stages.is_empty())
        })
        .map(|v| v.version_id.clone())
        .collect()
}

fn dedup(labels: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    labels.retain(|l| seen.insert(l.clone()));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn version(id: &str, stages: &[&str]) -> VersionRecord {
        VersionRecord {
            version_id: id.to_owned(),
            stages: stages.iter().map(|s| (*s).to_owned()).collect(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_accessed_at: None,
            has_value: true,
            kms_key_ids: Vec::new(),
        }
    }

    fn labels_of(versions: &[VersionRecord], id: &str) -> Vec<String> {
        let mut labels = versions
            .iter()
            .find(|v| v.version_id == id)
            .unwrap()
            .stages
            .clone();
        labels.sort();
        labels
    }

    fn strings(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_version_losing_its_last_label_is_newly_deprecated() {
        let mut versions = Vec::new();
        add_version(&mut versions, version("v1", &[]), None).unwrap();
        let before = versions.clone();
        add_version(&mut versions, version("v2", &[]), None).unwrap();
        assert!(
            newly_deprecated(&before, &versions).is_empty(),
            "v1 is AWSPREVIOUS"
        );
        let before = versions.clone();
        add_version(&mut versions, version("v3", &[]), None).unwrap();
        assert_eq!(newly_deprecated(&before, &versions), ["v1"]);
        // A new version without labels and a version deprecated already are not newly deprecated.
        let before = versions.clone();
        add_version(&mut versions, version("v4", &[]), Some(&strings(&["CUSTOM"]))).unwrap();
        update_stage(&mut versions, "CUSTOM", Some("v4"), None).unwrap();
        assert!(newly_deprecated(&before, &versions).is_empty());
        // Removing a custom label from a version that keeps AWSPREVIOUS deprecates nothing.
        update_stage(&mut versions, "CUSTOM", None, Some("v2")).unwrap();
        let before = versions.clone();
        update_stage(&mut versions, "CUSTOM", Some("v2"), None).unwrap();
        assert!(newly_deprecated(&before, &versions).is_empty());
        let before = versions.clone();
        update_stage(&mut versions, AWSPREVIOUS, Some("v2"), None).unwrap();
        assert_eq!(newly_deprecated(&before, &versions), ["v2"]);
    }

    #[test]
    fn puts_move_current_and_previous() {
        let mut versions = Vec::new();
        add_version(&mut versions, version("v1", &[]), None).unwrap();
        add_version(&mut versions, version("v2", &[]), None).unwrap();
        assert_eq!(labels_of(&versions, "v1"), ["AWSPREVIOUS"]);
        assert_eq!(labels_of(&versions, "v2"), ["AWSCURRENT"]);
        add_version(&mut versions, version("v3", &[]), None).unwrap();
        assert!(labels_of(&versions, "v1").is_empty(), "v1 is deprecated");
        assert_eq!(labels_of(&versions, "v2"), ["AWSPREVIOUS"]);
    }

    #[test]
    fn first_value_of_an_empty_secret_becomes_current() {
        let mut versions = Vec::new();
        add_version(&mut versions, version("v1", &[]), Some(&strings(&["CUSTOM"]))).unwrap();
        assert_eq!(labels_of(&versions, "v1"), ["AWSCURRENT", "CUSTOM"]);
    }

    #[test]
    fn custom_labels_move_alone() {
        let mut versions = vec![version("v0", &["AWSCURRENT"])];
        add_version(
            &mut versions,
            version("v1", &[]),
            Some(&strings(&["one", "two", "three"])),
        )
        .unwrap();
        add_version(
            &mut versions,
            version("v2", &[]),
            Some(&strings(&["one", "two", "four"])),
        )
        .unwrap();
        assert_eq!(labels_of(&versions, "v1"), ["three"]);
        assert_eq!(labels_of(&versions, "v0"), ["AWSCURRENT"]);
        add_version(
            &mut versions,
            version("v3", &[]),
            Some(&strings(&["one", "two", "three", "four"])),
        )
        .unwrap();
        assert!(labels_of(&versions, "v1").is_empty());
    }

    #[test]
    fn current_keeps_pending_and_custom_labels() {
        let mut versions = vec![
            version("a", &["AWSCURRENT", "PUT0"]),
            version("b", &["AWSPENDING", "PUT1"]),
        ];
        update_stage(&mut versions, "AWSCURRENT", Some("a"), Some("b")).unwrap();
        assert_eq!(labels_of(&versions, "a"), ["AWSPREVIOUS", "PUT0"]);
        assert_eq!(labels_of(&versions, "b"), ["AWSCURRENT", "AWSPENDING", "PUT1"]);
    }

    #[test]
    fn moving_current_back_clears_previous_from_the_target() {
        let mut versions = vec![version("a", &["AWSPREVIOUS"]), version("b", &["AWSCURRENT"])];
        update_stage(&mut versions, "AWSCURRENT", Some("b"), Some("a")).unwrap();
        assert_eq!(labels_of(&versions, "a"), ["AWSCURRENT"]);
        assert_eq!(labels_of(&versions, "b"), ["AWSPREVIOUS"]);
    }

    #[test]
    fn update_stage_rules() {
        let mut versions = vec![version("a", &["AWSCURRENT"]), version("b", &[])];
        assert_eq!(
            update_stage(&mut versions, "AWSCURRENT", None, Some("b")),
            Err(StageError::MustRemoveFrom {
                label: "AWSCURRENT".into(),
                holder: "a".into()
            })
        );
        assert_eq!(
            update_stage(&mut versions, "AWSCURRENT", Some("b"), Some("b")),
            Err(StageError::NotOnVersion {
                label: "AWSCURRENT".into(),
                version_id: "b".into()
            })
        );
        assert_eq!(
            update_stage(&mut versions, "X", None, Some("nope")),
            Err(StageError::UnknownVersion("nope".into()))
        );
        update_stage(&mut versions, "X", None, Some("b")).unwrap();
        assert_eq!(labels_of(&versions, "b"), ["X"]);
        update_stage(&mut versions, "X", Some("b"), None).unwrap();
        assert!(labels_of(&versions, "b").is_empty());
        assert_eq!(labels_of(&versions, "a"), ["AWSCURRENT"]);
    }

    #[test]
    fn prunes_old_deprecated_versions_past_one_hundred() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(10);
        let mut versions: Vec<VersionRecord> = (0..101)
            .map(|i| VersionRecord {
                created_at: OffsetDateTime::UNIX_EPOCH + Duration::minutes(i),
                ..version(&format!("v{i}"), &[])
            })
            .collect();
        versions[100].stages.push(AWSCURRENT.to_owned());
        versions[0].stages.push("KEEP".to_owned());
        let removed = prune(&mut versions, now).unwrap();
        assert_eq!(removed, ["v1"], "the oldest unlabelled version goes first");
        assert_eq!(versions.len(), 100);

        let mut young: Vec<VersionRecord> = (0..101)
            .map(|i| VersionRecord {
                created_at: now,
                ..version(&format!("v{i}"), &[])
            })
            .collect();
        assert_eq!(prune(&mut young, now), Err(StageError::TooManyVersions));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(Vec<String>),
        PutDefault,
        Move { label: String, to: usize },
        Remove { label: String },
    }

    fn label() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(AWSCURRENT.to_owned()),
            Just(AWSPREVIOUS.to_owned()),
            Just(AWSPENDING.to_owned()),
            "[A-C]{1}".prop_map(|s| format!("CUSTOM{s}")),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            proptest::collection::vec(label(), 1..4).prop_map(Op::Put),
            Just(Op::PutDefault),
            (label(), 0usize..8).prop_map(|(label, to)| Op::Move { label, to }),
            label().prop_map(|label| Op::Remove { label }),
        ]
    }

    proptest! {
        #[test]
        fn label_invariants_hold(ops in proptest::collection::vec(op(), 1..40)) {
            let mut versions: Vec<VersionRecord> = Vec::new();
            let mut next = 0;
            for op in ops {
                let before = versions.clone();
                let current_before = holder(&versions, AWSCURRENT).map(|v| v.version_id.clone());
                let result = match &op {
                    Op::Put(labels) => {
                        next += 1;
                        add_version(&mut versions, version(&format!("v{next}"), &[]), Some(labels))
                    }
                    Op::PutDefault => {
                        next += 1;
                        add_version(&mut versions, version(&format!("v{next}"), &[]), None)
                    }
                    Op::Move { label, to } => {
                        let Some(target) = versions.get(*to).map(|v| v.version_id.clone()) else { continue };
                        let from = holder(&versions, label).map(|v| v.version_id.clone());
                        update_stage(&mut versions, label, from.as_deref(), Some(&target))
                    }
                    Op::Remove { label } => {
                        let Some(from) = holder(&versions, label).map(|v| v.version_id.clone()) else { continue };
                        update_stage(&mut versions, label, Some(&from), None)
                    }
                };
                if result.is_err() {
                    versions = before;
                    continue;
                }
                // A label is on at most one version.
                for l in [AWSCURRENT, AWSPREVIOUS, AWSPENDING, "CUSTOMA", "CUSTOMB", "CUSTOMC"] {
                    prop_assert!(versions.iter().filter(|v| v.stages.iter().any(|s| s == l)).count() <= 1, "{l} twice: {versions:?}");
                }
                // No version holds a label twice, nor more than 20.
                for v in &versions {
                    let mut s = v.stages.clone();
                    s.sort();
                    s.dedup();
                    prop_assert_eq!(s.len(), v.stages.len());
                    prop_assert!(v.stages.len() <= MAX_LABELS_PER_VERSION);
                }
                // Once a version is current, some version stays current.
                if current_before.is_some() && !matches!(op, Op::Remove { ref label } if label == AWSCURRENT) {
                    prop_assert!(holder(&versions, AWSCURRENT).is_some());
                }
                // When AWSCURRENT moved from A to B, A is now AWSPREVIOUS, unless the same call placed
                // AWSPREVIOUS itself (a put listing both labels attaches both to the new version).
                let current_after = holder(&versions, AWSCURRENT).map(|v| v.version_id.clone());
                let placed_previous = matches!(&op, Op::Put(labels) if labels.iter().any(|l| l == AWSPREVIOUS));
                if let (Some(a), Some(b)) = (&current_before, &current_after)
                    && a != b
                    && !placed_previous
                {
                    prop_assert_eq!(holder(&versions, AWSPREVIOUS).map(|v| v.version_id.clone()), Some(a.clone()));
                }
            }
        }
    }
}
