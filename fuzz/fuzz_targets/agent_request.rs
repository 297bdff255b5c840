//! Fuzz strongroom-agent's request parsing (`/secretsmanager/get?…` and `<prefix><id>?…`): any input either fails
//! with a 400 and one of the AWS agent's messages, or parses to a non-empty secret id whose selectors, encoded
//! again the way a client would, parse back to the same request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_agent::render::HttpError;
use strongroom_agent::request::{Query, from_path, from_query};

const PREFIX: &str = "/v1/";

fn check_error(error: &HttpError) {
    assert_eq!(error.status, 400);
    let body = std::str::from_utf8(&error.body).expect("error bodies are UTF-8");
    let known = [
        "invalid refreshNow value",
        "missing parameter secretId",
        "missing secret ID",
    ];
    assert!(
        known.contains(&body) || body.starts_with("unknown parameter: "),
        "unexpected error body {body:?}"
    );
}

/// The selectors as a client would send them.
fn encode(query: &Query<'_>, with_id: bool) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    if with_id {
        out.append_pair("secretId", &query.secret_id);
    }
    if let Some(version_id) = &query.version_id {
        out.append_pair("versionId", version_id);
    }
    if let Some(stage) = &query.version_stage {
        out.append_pair("versionStage", stage);
    }
    out.append_pair("refreshNow", if query.refresh_now { "true" } else { "false" });
    out.finish()
}

fuzz_target!(|data: &[u8]| {
    // Up to the first newline is the path form's id part; the rest is the query string.
    let text = String::from_utf8_lossy(data);
    let (id_part, query) = text.split_once('\n').unwrap_or(("", &text));

    match from_query(query) {
        Ok(parsed) => {
            assert!(!parsed.secret_id.is_empty());
            let again = encode(&parsed, true);
            assert_eq!(from_query(&again).expect("a re-encoded query parses"), parsed);
        }
        Err(error) => check_error(&error),
    }

    let path = format!("{PREFIX}{id_part}");
    match from_path(&path, PREFIX, query) {
        Ok(parsed) => {
            assert!(!parsed.secret_id.is_empty());
            let again = encode(&parsed, false);
            let reparsed = from_path(&path, PREFIX, &again).expect("re-encoded selectors parse");
            assert_eq!(reparsed, parsed);
        }
        Err(error) => check_error(&error),
    }
});
