//! The borrowed view of an HTTP request that signing and verification read.

/// An HTTP request as the wire carried it. Nothing is decoded or normalised yet: canonicalisation does that.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The method, e.g. `GET`. Used verbatim.
    pub method: &'a str,
    /// The raw path as sent on the wire, still percent-encoded, without the query.
    pub path: &'a str,
    /// The raw query string without the `?`; may be empty.
    pub query: &'a str,
    /// The headers as received: names in any case, repeated names allowed, in wire order. Must include
    /// `host` (for HTTP/2, the `:authority`) for the request to be signable and verifiable.
    pub headers: &'a [(&'a str, &'a str)],
    /// The whole body.
    pub body: &'a [u8],
}

/// The value of header `name` (lowercase) when it occurs exactly once; `Err(())` when it is repeated.
pub(crate) fn unique_header<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = None;
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(());
            }
            found = Some(*v);
        }
    }
    Ok(found)
}

/// Optional whitespace around header values (RFC 9110 OWS).
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}
