//! Strongroom's own rotation API (awsJson1_1, signing name `strongroom`, target prefix `StrongroomRotation`):
//! rotation functions registered under Lambda-style ARNs, and notification subscriptions.
//!
//! Member names are PascalCase like AWS's JSON services; dates are epoch seconds. A signing key is returned
//! only by the call that created it, and redacted in `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// The `X-Amz-Target` prefix.
pub const TARGET_PREFIX: &str = "StrongroomRotation";

/// An HMAC signing key as the wire carries it (base64), redacted in `Debug`.
#[derive(Serialize)]
#[serde(transparent)]
pub struct SigningKey(pub String);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionRequest {
    pub function_name: String,
    /// `builtin`, `command` or `webhook`.
    pub kind: String,
    /// The kind's settings, as a JSON document in a string.
    pub configuration: String,
    /// The execution role's ARN.
    pub role: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionNameRequest {
    pub function_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Empty {}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSubscriptionRequest {
    pub url: String,
    /// Events wanted; all when absent or empty.
    pub event_names: Option<Vec<String>>,
    /// Only events about this secret (its ARN).
    pub secret_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionIdRequest {
    pub subscription_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDeadLettersRequest {
    pub max_results: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionInfo {
    pub function_arn: String,
    pub function_name: String,
    pub kind: String,
    pub configuration: String,
    pub role: String,
    pub created_date: Timestamp,
    pub last_modified: Timestamp,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionResponse {
    pub function: FunctionInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<SigningKey>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionsResponse {
    pub functions: Vec<FunctionInfo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionInfo {
    pub subscription_id: String,
    pub url: String,
    pub event_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<String>,
    pub created_date: Timestamp,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionResponse {
    pub subscription: SubscriptionInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<SigningKey>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSubscriptionsResponse {
    pub subscriptions: Vec<SubscriptionInfo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetter {
    pub delivery_id: String,
    pub subscription_id: String,
    /// The event, as JSON text.
    pub event: String,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub created_date: Timestamp,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDeadLettersResponse {
    pub dead_letters: Vec<DeadLetter>,
}

#[derive(Debug, Serialize)]
pub struct EmptyResponse {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use crate::json::parse_body;

    #[test]
    fn requests_parse_and_keys_stay_out_of_debug() {
        let request: FunctionRequest = parse_body(
            br#"{"FunctionName":"f","Kind":"builtin","Configuration":"{\"rotator\":\"random-password\"}","Role":"arn:aws:iam::111122223333:role/r"}"#,
        )
        .unwrap();
        assert_eq!(request.kind, "builtin");
        assert!(parse_body::<FunctionRequest>(br#"{"FunctionName":"f"}"#).is_err());
        let response = SubscriptionResponse {
            subscription: SubscriptionInfo {
                subscription_id: "s".into(),
                url: "https://x".into(),
                event_names: vec![],
                secret_id: None,
                created_date: Timestamp::from_unix_millis(1_700_000_000_000),
            },
            signing_key: Some(SigningKey("c2VjcmV0".into())),
        };
        assert!(!format!("{response:?}").contains("c2VjcmV0"));
        assert!(
            serde_json::to_string(&response)
                .unwrap()
                .contains(r#""SigningKey":"c2VjcmV0""#)
        );
    }
}
