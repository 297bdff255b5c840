//! Why a request's SigV4 authentication was rejected, with what the server needs to answer as AWS does.

use std::borrow::Cow;

use time::OffsetDateTime;

use crate::time_fmt::AmzDate;

/// The request-time skew AWS allows for header-signed requests, and for presigned requests that claim a
/// time in the future.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// Why a request failed SigV4 parsing or verification.
///
/// No variant carries a signature, a key or a session token, so `Display` and `Debug` are safe to log.
/// Reasons quoting the request only quote identifiers (access key id, scope, header names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor a presigned query: the request is anonymous.
    #[error("request is not signed")]
    Missing,
    /// The `Authorization` header (or a header it depends on) is incomplete or malformed. AWS answers
    /// `IncompleteSignature` with `reason` as the message.
    #[error("malformed authorization: {reason}")]
    Malformed { reason: Cow<'static, str> },
    /// The presigned query parameters are incomplete or malformed. AWS answers
    /// `AuthorizationQueryParametersError` with `reason` as the message.
    #[error("malformed presigned query: {reason}")]
    MalformedQuery { reason: Cow<'static, str> },
    /// Both an `Authorization` header and a presigned query were sent.
    #[error("more than one authentication mechanism in the request")]
    ConflictingAuth,
    /// The algorithm is not `AWS4-HMAC-SHA256` (e.g. SigV2 or SigV4a). `algorithm` is cut to 32 bytes.
    #[error("unsupported signing algorithm {algorithm:?}")]
    UnsupportedAlgorithm { algorithm: String },
    /// The credential's access key id is not well formed, so it cannot name any key.
    #[error("invalid access key id")]
    InvalidAccessKeyId,
    /// `X-Amz-Expires` is outside 1..=604800 seconds.
    #[error("X-Amz-Expires must be between 1 and 604800 seconds, got {seconds}")]
    InvalidExpires { seconds: u64 },
    /// The credential scope's date is not the date of the request time.
    #[error("credential scope date {scope_date} is not the request date {request_date}")]
    ScopeDateMismatch {
        scope_date: String,
        request_date: String,
    },
    /// The request time is more than 5 minutes after `now`.
    #[error("signature not yet current")]
    NotYetValid {
        request_time: OffsetDateTime,
        now: OffsetDateTime,
    },
    /// A header-signed request's time is more than 5 minutes before `now`.
    #[error("signature expired")]
    Expired {
        request_time: OffsetDateTime,
        now: OffsetDateTime,
    },
    /// A presigned request is used after `request_time + expires_secs`.
    #[error("presigned request expired")]
    PresignedExpired {
        request_time: OffsetDateTime,
        expires_secs: u32,
        now: OffsetDateTime,
    },
    /// `host` is not among the signed headers, so the request could be replayed against another host.
    #[error("the host header is not signed")]
    HostNotSigned,
    /// `x-amz-content-sha256` does not match the body.
    #[error("x-amz-content-sha256 does not match the request body")]
    PayloadHashMismatch,
    /// The signature is not the one the key gives for this request.
    #[error("signature does not match")]
    SignatureMismatch,
}

impl SigV4Error {
    pub(crate) fn malformed(reason: &'static str) -> Self {
        Self::Malformed {
            reason: Cow::Borrowed(reason),
        }
    }

    pub(crate) fn malformed_query(reason: &'static str) -> Self {
        Self::MalformedQuery {
            reason: Cow::Borrowed(reason),
        }
    }

    /// The message AWS puts in its error response for this error, byte for byte where AWS's text is known.
    ///
    /// The time variants produce e.g. `Signature expired: 20150830T123600Z is now earlier than
    /// 20150830T124100Z (20150830T124600Z - 5 min.)`.
    pub fn aws_message(&self) -> String {
        match self {
            Self::Missing => "Request is missing Authentication Token".to_owned(),
            Self::Malformed { reason } | Self::MalformedQuery { reason } => reason.to_string(),
            Self::ConflictingAuth => "Only one auth mechanism allowed; only the X-Amz-Algorithm query \
                 parameter, Signature query string parameter or the Authorization header should be specified"
                .to_owned(),
            Self::UnsupportedAlgorithm { .. } => {
                "Unsupported AWS 'algorithm'. Only AWS4-HMAC-SHA256 is supported.".to_owned()
            }
            Self::InvalidAccessKeyId => "The security token included in the request is invalid.".to_owned(),
            Self::InvalidExpires { seconds } if *seconds == 0 => {
                "X-Amz-Expires must be non-negative".to_owned()
            }
            Self::InvalidExpires { .. } => {
                "X-Amz-Expires must be less than a week (in seconds) that is 604800".to_owned()
            }
            Self::ScopeDateMismatch {
                scope_date,
                request_date,
            } => {
                format!("Credential should be scoped to a valid date: '{request_date}', not '{scope_date}'.")
            }
            Self::NotYetValid { request_time, now } => format!(
                "Signature not yet current: {} is still later than {} ({} + 5 min.)",
                AmzDate::new(*request_time),
                AmzDate::new(now.saturating_add(time::Duration::seconds(MAX_SKEW_SECS))),
                AmzDate::new(*now),
            ),
            Self::Expired { request_time, now } => format!(
                "Signature expired: {} is now earlier than {} ({} - 5 min.)",
                AmzDate::new(*request_time),
                AmzDate::new(now.saturating_sub(time::Duration::seconds(MAX_SKEW_SECS))),
                AmzDate::new(*now),
            ),
            Self::PresignedExpired { .. } => "Request has expired".to_owned(),
            Self::HostNotSigned => "'Host' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
            Self::PayloadHashMismatch => {
                "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned()
            }
            Self::SignatureMismatch => "The request signature we calculated does not match the signature \
                 you provided. Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details."
                .to_owned(),
        }
    }
}
