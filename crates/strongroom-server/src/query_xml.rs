//! Reads the XML answers of awsQuery APIs (IAM, STS) into a small element tree for the client subcommands.
//!
//! The answers are small and their shapes fixed, so a tree of names, text and children is all a caller needs;
//! namespaces are dropped (AWS puts every element in the service's default namespace).

use quick_xml::events::Event;

/// What makes a document unreadable.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("the XML is not well formed: {0}")]
    Malformed(String),
    #[error("the XML holds no element")]
    Empty,
}

/// One element: its local name, its text (character data directly inside it) and its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// The children called `name`, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The element reached by following `path` through first children of those names.
    pub fn find(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |element, name| element.child(name))
    }

    /// The text of the element at `path`, if there is one.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.find(path).map(|element| element.text.as_str())
    }

    /// The `member` elements of the list at `path` (none when the list is absent).
    pub fn members<'a>(&'a self, path: &[&str]) -> Vec<&'a Element> {
        self.find(path)
            .map(|list| list.children_named("member").collect())
            .unwrap_or_default()
    }
}

/// Parses `xml` and returns its root element.
pub fn parse(xml: &str) -> Result<Element, XmlError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let malformed = |err: &dyn std::fmt::Display| XmlError::Malformed(err.to_string());
    // The open elements, innermost last; a closed element is pushed onto its parent.
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|err| malformed(&err))?;
        match event {
            Event::Start(start) => open.push(Element {
                name: local_name(start.local_name().as_ref()),
                ..Element::default()
            }),
            Event::Empty(empty) => {
                let element = Element {
                    name: local_name(empty.local_name().as_ref()),
                    ..Element::default()
                };
                close(&mut open, &mut root, element)?;
            }
            Event::End(_) => {
                let element = open
                    .pop()
                    .ok_or_else(|| malformed(&"an end tag without a start"))?;
                close(&mut open, &mut root, element)?;
            }
            Event::Text(text) => {
                let decoded = text.xml_content().map_err(|err| malformed(&err))?;
                push_text(&mut open, &decoded);
            }
            Event::CData(data) => {
                let decoded = data.decode().map_err(|err| malformed(&err))?;
                push_text(&mut open, &decoded);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|err| malformed(&err))? {
                    Some(character) => character.to_string(),
                    None => {
                        let name = reference.decode().map_err(|err| malformed(&err))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(&format!("the entity &{name}; is not defined")))?
                            .to_owned()
                    }
                };
                push_text(&mut open, &resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !open.is_empty() {
        return Err(malformed(&"the document ends inside an element"));
    }
    root.ok_or(XmlError::Empty)
}

fn local_name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn push_text(open: &mut [Element], text: &str) {
    // Text outside the root element is whitespace between markup; it belongs to nothing.
    if let Some(current) = open.last_mut() {
        current.text.push_str(text);
    }
}

fn close(open: &mut [Element], root: &mut Option<Element>, element: Element) -> Result<(), XmlError> {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err(XmlError::Malformed("more than one root element".into())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_text_and_lists() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <EvaluationResults>
      <member><EvalActionName>s3:Get&amp;Put</EvalActionName><EvalDecision>allowed</EvalDecision></member>
      <member><EvalActionName><![CDATA[a<b]]>&#233;&#x41;</EvalActionName><MatchedStatements/></member>
    </EvaluationResults>
    <IsTruncated>false</IsTruncated>
  </SimulatePrincipalPolicyResult>
</SimulatePrincipalPolicyResponse>"#;
        let root = parse(xml).unwrap();
        assert_eq!(root.name, "SimulatePrincipalPolicyResponse");
        let results = root.members(&["SimulatePrincipalPolicyResult", "EvaluationResults"]);
        let actions: Vec<_> = results
            .iter()
            .map(|member| member.text_at(&["EvalActionName"]))
            .collect();
        assert_eq!(actions, [Some("s3:Get&Put"), Some("a<béA")]);
        assert!(results[1].members(&["MatchedStatements"]).is_empty());
        assert!(results[1].find(&["MatchedStatements"]).is_some());
        assert_eq!(
            root.text_at(&["SimulatePrincipalPolicyResult", "IsTruncated"]),
            Some("false")
        );
        assert_eq!(root.text_at(&["Missing", "Path"]), None);
    }

    #[test]
    fn prefixed_names_are_read_by_their_local_name() {
        let root = parse(r#"<a:Root xmlns:a="urn:x"><a:Child>v</a:Child></a:Root>"#).unwrap();
        assert_eq!(root.name, "Root");
        assert_eq!(root.text_at(&["Child"]), Some("v"));
    }

    #[test]
    fn bad_documents_are_refused() {
        for xml in [
            "",
            "not xml",
            "<a><b></a>",
            "<a>",
            "<a/><b/>",
            "<a>&unknown;</a>",
            "</a>",
        ] {
            assert!(parse(xml).is_err(), "{xml:?} was accepted");
        }
    }
}
