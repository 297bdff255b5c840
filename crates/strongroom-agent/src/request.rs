//! Reading a secret request from the URL, as the AWS agent does: `GET /secretsmanager/get?secretId=…`
//! or `GET <path_prefix><secretId>`, each with optional `versionId`, `versionStage` and `refreshNow`
//! (`true`, `false`, `1`, `0`, any case). Any other query key is an error; on the path form `secretId` is
//! not a query key. Decoded strings borrow from the URL unless they had escapes.

use std::borrow::Cow;

use strongroom_cache::SecretRequest;

use crate::render::HttpError;

/// One request's selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    pub secret_id: Cow<'a, str>,
    pub version_id: Option<Cow<'a, str>>,
    pub version_stage: Option<Cow<'a, str>>,
    pub refresh_now: bool,
}

impl Query<'_> {
    pub fn as_request(&self) -> SecretRequest<'_> {
        SecretRequest {
            secret_id: &self.secret_id,
            version_id: self.version_id.as_deref(),
            version_stage: self.version_stage.as_deref(),
        }
    }
}

fn refresh_value(value: &str) -> Result<bool, HttpError> {
    if value.eq_ignore_ascii_case("true") || value == "1" {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") || value == "0" {
        Ok(false)
    } else {
        Err(HttpError::plain(400, "invalid refreshNow value"))
    }
}

/// Reads the optional selectors; `secret_id_allowed` says whether `secretId` may appear too.
fn read_pairs<'a>(query: &'a str, secret_id_allowed: bool, into: &mut Query<'a>) -> Result<(), HttpError> {
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "secretId" if secret_id_allowed => into.secret_id = value,
            "versionId" => into.version_id = Some(value),
            "versionStage" => into.version_stage = Some(value),
            "refreshNow" => into.refresh_now = refresh_value(&value)?,
            other => return Err(HttpError::owned(400, format!("unknown parameter: {other}"))),
        }
    }
    Ok(())
}

/// `/secretsmanager/get?<query>`.
pub fn from_query(query: &str) -> Result<Query<'_>, HttpError> {
    let mut parsed = Query {
        secret_id: Cow::Borrowed(""),
        version_id: None,
        version_stage: None,
        refresh_now: false,
    };
    read_pairs(query, true, &mut parsed)?;
    if parsed.secret_id.is_empty() {
        return Err(HttpError::plain(400, "missing parameter secretId"));
    }
    Ok(parsed)
}

/// `<prefix><secret id>?<query>`, where `path` already starts with `prefix`.
pub fn from_path<'a>(path: &'a str, prefix: &str, query: &'a str) -> Result<Query<'a>, HttpError> {
    let raw_id = path.get(prefix.len()..).unwrap_or_default();
    let secret_id = percent_encoding::percent_decode_str(raw_id)
        .decode_utf8()
        .map_err(|_| HttpError::plain(400, "missing secret ID"))?;
    if secret_id.is_empty() {
        return Err(HttpError::plain(400, "missing secret ID"));
    }
    let mut parsed = Query {
        secret_id,
        version_id: None,
        version_stage: None,
        refresh_now: false,
    };
    read_pairs(query, false, &mut parsed)?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (secret id, version id, version stage, refresh now), or (status, body).
    type Outcome = Result<(String, Option<String>, Option<String>, bool), (u16, String)>;

    fn outcome(result: Result<Query<'_>, HttpError>) -> Outcome {
        result
            .map(|q| {
                (
                    q.secret_id.into_owned(),
                    q.version_id.map(Cow::into_owned),
                    q.version_stage.map(Cow::into_owned),
                    q.refresh_now,
                )
            })
            .map_err(|e| (e.status, String::from_utf8_lossy(&e.body).into_owned()))
    }

    #[test]
    fn query_form() {
        let ok = |id: &str, vid: Option<&str>, stage: Option<&str>, refresh| {
            Ok((
                id.to_owned(),
                vid.map(str::to_owned),
                stage.map(str::to_owned),
                refresh,
            ))
        };
        let err = |msg: &str| Err((400, msg.to_owned()));
        let cases = [
            ("secretId=MyTest", ok("MyTest", None, None, false)),
            (
                "secretId=prod%2Fdb&refreshNow=TRUE",
                ok("prod/db", None, None, true),
            ),
            (
                "secretId=a&versionId=v1&versionStage=AWSPREVIOUS&refreshNow=0",
                ok("a", Some("v1"), Some("AWSPREVIOUS"), false),
            ),
            ("secretId=a&refreshNow=1", ok("a", None, None, true)),
            ("secretId=a&refreshNow=123", err("invalid refreshNow value")),
            ("secretId=a&abc=123", err("unknown parameter: abc")),
            ("&versionId=v&versionStage=dev", err("missing parameter secretId")),
            ("", err("missing parameter secretId")),
            ("secretId=", err("missing parameter secretId")),
        ];
        for (query, expected) in cases {
            assert_eq!(outcome(from_query(query)), expected, "{query}");
        }
    }

    #[test]
    fn path_form() {
        let cases = [
            ("/v1/MyTest", "", Ok(("MyTest".to_owned(), None, None, false))),
            (
                "/v1/prod/db",
                "versionStage=AWSCURRENT",
                Ok(("prod/db".to_owned(), None, Some("AWSCURRENT".to_owned()), false)),
            ),
            (
                "/v1/my%20secret",
                "refreshNow=true",
                Ok(("my secret".to_owned(), None, None, true)),
            ),
            ("/v1/", "versionId=v", Err((400, "missing secret ID".to_owned()))),
            (
                "/v1/a",
                "secretId=b",
                Err((400, "unknown parameter: secretId".to_owned())),
            ),
            ("/v1/a", "abc=1", Err((400, "unknown parameter: abc".to_owned()))),
        ];
        for (path, query, expected) in cases {
            assert_eq!(
                outcome(from_path(path, "/v1/", query)),
                expected,
                "{path}?{query}"
            );
        }
    }

    #[test]
    fn plain_ids_borrow() {
        let query = from_query("secretId=db").unwrap();
        assert!(matches!(query.secret_id, Cow::Borrowed(_)));
    }

    proptest::proptest! {
        /// Any id a client form-encodes is the id the agent reads, in both forms.
        #[test]
        fn encoded_ids_decode_to_themselves(id in "\\PC{1,40}") {
            let encoded: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
            let query = format!("secretId={encoded}&versionStage=AWSCURRENT");
            let parsed = from_query(&query).unwrap();
            proptest::prop_assert_eq!(parsed.secret_id.as_ref(), id.as_str());
            let path_encoded = percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC).to_string();
            let path = format!("/v1/{path_encoded}");
            let parsed = from_path(&path, "/v1/", "").unwrap();
            proptest::prop_assert_eq!(parsed.secret_id.as_ref(), id.as_str());
        }
    }
}
