//! A small XML writer for awsQuery responses: elements with escaped text, and AWS's list and map shapes.
//!
//! Element names come from our code and are written as given; text and attribute values are always
//! escaped. Characters that XML 1.0 cannot carry at all, even as references (NUL and the other C0
//! controls except tab, line feed and carriage return, and U+FFFE/U+FFFF), become U+FFFD, so the output
//! is well-formed whatever a message contains.

use std::fmt;

use crate::timestamp::Timestamp;

/// Writes XML into a string, for awsQuery responses.
///
/// Element names come from our code and are written as given; text and attribute values are always
/// escaped, and characters XML 1.0 cannot carry (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF)
/// become U+FFFD, so the document stays well-formed whatever a message contains.
#[derive(Default)]
pub struct XmlWriter {
    out: String,
}

impl fmt::Debug for XmlWriter {
    /// Shows the length only: the buffer may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlWriter").field("len", &self.out.len()).finish()
    }
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `<name>`.
    pub fn start(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes `<name xmlns="namespace">`.
    pub fn start_with_namespace(&mut self, name: &str, namespace: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        escape_into(&mut self.out, namespace);
        self.out.push_str("\">");
    }

    /// Writes `</name>`.
    pub fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes escaped text inside the current element.
    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    /// Writes `<name>text</name>`.
    pub fn element(&mut self, name: &str, text: &str) {
        self.start(name);
        self.text(text);
        self.end(name);
    }

    /// Writes `<name>text</name>` when there is a text, nothing otherwise (AWS omits absent members).
    pub fn optional(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.element(name, text);
        }
    }

    /// Writes `<name>n</name>`.
    pub fn integer(&mut self, name: &str, n: i64) {
        self.element(name, &n.to_string());
    }

    /// Writes `<name>true</name>` or `<name>false</name>`.
    pub fn boolean(&mut self, name: &str, b: bool) {
        self.element(name, if b { "true" } else { "false" });
    }

    /// Writes `<name>2026-11-28T16:00:00Z</name>` (ISO 8601, UTC).
    pub fn timestamp(&mut self, name: &str, ts: Timestamp) {
        self.element(name, &ts.to_iso8601());
    }

    /// Writes `<name>` and a child produced by `write` (a nested structure), then `</name>`.
    pub fn structure(&mut self, name: &str, write: impl FnOnce(&mut Self)) {
        self.start(name);
        write(self);
        self.end(name);
    }

    /// Writes a list of strings the awsQuery way: `<name><member>a</member><member>b</member></name>`.
    /// An empty list is written as `<name></name>`.
    pub fn member_list<I>(&mut self, name: &str, items: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.start(name);
        for item in items {
            self.element("member", item.as_ref());
        }
        self.end(name);
    }

    /// Writes a list of structures: `<name><member>…</member>…</name>`, `write` filling each member.
    pub fn members<I, F>(&mut self, name: &str, items: I, mut write: F)
    where
        I: IntoIterator,
        F: FnMut(&mut Self, I::Item),
    {
        self.start(name);
        for item in items {
            self.start("member");
            write(self, item);
            self.end("member");
        }
        self.end(name);
    }

    /// Writes a map the awsQuery way: `<name><entry><key>k</key><value>v</value></entry>…</name>`.
    pub fn entries<'a, I>(&mut self, name: &str, entries: I)
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        self.start(name);
        for (key, value) in entries {
            self.start("entry");
            self.element("key", key);
            self.element("value", value);
            self.end("entry");
        }
        self.end(name);
    }

    /// The XML written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The XML written, as bytes for a body.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

/// Whether `name` is safe to write as an element name: ASCII letters and digits, not starting with a
/// digit. Every AWS operation and member name is.
pub(crate) fn is_simple_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Appends `text` escaped for element content and for double- or single-quoted attribute values.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A literal CR would be read back as LF (XML end-of-line handling); tab and LF are kept
            // literally in text, and only attribute values would normalize them, which we escape too.
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{xml_text, xml_texts};

    #[test]
    fn escapes_markup_quotes_and_keeps_non_ascii() {
        let mut w = XmlWriter::new();
        w.element("Message", "a <b> & \"c\" 'd' — ünïcødé 🔑");
        assert_eq!(
            w.as_str(),
            "<Message>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; — ünïcødé 🔑</Message>"
        );
        assert_eq!(xml_text(w.as_str(), "Message"), "a <b> & \"c\" 'd' — ünïcødé 🔑");
    }

    #[test]
    fn entity_lookalikes_are_escaped_not_interpreted() {
        let mut w = XmlWriter::new();
        w.element("M", "&amp; &#x41; ]]> <![CDATA[x]]>");
        assert_eq!(xml_text(w.as_str(), "M"), "&amp; &#x41; ]]> <![CDATA[x]]>");
    }

    #[test]
    fn control_characters_cannot_break_the_document() {
        let mut w = XmlWriter::new();
        w.element("M", "nul\0 bell\u{7} esc\u{1b} tab\t lf\n cr\r nonchar\u{FFFF}");
        assert_eq!(
            xml_text(w.as_str(), "M"),
            "nul\u{FFFD} bell\u{FFFD} esc\u{FFFD} tab\t lf\n cr\r nonchar\u{FFFD}"
        );
    }

    #[test]
    fn namespace_attribute_is_escaped() {
        let mut w = XmlWriter::new();
        w.start_with_namespace("R", "https://x/\"><evil a='b'");
        w.end("R");
        assert_eq!(
            w.as_str(),
            "<R xmlns=\"https://x/&quot;&gt;&lt;evil a=&apos;b&apos;\"></R>"
        );
        xml_texts(w.as_str());
    }

    #[test]
    fn optional_omits_absent_members() {
        let mut w = XmlWriter::new();
        w.optional("A", None);
        w.optional("B", Some(""));
        assert_eq!(w.as_str(), "<B></B>");
    }

    #[test]
    fn lists_maps_and_scalars() {
        let mut w = XmlWriter::new();
        w.start("R");
        w.member_list("Names", ["a", "<b>"]);
        w.member_list("Empty", Vec::<String>::new());
        w.members("Tags", [("k1", "v1"), ("k2", "v2")], |w, (k, v)| {
            w.element("Key", k);
            w.element("Value", v);
        });
        w.entries("Attributes", [("x", "1")]);
        w.integer("Size", -6);
        w.boolean("IsTruncated", false);
        w.timestamp("When", Timestamp::from_unix_seconds(1_795_881_600));
        w.structure("Nested", |w| w.element("Inner", "i"));
        w.end("R");
        assert_eq!(
            w.as_str(),
            "<R><Names><member>a</member><member>&lt;b&gt;</member></Names><Empty></Empty>\
             <Tags><member><Key>k1</Key><Value>v1</Value></member><member><Key>k2</Key><Value>v2</Value></member></Tags>\
             <Attributes><entry><key>x</key><value>1</value></entry></Attributes>\
             <Size>-6</Size><IsTruncated>false</IsTruncated><When>2026-11-28T16:00:00Z</When>\
             <Nested><Inner>i</Inner></Nested></R>"
        );
        let members: Vec<(String, String)> = xml_texts(w.as_str())
            .into_iter()
            .filter(|(path, _)| path == "R/Names/member")
            .collect();
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].1, "<b>");
    }

    #[test]
    fn simple_names() {
        assert!(is_simple_name("AssumeRole"));
        assert!(is_simple_name("ListRoles2"));
        for bad in ["", "2Fast", "Assume Role", "A<b", "A:b", "Ä"] {
            assert!(!is_simple_name(bad), "{bad}");
        }
    }
}
