//! The error every protocol renders: an HTTP status, an AWS error code and a message.
//!
//! How each protocol writes it:
//!
//! - awsJson1_1: `{"__type":"Code","Message":"…"}` with content type `application/x-amz-json-1.1` and
//!   the header `x-amzn-errortype: Code` (the `Message` member is left out when the message is empty, as
//!   AWS does for `UnknownOperationException`).
//! - awsQuery: `<ErrorResponse xmlns="…"><Error><Type>Sender|Receiver</Type><Code>…</Code>
//!   <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>` as `text/xml`.
//! - restJson1: `{"message":"…"}` (lower-case, as Roles Anywhere and the API-Gateway-style services
//!   write it) with the header `x-amzn-errortype: Code`, as `application/json`.
//!
//! Bodies are built by serde_json or the escaping XML writer, so any message is safe to render.

use serde::Serialize;

use crate::xml::XmlWriter;
use crate::{WireResponse, header_value};

/// Content type of awsJson1_1 responses.
pub(crate) const AWS_JSON_1_1: &str = "application/x-amz-json-1.1";
/// Content type of restJson1 responses.
pub(crate) const APPLICATION_JSON: &str = "application/json";
/// Content type of awsQuery responses.
pub(crate) const TEXT_XML: &str = "text/xml";
/// The header the JSON protocols carry the error code in.
pub(crate) const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// An AWS error, ready to be rendered by any protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct WireError {
    /// HTTP status code, e.g. 400, 403, 404, 500.
    pub status: u16,
    /// AWS error code, e.g. `ResourceNotFoundException` or `InvalidClientTokenId`.
    pub code: String,
    /// Human-readable message; may be empty.
    pub message: String,
    /// Whether the caller is at fault (awsQuery's `<Type>Sender</Type>`) rather than the server.
    pub sender_fault: bool,
}

impl WireError {
    /// An error whose fault follows from the status: 4xx is the sender's, anything else the receiver's.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            sender_fault: status < 500,
        }
    }

    /// An error the caller caused.
    pub fn sender(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            sender_fault: true,
        }
    }

    /// An error the server caused.
    pub fn receiver(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            sender_fault: false,
        }
    }

    /// 400, the caller's fault.
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::sender(400, code, message)
    }

    /// 500 `InternalFailure`: "The request processing has failed because of an unknown error, exception
    /// or failure." Carries no detail, by design.
    pub fn internal_failure() -> Self {
        Self::receiver(
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    /// 400 `SerializationException`: the body is not the JSON the operation takes.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::bad_request("SerializationException", message)
    }

    /// 400 `UnknownOperationException` with an empty message, as the awsJson services send it.
    pub fn unknown_operation() -> Self {
        Self::bad_request("UnknownOperationException", "")
    }

    /// 400 `MissingAction`: an awsQuery request without an `Action` parameter.
    pub fn missing_action() -> Self {
        Self::bad_request("MissingAction", "Missing Action")
    }

    /// 400 `InvalidAction`: an awsQuery `Action` this service does not have.
    pub fn invalid_action(action: &str, version: Option<&str>) -> Self {
        let message = match version {
            Some(version) => format!("Could not find operation {action} for version {version}"),
            None => format!("Could not find operation {action}"),
        };
        Self::bad_request("InvalidAction", message)
    }

    /// Renders for awsJson1_1: `{"__type":"Code","Message":"…"}`.
    pub fn render_aws_json(&self) -> WireResponse {
        /// The awsJson1_1 error body.
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(rename = "__type")]
            code: &'a str,
            #[serde(rename = "Message", skip_serializing_if = "str::is_empty")]
            message: &'a str,
        }
        let body = Body {
            code: &self.code,
            message: &self.message,
        };
        self.json_response(AWS_JSON_1_1, serde_json::to_vec(&body))
    }

    /// Renders for restJson1: `{"message":"…"}`, the code in the `x-amzn-errortype` header only.
    pub fn render_rest_json(&self) -> WireResponse {
        /// The restJson1 error body.
        #[derive(Serialize)]
        struct Body<'a> {
            message: &'a str,
        }
        self.json_response(
            APPLICATION_JSON,
            serde_json::to_vec(&Body {
                message: &self.message,
            }),
        )
    }

    /// Renders for awsQuery, in the service's XML `namespace` (e.g. [`crate::query::STS_NAMESPACE`]).
    pub fn render_aws_query(&self, namespace: &str, request_id: &str) -> WireResponse {
        let mut w = XmlWriter::new();
        w.start_with_namespace("ErrorResponse", namespace);
        w.start("Error");
        w.element("Type", if self.sender_fault { "Sender" } else { "Receiver" });
        w.element("Code", &self.code);
        w.element("Message", &self.message);
        w.end("Error");
        w.element("RequestId", request_id);
        w.end("ErrorResponse");
        WireResponse {
            status: self.status,
            content_type: TEXT_XML,
            headers: Vec::new(),
            body: w.into_bytes(),
        }
    }

    /// A JSON error response with the code header. Serializing two string members cannot fail; the
    /// fallback keeps this total without a panic.
    fn json_response(&self, content_type: &'static str, body: serde_json::Result<Vec<u8>>) -> WireResponse {
        WireResponse {
            status: self.status,
            content_type,
            headers: vec![(ERROR_TYPE_HEADER, header_value(&self.code))],
            body: body.unwrap_or_else(|_| b"{}".to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{IAM_NAMESPACE, STS_NAMESPACE};
    use crate::test_support::{wire_text, xml_text};

    const NASTY: &str = "bad <input> & \"quotes\" 'single' — naïve 鍵 🔐\n\u{0}";

    #[test]
    fn constructors_set_fault() {
        assert!(WireError::new(404, "ResourceNotFoundException", "x").sender_fault);
        assert!(!WireError::new(503, "ServiceUnavailable", "x").sender_fault);
        assert!(WireError::sender(500, "X", "").sender_fault);
        assert!(!WireError::receiver(400, "X", "").sender_fault);
        let e = WireError::bad_request("ValidationException", "v");
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (400, "ValidationException", "v")
        );
        assert_eq!(WireError::internal_failure().status, 500);
        assert_eq!(
            WireError::invalid_action("Fly", Some("2011-06-15")).message,
            "Could not find operation Fly for version 2011-06-15"
        );
        assert_eq!(
            WireError::invalid_action("Fly", None).message,
            "Could not find operation Fly"
        );
        assert_eq!(
            WireError::new(403, "InvalidClientTokenId", "m").to_string(),
            "InvalidClientTokenId (403): m"
        );
    }

    #[test]
    fn aws_json_error() {
        let r = WireError::new(
            404,
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
        )
        .render_aws_json();
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn aws_json_error_without_message() {
        let r = WireError::unknown_operation().render_aws_json();
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn aws_json_error_escapes() {
        let r = WireError::bad_request("ValidationException", NASTY).render_aws_json();
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["Message"], NASTY);
        assert_eq!(v["__type"], "ValidationException");
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn rest_json_error() {
        let r = WireError::new(404, "ResourceNotFoundException", "Resource not found").render_rest_json();
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn rest_json_error_escapes() {
        let r = WireError::bad_request("ValidationException", NASTY).render_rest_json();
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v, serde_json::json!({ "message": NASTY }));
        assert_eq!(r.header("X-Amzn-ErrorType"), Some("ValidationException"));
    }

    #[test]
    fn query_error_sts() {
        let r = WireError::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
        .render_aws_query(STS_NAMESPACE, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn query_error_iam_receiver() {
        let r = WireError::internal_failure().render_aws_query(IAM_NAMESPACE, "req-1");
        assert_eq!(r.status, 500);
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn query_error_escapes() {
        let r = WireError::bad_request("ValidationError", NASTY).render_aws_query(STS_NAMESPACE, "a<b");
        let xml = String::from_utf8(r.body).unwrap();
        assert_eq!(
            xml_text(&xml, "ErrorResponse/Error/Message"),
            NASTY.replace('\0', "\u{FFFD}")
        );
        assert_eq!(xml_text(&xml, "ErrorResponse/Error/Type"), "Sender");
        assert_eq!(xml_text(&xml, "ErrorResponse/RequestId"), "a<b");
        insta::assert_snapshot!(xml);
    }

    #[test]
    fn error_type_header_is_always_a_valid_header_value() {
        let r = WireError::bad_request("Bad\r\nInjected: yes", "m").render_aws_json();
        assert_eq!(r.header("x-amzn-errortype"), Some("BadInjected: yes"));
    }
}
