//! Fuzz target: arbitrary request bodies through the awsJson1_1 body parser, every Secrets Manager
//! operation's parser and validator, and the awsQuery form parser.
//!
//! Neither may panic, whatever the bytes; and every error they produce must render as a JSON body that
//! reads back with the same code and message (the escaping invariant).

#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_api::json;
use strongroom_api::query::{QueryRequest, STS_NAMESPACE};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a Secrets Manager operation; the rest is its body.
    if let Some((&pick, body)) = data.split_first() {
        let names = strongroom_api::secretsmanager::Operation::NAMES;
        let name = names[usize::from(pick) % names.len()];
        let _ = strongroom_api::secretsmanager::Operation::parse(name, body);
    }
    if let Err(error) = json::parse_body::<serde_json::Value>(data) {
        let rendered = error.render_aws_json();
        let body: serde_json::Value = serde_json::from_slice(&rendered.body).expect("error body is JSON");
        assert_eq!(body["__type"], error.code.as_str());
    }

    let request = QueryRequest::parse(data);
    let action = request.action();
    let _ = request.version();
    let _ = request.list("Tags");
    let _ = request.map("Attributes");
    let _ = request.structs("Tags");
    let _ = request.require("RoleArn");
    let error = request.invalid_action();
    let _ = error.render_aws_query(STS_NAMESPACE, "fuzz");
    let rendered = error.render_rest_json();
    let body: serde_json::Value = serde_json::from_slice(&rendered.body).expect("error body is JSON");
    assert_eq!(body["message"], error.message.as_str());
    if let Ok(action) = action {
        let _ = strongroom_api::query::render_success(action, STS_NAMESPACE, "fuzz", |w| w.element("A", action));
    }

    if let Ok(url_query) = std::str::from_utf8(data) {
        let _ = QueryRequest::parse_with_url_query(url_query, data).action();
    }
});
