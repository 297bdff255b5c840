//! Properties: whatever the request, signing then verifying succeeds; any one-byte change to the body or a
//! signed header value fails; the canonical query does not depend on the order of the pairs.

// Helpers outside #[test] functions fail loudly on bad fixtures, as tests should.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use strongroom_sigv4::{
    AuthLocation, SigV4Error, SignableRequest, SigningParams, SigningSettings, canonical_request,
    derive_signing_key, parse_auth, presign, sign_headers_with, verify,
};
use time::OffsetDateTime;
use time::macros::datetime;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn t0() -> OffsetDateTime {
    datetime!(2015-08-30 12:36:00 UTC)
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn view<T>(&self, f: impl FnOnce(&SignableRequest<'_>) -> T) -> T {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        f(&SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        })
    }

    fn sign(&self, presigned: bool) -> Req {
        let params = SigningParams {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: None,
            region: "us-east-1",
            service: "secretsmanager",
            time: t0(),
            settings: SigningSettings::default(),
        };
        let mut out = self.clone();
        if presigned {
            let added = self.view(|r| presign(r, &params, 3600)).unwrap();
            out.query = if out.query.is_empty() {
                added
            } else {
                format!("{}&{added}", out.query)
            };
        } else {
            let added = self.view(|r| sign_headers_with(r, &params));
            out.headers
                .extend(added.headers().iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
        }
        out
    }

    fn verify(&self) -> Result<(), SigV4Error> {
        let auth = self.view(parse_auth)?;
        let key = derive_signing_key(
            SECRET,
            &auth.scope().date,
            &auth.scope().region,
            &auth.scope().service,
        );
        self.view(|r| verify(r, &auth, &key, t0())).map(|_| ())
    }
}

/// Wire paths: any printable characters, including '%', '.', spaces and runs of slashes.
fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zA-Z0-9%._~ -]{0,8}|\\.|\\.\\.", 0..6).prop_map(|segments| {
        let mut p = String::from("/");
        p.push_str(&segments.join("/"));
        p
    })
}

/// Query pairs; names start with 'p' so none is an X-Amz-* authentication parameter.
fn pairs() -> impl Strategy<Value = Vec<(String, Option<String>)>> {
    prop::collection::vec(
        (
            "p[a-zA-Z0-9%+._~-]{0,6}",
            prop::option::of("[a-zA-Z0-9%+=._~ -]{0,6}"),
        ),
        0..6,
    )
}

fn join_query(pairs: &[(String, Option<String>)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| match v {
            Some(v) => format!("{n}={v}"),
            None => n.clone(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Extra headers: `x-p-*` names in any case (possibly repeated); values printable without spaces at the
/// ends so that every byte matters to the canonical form.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[xX]-[pP]-[a-zA-Z0-9]{1,3}", "[!-~]([ -~]{0,10}[!-~])?"), 0..5)
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT"]),
        path(),
        pairs(),
        headers(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(method, path, pairs, extra, body)| {
            let mut headers = vec![("Host".to_owned(), "secrets.example.com".to_owned())];
            headers.extend(extra);
            Req {
                method: method.to_owned(),
                path,
                query: join_query(&pairs),
                headers,
                body,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn sign_then_verify_round_trips(req in request(), presigned in any::<bool>()) {
        prop_assert_eq!(req.sign(presigned).verify(), Ok(()));
    }

    #[test]
    fn any_body_byte_change_breaks_verification(
        mut req in request(),
        presigned in any::<bool>(),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        if req.body.is_empty() {
            req.body.push(0);
        }
        let mut signed = req.sign(presigned);
        let i = index.index(signed.body.len());
        signed.body[i] ^= flip;
        prop_assert_eq!(signed.verify(), Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn any_signed_header_byte_change_breaks_verification(
        req in request(),
        presigned in any::<bool>(),
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        replacement in proptest::char::range('!', '~'),
    ) {
        let mut signed = req.sign(presigned);
        // Only the request's own headers: the signer's additions are covered by the other tests.
        let own = req.headers.len();
        let h = which.index(own);
        let value = &mut signed.headers[h].1;
        let i = at.index(value.len());
        let original = value.as_bytes()[i];
        let new = if replacement as u8 == original { if original == b'!' { '"' } else { '!' } } else { replacement };
        value.replace_range(i..=i, &new.to_string());
        prop_assert_eq!(signed.verify(), Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn canonical_query_ignores_pair_order(shuffled in pairs().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle()))) {
        let (original, reordered) = shuffled;
        let creq = |query: &str| {
            let req = SignableRequest { method: "GET", path: "/", query, headers: &[("host", "h")], body: b"" };
            canonical_request(&req, AuthLocation::Header, "host", "UNSIGNED-PAYLOAD")
        };
        prop_assert_eq!(creq(&join_query(&original)), creq(&join_query(&reordered)));
    }
}
