//! Distinguished names for subjects, built from the attributes ACM PCA's `ASN1Subject` names.

use rcgen::{DistinguishedName, DnType, DnValue};

use super::PkiError;

/// The attributes of `ASN1Subject` that a subject may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameAttribute {
    Country,
    Organization,
    OrganizationalUnit,
    DistinguishedNameQualifier,
    State,
    CommonName,
    SerialNumber,
    Locality,
    Title,
    Surname,
    GivenName,
    Initials,
    Pseudonym,
    GenerationQualifier,
}

impl NameAttribute {
    /// Every attribute, in the order a subject lists them (country first, as CAs usually write them).
    pub const ALL: [Self; 14] = [
        Self::Country,
        Self::State,
        Self::Locality,
        Self::Organization,
        Self::OrganizationalUnit,
        Self::DistinguishedNameQualifier,
        Self::SerialNumber,
        Self::Title,
        Self::Surname,
        Self::GivenName,
        Self::Initials,
        Self::Pseudonym,
        Self::GenerationQualifier,
        Self::CommonName,
    ];

    fn oid(self) -> &'static [u64] {
        match self {
            Self::CommonName => &[2, 5, 4, 3],
            Self::Surname => &[2, 5, 4, 4],
            Self::SerialNumber => &[2, 5, 4, 5],
            Self::Country => &[2, 5, 4, 6],
            Self::Locality => &[2, 5, 4, 7],
            Self::State => &[2, 5, 4, 8],
            Self::Organization => &[2, 5, 4, 10],
            Self::OrganizationalUnit => &[2, 5, 4, 11],
            Self::Title => &[2, 5, 4, 12],
            Self::GivenName => &[2, 5, 4, 42],
            Self::Initials => &[2, 5, 4, 43],
            Self::GenerationQualifier => &[2, 5, 4, 44],
            Self::DistinguishedNameQualifier => &[2, 5, 4, 46],
            Self::Pseudonym => &[2, 5, 4, 65],
        }
    }

    /// RFC 5280 asks for PrintableString for these; the rest are UTF8String.
    fn printable(self) -> bool {
        matches!(
            self,
            Self::Country | Self::SerialNumber | Self::DistinguishedNameQualifier
        )
    }
}

/// A subject: attributes in order, each a single-valued RDN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectName {
    pub attributes: Vec<(NameAttribute, String)>,
}

impl SubjectName {
    /// A subject with only a common name.
    pub fn common_name(cn: &str) -> Self {
        Self {
            attributes: vec![(NameAttribute::CommonName, cn.to_owned())],
        }
    }

    pub(super) fn to_rcgen(&self) -> Result<DistinguishedName, PkiError> {
        if self.attributes.is_empty() {
            return Err(PkiError::Invalid("the subject has no attributes"));
        }
        let mut name = DistinguishedName::new();
        for (attribute, value) in &self.attributes {
            let dn_type = match attribute {
                NameAttribute::CommonName => DnType::CommonName,
                NameAttribute::Country => DnType::CountryName,
                NameAttribute::Locality => DnType::LocalityName,
                NameAttribute::State => DnType::StateOrProvinceName,
                NameAttribute::Organization => DnType::OrganizationName,
                NameAttribute::OrganizationalUnit => DnType::OrganizationalUnitName,
                other => DnType::CustomDnType(other.oid().to_vec()),
            };
            let dn_value = if attribute.printable() {
                DnValue::PrintableString(
                    value
                        .as_str()
                        .try_into()
                        .map_err(|_| PkiError::Invalid("a printable attribute has other characters"))?,
                )
            } else {
                DnValue::Utf8String(value.clone())
            };
            name.push(dn_type, dn_value);
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn names_convert_and_refuse_bad_input() {
        assert!(SubjectName::default().to_rcgen().is_err());
        let bad_country = SubjectName {
            attributes: vec![(NameAttribute::Country, "Ü!".into())],
        };
        assert!(bad_country.to_rcgen().is_err());
        let all = SubjectName {
            attributes: NameAttribute::ALL.iter().map(|a| (*a, "X1".to_owned())).collect(),
        };
        assert_eq!(all.to_rcgen().unwrap().iter().count(), 14);
    }
}
