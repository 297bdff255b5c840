//! The rotation function registry and the notification subscriptions: Strongroom's own API
//! (`StrongroomRotation`), authorized with `strongroom:*` actions like every other operation.
//!
//! A function is registered under `arn:aws:lambda:REGION:ACCOUNT:function:NAME` with an execution role
//! (registering needs `iam:PassRole` on it) and a kind: `builtin` (`{"rotator": "random-password"}`),
//! `command` (`{"command": ["/path/to/program", "arg"], "timeoutSeconds": 60}`) or `webhook`
//! (`{"url": "https://…", "timeoutSeconds": 30}`). A webhook function and a subscription get an HMAC
//! signing key, returned once at creation and kept sealed.

use base64::Engine as _;
use serde_json::Value;
use strongroom_crypto::{SecretBytes, SecretString};
use strongroom_store::StoreError;
use strongroom_store::rotation::{DeliveryRecord, DeliveryState, RotationFunctionRecord, SubscriptionRecord};
use strongroom_types::Sealed;

use super::builtin::Rotator;
use super::events::{EventName, signing_key_context};
use crate::authz::{self};
use crate::caller::Caller;
use crate::keyring::Purpose;
use crate::{ServiceError, Services};

/// The longest timeout a function may ask for.
const MAX_TIMEOUT_SECONDS: u64 = 900;

/// What a function is, parsed from its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionKind {
    Builtin(Rotator),
    Command {
        argv: Vec<String>,
        timeout: Option<std::time::Duration>,
    },
    Webhook {
        url: String,
        timeout: Option<std::time::Duration>,
    },
}

impl FunctionKind {
    /// Parses a kind and its JSON configuration; the error says what is wrong.
    pub fn parse(kind: &str, config: &str) -> Result<Self, String> {
        let config: Value =
            serde_json::from_str(config).map_err(|_| "the configuration must be a JSON object".to_owned())?;
        let timeout = match config.get("timeoutSeconds") {
            None => None,
            Some(value) => Some(
                value
                    .as_u64()
                    .filter(|s| (1..=MAX_TIMEOUT_SECONDS).contains(s))
                    .map(std::time::Duration::from_secs)
                    .ok_or_else(|| format!("timeoutSeconds must be between 1 and {MAX_TIMEOUT_SECONDS}"))?,
            ),
        };
        match kind {
            "builtin" => {
                let name = config
                    .get("rotator")
                    .and_then(Value::as_str)
                    .ok_or("a builtin function names its rotator")?;
                let rotator = Rotator::parse(name).ok_or_else(|| {
                    let known: Vec<&str> = Rotator::ALL.iter().map(|r| r.as_str()).collect();
                    format!("unknown rotator {name}; known: {}", known.join(", "))
                })?;
                Ok(Self::Builtin(rotator))
            }
            "command" => {
                let argv: Vec<String> = config
                    .get("command")
                    .and_then(Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                if argv.is_empty() || !argv[0].starts_with('/') {
                    return Err(
                        "a command function's command is a list starting with an absolute path".to_owned(),
                    );
                }
                Ok(Self::Command { argv, timeout })
            }
            "webhook" => {
                let url = config
                    .get("url")
                    .and_then(Value::as_str)
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                    .ok_or("a webhook function has an http(s) url")?;
                Ok(Self::Webhook {
                    url: url.to_owned(),
                    timeout,
                })
            }
            _ => Err(format!(
                "unknown function kind {kind}; use builtin, command or webhook"
            )),
        }
    }

    pub fn from_record(function: &RotationFunctionRecord) -> Result<Self, String> {
        Self::parse(&function.kind, &function.config)
    }
}

/// A function's registration as the API takes it.
#[derive(Debug, Clone)]
pub struct FunctionInput {
    pub name: String,
    pub kind: String,
    /// JSON text.
    pub config: String,
    pub role_arn: String,
}

/// A newly created function or subscription, with its signing key (shown once) when it has one.
#[derive(Debug)]
pub struct Created<T> {
    pub record: T,
    pub signing_key: Option<SecretString>,
}

fn function_arn(caller: &Caller, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        caller.region(),
        caller.account()
    )
}

fn authorize(services: &Services, caller: &Caller, action: &str, resource: &str) -> Result<(), ServiceError> {
    services.authz.authorize(
        caller,
        &authz::Request {
            action,
            resource,
            resource_account: caller.account().as_str(),
        },
    )?;
    Ok(())
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter {
        message: message.into(),
    }
}

fn internal(context: &'static str) -> impl FnOnce(StoreError) -> ServiceError {
    ServiceError::store(context)
}

/// A fresh signing key: its sealed form and the base64 text the owner is given once.
fn new_signing_key(services: &Services, owner: &str) -> (Sealed, SecretString) {
    let bytes = strongroom_crypto::random::bytes::<32>();
    let sealed = services
        .keyring
        .key(Purpose::Credentials)
        .seal(&bytes, &signing_key_context(owner));
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    (sealed, SecretString::from(text))
}

/// Opens a webhook function's signing key. The HMAC key is the base64 text the owner was given.
pub(crate) fn open_signing_key(
    services: &Services,
    function: &RotationFunctionRecord,
) -> Result<SecretBytes, String> {
    let sealed = function
        .signing_key
        .as_ref()
        .ok_or("the webhook function has no signing key")?;
    let raw = services
        .keyring
        .key(Purpose::Credentials)
        .open(sealed, &signing_key_context(&function.arn))
        .map_err(|_| "the webhook function's signing key does not open".to_owned())?;
    Ok(SecretBytes::from_vec(
        super::events::key_text(raw.expose_secret()).as_bytes().to_vec(),
    ))
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl super::Rotation {
    pub async fn create_function(
        &self,
        services: &Services,
        caller: &Caller,
        input: FunctionInput,
    ) -> Result<Created<RotationFunctionRecord>, ServiceError> {
        if !valid_name(&input.name) {
            return Err(invalid(
                "The function name must be 1 to 64 letters, digits, hyphens or underscores.",
            ));
        }
        let arn = function_arn(caller, &input.name);
        authorize(services, caller, "strongroom:CreateRotationFunction", &arn)?;
        FunctionKind::parse(&input.kind, &input.config).map_err(invalid)?;
        self.check_role(services, caller, &input.role_arn).await?;
        let now = crate::truncate_to_millis(services.clock.now());
        let (signing_key, shown) = if input.kind == "webhook" {
            let (sealed, text) = new_signing_key(services, &arn);
            (Some(sealed), Some(text))
        } else {
            (None, None)
        };
        let record = RotationFunctionRecord {
            arn,
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            name: input.name.clone(),
            kind: input.kind,
            config: input.config,
            role_arn: input.role_arn,
            signing_key,
            created_at: now,
            updated_at: now,
        };
        match services.store.create_rotation_function(&record).await {
            Ok(()) => Ok(Created {
                record,
                signing_key: shown,
            }),
            Err(StoreError::AlreadyExists) => Err(ServiceError::AlreadyExists {
                message: format!("Function already exist: {}", input.name),
            }),
            Err(err) => Err(internal("registering a rotation function")(err)),
        }
    }

    /// The execution role must exist in the caller's account, and the caller may pass it.
    async fn check_role(
        &self,
        services: &Services,
        caller: &Caller,
        role_arn: &str,
    ) -> Result<(), ServiceError> {
        authorize(services, caller, "iam:PassRole", role_arn)?;
        let prefix = format!("arn:aws:iam::{}:role/", caller.account());
        let name = role_arn
            .strip_prefix(&prefix)
            .and_then(|rest| rest.rsplit('/').next())
            .ok_or_else(|| invalid(format!("The role {role_arn} is not a role of this account.")))?;
        services
            .store
            .iam_role(caller.account(), name)
            .await
            .map_err(internal("reading an IAM role"))?
            .ok_or_else(|| {
                invalid(format!(
                    "The role defined for the function cannot be assumed: {role_arn}"
                ))
            })?;
        Ok(())
    }

    pub async fn list_functions(
        &self,
        services: &Services,
        caller: &Caller,
    ) -> Result<Vec<RotationFunctionRecord>, ServiceError> {
        authorize(services, caller, "strongroom:ListRotationFunctions", "*")?;
        services
            .store
            .rotation_functions(caller.account(), caller.region())
            .await
            .map_err(internal("listing rotation functions"))
    }

    async fn own_function(
        &self,
        services: &Services,
        caller: &Caller,
        name_or_arn: &str,
    ) -> Result<RotationFunctionRecord, ServiceError> {
        let arn = if name_or_arn.starts_with("arn:") {
            name_or_arn.to_owned()
        } else {
            function_arn(caller, name_or_arn)
        };
        services
            .store
            .rotation_function(&arn)
            .await
            .map_err(internal("reading a rotation function"))?
            .filter(|f| f.account_id == *caller.account())
            .ok_or_else(|| ServiceError::NotFound {
                message: format!("Function not found: {arn}"),
            })
    }

    pub async fn get_function(
        &self,
        services: &Services,
        caller: &Caller,
        name_or_arn: &str,
    ) -> Result<RotationFunctionRecord, ServiceError> {
        let function = self.own_function(services, caller, name_or_arn).await?;
        authorize(services, caller, "strongroom:GetRotationFunction", &function.arn)?;
        Ok(function)
    }

    /// Replaces a function's kind, configuration and role; a webhook keeps its signing key. A function that
    /// becomes a webhook gets a new signing key, returned in this answer only (as at registration).
    pub async fn update_function(
        &self,
        services: &Services,
        caller: &Caller,
        input: FunctionInput,
    ) -> Result<Created<RotationFunctionRecord>, ServiceError> {
        let existing = self.own_function(services, caller, &input.name).await?;
        authorize(
            services,
            caller,
            "strongroom:UpdateRotationFunction",
            &existing.arn,
        )?;
        FunctionKind::parse(&input.kind, &input.config).map_err(invalid)?;
        self.check_role(services, caller, &input.role_arn).await?;
        let (signing_key, shown) = match (&existing.signing_key, input.kind.as_str()) {
            (Some(key), "webhook") => (Some(key.clone()), None),
            (None, "webhook") => {
                let (sealed, text) = new_signing_key(services, &existing.arn);
                (Some(sealed), Some(text))
            }
            _ => (None, None),
        };
        let record = RotationFunctionRecord {
            kind: input.kind,
            config: input.config,
            role_arn: input.role_arn,
            signing_key,
            updated_at: crate::truncate_to_millis(services.clock.now()),
            ..existing
        };
        services
            .store
            .update_rotation_function(&record)
            .await
            .map_err(internal("updating a rotation function"))?;
        Ok(Created {
            record,
            signing_key: shown,
        })
    }

    pub async fn delete_function(
        &self,
        services: &Services,
        caller: &Caller,
        name_or_arn: &str,
    ) -> Result<(), ServiceError> {
        let existing = self.own_function(services, caller, name_or_arn).await?;
        authorize(
            services,
            caller,
            "strongroom:DeleteRotationFunction",
            &existing.arn,
        )?;
        services
            .store
            .delete_rotation_function(&existing.arn)
            .await
            .map_err(internal("deleting a rotation function"))?;
        Ok(())
    }

    pub async fn create_subscription(
        &self,
        services: &Services,
        caller: &Caller,
        url: &str,
        event_names: Vec<String>,
        secret_arn: Option<String>,
    ) -> Result<Created<SubscriptionRecord>, ServiceError> {
        authorize(services, caller, "strongroom:CreateSubscription", "*")?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid("The subscription's URL must be http(s)."));
        }
        if let Some(unknown) = event_names.iter().find(|n| EventName::parse(n).is_none()) {
            return Err(invalid(format!("Unknown event name: {unknown}")));
        }
        let id = strongroom_crypto::random::uuid_v4();
        let (signing_key, shown) = new_signing_key(services, &id);
        let record = SubscriptionRecord {
            id,
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            url: url.to_owned(),
            event_names,
            secret_arn,
            signing_key,
            created_at: crate::truncate_to_millis(services.clock.now()),
        };
        services
            .store
            .create_subscription(&record)
            .await
            .map_err(internal("creating a subscription"))?;
        Ok(Created {
            record,
            signing_key: Some(shown),
        })
    }

    pub async fn list_subscriptions(
        &self,
        services: &Services,
        caller: &Caller,
    ) -> Result<Vec<SubscriptionRecord>, ServiceError> {
        authorize(services, caller, "strongroom:ListSubscriptions", "*")?;
        services
            .store
            .subscriptions(caller.account(), caller.region())
            .await
            .map_err(internal("listing subscriptions"))
    }

    pub async fn delete_subscription(
        &self,
        services: &Services,
        caller: &Caller,
        id: &str,
    ) -> Result<(), ServiceError> {
        authorize(services, caller, "strongroom:DeleteSubscription", "*")?;
        let deleted = services
            .store
            .delete_subscription(caller.account(), id)
            .await
            .map_err(internal("deleting a subscription"))?;
        if deleted {
            Ok(())
        } else {
            Err(ServiceError::NotFound {
                message: format!("Subscription not found: {id}"),
            })
        }
    }

    /// The account's deliveries that were given up (the dead letters), oldest first.
    pub async fn dead_letters(
        &self,
        services: &Services,
        caller: &Caller,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, ServiceError> {
        authorize(services, caller, "strongroom:ListDeadLetters", "*")?;
        services
            .store
            .deliveries(caller.account(), DeliveryState::Dead, limit)
            .await
            .map_err(internal("listing dead letters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_configurations_parse_or_say_why_not() {
        let cases: &[(&str, &str, Result<FunctionKind, &str>)] = &[
            (
                "builtin",
                r#"{"rotator":"random-password"}"#,
                Ok(FunctionKind::Builtin(Rotator::RandomPassword)),
            ),
            ("builtin", r#"{"rotator":"nope"}"#, Err("unknown rotator")),
            ("builtin", r#"{}"#, Err("names its rotator")),
            (
                "command",
                r#"{"command":["/usr/bin/python3","shim.py"],"timeoutSeconds":30}"#,
                Ok(FunctionKind::Command {
                    argv: vec!["/usr/bin/python3".to_owned(), "shim.py".to_owned()],
                    timeout: Some(std::time::Duration::from_secs(30)),
                }),
            ),
            ("command", r#"{"command":["python3"]}"#, Err("absolute path")),
            (
                "command",
                r#"{"command":["/bin/true"],"timeoutSeconds":0}"#,
                Err("timeoutSeconds"),
            ),
            (
                "webhook",
                r#"{"url":"https://hooks.example/rotate"}"#,
                Ok(FunctionKind::Webhook {
                    url: "https://hooks.example/rotate".to_owned(),
                    timeout: None,
                }),
            ),
            ("webhook", r#"{"url":"ftp://x"}"#, Err("http(s) url")),
            ("lambda", r#"{}"#, Err("unknown function kind")),
            ("builtin", "not json", Err("JSON object")),
        ];
        for (kind, config, wanted) in cases {
            match (FunctionKind::parse(kind, config), wanted) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want),
                (Err(got), Err(want)) => assert!(got.contains(want), "{kind} {config}: {got}"),
                (got, want) => panic!("{kind} {config}: got {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn function_names_are_checked() {
        for (name, ok) in [
            ("rotator-1", true),
            ("a_b", true),
            ("", false),
            ("a b", false),
            ("x/y", false),
        ] {
            assert_eq!(valid_name(name), ok, "{name}");
        }
        assert!(!valid_name(&"x".repeat(65)));
    }
}
