//! AWS wire protocols and the request/response shapes of each service.
//!
//! This is the only crate that derives serde or writes XML. It depends on none of our crates: the server
//! converts between these shapes and domain types.
//!
//! The crate knows nothing of HTTP libraries either. The server picks the protocol from the service named
//! in the SigV4 credential scope, hands this crate header values and body bytes, and turns the
//! [`WireResponse`] it gets back into an HTTP response:
//!
//! | protocol | parse | success | error |
//! |---|---|---|---|
//! | awsJson1_1 | [`json::operation`], [`json::parse_body`] | [`json::render`] | [`json::render_error`] |
//! | awsQuery | [`query::QueryRequest`] | [`query::render_success`] | [`query::render_error`] |
//! | restJson1 | [`rest_json::parse_body`] | [`rest_json::render`] | [`rest_json::render_error`] |
//!
//! Every response carries a request id in AWS: awsQuery bodies embed it, so those renderers take it as an
//! argument; for the JSON protocols the server adds the `x-amzn-requestid` header itself.

pub mod acm_pca;
pub mod error;
pub mod iam;
pub mod json;
pub mod kms;
pub mod query;
pub mod rest_json;
pub mod rolesanywhere;
pub mod secretsmanager;
pub mod strongroom_rotation;
pub mod sts;
pub mod timestamp;
mod xml;

use std::fmt;

pub use error::WireError;
pub use timestamp::Timestamp;

/// A rendered response, ready for the server to copy into its HTTP response.
///
/// Header names are lower case (as HTTP/2 requires and `http::HeaderName::from_static` insists) and
/// header values contain only visible ASCII and spaces.
#[derive(Clone, PartialEq, Eq)]
pub struct WireResponse {
    /// HTTP status code.
    pub status: u16,
    /// Value of the `content-type` header.
    pub content_type: &'static str,
    /// Further headers, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl WireResponse {
    /// The value of the first header called `name` (compared ASCII-case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Shows the body's length, never its bytes: a body may carry credentials or secret values.
impl fmt::Debug for WireResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Keeps only visible ASCII and spaces, so that the value is a valid HTTP header value.
pub(crate) fn header_value(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers shared by the unit tests of every module.

    use super::WireResponse;
    use quick_xml::events::Event;

    /// The whole response as text, for snapshots: status, content type, headers, a blank line, the body.
    pub(crate) fn wire_text(response: &WireResponse) -> String {
        let mut out = format!(
            "status: {}\ncontent-type: {}\n",
            response.status, response.content_type
        );
        for (name, value) in &response.headers {
            out.push_str(&format!("{name}: {value}\n"));
        }
        out.push('\n');
        out.push_str(&String::from_utf8(response.body.clone()).unwrap());
        out
    }

    /// Parses `xml` with quick-xml (which checks that end tags match) and returns every element that
    /// has text, as `(path, text)` with the path joined by `/` and the text unescaped.
    pub(crate) fn xml_texts(xml: &str) -> Vec<(String, String)> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut stack: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut out = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(start) => {
                    stack.push(String::from_utf8(start.name().as_ref().to_vec()).unwrap());
                    text.clear();
                }
                Event::Text(t) => text.push_str(&t.decode().unwrap()),
                Event::GeneralRef(r) => match r.resolve_char_ref().unwrap() {
                    Some(c) => text.push(c),
                    None => {
                        let name = r.decode().unwrap();
                        text.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap());
                    }
                },
                Event::End(_) => {
                    out.push((stack.join("/"), std::mem::take(&mut text)));
                    stack.pop();
                }
                Event::Eof => break,
                other => panic!("unexpected XML event {other:?}"),
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        out
    }

    /// The text of the single element at `path` (see [`xml_texts`]).
    pub(crate) fn xml_text(xml: &str, path: &str) -> String {
        let found: Vec<String> = xml_texts(xml)
            .into_iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| t)
            .collect();
        assert_eq!(found.len(), 1, "expected one element at {path} in {xml}");
        found.into_iter().next().unwrap()
    }
}
