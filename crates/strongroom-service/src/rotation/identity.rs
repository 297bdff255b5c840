//! Acting as someone through the one gate: a request is signed with the credentials and passed to the
//! `Authenticator`, so the engine holds a `Caller` only when those credentials really authenticate.
//! Used for a rotation function's execution role and, by the IAM access-key rotator, for the rotated user.

use strongroom_crypto::SecretString;
use strongroom_sigv4::SignableRequest;

use crate::Services;
use crate::auth::AuthError;
use crate::caller::Caller;

/// The host the internal request names; nothing is sent anywhere.
const INTERNAL_HOST: &str = "strongroom.internal";
/// The body of the signed request: STS GetCallerIdentity, which any identity may call.
const GET_CALLER_IDENTITY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

/// Credentials to act with (long-term when `session_token` is `None`); `Debug` shows the key id only.
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a SecretString,
    pub session_token: Option<&'a SecretString>,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Signs an STS GetCallerIdentity request with `credentials` in `region` and authenticates it.
pub async fn authenticate(
    services: &Services,
    credentials: &Credentials<'_>,
    region: &str,
) -> Result<Caller, AuthError> {
    use secrecy::ExposeSecret as _;
    let now = services.clock.now();
    let headers = [
        ("host", INTERNAL_HOST),
        ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
    ];
    let unsigned = SignableRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: GET_CALLER_IDENTITY,
    };
    let signed = strongroom_sigv4::sign_headers(
        &unsigned,
        credentials.access_key_id,
        credentials.secret_access_key.expose_secret().as_bytes(),
        region,
        "sts",
        now,
        credentials.session_token.map(|t| t.expose_secret()),
    );
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.extend(
        signed
            .headers()
            .iter()
            .map(|(name, value)| (*name, value.as_str())),
    );
    let request = SignableRequest {
        headers: &all,
        ..unsigned
    };
    let auth = strongroom_sigv4::parse_auth(&request)?;
    services.auth.authenticate(&request, &auth, "sts").await
}
