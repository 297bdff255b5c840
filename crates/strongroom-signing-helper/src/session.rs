//! CreateSession as the Go helper sends it: `POST /sessions?profileArn=…&roleArn=…&trustAnchorArn=…`
//! with `{"durationSeconds":N}` (and `roleSessionName`) in the body, AWS4-X509-signed.

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{X509SigningParams, sign_x509};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::CredentialsArgs;
use crate::error::HelperError;
use crate::http::{self, Endpoint, TlsOptions};
use crate::identity::Identity;

/// Where and how to call CreateSession, resolved from flags and environment.
#[derive(Debug, Clone)]
pub struct SessionTarget {
    pub endpoint: Endpoint,
    pub region: String,
    pub tls: TlsOptions,
}

impl SessionTarget {
    /// Region: `--region`, else the trust anchor ARN's (which must equal the profile ARN's). Endpoint:
    /// `AWS_ENDPOINT_URL_ROLESANYWHERE`, else `--endpoint`, else `AWS_ENDPOINT_URL`, else AWS's.
    pub fn resolve(args: &CredentialsArgs) -> Result<Self, HelperError> {
        if args.with_proxy {
            return Err(HelperError::Usage(
                "--with-proxy is not supported by strongroom-signing-helper".to_owned(),
            ));
        }
        let anchor_region = arn_region(&args.trust_anchor_arn, "--trust-anchor-arn")?;
        let profile_region = arn_region(&args.profile_arn, "--profile-arn")?;
        if anchor_region != profile_region {
            return Err(HelperError::Usage(
                "trust anchor and profile regions don't match".to_owned(),
            ));
        }
        let region = args.region.clone().unwrap_or_else(|| anchor_region.to_owned());
        let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let url = from_env("AWS_ENDPOINT_URL_ROLESANYWHERE")
            .or_else(|| args.endpoint.clone())
            .or_else(|| from_env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://rolesanywhere.{region}.amazonaws.com"));
        Ok(Self {
            endpoint: Endpoint::parse(&url)?,
            region,
            tls: TlsOptions {
                no_verify: args.no_verify_ssl,
            },
        })
    }
}

/// `arn:partition:service:region:account:resource` → region.
fn arn_region<'a>(arn: &'a str, flag: &str) -> Result<&'a str, HelperError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, _, region, _, _] if !region.is_empty() => Ok(region),
        _ => Err(HelperError::Usage(format!("{flag} is not a valid ARN"))),
    }
}

/// Temporary credentials. `Debug` hides the secret and the token.
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: SecretString,
    /// As the service sent it (RFC 3339); passed through verbatim.
    pub expiration: String,
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The `credential_process` output: compact JSON, fields in `aws_signing_helper`'s order.
    pub fn process_json(&self) -> String {
        format!(
            "{{\"Version\":1,\"AccessKeyId\":{},\"SecretAccessKey\":{},\"SessionToken\":{},\"Expiration\":{}}}",
            json_string(&self.access_key_id),
            json_string(self.secret_access_key.expose_secret()),
            json_string(self.session_token.expose_secret()),
            json_string(&self.expiration),
        )
    }
}

pub fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Percent-encodes with the RFC 3986 unreserved set, as Go's `url.QueryEscape` does for ARNs.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query and body of a CreateSession request.
pub fn request_parts(args: &CredentialsArgs) -> (String, Vec<u8>) {
    let query = format!(
        "profileArn={}&roleArn={}&trustAnchorArn={}",
        query_escape(&args.profile_arn),
        query_escape(&args.role_arn),
        query_escape(&args.trust_anchor_arn)
    );
    let mut body = format!("{{\"durationSeconds\":{}", args.session_duration);
    if let Some(name) = &args.role_session_name {
        body.push_str(",\"roleSessionName\":");
        body.push_str(&json_string(name));
    }
    body.push('}');
    (query, body.into_bytes())
}

/// Calls CreateSession once with the identity on disk and returns the first credential set.
pub async fn create_session(
    args: &CredentialsArgs,
    target: &SessionTarget,
) -> Result<Credentials, HelperError> {
    let identity = Identity::load(args)?;
    let (query, body) = request_parts(args);
    let host = target.endpoint.authority();
    let base_headers = [("host", host.as_str()), ("content-type", "application/json")];
    let request = SignableRequest {
        method: "POST",
        path: "/sessions",
        query: &query,
        headers: &base_headers,
        body: &body,
    };
    let signed = sign_x509(
        &request,
        &X509SigningParams {
            certificate: &identity.certificate,
            chain: &identity.chain,
            key: &identity.key,
            region: &target.region,
            time: OffsetDateTime::now_utc(),
        },
    )?;
    let mut headers: Vec<(String, String)> = base_headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    headers.extend(signed.headers().iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
    headers.push((
        "user-agent".to_owned(),
        format!("CredHelper/strongroom-{}", env!("CARGO_PKG_VERSION")),
    ));
    if args.debug {
        eprintln!("POST {}/sessions?{query}", target.endpoint.url());
    }
    let response = http::send(
        &target.endpoint,
        "POST",
        &format!("/sessions?{query}"),
        &headers,
        body,
        target.tls,
    )
    .await?;
    if args.debug {
        eprintln!("HTTP {}", response.status);
    }
    parse_response(&response)
}

/// Reads the credentials out of a 2xx answer, or the AWS error out of any other.
pub fn parse_response(response: &http::Response) -> Result<Credentials, HelperError> {
    let json: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    if !(200..300).contains(&response.status) {
        let code = response
            .header("x-amzn-errortype")
            .map(|t| {
                let t = t.split(':').next().unwrap_or(t);
                t.rsplit('#').next().unwrap_or(t).to_owned()
            })
            .or_else(|| {
                let body = json.as_ref()?;
                let code = body.get("code").or_else(|| body.get("__type"))?.as_str()?;
                Some(code.rsplit('#').next().unwrap_or(code).to_owned())
            })
            .unwrap_or_else(|| "UnknownError".to_owned());
        let message = json
            .as_ref()
            .and_then(|b| b.get("message").or_else(|| b.get("Message")))
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_owned();
        return Err(HelperError::Service {
            status: response.status,
            request_id: response.header("x-amzn-requestid").unwrap_or("").to_owned(),
            code,
            message,
        });
    }
    let credentials = json
        .as_ref()
        .and_then(|b| b.get("credentialSet"))
        .and_then(|s| s.get(0))
        .and_then(|c| c.get("credentials"))
        .ok_or(HelperError::BadResponse("no credentialSet[0].credentials"))?;
    let field = |name: &'static str| {
        credentials
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or(HelperError::BadResponse("a credentials field is missing"))
    };
    let expiration = field("expiration")?;
    let expires_at = OffsetDateTime::parse(&expiration, &Rfc3339)
        .map_err(|_| HelperError::BadResponse("expiration is not RFC 3339"))?;
    Ok(Credentials {
        access_key_id: field("accessKeyId")?,
        secret_access_key: SecretString::from(field("secretAccessKey")?),
        session_token: SecretString::from(field("sessionToken")?),
        expiration,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CredentialsArgs {
        CredentialsArgs {
            certificate: "c.pem".into(),
            private_key: "k.pem".into(),
            intermediates: None,
            trust_anchor_arn: "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/t".to_owned(),
            profile_arn: "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/p".to_owned(),
            role_arn: "arn:aws:iam::111122223333:role/R".to_owned(),
            endpoint: None,
            region: None,
            session_duration: 900,
            role_session_name: Some("me \"quoted\"".to_owned()),
            no_verify_ssl: false,
            with_proxy: false,
            debug: false,
        }
    }

    #[test]
    fn request_is_the_go_helpers() {
        let (query, body) = request_parts(&args());
        assert_eq!(
            query,
            "profileArn=arn%3Aaws%3Arolesanywhere%3Aeu-west-1%3A111122223333%3Aprofile%2Fp\
             &roleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FR\
             &trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aeu-west-1%3A111122223333%3Atrust-anchor%2Ft"
        );
        assert_eq!(
            body,
            br#"{"durationSeconds":900,"roleSessionName":"me \"quoted\""}"#
        );
    }

    #[test]
    fn region_and_endpoint() {
        let target = SessionTarget::resolve(&args()).unwrap();
        assert_eq!(target.region, "eu-west-1");
        let mut a = args();
        a.profile_arn = "arn:aws:rolesanywhere:us-east-1:111122223333:profile/p".to_owned();
        assert!(SessionTarget::resolve(&a).is_err());
        let mut a = args();
        a.trust_anchor_arn = "nonsense".to_owned();
        assert!(SessionTarget::resolve(&a).is_err());
        let mut a = args();
        a.with_proxy = true;
        assert!(SessionTarget::resolve(&a).is_err());
    }

    #[test]
    fn responses() {
        let ok = http::Response {
            status: 201,
            headers: Vec::new(),
            body: br#"{"credentialSet":[{"credentials":{"accessKeyId":"ASIAX","secretAccessKey":"s\"k","sessionToken":"tok","expiration":"2026-01-02T03:04:05Z"}}],"subjectArn":"x"}"#.to_vec(),
        };
        let creds = parse_response(&ok).unwrap();
        assert_eq!(
            creds.process_json(),
            r#"{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s\"k","SessionToken":"tok","Expiration":"2026-01-02T03:04:05Z"}"#
        );
        assert!(!format!("{creds:?}").contains("tok"));
        let denied = http::Response {
            status: 403,
            headers: vec![(
                "x-amzn-errortype".to_owned(),
                "AccessDeniedException:http://x".to_owned(),
            )],
            body: br#"{"message":"Untrusted Signing Certificate"}"#.to_vec(),
        };
        let error = parse_response(&denied).unwrap_err().to_string();
        assert!(error.contains("StatusCode: 403"), "{error}");
        assert!(
            error.contains("AccessDeniedException: Untrusted Signing Certificate"),
            "{error}"
        );
        let body_code = http::Response {
            status: 400,
            headers: Vec::new(),
            body: br#"{"__type":"com.amazon#ValidationException","Message":"bad"}"#.to_vec(),
        };
        assert!(
            parse_response(&body_code)
                .unwrap_err()
                .to_string()
                .contains("ValidationException: bad")
        );
        let garbage = http::Response {
            status: 201,
            headers: Vec::new(),
            body: b"{}".to_vec(),
        };
        assert!(matches!(
            parse_response(&garbage),
            Err(HelperError::BadResponse(_))
        ));
    }
}
