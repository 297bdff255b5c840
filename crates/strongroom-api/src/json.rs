//! awsJson1_1: the operation in `X-Amz-Target`, input and output as JSON bodies.
//!
//! Used by Secrets Manager, KMS and the other `X-Amz-Target` services. Request semantics, as AWS has them:
//!
//! - The target header is `{prefix}.{Operation}` (`secretsmanager.GetSecretValue`); a missing header, another
//!   prefix or a malformed name is `400 UnknownOperationException` with an empty message.
//! - An empty body (or one of only whitespace) is the empty object `{}`.
//! - Malformed JSON, trailing data after the value, or a value of the wrong JSON type for a member is
//!   `400 SerializationException`; the message names the member path (`Tags[0].Key`) and the expected
//!   type, but never echoes the value sent, which may be secret.
//! - A required member that is absent (a non-`Option` field of the input shape) is
//!   `400 ValidationException` with AWS's "1 validation error detected: Value null at 'secretId' failed to
//!   satisfy constraint: Member must not be null" wording.
//! - `null` for an optional member is the same as leaving it out.
//! - **Unknown members are ignored**, as AWS ignores them (newer SDKs send members older servers don't
//!   know). Input shapes must therefore never use `#[serde(deny_unknown_fields)]`.
//! - A member given twice in one object is a `SerializationException` (serde's derive rejects it).
//!
//! Output shapes leave absent members out: give every `Option` member
//! `#[serde(skip_serializing_if = "Option::is_none")]`. Timestamps are epoch seconds: use
//! [`Timestamp`](crate::Timestamp) members, or [`epoch_seconds`] by hand.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::WireResponse;
use crate::error::{AWS_JSON_1_1, WireError};
use crate::xml::is_simple_name;

pub use crate::timestamp::epoch_seconds;

/// The operation named by the `X-Amz-Target` header value, which must be `{prefix}.{Operation}`.
///
/// ```
/// # use strongroom_api::json::operation;
/// assert_eq!(operation(Some("secretsmanager.GetSecretValue"), "secretsmanager"), Ok("GetSecretValue"));
/// assert!(operation(Some("TrentService.Encrypt"), "secretsmanager").is_err());
/// assert!(operation(None, "secretsmanager").is_err());
/// ```
pub fn operation<'a>(target_header: Option<&'a str>, prefix: &str) -> Result<&'a str, WireError> {
    target_header
        .and_then(|target| target.strip_prefix(prefix))
        .and_then(|rest| rest.strip_prefix('.'))
        .filter(|name| is_simple_name(name))
        .ok_or_else(WireError::unknown_operation)
}

/// Parses a request body into the operation's input shape. See the [module docs](self) for what is
/// accepted and which error each failure gives.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| body_error(&e))?;
    deserializer
        .end()
        .map_err(|e| WireError::serialization(format!("Malformed JSON body: {e}")))?;
    Ok(value)
}

/// A 200 response carrying `output` as awsJson1_1.
///
/// Output shapes are plain data, so serializing them does not fail; if one ever did (a map with non-string
/// keys, say), the caller gets `500 InternalFailure` rather than a panic.
pub fn render<T: Serialize>(output: &T) -> WireResponse {
    match serde_json::to_vec(output) {
        Ok(body) => WireResponse {
            status: 200,
            content_type: AWS_JSON_1_1,
            headers: Vec::new(),
            body,
        },
        Err(_) => WireError::internal_failure().render_aws_json(),
    }
}

/// `error` as awsJson1_1; see [`WireError::render_aws_json`].
pub fn render_error(error: &WireError) -> WireResponse {
    error.render_aws_json()
}

/// Turns a deserialization failure into the error AWS would send, without echoing input values.
pub(crate) fn body_error(error: &serde_path_to_error::Error<serde_json::Error>) -> WireError {
    let inner = error.inner();
    if !inner.is_data() {
        // Syntax, unexpected end of input, or I/O (which a slice cannot produce).
        return WireError::serialization(format!("Malformed JSON body: {inner}"));
    }
    let path = error.path().to_string();
    let path = if path == "." { None } else { Some(path) };
    let message = inner.to_string();
    if let Some(field) = backticked_after(&message, "missing field `") {
        let member = match &path {
            Some(parent) => format!("{parent}.{}", lower_first(field)),
            None => lower_first(field),
        };
        return WireError::bad_request(
            "ValidationException",
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
                 Member must not be null"
            ),
        );
    }
    if let Some(field) = backticked_after(&message, "duplicate field `") {
        let member = match &path {
            Some(parent) => format!("{parent}.{field}"),
            None => field.to_owned(),
        };
        return WireError::serialization(format!("Member '{member}' appears more than once"));
    }
    let subject = match &path {
        Some(path) => format!("Invalid value for member '{path}'"),
        None => "Invalid request body".to_owned(),
    };
    match expected(&message) {
        Some(expected) => WireError::serialization(format!("{subject}: expected {expected}")),
        None => WireError::serialization(subject),
    }
}

/// The text between `prefix` (which ends in a backtick) and the next backtick, if `message` starts so.
fn backticked_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message
        .strip_prefix(prefix)?
        .split_once('`')
        .map(|(inside, _)| inside)
}

/// `SecretId` → `secretId`, the member spelling AWS's validation messages use.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What serde expected, from a message like "invalid type: string \"…\", expected u32 at line 1 column 9",
/// in JSON terms. The text after "expected" comes from the shape's `Deserialize` impl, never from the
/// input, so it is safe to send back; the part before it (the value that was sent) is dropped.
fn expected(message: &str) -> Option<String> {
    let (_, expected) = message.rsplit_once(", expected ")?;
    let expected = match expected.rfind(" at line ") {
        Some(at) => &expected[..at],
        None => expected,
    };
    let described = match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a sequence" => "a list",
        "a map" => "an object",
        "a boolean" | "a string" | "a character" => expected,
        struct_name if struct_name.starts_with("struct ") => "an object",
        other => return Some(other.to_owned()),
    };
    Some(described.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::Timestamp;
    use crate::test_support::wire_text;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct GetSecretValueInput {
        secret_id: String,
        version_id: Option<String>,
        #[serde(default)]
        tags: Vec<Tag>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Tag {
        key: String,
        value: String,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "PascalCase")]
    struct ListSecretsInput {
        max_results: Option<u32>,
        next_token: Option<String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct GetSecretValueOutput<'a> {
        #[serde(rename = "ARN")]
        arn: &'a str,
        name: &'a str,
        version_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        secret_string: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        secret_binary: Option<&'a str>,
        version_stages: Vec<&'a str>,
        created_date: Timestamp,
    }

    fn err<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> WireError {
        parse_body::<T>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn operation_from_target() {
        assert_eq!(
            operation(Some("secretsmanager.GetSecretValue"), "secretsmanager"),
            Ok("GetSecretValue")
        );
        assert_eq!(
            operation(Some("TrentService.Encrypt"), "TrentService"),
            Ok("Encrypt")
        );
        for bad in [
            None,
            Some(""),
            Some("secretsmanager"),
            Some("secretsmanager."),
            Some("secretsmanagerX.GetSecretValue"),
            Some("SecretsManager.GetSecretValue"),
            Some("kms.GetSecretValue"),
            Some("secretsmanager.Get.SecretValue"),
            Some("secretsmanager.Get SecretValue"),
            Some("secretsmanager.GetSecretValue\n"),
            Some(" secretsmanager.GetSecretValue"),
        ] {
            let e = operation(bad, "secretsmanager").unwrap_err();
            assert_eq!(
                (e.status, e.code.as_str(), e.message.as_str()),
                (400, "UnknownOperationException", "")
            );
        }
    }

    #[test]
    fn parses_input_and_ignores_unknown_members() {
        let input: GetSecretValueInput = parse_body(
            br#"{"SecretId":"prod/db","VersionId":null,"FutureMember":{"deep":[1,2]},"Tags":[{"Key":"k","Value":"v","Extra":1}]}"#,
        )
        .unwrap();
        assert_eq!(
            input,
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                version_id: None,
                tags: vec![Tag {
                    key: "k".into(),
                    value: "v".into()
                }],
            }
        );
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        assert_eq!(
            parse_body::<ListSecretsInput>(b"").unwrap(),
            ListSecretsInput::default()
        );
        assert_eq!(
            parse_body::<ListSecretsInput>(b" \r\n\t").unwrap(),
            ListSecretsInput::default()
        );
        assert_eq!(
            parse_body::<serde_json::Value>(b"").unwrap(),
            serde_json::json!({})
        );
        let e = err::<GetSecretValueInput>("");
        assert_eq!(e.code, "ValidationException");
    }

    #[test]
    fn malformed_json_is_a_serialization_exception() {
        for bad in [
            "{",
            "{\"SecretId\":}",
            "{'SecretId':'x'}",
            "{} {}",
            "{}x",
            "\u{feff}{}",
            "nul",
            "{\"a\":\"\\x\"}",
        ] {
            let e = err::<ListSecretsInput>(bad);
            assert_eq!(
                (e.status, e.code.as_str()),
                (400, "SerializationException"),
                "{bad}"
            );
            assert!(
                e.message.starts_with("Malformed JSON body: "),
                "{bad}: {}",
                e.message
            );
        }
        let e = parse_body::<ListSecretsInput>(b"{\"NextToken\":\"\xff\"}").unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        let e = parse_body::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }

    #[test]
    fn wrong_type_names_the_member_but_not_the_value() {
        let e = err::<GetSecretValueInput>(r#"{"SecretId":12345678}"#);
        assert_eq!(e.code, "SerializationException");
        assert_eq!(
            e.message,
            "Invalid value for member 'SecretId': expected a string"
        );
        assert!(!e.message.contains("12345678"));

        let e = err::<GetSecretValueInput>(
            r#"{"SecretId":"s","Tags":[{"Key":"k","Value":"hunter2"},{"Key":"k","Value":false}]}"#,
        );
        assert_eq!(
            e.message,
            "Invalid value for member 'Tags[1].Value': expected a string"
        );

        let e = err::<ListSecretsInput>(r#"{"MaxResults":"hunter2"}"#);
        assert_eq!(
            e.message,
            "Invalid value for member 'MaxResults': expected a non-negative integer"
        );
        assert!(!e.message.contains("hunter2"));

        let e = err::<ListSecretsInput>(r#"{"MaxResults":-1}"#);
        assert_eq!(
            e.message,
            "Invalid value for member 'MaxResults': expected a non-negative integer"
        );

        let e = err::<GetSecretValueInput>(r#"{"SecretId":"s","Tags":{"Key":"k"}}"#);
        assert_eq!(e.message, "Invalid value for member 'Tags': expected a list");

        let e = err::<GetSecretValueInput>(r#"["SecretId"]"#);
        assert_eq!(e.message, "Invalid request body: expected an object");

        let e = err::<BTreeMap<String, u8>>(r#"{"a":300}"#);
        assert_eq!(
            e.message,
            "Invalid value for member 'a': expected a non-negative integer"
        );
    }

    #[test]
    fn missing_required_member_is_a_validation_exception() {
        let e = err::<GetSecretValueInput>(r#"{"VersionId":"v"}"#);
        assert_eq!((e.status, e.code.as_str()), (400, "ValidationException"));
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: \
             Member must not be null"
        );
        let e = err::<GetSecretValueInput>(r#"{"SecretId":"s","Tags":[{"Key":"k"}]}"#);
        assert!(
            e.message.contains("Value null at 'Tags[0].value'"),
            "{}",
            e.message
        );
        let e = err::<GetSecretValueInput>(r#"{"SecretId":null}"#);
        assert_eq!(
            e.message,
            "Invalid value for member 'SecretId': expected a string"
        );
    }

    #[test]
    fn duplicate_members() {
        let e = err::<GetSecretValueInput>(r#"{"SecretId":"a","SecretId":"b"}"#);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "SerializationException",
                "Member 'SecretId' appears more than once"
            )
        );
        // Maps (and so untyped values) keep the last, as serde_json does.
        let v: serde_json::Value = parse_body(br#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(v["a"], 2);
    }

    #[test]
    fn json_escapes_in_input_are_decoded() {
        let input: GetSecretValueInput =
            parse_body(br#"{"SecretId":"a\"b\\c\u00e9\ud83d\udd11\n<&>"}"#).unwrap();
        assert_eq!(input.secret_id, "a\"b\\cé🔑\n<&>");
    }

    #[test]
    fn render_omits_absent_members() {
        let r = render(&GetSecretValueOutput {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
            name: "prod/db",
            version_id: "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1",
            secret_string: Some("{\"password\":\"<&>\\\"'é\"}"),
            secret_binary: None,
            version_stages: vec!["AWSCURRENT"],
            created_date: Timestamp::from_unix_millis(1_523_477_145_713),
        });
        let body = String::from_utf8(r.body.clone()).unwrap();
        assert!(!body.contains("SecretBinary"));
        assert!(body.contains("\"CreatedDate\":1523477145.713"));
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn render_failure_is_an_internal_failure() {
        let mut bad = BTreeMap::new();
        bad.insert(vec![1u8], 1);
        let r = render(&bad);
        assert_eq!(r.status, 500);
        assert_eq!(r.header("x-amzn-errortype"), Some("InternalFailure"));
    }

    #[test]
    fn render_error_delegates() {
        let e = WireError::new(404, "ResourceNotFoundException", "nope");
        assert_eq!(render_error(&e), e.render_aws_json());
    }

    #[test]
    fn helpers() {
        assert_eq!(lower_first("SecretId"), "secretId");
        assert_eq!(lower_first(""), "");
        assert_eq!(lower_first("Éa"), "éa");
        assert_eq!(
            expected("invalid type: string \"x\", expected struct Foo at line 1 column 3").as_deref(),
            Some("an object")
        );
        assert_eq!(
            expected("unknown variant `X`, expected `A` or `B` at line 1 column 3").as_deref(),
            Some("`A` or `B`")
        );
        assert_eq!(expected("no expectation"), None);
    }
}
