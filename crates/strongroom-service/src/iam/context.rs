//! The condition keys IAM's own operations supply, as AWS documents them for the `iam` service: the tags of
//! the user or role a request is about (`aws:ResourceTag/…` and `iam:ResourceTag/…`), the tags a request
//! sets or removes (`aws:RequestTag/…`, `aws:TagKeys`), the managed policy it attaches or detaches
//! (`iam:PolicyARN`) and the permissions boundary it sets (`iam:PermissionsBoundary`).

use strongroom_policy::ContextValue;

use super::Tag;

/// A request's own context keys, added to the ones authorization derives.
pub(crate) type ContextKeys = Vec<(String, ContextValue)>;

/// `aws:ResourceTag/…` and `iam:ResourceTag/…` for every tag of the user or role the request is about.
pub(crate) fn resource_tags(tags: &[Tag]) -> ContextKeys {
    let mut keys = Vec::with_capacity(2 * tags.len());
    for tag in tags {
        let value = ContextValue::from(tag.value.as_str());
        keys.push((format!("aws:ResourceTag/{}", tag.key), value.clone()));
        keys.push((format!("iam:ResourceTag/{}", tag.key), value));
    }
    keys
}

/// `aws:RequestTag/…` and `aws:TagKeys` for the tags a request sets.
pub(crate) fn request_tags(tags: &[Tag]) -> ContextKeys {
    crate::secrets::request_tag_keys(tags)
}

/// `aws:TagKeys` for the keys a request removes.
pub(crate) fn removed_tag_keys(keys: &[String]) -> ContextKeys {
    if keys.is_empty() {
        return Vec::new();
    }
    vec![("aws:TagKeys".to_owned(), ContextValue::from(keys.to_vec()))]
}

/// `iam:PolicyARN` for the managed policy a request attaches or detaches.
pub(crate) fn policy_arn(arn: &str) -> ContextKeys {
    vec![("iam:PolicyARN".to_owned(), ContextValue::from(arn))]
}

/// `iam:PermissionsBoundary` for the boundary a request sets.
pub(crate) fn permissions_boundary(arn: Option<&str>) -> ContextKeys {
    arn.map(|arn| ("iam:PermissionsBoundary".to_owned(), ContextValue::from(arn)))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }

    /// A case: its name, the keys made, the keys wanted.
    type Case<'a> = (&'a str, ContextKeys, &'a [(&'a str, ContextValue)]);

    #[test]
    fn each_operation_kind_supplies_its_keys() {
        let tags = [tag("team", "blue"), tag("env", "prod")];
        let cases: [Case<'_>; 6] = [
            (
                "resource tags",
                resource_tags(&tags[..1]),
                &[
                    ("aws:ResourceTag/team", ContextValue::from("blue")),
                    ("iam:ResourceTag/team", ContextValue::from("blue")),
                ],
            ),
            (
                "request tags",
                request_tags(&tags),
                &[
                    ("aws:RequestTag/team", ContextValue::from("blue")),
                    ("aws:RequestTag/env", ContextValue::from("prod")),
                    (
                        "aws:TagKeys",
                        ContextValue::StringList(vec!["team".to_owned(), "env".to_owned()]),
                    ),
                ],
            ),
            (
                "removed keys",
                removed_tag_keys(&["team".to_owned()]),
                &[("aws:TagKeys", ContextValue::StringList(vec!["team".to_owned()]))],
            ),
            ("nothing removed", removed_tag_keys(&[]), &[]),
            (
                "policy",
                policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                &[(
                    "iam:PolicyARN",
                    ContextValue::from("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                )],
            ),
            ("no boundary", permissions_boundary(None), &[]),
        ];
        for (case, got, want) in cases {
            let want: ContextKeys = want.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
            assert_eq!(got, want, "{case}");
        }
    }
}
