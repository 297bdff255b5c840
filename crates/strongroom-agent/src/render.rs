//! Response bodies in the AWS agent's shapes: the GetSecretValue JSON (with `CreatedDate` as a string of
//! epoch seconds), and errors, passed through from upstream with its status or mapped as the agent maps
//! SDK failures.
//!
//! A secret's body is rendered once per cached version into memory that is zeroed when the last response
//! using it is done.

use std::borrow::Cow;

use base64::Engine as _;
use bytes::Bytes;
use strongroom_cache::{SecretValue, UpstreamError};
use zeroize::Zeroizing;

/// A status and a body (plain text for the agent's own errors, JSON for upstream ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub status: u16,
    pub body: Bytes,
}

impl HttpError {
    pub fn plain(status: u16, message: &'static str) -> Self {
        Self {
            status,
            body: Bytes::from_static(message.as_bytes()),
        }
    }

    pub fn owned(status: u16, message: String) -> Self {
        Self {
            status,
            body: Bytes::from(message),
        }
    }

    fn aws(status: u16, code: &str, message: &str) -> Self {
        let body = serde_json::json!({ "__type": code, "message": message });
        Self::owned(status, body.to_string())
    }
}

/// Maps an upstream failure as the AWS agent maps SDK errors: a service error keeps its status, code and
/// message; a timeout is 504 `TimeoutError`; an I/O failure or unreadable answer is 502 `ConnectionError`;
/// anything else, including a service error without a message, is 500 `InternalFailure`.
pub fn upstream_error(error: &UpstreamError) -> HttpError {
    match error {
        UpstreamError::Service {
            status,
            code,
            message: Some(message),
        } => HttpError::aws(*status, code, message),
        UpstreamError::Timeout => HttpError::aws(504, "TimeoutError", "Timeout"),
        UpstreamError::Connection(_) => HttpError::aws(502, "ConnectionError", "Read Error"),
        UpstreamError::Response(_) => HttpError::aws(502, "ConnectionError", "Response Error"),
        UpstreamError::Service { message: None, .. } | UpstreamError::Credentials(_) => {
            HttpError::aws(500, "InternalFailure", "")
        }
    }
}

/// Epoch milliseconds as the AWS agent writes `CreatedDate`: seconds with the fraction's trailing zeros
/// dropped (`"1569534789.046"`, `"1569534789.5"`, `"1569534789"`).
pub fn epoch_seconds(millis: i64) -> String {
    let seconds = millis.div_euclid(1000);
    let fraction = millis.rem_euclid(1000);
    if fraction == 0 {
        seconds.to_string()
    } else {
        let digits = format!("{fraction:03}");
        format!("{seconds}.{}", digits.trim_end_matches('0'))
    }
}

/// Owns a rendered body and zeroes it when the last `Bytes` referring to it is dropped.
struct ZeroizingBody(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for ZeroizingBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn push_json_string(out: &mut Vec<u8>, text: &str) {
    // Serialising a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// The GetSecretValue body: `ARN`, `Name`, `VersionId`, `SecretString` or `SecretBinary` (base64),
/// `VersionStages`, `CreatedDate`.
pub fn secret_body(value: &SecretValue) -> Bytes {
    let binary: Option<Zeroizing<String>> = value
        .secret_binary()
        .map(|bytes| Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(bytes)));
    let secret_len = value.secret_string().map_or(0, str::len) + binary.as_ref().map_or(0, |b| b.len());
    // Enough for the worst case of escaping (\u00XX is six bytes per input byte), so the buffer holding the
    // secret never reallocates and leaves an unzeroed copy behind.
    let capacity = 6 * (secret_len + value.arn.len() + value.name.len() + value.version_id.len())
        + value
            .version_stages
            .iter()
            .map(|s| 6 * s.len() + 3)
            .sum::<usize>()
        + 160;
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    out.extend_from_slice(b"{\"ARN\":");
    push_json_string(&mut out, &value.arn);
    out.extend_from_slice(b",\"Name\":");
    push_json_string(&mut out, &value.name);
    out.extend_from_slice(b",\"VersionId\":");
    push_json_string(&mut out, &value.version_id);
    if let Some(text) = value.secret_string() {
        out.extend_from_slice(b",\"SecretString\":");
        push_json_string(&mut out, text);
    }
    if let Some(encoded) = &binary {
        out.extend_from_slice(b",\"SecretBinary\":");
        push_json_string(&mut out, encoded);
    }
    out.extend_from_slice(b",\"VersionStages\":[");
    for (i, stage) in value.version_stages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_string(&mut out, stage);
    }
    out.push(b']');
    if let Some(millis) = value.created_date_millis {
        out.extend_from_slice(b",\"CreatedDate\":\"");
        out.extend_from_slice(epoch_seconds(millis).as_bytes());
        out.push(b'"');
    }
    out.push(b'}');
    Bytes::from_owner(ZeroizingBody(out))
}

/// A message for logs naming the failure's kind, never a value.
pub fn describe(error: &UpstreamError) -> Cow<'static, str> {
    match error {
        UpstreamError::Service { code, status, .. } => Cow::Owned(format!("{code} (HTTP {status})")),
        UpstreamError::Timeout => Cow::Borrowed("timeout"),
        UpstreamError::Connection(_) => Cow::Borrowed("connection error"),
        UpstreamError::Response(_) => Cow::Borrowed("unreadable response"),
        UpstreamError::Credentials(_) => Cow::Borrowed("no credentials"),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::{SecretSlice, SecretString};

    use super::*;

    fn value(string: Option<&str>, binary: Option<&[u8]>) -> SecretValue {
        SecretValue {
            arn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTest-NhBWsc".into(),
            name: "MyTest".into(),
            version_id: "5767290c-d089-49ed-b97c-17086f8c9d79".into(),
            secret_string: string.map(SecretString::from),
            secret_binary: binary.map(|b| SecretSlice::from(b.to_vec())),
            version_stages: vec!["AWSCURRENT".into()],
            created_date_millis: Some(1_569_534_789_046),
        }
    }

    #[test]
    fn the_body_has_the_agent_shape() {
        let body = secret_body(&value(Some("hunter2 \"quoted\" \u{1}"), None));
        let text = std::str::from_utf8(&body).unwrap();
        assert_eq!(
            text,
            r#"{"ARN":"arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTest-NhBWsc","Name":"MyTest","VersionId":"5767290c-d089-49ed-b97c-17086f8c9d79","SecretString":"hunter2 \"quoted\" \u0001","VersionStages":["AWSCURRENT"],"CreatedDate":"1569534789.046"}"#
        );
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["SecretString"], "hunter2 \"quoted\" \u{1}");

        let binary = secret_body(&value(None, Some(b"hi")));
        let parsed: serde_json::Value = serde_json::from_slice(&binary).unwrap();
        assert_eq!(parsed["SecretBinary"], "aGk=");
        assert!(parsed.get("SecretString").is_none());
    }

    #[test]
    fn created_date_is_seconds_with_a_trimmed_fraction() {
        let cases = [
            (1_569_534_789_046, "1569534789.046"),
            (1_569_534_789_500, "1569534789.5"),
            (1_569_534_789_000, "1569534789"),
            (1_569_534_789_120, "1569534789.12"),
        ];
        for (millis, expected) in cases {
            assert_eq!(epoch_seconds(millis), expected);
        }
    }

    #[test]
    fn upstream_errors_map_like_the_aws_agent() {
        let service = |status, message: Option<&str>| UpstreamError::Service {
            status,
            code: "ResourceNotFoundException".into(),
            message: message.map(str::to_owned),
        };
        let cases = [
            (
                service(400, Some("Secrets Manager can't find the specified secret.")),
                400,
                r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
            ),
            (
                service(400, None),
                500,
                r#"{"__type":"InternalFailure","message":""}"#,
            ),
            (
                UpstreamError::Timeout,
                504,
                r#"{"__type":"TimeoutError","message":"Timeout"}"#,
            ),
            (
                UpstreamError::Connection("refused".into()),
                502,
                r#"{"__type":"ConnectionError","message":"Read Error"}"#,
            ),
            (
                UpstreamError::Response("junk".into()),
                502,
                r#"{"__type":"ConnectionError","message":"Response Error"}"#,
            ),
            (
                UpstreamError::Credentials("none".into()),
                500,
                r#"{"__type":"InternalFailure","message":""}"#,
            ),
        ];
        for (error, status, body) in cases {
            let mapped = upstream_error(&error);
            assert_eq!(mapped.status, status, "{error:?}");
            let got: serde_json::Value = serde_json::from_slice(&mapped.body).unwrap();
            let want: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(got, want, "{error:?}");
        }
    }

    proptest::proptest! {
        /// Whatever the value, the body is JSON that gives back the same string and date.
        #[test]
        fn the_body_round_trips(secret in ".*", name in "[a-zA-Z0-9/_+=.@-]{1,64}", millis in 0i64..4_000_000_000_000) {
            let mut value = value(Some(&secret), None);
            value.name = name.clone();
            value.created_date_millis = Some(millis);
            let body = secret_body(&value);
            let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
            proptest::prop_assert_eq!(parsed["SecretString"].as_str(), Some(secret.as_str()));
            proptest::prop_assert_eq!(parsed["Name"].as_str(), Some(name.as_str()));
            let date: f64 = parsed["CreatedDate"].as_str().unwrap().parse().unwrap();
            proptest::prop_assert_eq!((date * 1000.0).round() as i64, millis);
        }
    }
}
