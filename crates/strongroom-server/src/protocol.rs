//! Which services Strongroom serves, which AWS protocol each speaks, and how to tell them apart.

/// An AWS wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `POST /` with `X-Amz-Target: {prefix}.{Operation}` and a JSON body.
    Json { target_prefix: &'static str },
    /// A form body with `Action=…`, answered in XML in the given namespace.
    Query { namespace: &'static str },
    /// Operations chosen by method and path, JSON in and out.
    RestJson,
}

/// A service by its SigV4 signing name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub protocol: Protocol,
}

/// Every service one listener serves. The signing name in the credential scope picks the row.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "secretsmanager",
        protocol: Protocol::Json {
            target_prefix: "secretsmanager",
        },
    },
    ServiceSpec {
        name: "kms",
        protocol: Protocol::Json {
            target_prefix: "TrentService",
        },
    },
    ServiceSpec {
        name: "acm-pca",
        protocol: Protocol::Json {
            target_prefix: "ACMPrivateCA",
        },
    },
    ServiceSpec {
        name: "sts",
        protocol: Protocol::Query {
            namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
        },
    },
    ServiceSpec {
        name: "iam",
        protocol: Protocol::Query {
            namespace: "https://iam.amazonaws.com/doc/2010-05-08/",
        },
    },
    ServiceSpec {
        name: "rolesanywhere",
        protocol: Protocol::RestJson,
    },
    ServiceSpec {
        name: "strongroom",
        protocol: Protocol::Json {
            target_prefix: "StrongroomRotation",
        },
    },
];

pub fn by_name(name: &str) -> Option<ServiceSpec> {
    SERVICES.iter().copied().find(|spec| spec.name == name)
}

/// The JSON service whose target prefix starts `target` (`secretsmanager.GetSecretValue`).
pub fn by_target(target: &str) -> Option<ServiceSpec> {
    let prefix = target.split('.').next()?;
    SERVICES
        .iter()
        .copied()
        .find(|spec| matches!(spec.protocol, Protocol::Json { target_prefix } if target_prefix == prefix))
}

/// The service a request without a usable signature is most likely meant for, so that its error has the
/// shape its client can read: a target header means a JSON service, a form body the query protocol, and
/// anything else REST.
pub fn guess(target: Option<&str>, content_type: Option<&str>, path: &str) -> ServiceSpec {
    if let Some(spec) = target.and_then(by_target) {
        return spec;
    }
    if target.is_some() {
        return SERVICES[0];
    }
    let form = content_type.is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if form || path == "/" {
        return ServiceSpec {
            name: "sts",
            protocol: SERVICES[3].protocol,
        };
    }
    ServiceSpec {
        name: "rolesanywhere",
        protocol: Protocol::RestJson,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_services_by_target_and_guesses_shapes() {
        assert_eq!(by_target("TrentService.Encrypt").map(|s| s.name), Some("kms"));
        assert_eq!(
            by_target("secretsmanager.GetSecretValue").map(|s| s.name),
            Some("secretsmanager")
        );
        assert_eq!(by_target("Nope.X"), None);
        assert_eq!(guess(Some("Nope.X"), None, "/").name, "secretsmanager");
        assert_eq!(
            guess(
                None,
                Some("application/x-www-form-urlencoded; charset=utf-8"),
                "/"
            )
            .name,
            "sts"
        );
        assert_eq!(guess(None, None, "/sessions").name, "rolesanywhere");
    }
}
