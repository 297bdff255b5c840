//! restJson1: the operation in the method and path, input and output as JSON bodies.
//!
//! Path routing stays with the server for now. Bodies are read exactly as awsJson1_1 reads them (see
//! [`crate::json`]: empty is `{}`, unknown members are ignored, malformed input is
//! `400 SerializationException`); success responses are `application/json` with a status the operation
//! chooses (Roles Anywhere's create operations answer 201); errors are `{"message":"…"}` with the code
//! in the `x-amzn-errortype` header.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::WireResponse;
use crate::error::{APPLICATION_JSON, WireError};

/// Parses a request body into the operation's input shape; see [`crate::json::parse_body`].
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    crate::json::parse_body(body)
}

/// A response with `status` carrying `output` as JSON. A serialization failure (which plain output shapes
/// cannot have) becomes `500 InternalFailure`.
pub fn render<T: Serialize>(status: u16, output: &T) -> WireResponse {
    match serde_json::to_vec(output) {
        Ok(body) => WireResponse {
            status,
            content_type: APPLICATION_JSON,
            headers: Vec::new(),
            body,
        },
        Err(_) => WireError::internal_failure().render_rest_json(),
    }
}

/// A response with `status` and an empty body, for operations that return nothing (e.g. 204).
pub fn render_empty(status: u16) -> WireResponse {
    WireResponse {
        status,
        content_type: APPLICATION_JSON,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// `error` as restJson1; see [`WireError::render_rest_json`].
pub fn render_error(error: &WireError) -> WireResponse {
    error.render_rest_json()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::Timestamp;
    use crate::test_support::wire_text;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct CreateProfileInput {
        name: String,
        role_arns: Vec<String>,
        duration_seconds: Option<u32>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ProfileDetail<'a> {
        profile_arn: &'a str,
        name: &'a str,
        enabled: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        session_policy: Option<&'a str>,
        role_arns: Vec<&'a str>,
        created_at: Timestamp,
    }

    #[derive(Serialize)]
    struct ProfileDetailResponse<'a> {
        profile: ProfileDetail<'a>,
    }

    #[test]
    fn parse_like_aws_json() {
        let input: CreateProfileInput =
            parse_body(br#"{"name":"ci","roleArns":["arn:aws:iam::123456789012:role/ci"],"tags":[]}"#)
                .unwrap();
        assert_eq!(input.role_arns.len(), 1);
        assert_eq!(input.duration_seconds, None);
        let e = parse_body::<CreateProfileInput>(br#"{"name":"ci","roleArns":"x"}"#).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "SerializationException",
                "Invalid value for member 'roleArns': expected a list"
            )
        );
        assert_eq!(
            parse_body::<CreateProfileInput>(b"").unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            parse_body::<CreateProfileInput>(b"{").unwrap_err().code,
            "SerializationException"
        );
    }

    #[test]
    fn created() {
        let r = render(
            201,
            &ProfileDetailResponse {
                profile: ProfileDetail {
                    profile_arn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/0b1f2e3d",
                    name: "ci \"<&>\" é",
                    enabled: true,
                    session_policy: None,
                    role_arns: vec!["arn:aws:iam::123456789012:role/ci"],
                    created_at: Timestamp::from_unix_millis(1_523_477_145_713),
                },
            },
        );
        assert_eq!((r.status, r.content_type), (201, "application/json"));
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn empty_and_failures() {
        let r = render_empty(204);
        assert_eq!((r.status, r.body.len()), (204, 0));
        let mut bad = BTreeMap::new();
        bad.insert((1, 2), 3);
        let r = render(200, &bad);
        assert_eq!(r.status, 500);
        assert_eq!(r.header("x-amzn-errortype"), Some("InternalFailure"));
        assert_eq!(r.content_type, "application/json");
    }

    #[test]
    fn error_rendering() {
        let e = WireError::new(409, "ConflictException", "Profile \"ci\" <already> exists");
        let r = render_error(&e);
        assert_eq!(r, e.render_rest_json());
        insta::assert_snapshot!(wire_text(&r));
    }
}
