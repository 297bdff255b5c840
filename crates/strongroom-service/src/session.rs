//! Self-contained session tokens: temporary credentials that any node can verify without a database read.
//!
//! A token is the session's claims (the temporary access key id and its secret, the principal, issue and
//! expiry times) sealed under the session system key and base64-encoded. Only a holder of the key can make
//! one or read one; changing any byte makes it fail to open. The claims use a small length-prefixed binary
//! encoding so that the secret is copied only into zeroizing buffers.
//!
//! Format 2 adds, after format 1's fields, the role session's name and its session policy (empty: none).
//! Format 3 adds the session's extras (source identity, session tags, transitive tag keys and managed
//! session policy ARNs); tokens of formats 1 and 2 are still read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use strongroom_crypto::{EncryptionContext, ExposeSecret, KeyMaterial, SecretString};
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime, Sealed};
use zeroize::Zeroizing;

use crate::caller::Principal;

const FORMAT_VERSION: u8 = 3;
/// Role sessions without extras.
const FORMAT_VERSION_2: u8 = 2;
/// The format before role sessions: no session name, no session policy.
const FORMAT_VERSION_1: u8 = 1;

/// What a session token carries.
pub(crate) struct SessionClaims {
    pub access_key_id: AccessKeyId,
    pub secret_access_key: SecretString,
    pub account: AccountId,
    pub principal: Principal,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The session policy (JSON) AssumeRole was given, which narrows the role's permissions.
    pub session_policy: Option<String>,
    /// What else the session was made with.
    pub extras: SessionExtras,
}

/// A role session's source identity, tags and managed session policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionExtras {
    /// `sts:SourceIdentity`: set once, kept through role chaining.
    pub source_identity: Option<String>,
    /// Session tags (`aws:PrincipalTag/…`), in the order given; keys are unique case-insensitively.
    pub tags: Vec<(String, String)>,
    /// The keys of `tags` that pass on to sessions this session makes (lowercase).
    pub transitive_tag_keys: Vec<String>,
    /// ARNs of managed policies that narrow the session, like the inline session policy.
    pub policy_arns: Vec<String>,
}

/// Why a session token was not accepted. Deliberately vague towards the client.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("the session token cannot be read")]
    Unreadable,
}

fn context() -> EncryptionContext {
    EncryptionContext::from_pairs([("purpose", "session-token")])
}

pub(crate) fn seal(key: &KeyMaterial, claims: &SessionClaims) -> String {
    let mut out = Zeroizing::new(Vec::with_capacity(256));
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&millis(claims.issued_at).to_be_bytes());
    out.extend_from_slice(&millis(claims.expires_at).to_be_bytes());
    let (kind, name, user_id, session_name) = match &claims.principal {
        Principal::Root => ("root", "", "", ""),
        Principal::User { name, user_id } => ("user", name.as_str(), user_id.as_str(), ""),
        Principal::AssumedRole {
            role_name,
            role_id,
            session_name,
        } => (
            "role",
            role_name.as_str(),
            role_id.as_str(),
            session_name.as_str(),
        ),
    };
    for field in [
        claims.access_key_id.as_str().as_bytes(),
        claims.secret_access_key.expose_secret().as_bytes(),
        claims.account.as_str().as_bytes(),
        kind.as_bytes(),
        name.as_bytes(),
        user_id.as_bytes(),
        session_name.as_bytes(),
        claims.session_policy.as_deref().unwrap_or("").as_bytes(),
    ] {
        put_field(&mut out, field);
    }
    let extras = &claims.extras;
    put_field(
        &mut out,
        extras.source_identity.as_deref().unwrap_or("").as_bytes(),
    );
    put_count(&mut out, extras.tags.len());
    for (tag_key, value) in &extras.tags {
        put_field(&mut out, tag_key.as_bytes());
        put_field(&mut out, value.as_bytes());
    }
    put_count(&mut out, extras.transitive_tag_keys.len());
    for tag_key in &extras.transitive_tag_keys {
        put_field(&mut out, tag_key.as_bytes());
    }
    put_count(&mut out, extras.policy_arns.len());
    for arn in &extras.policy_arns {
        put_field(&mut out, arn.as_bytes());
    }
    STANDARD.encode(key.seal(&out, &context()).as_bytes())
}

/// A length-prefixed field; the values sealed are bounded well below 64 KiB by validation.
fn put_field(out: &mut Vec<u8>, field: &[u8]) {
    let len = u16::try_from(field.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&field[..usize::from(len)]);
}

fn put_count(out: &mut Vec<u8>, count: usize) {
    out.extend_from_slice(&u16::try_from(count).unwrap_or(u16::MAX).to_be_bytes());
}

pub(crate) fn open(key: &KeyMaterial, token: &str) -> Result<SessionClaims, TokenError> {
    let sealed = STANDARD
        .decode(token.trim())
        .map_err(|_| TokenError::Unreadable)?;
    let plain = key
        .open(&Sealed::from_bytes(sealed), &context())
        .map_err(|_| TokenError::Unreadable)?;
    decode(plain.expose_secret()).ok_or(TokenError::Unreadable)
}

fn decode(bytes: &[u8]) -> Option<SessionClaims> {
    let mut reader = Reader(bytes);
    let version = reader.take(1)?[0];
    if !matches!(version, FORMAT_VERSION | FORMAT_VERSION_2 | FORMAT_VERSION_1) {
        return None;
    }
    let issued_at = from_millis(i64::from_be_bytes(reader.take(8)?.try_into().ok()?))?;
    let expires_at = from_millis(i64::from_be_bytes(reader.take(8)?.try_into().ok()?))?;
    let access_key_id = std::str::from_utf8(reader.field()?).ok()?.parse().ok()?;
    let secret_access_key = SecretString::from(std::str::from_utf8(reader.field()?).ok()?.to_owned());
    let account = std::str::from_utf8(reader.field()?).ok()?.parse().ok()?;
    let kind = reader.field()?;
    let name = std::str::from_utf8(reader.field()?).ok()?;
    let user_id = std::str::from_utf8(reader.field()?).ok()?;
    let (session_name, session_policy) = if version >= FORMAT_VERSION_2 {
        let session_name = std::str::from_utf8(reader.field()?).ok()?;
        let policy = std::str::from_utf8(reader.field()?).ok()?;
        (session_name, (!policy.is_empty()).then(|| policy.to_owned()))
    } else {
        ("", None)
    };
    let principal = match kind {
        b"root" => Principal::Root,
        b"user" => Principal::User {
            name: name.to_owned(),
            user_id: user_id.to_owned(),
        },
        b"role" if version >= FORMAT_VERSION_2 && !session_name.is_empty() => Principal::AssumedRole {
            role_name: name.to_owned(),
            role_id: user_id.to_owned(),
            session_name: session_name.to_owned(),
        },
        _ => return None,
    };
    let extras = if version >= FORMAT_VERSION {
        reader.extras()?
    } else {
        SessionExtras::default()
    };
    if !reader.0.is_empty() {
        return None;
    }
    Some(SessionClaims {
        access_key_id,
        secret_access_key,
        account,
        principal,
        issued_at,
        expires_at,
        session_policy,
        extras,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let len = self.count()?;
        self.take(len)
    }

    fn count(&mut self) -> Option<usize> {
        Some(usize::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)))
    }

    fn text(&mut self) -> Option<String> {
        Some(std::str::from_utf8(self.field()?).ok()?.to_owned())
    }

    fn extras(&mut self) -> Option<SessionExtras> {
        let source_identity = self.text()?;
        let mut tags = Vec::new();
        for _ in 0..self.count()? {
            tags.push((self.text()?, self.text()?));
        }
        let mut transitive_tag_keys = Vec::new();
        for _ in 0..self.count()? {
            transitive_tag_keys.push(self.text()?);
        }
        let mut policy_arns = Vec::new();
        for _ in 0..self.count()? {
            policy_arns.push(self.text()?);
        }
        Some(SessionExtras {
            source_identity: (!source_identity.is_empty()).then_some(source_identity),
            tags,
            transitive_tag_keys,
            policy_arns,
        })
    }
}

fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_millis(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> SessionClaims {
        SessionClaims {
            access_key_id: "ASIAABCDEFGHIJKLMNOP".parse().unwrap(),
            secret_access_key: SecretString::from("s3cr3t/value+with/slashes".to_owned()),
            account: "123456789012".parse().unwrap(),
            principal: Principal::User {
                name: "alice".into(),
                user_id: "AIDAEXAMPLE".into(),
            },
            issued_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            expires_at: OffsetDateTime::from_unix_timestamp(1_700_003_600).unwrap(),
            session_policy: None,
            extras: SessionExtras::default(),
        }
    }

    /// Format 1 as it was written before role sessions: no session name and no session policy.
    fn seal_v1(key: &KeyMaterial, claims: &SessionClaims) -> String {
        let mut out = Vec::new();
        out.push(FORMAT_VERSION_1);
        out.extend_from_slice(&millis(claims.issued_at).to_be_bytes());
        out.extend_from_slice(&millis(claims.expires_at).to_be_bytes());
        for field in [
            claims.access_key_id.as_str(),
            claims.secret_access_key.expose_secret(),
            claims.account.as_str(),
            "user",
            "alice",
            "AIDAEXAMPLE",
        ] {
            out.extend_from_slice(&(field.len() as u16).to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        STANDARD.encode(key.seal(&out, &context()).as_bytes())
    }

    #[test]
    fn format_1_tokens_are_still_read() {
        let key = KeyMaterial::generate();
        let opened = open(&key, &seal_v1(&key, &claims())).unwrap();
        assert_eq!(opened.principal, claims().principal);
        assert_eq!(opened.session_policy, None);
        assert_eq!(opened.expires_at, claims().expires_at);
    }

    #[test]
    fn role_sessions_round_trip_with_their_session_policy() {
        let key = KeyMaterial::generate();
        let mut role = claims();
        role.principal = Principal::AssumedRole {
            role_name: "deploy".into(),
            role_id: "AROAEXAMPLE".into(),
            session_name: "ci@run-1".into(),
        };
        role.session_policy = Some("{\"Version\":\"2012-10-17\"}".into());
        let opened = open(&key, &seal(&key, &role)).unwrap();
        assert_eq!(opened.principal, role.principal);
        assert_eq!(opened.session_policy, role.session_policy);
    }

    #[test]
    fn session_extras_round_trip() {
        let key = KeyMaterial::generate();
        let mut role = claims();
        role.principal = Principal::AssumedRole {
            role_name: "deploy".into(),
            role_id: "AROAEXAMPLE".into(),
            session_name: "ci".into(),
        };
        role.extras = SessionExtras {
            source_identity: Some("alice@example.com".into()),
            tags: vec![
                ("Project".into(), "blue".into()),
                ("CostCenter".into(), "".into()),
            ],
            transitive_tag_keys: vec!["project".into()],
            policy_arns: vec!["arn:aws:iam::123456789012:policy/read-only".into()],
        };
        let opened = open(&key, &seal(&key, &role)).unwrap();
        assert_eq!(opened.extras, role.extras);
        assert_eq!(opened.principal, role.principal);
    }

    #[test]
    fn round_trips() {
        let key = KeyMaterial::generate();
        let token = seal(&key, &claims());
        let opened = open(&key, &token).unwrap();
        assert_eq!(opened.access_key_id, claims().access_key_id);
        assert_eq!(
            opened.secret_access_key.expose_secret(),
            "s3cr3t/value+with/slashes"
        );
        assert_eq!(opened.principal, claims().principal);
        assert_eq!(opened.expires_at, claims().expires_at);
        assert!(!token.contains("s3cr3t"), "the token must not show the secret");
    }

    #[test]
    fn another_key_or_a_changed_byte_is_refused() {
        let key = KeyMaterial::generate();
        let token = seal(&key, &claims());
        assert!(open(&KeyMaterial::generate(), &token).is_err());
        let mut raw = STANDARD.decode(&token).unwrap();
        let middle = raw.len() / 2;
        raw[middle] ^= 1;
        assert!(open(&key, &STANDARD.encode(raw)).is_err());
        assert!(open(&key, "not base64!").is_err());
    }
}
