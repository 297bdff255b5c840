//! The AWS SigV4 test suite (non-S3, normalised cases): canonical request, string to sign and signature,
//! header and presigned forms, each checked on its own. The data and its provenance are in `tests/data`.

// Helpers outside #[test] functions fail loudly on bad fixtures, as tests should.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use strongroom_crypto::hash::sha256_hex;
use strongroom_sigv4::{
    AuthLocation, CredentialScope, SigV4Error, SignableRequest, SigningParams, SigningSettings,
    canonical_request, derive_signing_key, parse_auth, presign, sign_headers_with, string_to_sign, verify,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

struct Case {
    name: &'static str,
    dir: PathBuf,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    omit_session_token: bool,
    expires: u32,
    region: String,
    service: String,
    time: OffsetDateTime,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Case {
    fn load(name: &'static str) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        let context: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("context.json")).unwrap()).unwrap();
        let creds = &context["credentials"];
        let request = std::fs::read_to_string(dir.join("request.txt")).unwrap();
        let (head, body) = request.split_once("\n\n").unwrap();
        let mut lines = head.lines();
        let request_line = lines.next().unwrap();
        // The target may contain spaces (get-space), so it is what lies between the method and " HTTP/1.1".
        let (method, rest) = request_line.split_once(' ').unwrap();
        let target = rest.strip_suffix(" HTTP/1.1").unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.to_owned(), v.to_owned())
            })
            .collect();
        Case {
            name,
            access_key_id: creds["access_key_id"].as_str().unwrap().to_owned(),
            secret: creds["secret_access_key"].as_str().unwrap().to_owned(),
            token: creds["token"].as_str().map(str::to_owned),
            omit_session_token: context["omit_session_token"].as_bool().unwrap_or(false),
            expires: u32::try_from(context["expiration_in_seconds"].as_u64().unwrap()).unwrap(),
            region: context["region"].as_str().unwrap().to_owned(),
            service: context["service"].as_str().unwrap().to_owned(),
            time: OffsetDateTime::parse(context["timestamp"].as_str().unwrap(), &Rfc3339).unwrap(),
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
            dir,
        }
    }

    fn expected(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(file)).ok()
    }

    fn params(&self) -> SigningParams<'_> {
        let settings = SigningSettings {
            sign_session_token: !self.omit_session_token,
            ..Default::default()
        };
        SigningParams {
            access_key_id: &self.access_key_id,
            secret_access_key: self.secret.as_bytes(),
            session_token: self.token.as_deref(),
            region: &self.region,
            service: &self.service,
            time: self.time,
            settings,
        }
    }

    fn scope(&self) -> CredentialScope {
        CredentialScope {
            date: "20150830".into(),
            region: self.region.clone(),
            service: self.service.clone(),
        }
    }
}

fn check(name: &'static str) {
    let case = Case::load(name);
    let headers: Vec<(&str, &str)> = case
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = SignableRequest {
        method: &case.method,
        path: &case.path,
        query: &case.query,
        headers: &headers,
        body: &case.body,
    };
    check_header_form(&case, &req);
    check_query_form(&case, &req);
}

fn check_header_form(case: &Case, req: &SignableRequest<'_>) {
    let name = case.name;
    let signed = sign_headers_with(req, &case.params());
    let mut wire: Vec<(&str, &str)> = req.headers.to_vec();
    wire.extend(signed.headers().iter().map(|(n, v)| (*n, v.as_str())));
    let signed_req = SignableRequest {
        headers: &wire,
        ..*req
    };

    // The verifier's view of the signed request, rebuilt from the wire headers.
    let authorization = signed.get("authorization").unwrap();
    let signed_headers = authorization
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let creq = canonical_request(
        &signed_req,
        AuthLocation::Header,
        signed_headers,
        &sha256_hex(&case.body),
    );
    assert_eq!(
        creq,
        case.expected("header-canonical-request.txt").unwrap(),
        "{name}: canonical request"
    );
    let sts = string_to_sign(case.time, &case.scope(), &creq);
    assert_eq!(
        sts,
        case.expected("header-string-to-sign.txt").unwrap(),
        "{name}: string to sign"
    );
    let want_signature = case.expected("header-signature.txt").unwrap();
    assert_eq!(signed.signature(), want_signature, "{name}: signature");
    assert!(
        authorization.ends_with(&format!("Signature={want_signature}")),
        "{name}: {authorization}"
    );

    // The suite's key id is shorter than any real one, so the verifier refuses it before any crypto...
    assert_eq!(
        parse_auth(&signed_req),
        Err(SigV4Error::InvalidAccessKeyId),
        "{name}"
    );
    // ...but the header form's signature does not cover the key id, so the same signature verifies when
    // only the key id is swapped for a well-formed one.
    let swapped_auth = authorization.replace("Credential=AKIDEXAMPLE/", "Credential=AKIDEXAMPLE00000000/");
    let swapped: Vec<(&str, &str)> = wire
        .iter()
        .map(|&(n, v)| {
            if n == "authorization" {
                (n, swapped_auth.as_str())
            } else {
                (n, v)
            }
        })
        .collect();
    let swapped_req = SignableRequest {
        headers: &swapped,
        ..*req
    };
    let auth = parse_auth(&swapped_req).unwrap();
    assert_eq!(auth.session_token(), case.token.as_deref(), "{name}");
    let key = derive_signing_key(case.secret.as_bytes(), "20150830", &case.region, &case.service);
    let verified = verify(&swapped_req, &auth, &key, case.time).unwrap();
    assert_eq!(verified.access_key_id().as_str(), "AKIDEXAMPLE00000000", "{name}");
}

fn check_query_form(case: &Case, req: &SignableRequest<'_>) {
    let name = case.name;
    let Some(want_signature) = case.expected("query-signature.txt") else {
        return;
    };
    let added = presign(req, &case.params(), case.expires).unwrap();
    let signature = added.rsplit_once("&X-Amz-Signature=").unwrap().1;
    assert_eq!(signature, want_signature, "{name}: presigned signature");

    let full_query = if req.query.is_empty() {
        added.clone()
    } else {
        format!("{}&{added}", req.query)
    };
    let presigned = SignableRequest {
        query: &full_query,
        ..*req
    };
    if let Some(want_creq) = case.expected("query-canonical-request.txt") {
        let creq = canonical_request(&presigned, AuthLocation::Query, "host", &sha256_hex(&case.body));
        assert_eq!(creq, want_creq, "{name}: presigned canonical request");
        let sts = string_to_sign(case.time, &case.scope(), &creq);
        assert_eq!(
            sts,
            case.expected("query-string-to-sign.txt").unwrap(),
            "{name}: presigned string to sign"
        );
    }
}

macro_rules! vectors {
    ($($test:ident => $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($case);
            }
        )*
    };
}

vectors! {
    get_header_key_duplicate => "get-header-key-duplicate",
    get_header_value_order => "get-header-value-order",
    get_header_value_trim => "get-header-value-trim",
    get_query_plus => "get-query-plus",
    get_relative_normalized => "get-relative-normalized",
    get_relative_relative_normalized => "get-relative-relative-normalized",
    get_slash_dot_slash_normalized => "get-slash-dot-slash-normalized",
    get_slash_normalized => "get-slash-normalized",
    get_slash_pointless_dot_normalized => "get-slash-pointless-dot-normalized",
    get_slashes_normalized => "get-slashes-normalized",
    get_space_normalized => "get-space-normalized",
    get_unreserved => "get-unreserved",
    get_utf8 => "get-utf8",
    get_vanilla => "get-vanilla",
    get_vanilla_empty_query_key => "get-vanilla-empty-query-key",
    get_vanilla_query => "get-vanilla-query",
    get_vanilla_query_order_key => "get-vanilla-query-order-key",
    get_vanilla_query_order_key_case => "get-vanilla-query-order-key-case",
    get_vanilla_query_order_value => "get-vanilla-query-order-value",
    get_vanilla_query_unreserved => "get-vanilla-query-unreserved",
    get_vanilla_utf8_query => "get-vanilla-utf8-query",
    post_header_key_case => "post-header-key-case",
    post_header_key_sort => "post-header-key-sort",
    post_header_value_case => "post-header-value-case",
    post_sts_header_after => "post-sts-header-after",
    post_sts_header_before => "post-sts-header-before",
    post_vanilla => "post-vanilla",
    post_vanilla_empty_query_value => "post-vanilla-empty-query-value",
    post_vanilla_query => "post-vanilla-query",
    post_x_www_form_urlencoded => "post-x-www-form-urlencoded",
    post_x_www_form_urlencoded_parameters => "post-x-www-form-urlencoded-parameters",
}

/// Every folder under tests/data has a test above, so a case added there cannot be silently skipped.
#[test]
fn every_data_folder_is_tested() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let source = include_str!("vectors.rs");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let name = entry.file_name().into_string().unwrap();
            assert!(source.contains(&format!("=> \"{name}\",")), "no test for {name}");
            count += 1;
        }
    }
    assert_eq!(count, 31);
}
