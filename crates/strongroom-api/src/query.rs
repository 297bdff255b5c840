//! awsQuery: `Action=…&Version=…&…` form parameters in, XML out (STS, IAM).
//!
//! Request semantics:
//!
//! - Parameters come from the `application/x-www-form-urlencoded` body and, for GET requests, from the URL
//!   query; both are read, and a name present in the body wins over the same name in the URL.
//! - Decoding is form decoding: `+` is a space, `%XX` a byte; a stray `%` stays literal and bytes that
//!   are not UTF-8 become U+FFFD. Names are case-sensitive. A name given twice in one source keeps its
//!   first value. Empty names are dropped.
//! - Lists are `Prefix.member.1`, `Prefix.member.2`, … read in order of N from 1 and stopping at the first
//!   missing N, as AWS does; maps are `Prefix.entry.N.key` / `Prefix.entry.N.value`; lists of structures
//!   are `Prefix.member.N.Field`.
//! - No `Action` (or an empty one) is `400 MissingAction`; an action the service lacks is
//!   `400 InvalidAction` ([`QueryRequest::invalid_action`]); a missing required parameter is
//!   `400 ValidationError` ([`QueryRequest::require`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::WireResponse;
use crate::error::{TEXT_XML, WireError};
use crate::xml::is_simple_name;

pub use crate::timestamp::iso8601;
pub use crate::xml::XmlWriter;

/// XML namespace of STS responses.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// XML namespace of IAM responses.
pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The parameters of an awsQuery request.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct QueryRequest {
    params: BTreeMap<String, String>,
}

/// Lists the parameter names only: values may be passwords, MFA codes or policies.
impl fmt::Debug for QueryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryRequest")
            .field("names", &self.params.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl QueryRequest {
    /// Parameters from a form-urlencoded body. Never fails: see the [module docs](self) for the decoding.
    pub fn parse(body: &[u8]) -> Self {
        let mut request = Self::default();
        request.add(body);
        request
    }

    /// Parameters from a form-urlencoded body and a URL query string (without the `?`); the body wins.
    pub fn parse_with_url_query(url_query: &str, body: &[u8]) -> Self {
        let mut request = Self::parse(body);
        request.add(url_query.as_bytes());
        request
    }

    /// Adds the pairs of `form` whose names are not present yet.
    fn add(&mut self, form: &[u8]) {
        for (name, value) in form_urlencoded::parse(form) {
            if !name.is_empty() && !self.params.contains_key(name.as_ref()) {
                self.params.insert(name.into_owned(), value.into_owned());
            }
        }
    }

    /// The `Action` parameter, or `400 MissingAction` when it is absent or empty.
    pub fn action(&self) -> Result<&str, WireError> {
        self.get("Action")
            .filter(|a| !a.is_empty())
            .ok_or_else(WireError::missing_action)
    }

    /// The `Version` parameter (`2011-06-15` for STS).
    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    /// `400 InvalidAction` for this request's action, for the server to return when its service lacks it.
    pub fn invalid_action(&self) -> WireError {
        match self.action() {
            Ok(action) => WireError::invalid_action(action, self.version()),
            Err(missing) => missing,
        }
    }

    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The value of a required parameter, or `400 ValidationError` in AWS's words ("1 validation error
    /// detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null").
    pub fn require(&self, name: &str) -> Result<&str, WireError> {
        self.get(name).ok_or_else(|| {
            let mut member = name.to_owned();
            if let Some(first) = member.get(..1) {
                member.replace_range(..1, &first.to_ascii_lowercase());
            }
            WireError::bad_request(
                "ValidationError",
                format!(
                    "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
                     Member must not be null"
                ),
            )
        })
    }

    /// Every parameter, by name.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The list `prefix.member.1`, `prefix.member.2`, … up to the first missing N.
    pub fn list(&self, prefix: &str) -> Vec<&str> {
        let mut items = Vec::new();
        for n in 1.. {
            match self.get(&format!("{prefix}.member.{n}")) {
                Some(item) => items.push(item),
                None => break,
            }
        }
        items
    }

    /// The map `prefix.entry.N.key` → `prefix.entry.N.value`, N from 1 up to the first entry without a key.
    /// An entry with a key but no value maps to `""`; a key given in two entries keeps the first value.
    pub fn map(&self, prefix: &str) -> BTreeMap<&str, &str> {
        let mut map = BTreeMap::new();
        for n in 1.. {
            let Some(key) = self.get(&format!("{prefix}.entry.{n}.key")) else {
                break;
            };
            let value = self.get(&format!("{prefix}.entry.{n}.value")).unwrap_or("");
            map.entry(key).or_insert(value);
        }
        map
    }

    /// The list of structures `prefix.member.N.Field`, N from 1 up to the first N with no field at all.
    /// Each structure maps the rest of the name after `prefix.member.N.` to its value, so
    /// `Tags.member.1.Key=k&Tags.member.1.Value=v` gives `[{"Key": "k", "Value": "v"}]` and nested
    /// lists stay readable (`Policies.member.1.Tags.member.1.Key`).
    pub fn structs(&self, prefix: &str) -> Vec<BTreeMap<String, &str>> {
        let mut items = Vec::new();
        for n in 1.. {
            let start = format!("{prefix}.member.{n}.");
            let fields: BTreeMap<String, &str> = self
                .params
                .range::<str, _>((
                    std::ops::Bound::Included(start.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|(name, _)| name.starts_with(&start))
                .filter_map(|(name, value)| {
                    let field = &name[start.len()..];
                    (!field.is_empty()).then(|| (field.to_owned(), value.as_str()))
                })
                .collect();
            if fields.is_empty() {
                break;
            }
            items.push(fields);
        }
        items
    }
}

/// A 200 awsQuery response:
/// `<{Action}Response xmlns="…"><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId>…</RequestId>
/// </ResponseMetadata></{Action}Response>`, with `write_result` filling the result element.
///
/// `action` must be a plain operation name (ASCII letters and digits); anything else is a server bug and
/// renders as `500 InternalFailure` rather than as broken XML.
pub fn render_success(
    action: &str,
    namespace: &str,
    request_id: &str,
    write_result: impl FnOnce(&mut XmlWriter),
) -> WireResponse {
    render(action, namespace, request_id, Some(write_result))
}

/// A 200 awsQuery response without a result element, as AWS sends for actions that return nothing
/// (IAM's `DeleteRole`): `<{Action}Response xmlns="…"><ResponseMetadata>…</ResponseMetadata></…>`.
pub fn render_success_without_result(action: &str, namespace: &str, request_id: &str) -> WireResponse {
    render(action, namespace, request_id, None::<fn(&mut XmlWriter)>)
}

/// `error` as awsQuery XML; see [`WireError::render_aws_query`].
pub fn render_error(error: &WireError, namespace: &str, request_id: &str) -> WireResponse {
    error.render_aws_query(namespace, request_id)
}

/// The shared body of the two success renderers.
fn render(
    action: &str,
    namespace: &str,
    request_id: &str,
    write_result: Option<impl FnOnce(&mut XmlWriter)>,
) -> WireResponse {
    if !is_simple_name(action) {
        return WireError::internal_failure().render_aws_query(namespace, request_id);
    }
    let response = format!("{action}Response");
    let mut w = XmlWriter::new();
    w.start_with_namespace(&response, namespace);
    if let Some(write_result) = write_result {
        let result = format!("{action}Result");
        w.start(&result);
        write_result(&mut w);
        w.end(&result);
    }
    w.start("ResponseMetadata");
    w.element("RequestId", request_id);
    w.end("ResponseMetadata");
    w.end(&response);
    WireResponse {
        status: 200,
        content_type: TEXT_XML,
        headers: Vec::new(),
        body: w.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::test_support::{wire_text, xml_text, xml_texts};

    fn q(body: &str) -> QueryRequest {
        QueryRequest::parse(body.as_bytes())
    }

    #[test]
    fn action_and_version() {
        let r = q("Action=GetCallerIdentity&Version=2011-06-15");
        assert_eq!(r.action(), Ok("GetCallerIdentity"));
        assert_eq!(r.version(), Some("2011-06-15"));
        let e = r.invalid_action();
        assert_eq!((e.status, e.code.as_str()), (400, "InvalidAction"));
        assert_eq!(
            e.message,
            "Could not find operation GetCallerIdentity for version 2011-06-15"
        );
    }

    #[test]
    fn missing_or_empty_action() {
        for body in [
            "",
            "Version=2011-06-15",
            "Action=",
            "action=GetCallerIdentity",
            "Action",
        ] {
            let e = q(body).action().unwrap_err();
            assert_eq!(
                (e.status, e.code.as_str(), e.sender_fault),
                (400, "MissingAction", true),
                "{body}"
            );
            assert_eq!(q(body).invalid_action().code, "MissingAction");
        }
    }

    #[test]
    fn form_decoding() {
        let r = q(
            "Action=AssumeRole&RoleSessionName=a+b%20c%2Bd&Policy=%7B%22a%22%3A1%7D&Odd=100%&Bad=%zz&U=%C3%A9%F0%9F%94%91&NotUtf8=%FF",
        );
        assert_eq!(r.get("RoleSessionName"), Some("a b c+d"));
        assert_eq!(r.get("Policy"), Some("{\"a\":1}"));
        assert_eq!(r.get("Odd"), Some("100%"));
        assert_eq!(r.get("Bad"), Some("%zz"));
        assert_eq!(r.get("U"), Some("é🔑"));
        assert_eq!(r.get("NotUtf8"), Some("\u{FFFD}"));
        assert_eq!(q("A%2eB=1&C+D=2").get("A.B"), Some("1"));
        assert_eq!(q("A%2eB=1&C+D=2").get("C D"), Some("2"));
    }

    #[test]
    fn odd_separators_and_empty_values() {
        let r = q("&&Action=X&&=orphan&Flag&Empty=&Eq=a=b");
        assert_eq!(r.action(), Ok("X"));
        assert_eq!(r.get("Flag"), Some(""));
        assert_eq!(r.get("Empty"), Some(""));
        assert_eq!(r.get("Eq"), Some("a=b"));
        assert_eq!(r.get(""), None);
        assert_eq!(r.params().count(), 4);
    }

    #[test]
    fn names_are_case_sensitive_and_not_binary_safe() {
        let r = QueryRequest::parse(b"Action=A&Key\xff=1");
        assert_eq!(r.get("Key\u{FFFD}"), Some("1"));
        assert_eq!(r.get("action"), None);
    }

    #[test]
    fn duplicate_names_keep_the_first() {
        let r = q("Action=GetCallerIdentity&Action=AssumeRole&RoleArn=a&RoleArn=b");
        assert_eq!(r.action(), Ok("GetCallerIdentity"));
        assert_eq!(r.get("RoleArn"), Some("a"));
    }

    #[test]
    fn body_wins_over_url_query() {
        let r = QueryRequest::parse_with_url_query(
            "Action=FromUrl&Version=2011-06-15&DurationSeconds=900",
            b"Action=FromBody&RoleArn=arn",
        );
        assert_eq!(r.action(), Ok("FromBody"));
        assert_eq!(r.version(), Some("2011-06-15"));
        assert_eq!(r.get("DurationSeconds"), Some("900"));
        assert_eq!(r.get("RoleArn"), Some("arn"));
        let get_only = QueryRequest::parse_with_url_query("Action=GetCallerIdentity&Version=2011-06-15", b"");
        assert_eq!(get_only.action(), Ok("GetCallerIdentity"));
    }

    #[test]
    fn member_lists_stop_at_a_gap() {
        let r = q("PolicyArns.member.2=b&PolicyArns.member.1=a&PolicyArns.member.4=d&PolicyArns.member.10=j");
        assert_eq!(r.list("PolicyArns"), vec!["a", "b"]);
        let r = q(
            "L.member.1=a&L.member.2=b&L.member.3=c&L.member.4=d&L.member.5=e&L.member.6=f&L.member.7=g&L.member.8=h&L.member.9=i&L.member.10=j&L.member.11=k",
        );
        assert_eq!(
            r.list("L"),
            vec!["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
        );
        assert!(q("L.member.2=b").list("L").is_empty());
        assert!(q("L.member.0=z&L.member.01=y").list("L").is_empty());
        assert!(q("L=").list("L").is_empty(), "an empty list is sent as `L=`");
        assert!(q("Other.member.1=x").list("L").is_empty());
        assert_eq!(q("L.member.1=&L.member.2=x").list("L"), vec!["", "x"]);
    }

    #[test]
    fn maps() {
        let r = q(
            "Attrs.entry.1.key=a&Attrs.entry.1.value=1&Attrs.entry.2.key=b&Attrs.entry.3.key=a&Attrs.entry.3.value=3&Attrs.entry.5.key=gap&Attrs.entry.5.value=5",
        );
        let map = r.map("Attrs");
        assert_eq!(map.into_iter().collect::<Vec<_>>(), vec![("a", "1"), ("b", "")]);
        assert!(q("Attrs.entry.1.value=orphan").map("Attrs").is_empty());
    }

    #[test]
    fn struct_lists() {
        let r = q(
            "Tags.member.1.Key=Project&Tags.member.1.Value=Strong+room&Tags.member.2.Key=Team&Tags.member.3.Value=orphan&Tags.member.5.Key=gap&Tags.member.1.Nested.member.1.Key=n&Tags.member.1.=empty",
        );
        let tags = r.structs("Tags");
        assert_eq!(tags.len(), 3);
        assert_eq!(tags[0].get("Key"), Some(&"Project"));
        assert_eq!(tags[0].get("Value"), Some(&"Strong room"));
        assert_eq!(tags[0].get("Nested.member.1.Key"), Some(&"n"));
        assert_eq!(tags[0].len(), 3);
        assert_eq!(tags[1].get("Key"), Some(&"Team"));
        assert_eq!(tags[1].get("Value"), None);
        assert_eq!(tags[2].get("Value"), Some(&"orphan"));
        // `Tags.member.10.Key` must not be read as part of member 1.
        let r = q("Tags.member.1.Key=one&Tags.member.10.Key=ten");
        let tags = r.structs("Tags");
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].len(), 1);
        // The prefix is matched whole: `TagsX` is another list.
        assert!(q("TagsX.member.1.Key=k").structs("Tags").is_empty());
    }

    #[test]
    fn require_gives_aws_validation_error() {
        let r = q("Action=AssumeRole");
        let e = r.require("RoleArn").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "ValidationError"));
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(q("RoleArn=x").require("RoleArn"), Ok("x"));
        assert!(q("").require("é").is_err());
    }

    #[test]
    fn debug_shows_names_not_values() {
        let r = q("Action=ChangePassword&OldPassword=hunter2&NewPassword=correct+horse");
        let shown = format!("{r:?}");
        assert!(shown.contains("OldPassword"));
        assert!(!shown.contains("hunter2") && !shown.contains("correct"));
    }

    #[test]
    fn success_envelope() {
        let r = render_success(
            "GetCallerIdentity",
            STS_NAMESPACE,
            "01234567-89ab-cdef-0123-456789abcdef",
            |w| {
                w.element("Arn", "arn:aws:iam::123456789012:user/Alice");
                w.element("UserId", "AIDACKCEVSQ6C2EXAMPLE");
                w.element("Account", "123456789012");
            },
        );
        assert_eq!((r.status, r.content_type), (200, "text/xml"));
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn success_with_lists_and_escaping() {
        let r = render_success("ListRoleTags", IAM_NAMESPACE, "req<&>", |w| {
            w.members(
                "Tags",
                [("Project", "<Strongroom> & \"co\" 'é'"), ("Team", "Ops")],
                |w, (k, v)| {
                    w.element("Key", k);
                    w.element("Value", v);
                },
            );
            w.boolean("IsTruncated", false);
            w.timestamp("Checked", Timestamp::from_unix_seconds(1_795_881_600));
        });
        let xml = String::from_utf8(r.body.clone()).unwrap();
        assert_eq!(
            xml_text(&xml, "ListRoleTagsResponse/ResponseMetadata/RequestId"),
            "req<&>"
        );
        let values: Vec<String> = xml_texts(&xml)
            .into_iter()
            .filter(|(p, _)| p == "ListRoleTagsResponse/ListRoleTagsResult/Tags/member/Value")
            .map(|(_, t)| t)
            .collect();
        assert_eq!(values, vec!["<Strongroom> & \"co\" 'é'", "Ops"]);
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn success_without_result() {
        let r = render_success_without_result("DeleteRole", IAM_NAMESPACE, "req-2");
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn bad_action_name_is_an_internal_failure_not_broken_xml() {
        for action in ["", "Get<Caller>", "Get Caller", "9Lives"] {
            let r = render_success(action, STS_NAMESPACE, "req-3", |w| w.element("A", "b"));
            assert_eq!(r.status, 500, "{action}");
            let xml = String::from_utf8(r.body).unwrap();
            assert_eq!(xml_text(&xml, "ErrorResponse/Error/Code"), "InternalFailure");
        }
    }

    #[test]
    fn render_error_delegates() {
        let e = WireError::missing_action();
        assert_eq!(
            render_error(&e, STS_NAMESPACE, "r"),
            e.render_aws_query(STS_NAMESPACE, "r")
        );
    }

    #[test]
    fn iso8601_is_reexported() {
        assert_eq!(iso8601(1_795_881_600_000), "2026-11-28T16:00:00Z");
    }
}
