//! `strongroom function …` and `strongroom subscription …`: rotation functions and notification subscriptions
//! managed through a running server's `StrongroomRotation` API, as the AWS CLI manages AWS resources.
//!
//! Every command makes its calls with [`Client`] (SigV4, settings from the `AWS_*` environment) and returns
//! the API's JSON answer, which the binary prints. A signing key appears only in the answer of the call that
//! created it (`function register` of a webhook, `subscription create`); nothing here adds or logs one.

use serde_json::{Map, Value, json};

use crate::cli::{
    FunctionCommand, FunctionConfigArgs, FunctionKindArg, FunctionRegisterArgs, FunctionUpdateArgs,
    RotationTarget, SubscriptionCommand,
};
use crate::client::{Client, ClientError, ClientSettings};

/// The signing name of Strongroom's rotation API.
const SERVICE: &str = "strongroom";

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum RotationCliError {
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The command line does not make a request the API would take; checked before any call.
    #[error("{0}")]
    Usage(String),
    #[error("the server's answer lacks {0}")]
    Missing(&'static str),
}

impl RotationCliError {
    /// The one line the binary prints on stderr: `error: <Code>: <message>` for an AWS error.
    pub fn render(&self) -> String {
        match self {
            Self::Client(ClientError::Aws { code, message, .. }) => format!("error: {code}: {message}"),
            other => format!("error: {other}"),
        }
    }
}

/// Runs a `function` subcommand against the server in the environment (or `--endpoint-url`).
pub async fn function(command: &FunctionCommand) -> Result<Value, RotationCliError> {
    let client = connect(command.target())?;
    function_with(&client, command).await
}

/// Runs a `subscription` subcommand against the server in the environment (or `--endpoint-url`).
pub async fn subscription(command: &SubscriptionCommand) -> Result<Value, RotationCliError> {
    let client = connect(command.target())?;
    subscription_with(&client, command).await
}

fn connect(target: &RotationTarget) -> Result<Client, RotationCliError> {
    Ok(Client::new(ClientSettings::from_env(
        target.endpoint_url.as_deref(),
    )?)?)
}

async fn call(client: &Client, operation: &str, body: &Value) -> Result<Value, RotationCliError> {
    let target = format!("StrongroomRotation.{operation}");
    Ok(client.call_json(SERVICE, &target, body).await?)
}

/// Runs a `function` subcommand with `client`.
pub async fn function_with(client: &Client, command: &FunctionCommand) -> Result<Value, RotationCliError> {
    match command {
        FunctionCommand::Register(args) => {
            let body = register_body(args)?;
            call(client, "CreateRotationFunction", &body).await
        }
        FunctionCommand::Get(args) => {
            call(
                client,
                "GetRotationFunction",
                &json!({ "FunctionName": args.name }),
            )
            .await
        }
        FunctionCommand::List(_) => call(client, "ListRotationFunctions", &json!({})).await,
        FunctionCommand::Update(args) => {
            let current = call(
                client,
                "GetRotationFunction",
                &json!({ "FunctionName": args.name }),
            )
            .await?;
            let body = update_body(args, &current["Function"])?;
            call(client, "UpdateRotationFunction", &body).await
        }
        FunctionCommand::Delete(args) => {
            call(
                client,
                "DeleteRotationFunction",
                &json!({ "FunctionName": args.name }),
            )
            .await
        }
    }
}

/// Runs a `subscription` subcommand with `client`.
pub async fn subscription_with(
    client: &Client,
    command: &SubscriptionCommand,
) -> Result<Value, RotationCliError> {
    match command {
        SubscriptionCommand::Create(args) => {
            let mut body = Map::new();
            body.insert("Url".into(), json!(args.url));
            if !args.events.is_empty() {
                body.insert("EventNames".into(), json!(args.events));
            }
            if let Some(secret) = &args.secret_id {
                body.insert("SecretId".into(), json!(secret));
            }
            call(client, "CreateSubscription", &Value::Object(body)).await
        }
        SubscriptionCommand::List(_) => call(client, "ListSubscriptions", &json!({})).await,
        SubscriptionCommand::Delete(args) => {
            call(
                client,
                "DeleteSubscription",
                &json!({ "SubscriptionId": args.subscription_id }),
            )
            .await
        }
        SubscriptionCommand::DeadLetters(args) => {
            let body = match args.max_results {
                Some(max) => json!({ "MaxResults": max }),
                None => json!({}),
            };
            call(client, "ListDeadLetters", &body).await
        }
    }
}

fn kind_name(kind: FunctionKindArg) -> &'static str {
    match kind {
        FunctionKindArg::Builtin => "builtin",
        FunctionKindArg::Command => "command",
        FunctionKindArg::Webhook => "webhook",
    }
}

/// A function kind's name and its configuration object.
type KindConfig = (&'static str, Map<String, Value>);

/// The kind and configuration the shortcut flags (`--rotator`, `--command`, `--url`) make, if any was given.
fn shortcut_config(args: &FunctionConfigArgs) -> Result<Option<KindConfig>, RotationCliError> {
    let mut made = Vec::new();
    if let Some(rotator) = &args.rotator {
        let mut config = Map::new();
        config.insert("rotator".into(), json!(rotator));
        made.push(("builtin", config));
    }
    if !args.command.is_empty() {
        let mut config = Map::new();
        config.insert("command".into(), json!(args.command));
        made.push(("command", config));
    }
    if let Some(url) = &args.url {
        let mut config = Map::new();
        config.insert("url".into(), json!(url));
        made.push(("webhook", config));
    }
    if made.len() > 1 {
        return Err(RotationCliError::Usage(
            "give one of --rotator, --command and --url".into(),
        ));
    }
    Ok(made.pop())
}

/// The kind and configuration text the flags ask for; `None` parts are left as they are (on update).
fn requested_config(
    args: &FunctionConfigArgs,
    current_config: Option<&str>,
) -> Result<(Option<&'static str>, Option<String>), RotationCliError> {
    let explicit_kind = args.kind.map(kind_name);
    let shortcut = shortcut_config(args)?;
    if shortcut.is_some() && args.configuration.is_some() {
        return Err(RotationCliError::Usage(
            "--configuration cannot be combined with --rotator, --command or --url".into(),
        ));
    }
    let (kind, mut config) = match shortcut {
        Some((implied, config)) => {
            if explicit_kind.is_some_and(|kind| kind != implied) {
                return Err(RotationCliError::Usage(format!(
                    "the flags given make a {implied} function, not {}",
                    explicit_kind.unwrap_or_default()
                )));
            }
            (Some(implied), Some(config))
        }
        None => {
            let config = match &args.configuration {
                Some(text) => Some(parse_object(text, "--configuration")?),
                None => None,
            };
            (explicit_kind, config)
        }
    };
    if let Some(timeout) = args.timeout_seconds {
        let mut base = match (config.take(), current_config) {
            (Some(config), _) => config,
            (None, Some(current)) => parse_object(current, "the function's configuration")?,
            (None, None) => Map::new(),
        };
        base.insert("timeoutSeconds".into(), json!(timeout));
        config = Some(base);
    }
    Ok((kind, config.map(|c| Value::Object(c).to_string())))
}

fn parse_object(text: &str, what: &str) -> Result<Map<String, Value>, RotationCliError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(RotationCliError::Usage(format!("{what} must be a JSON object"))),
    }
}

fn register_body(args: &FunctionRegisterArgs) -> Result<Value, RotationCliError> {
    let (kind, config) = requested_config(&args.config, None)?;
    let kind = kind.ok_or_else(|| {
        RotationCliError::Usage("give --rotator, --command or --url, or --kind with --configuration".into())
    })?;
    let config =
        config.ok_or_else(|| RotationCliError::Usage(format!("a {kind} function needs --configuration")))?;
    Ok(json!({
        "FunctionName": args.name,
        "Kind": kind,
        "Configuration": config,
        "Role": args.role,
    }))
}

/// The UpdateRotationFunction request: the flags given, the function's current settings for the rest.
fn update_body(args: &FunctionUpdateArgs, current: &Value) -> Result<Value, RotationCliError> {
    let current_kind = current["Kind"]
        .as_str()
        .ok_or(RotationCliError::Missing("Kind"))?;
    let current_config = current["Configuration"]
        .as_str()
        .ok_or(RotationCliError::Missing("Configuration"))?;
    let current_role = current["Role"]
        .as_str()
        .ok_or(RotationCliError::Missing("Role"))?;
    let (kind, config) = requested_config(&args.config, Some(current_config))?;
    let kind = kind.unwrap_or(current_kind);
    if kind != current_kind && config.is_none() {
        return Err(RotationCliError::Usage(format!(
            "changing the kind to {kind} needs its configuration"
        )));
    }
    Ok(json!({
        "FunctionName": args.name,
        "Kind": kind,
        "Configuration": config.as_deref().unwrap_or(current_config),
        "Role": args.role.as_deref().unwrap_or(current_role),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("strongroom").chain(args.iter().copied()))
            .unwrap()
            .command
    }

    fn register(args: &[&str]) -> Result<Value, RotationCliError> {
        let mut all = vec![
            "function",
            "register",
            "--name",
            "f",
            "--role",
            "arn:aws:iam::1:role/r",
        ];
        all.extend_from_slice(args);
        match parse(&all) {
            Command::Function(FunctionCommand::Register(args)) => register_body(&args),
            other => panic!("{other:?}"),
        }
    }

    fn update(args: &[&str], current: &Value) -> Result<Value, RotationCliError> {
        let mut all = vec!["function", "update", "f"];
        all.extend_from_slice(args);
        match parse(&all) {
            Command::Function(FunctionCommand::Update(args)) => update_body(&args, current),
            other => panic!("{other:?}"),
        }
    }

    fn config(body: &Value) -> Value {
        serde_json::from_str(body["Configuration"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn register_builds_the_request_from_shortcuts_or_kind_and_configuration() {
        let body = register(&["--rotator", "random-password"]).unwrap();
        assert_eq!(body["Kind"], "builtin");
        assert_eq!(body["FunctionName"], "f");
        assert_eq!(body["Role"], "arn:aws:iam::1:role/r");
        assert_eq!(config(&body), json!({"rotator": "random-password"}));

        let body = register(&["--command", "/bin/rotate", "x", "--timeout-seconds", "30"]).unwrap();
        assert_eq!(body["Kind"], "command");
        assert_eq!(
            config(&body),
            json!({"command": ["/bin/rotate", "x"], "timeoutSeconds": 30})
        );

        let body = register(&["--url", "https://hooks.example/r"]).unwrap();
        assert_eq!(body["Kind"], "webhook");

        let body = register(&[
            "--kind",
            "builtin",
            "--configuration",
            r#"{"rotator":"iam-access-keys"}"#,
        ])
        .unwrap();
        assert_eq!(config(&body), json!({"rotator": "iam-access-keys"}));

        for (args, says) in [
            (&["--rotator", "a", "--url", "https://x"][..], "one of"),
            (
                &["--rotator", "a", "--configuration", "{}"][..],
                "cannot be combined",
            ),
            (&["--kind", "webhook", "--rotator", "a"][..], "builtin function"),
            (&["--kind", "builtin"][..], "needs --configuration"),
            (
                &["--kind", "builtin", "--configuration", "[1]"][..],
                "JSON object",
            ),
            (&[][..], "give --rotator"),
        ] {
            let err = register(args).unwrap_err();
            assert!(err.to_string().contains(says), "{args:?}: {err}");
        }
    }

    #[test]
    fn update_keeps_what_the_flags_do_not_change() {
        let current = json!({
            "Kind": "command",
            "Configuration": r#"{"command":["/bin/rotate"]}"#,
            "Role": "arn:aws:iam::1:role/old",
        });
        let body = update(&["--role", "arn:aws:iam::1:role/new"], &current).unwrap();
        assert_eq!(body["Kind"], "command");
        assert_eq!(body["Configuration"], r#"{"command":["/bin/rotate"]}"#);
        assert_eq!(body["Role"], "arn:aws:iam::1:role/new");

        let body = update(&["--timeout-seconds", "5"], &current).unwrap();
        assert_eq!(
            config(&body),
            json!({"command": ["/bin/rotate"], "timeoutSeconds": 5})
        );
        assert_eq!(body["Role"], "arn:aws:iam::1:role/old");

        let body = update(&["--rotator", "random-password"], &current).unwrap();
        assert_eq!(body["Kind"], "builtin");
        assert_eq!(config(&body), json!({"rotator": "random-password"}));

        let err = update(&["--kind", "webhook"], &current).unwrap_err();
        assert!(err.to_string().contains("needs its configuration"), "{err}");
        assert!(update(&[], &json!({})).is_err());
    }

    #[test]
    fn aws_errors_render_with_their_code() {
        let err = RotationCliError::Client(ClientError::Aws {
            status: 400,
            code: "ResourceNotFoundException".into(),
            message: "Function not found: x".into(),
        });
        assert_eq!(
            err.render(),
            "error: ResourceNotFoundException: Function not found: x"
        );
        assert_eq!(
            RotationCliError::Client(ClientError::MissingEndpoint).render(),
            "error: no endpoint: pass --endpoint-url or set AWS_ENDPOINT_URL"
        );
    }

    #[test]
    fn subscription_commands_parse() {
        match parse(&[
            "subscription",
            "create",
            "--url",
            "https://h",
            "--event",
            "RotationSucceeded",
            "--event",
            "SecretVersionDeprecated",
            "--secret-id",
            "arn:s",
        ]) {
            Command::Subscription(SubscriptionCommand::Create(args)) => {
                assert_eq!(args.events, ["RotationSucceeded", "SecretVersionDeprecated"]);
                assert_eq!(args.secret_id.as_deref(), Some("arn:s"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&["subscription", "dead-letters", "--max-results", "5"]),
            Command::Subscription(SubscriptionCommand::DeadLetters(_))
        ));
        assert!(matches!(
            parse(&["subscription", "delete", "id", "--endpoint-url", "http://h:1"]),
            Command::Subscription(SubscriptionCommand::Delete(_))
        ));
    }
}
