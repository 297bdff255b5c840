//! The request context: who asks, to do what, on which resource, when, and every context key the caller knows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use time::OffsetDateTime;

/// What kind of principal makes the request; also the value of `aws:PrincipalType` where AWS defines one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// The account's root user. The engine expects the caller to short-circuit root before evaluating.
    Account,
    /// An IAM user.
    User,
    /// A role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    AssumedRole,
    /// A federated user session (`arn:aws:sts::ACCOUNT:federated-user/NAME`).
    FederatedUser,
    /// An AWS service acting for itself; `Principal::arn` holds its name, e.g. `secretsmanager.amazonaws.com`.
    Service,
    /// A web-identity or SAML provider (matched by `Principal: {"Federated": …}`); `arn` holds the provider.
    WebIdentity,
    /// An S3-style canonical user id, held in `arn`.
    CanonicalUser,
    /// No credentials.
    Anonymous,
}

impl PrincipalType {
    /// The `aws:PrincipalType` value, where AWS defines one.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Self::Account => Some("Account"),
            Self::User => Some("User"),
            Self::AssumedRole => Some("AssumedRole"),
            Self::FederatedUser => Some("FederatedUser"),
            Self::Anonymous => Some("Anonymous"),
            Self::Service | Self::WebIdentity | Self::CanonicalUser => None,
        }
    }

    /// Whether the principal is an IAM identity of an account (matched by `Principal: {"AWS": …}`).
    pub fn is_iam(self) -> bool {
        matches!(
            self,
            Self::Account | Self::User | Self::AssumedRole | Self::FederatedUser
        )
    }
}

/// The principal making the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub kind: PrincipalType,
    /// The caller's own ARN: the user ARN, or for a session the session ARN. For `Service`, `WebIdentity` and
    /// `CanonicalUser` principals, their name or id instead. Empty for `Anonymous`.
    pub arn: String,
    /// For a session, the identity it was made from: the role ARN of a role session, the user ARN of a
    /// federated user session. It is the value of `aws:PrincipalArn` for role sessions, and a resource policy
    /// naming it grants only what boundaries and session policies also allow.
    pub source_arn: Option<String>,
    /// The principal's account id (empty if none).
    pub account: String,
    /// `aws:username` (IAM users only).
    pub user_name: Option<String>,
    /// `aws:userid`.
    pub user_id: Option<String>,
    /// `aws:PrincipalTag/KEY`; keys compare case-insensitively.
    pub tags: Vec<(String, String)>,
}

impl Principal {
    /// An IAM user `arn:aws:iam::ACCOUNT:user/NAME` (no path).
    pub fn user(account: &str, name: &str) -> Self {
        Self {
            kind: PrincipalType::User,
            arn: format!("arn:aws:iam::{account}:user/{name}"),
            source_arn: None,
            account: account.to_owned(),
            user_name: Some(name.to_owned()),
            user_id: None,
            tags: Vec::new(),
        }
    }

    /// The root user of `account`.
    pub fn account_root(account: &str) -> Self {
        Self {
            kind: PrincipalType::Account,
            arn: format!("arn:aws:iam::{account}:root"),
            source_arn: None,
            account: account.to_owned(),
            user_name: None,
            user_id: None,
            tags: Vec::new(),
        }
    }

    /// A session of role `ROLE` named `SESSION`.
    pub fn assumed_role(account: &str, role: &str, session: &str) -> Self {
        Self {
            kind: PrincipalType::AssumedRole,
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
            source_arn: Some(format!("arn:aws:iam::{account}:role/{role}")),
            account: account.to_owned(),
            user_name: None,
            user_id: None,
            tags: Vec::new(),
        }
    }

    /// A service principal such as `secretsmanager.amazonaws.com`.
    pub fn service(name: &str) -> Self {
        Self {
            kind: PrincipalType::Service,
            arn: name.to_owned(),
            source_arn: None,
            account: String::new(),
            user_name: None,
            user_id: None,
            tags: Vec::new(),
        }
    }

    /// The anonymous principal.
    pub fn anonymous() -> Self {
        Self {
            kind: PrincipalType::Anonymous,
            arn: String::new(),
            source_arn: None,
            account: String::new(),
            user_name: None,
            user_id: None,
            tags: Vec::new(),
        }
    }

    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// The value of a context key. Numbers are `f64` (integers beyond 2^53 lose precision).
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    String(String),
    /// A multi-valued key such as `aws:TagKeys` or `aws:CalledVia`. An empty list counts as an absent key.
    StringList(Vec<String>),
    Bool(bool),
    Number(f64),
    Date(OffsetDateTime),
    Binary(Vec<u8>),
}

impl From<&str> for ContextValue {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(value: Vec<String>) -> Self {
        Self::StringList(value)
    }
}

impl From<bool> for ContextValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<f64> for ContextValue {
    fn from(value: f64) -> Self {
        Self::Number(value)
    }
}

impl From<i64> for ContextValue {
    fn from(value: i64) -> Self {
        // Context numbers are f64 by design; the precision loss above 2^53 is documented.
        #[allow(clippy::cast_precision_loss)]
        Self::Number(value as f64)
    }
}

impl From<OffsetDateTime> for ContextValue {
    fn from(value: OffsetDateTime) -> Self {
        Self::Date(value)
    }
}

/// Everything a policy can test about one request.
///
/// Context keys are case-insensitive. Keys the caller sets win; otherwise the engine derives
/// `aws:CurrentTime` and `aws:EpochTime` from `now`, and `aws:PrincipalArn`, `aws:PrincipalAccount`,
/// `aws:PrincipalType`, `aws:username`, `aws:userid`, `aws:PrincipalTag/KEY`, `aws:PrincipalIsAWSService` and
/// `aws:PrincipalServiceName` from the principal.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestContext {
    pub principal: Principal,
    /// `service:Action`, e.g. `secretsmanager:GetSecretValue` (compared case-insensitively).
    pub action: String,
    /// The resource ARN (compared case-sensitively). For a trust policy, the role's ARN.
    pub resource: String,
    pub now: OffsetDateTime,
    keys: HashMap<String, ContextValue, BuildHasherDefault<KeyHasher>>,
    /// Keys shared with other requests (a resource's own), consulted after `keys`.
    shared: Option<Arc<SharedKeys>>,
}

/// Context keys that many requests share, such as a resource's own (its ARN, its tags): made once, and
/// added to each request by reference, so no request copies them. Names compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedKeys {
    keys: HashMap<String, ContextValue, BuildHasherDefault<KeyHasher>>,
}

impl SharedKeys {
    /// The keys of `pairs`; of two pairs naming the same key, the later wins.
    pub fn new(pairs: impl IntoIterator<Item = (String, ContextValue)>) -> Self {
        let mut keys = HashMap::default();
        for (key, value) in pairs {
            keys.insert(key.to_ascii_lowercase(), value);
        }
        Self { keys }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// How many keys a context has room for before it grows: what a request on a tagged secret sets.
const EXPECTED_KEYS: usize = 24;

/// FNV-1a over the (lowercased) key names. A context holds a few dozen keys at most, bounded by the
/// request's tags, so SipHash's resistance to collision floods buys nothing here, while every condition
/// lookup pays for the hash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Default for KeyHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A single value of a context key, borrowed where possible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Str(&'a str),
    Bool(bool),
    Num(f64),
    Date(OffsetDateTime),
    Bytes(&'a [u8]),
}

/// The value(s) found for a key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Found<'a> {
    One(Scalar<'a>),
    List(&'a [String]),
}

impl<'a> Found<'a> {
    pub(crate) fn for_each_any(self, mut f: impl FnMut(Scalar<'a>) -> bool) -> bool {
        match self {
            Found::One(s) => f(s),
            Found::List(list) => list.iter().any(|s| f(Scalar::Str(s))),
        }
    }

    pub(crate) fn for_each_all(self, mut f: impl FnMut(Scalar<'a>) -> bool) -> bool {
        match self {
            Found::One(s) => f(s),
            Found::List(list) => list.iter().all(|s| f(Scalar::Str(s))),
        }
    }

    /// The single value, if there is exactly one.
    pub(crate) fn single(self) -> Option<Scalar<'a>> {
        match self {
            Found::One(s) => Some(s),
            Found::List([only]) => Some(Scalar::Str(only)),
            Found::List(_) => None,
        }
    }
}

impl RequestContext {
    pub fn new(
        principal: Principal,
        action: impl Into<String>,
        resource: impl Into<String>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            principal,
            action: action.into(),
            resource: resource.into(),
            now,
            keys: HashMap::with_capacity_and_hasher(EXPECTED_KEYS, BuildHasherDefault::default()),
            shared: None,
        }
    }

    /// Adds `shared` beneath this context's own keys: a key set with [`RequestContext::set`] wins over the
    /// same key in `shared`.
    #[must_use]
    pub fn with_shared(mut self, shared: Arc<SharedKeys>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The value of a lowercased key set on this context or shared with it.
    fn own(&self, key: &str) -> Option<&ContextValue> {
        self.keys
            .get(key)
            .or_else(|| self.shared.as_deref().and_then(|shared| shared.keys.get(key)))
    }

    /// Sets a context key (case-insensitive), replacing any previous value.
    pub fn set(&mut self, key: &str, value: impl Into<ContextValue>) {
        self.keys.insert(key.to_ascii_lowercase(), value.into());
    }

    /// Builder form of [`RequestContext::set`].
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.set(key, value);
        self
    }

    /// A key the caller set or shared (not the derived ones).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.own(&key.to_ascii_lowercase())
    }

    /// Looks up a key already in lowercase, deriving the engine-provided keys. Empty lists count as absent.
    pub(crate) fn lookup(&self, key: &str) -> Option<Found<'_>> {
        if let Some(value) = self.own(key) {
            return match value {
                ContextValue::String(s) => Some(Found::One(Scalar::Str(s))),
                ContextValue::StringList(list) if list.is_empty() => None,
                ContextValue::StringList(list) => Some(Found::List(list)),
                ContextValue::Bool(b) => Some(Found::One(Scalar::Bool(*b))),
                ContextValue::Number(n) => Some(Found::One(Scalar::Num(*n))),
                ContextValue::Date(d) => Some(Found::One(Scalar::Date(*d))),
                ContextValue::Binary(b) => Some(Found::One(Scalar::Bytes(b))),
            };
        }
        let p = &self.principal;
        let found = match key {
            "aws:currenttime" => Scalar::Date(self.now),
            #[allow(clippy::cast_precision_loss)]
            "aws:epochtime" => Scalar::Num(self.now.unix_timestamp() as f64),
            "aws:principalarn" if p.kind.is_iam() => Scalar::Str(match (p.kind, &p.source_arn) {
                (PrincipalType::AssumedRole, Some(role)) => role,
                _ => &p.arn,
            }),
            "aws:principalaccount" if !p.account.is_empty() => Scalar::Str(&p.account),
            "aws:principaltype" => Scalar::Str(p.kind.as_str()?),
            "aws:username" => Scalar::Str(p.user_name.as_deref()?),
            "aws:userid" => Scalar::Str(p.user_id.as_deref()?),
            "aws:principalisawsservice" => Scalar::Bool(p.kind == PrincipalType::Service),
            "aws:principalservicename" if p.kind == PrincipalType::Service => Scalar::Str(&p.arn),
            _ => Scalar::Str(p.tag(key.strip_prefix("aws:principaltag/")?)?),
        };
        Some(Found::One(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_keys_win_over_shared_ones() {
        let shared = Arc::new(SharedKeys::new([
            ("aws:ResourceTag/Team".to_owned(), ContextValue::from("blue")),
            ("secretsmanager:SecretId".to_owned(), ContextValue::from("arn:x")),
        ]));
        let ctx = RequestContext::new(
            Principal::user("111122223333", "Alice"),
            "secretsmanager:GetSecretValue",
            "arn:x",
            time::macros::datetime!(2024-01-01 0:00 UTC),
        )
        .with_shared(shared)
        .with("aws:resourcetag/team", "red");
        assert_eq!(ctx.get("AWS:ResourceTag/TEAM"), Some(&ContextValue::from("red")));
        assert_eq!(
            ctx.get("secretsmanager:secretid"),
            Some(&ContextValue::from("arn:x"))
        );
        assert!(ctx.get("aws:ResourceTag/Other").is_none());
        assert!(matches!(
            ctx.lookup("secretsmanager:secretid"),
            Some(Found::One(Scalar::Str("arn:x")))
        ));
    }
}
