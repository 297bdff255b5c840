//! `strongroom policy simulate`: asks a running server's IAM policy simulator (SimulatePrincipalPolicy over
//! awsQuery) whether a principal would be allowed actions on a resource, and names the deciding statement.
//!
//! The request is built from the arguments before any call; every page of the answer is read, so a long
//! list of actions is answered whole. Nothing here handles a secret beyond the signing credentials.

use serde_json::{Map, Value, json};

use crate::cli::{ContextArg, PolicySimulateArgs};
use crate::client::{Client, ClientError, ClientSettings};
use crate::query_xml::{self, Element};

/// IAM's signing name and API version.
const IAM_SERVICE: &str = "iam";
const IAM_VERSION: &str = "2010-05-08";
/// The simulator's page size: AWS's largest.
const PAGE_SIZE: &str = "1000";
/// A bound on pages, so a server that always answers "truncated" cannot keep the command running.
const MAX_PAGES: usize = 1000;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum PolicyCliError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the server's answer is not a simulation result: {0}")]
    InvalidAnswer(String),
}

impl PolicyCliError {
    /// The one line the binary prints on stderr: `error: <Code>: <message>` for an AWS error.
    pub fn render(&self) -> String {
        match self {
            Self::Client(ClientError::Aws { code, message, .. }) => format!("error: {code}: {message}"),
            other => format!("error: {other}"),
        }
    }
}

/// A statement that decided one simulated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidingStatement {
    pub policy_id: String,
    pub policy_type: String,
    /// The statement's first line and column in its policy document.
    pub start: Option<(u32, u32)>,
    pub end: Option<(u32, u32)>,
}

/// The simulator's answer for one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub action: String,
    pub resource: String,
    /// `allowed`, `implicitDeny` or `explicitDeny`.
    pub decision: String,
    pub statements: Vec<DecidingStatement>,
    pub allowed_by_permissions_boundary: Option<bool>,
}

impl Evaluation {
    pub fn is_allowed(&self) -> bool {
        self.decision == "allowed"
    }

    /// `DECISION  ACTION  RESOURCE  by STATEMENT[; STATEMENT…]`.
    pub fn line(&self) -> String {
        let by = if self.statements.is_empty() {
            "no statement".to_owned()
        } else {
            self.statements
                .iter()
                .map(DecidingStatement::describe)
                .collect::<Vec<_>>()
                .join("; ")
        };
        let boundary = match self.allowed_by_permissions_boundary {
            Some(false) => " (outside the permissions boundary)",
            _ => "",
        };
        format!(
            "{}  {}  {}  by {by}{boundary}",
            self.decision, self.action, self.resource
        )
    }

    /// The `EvaluationResults` member as the AWS CLI prints it.
    pub fn to_json(&self) -> Value {
        let position =
            |p: Option<(u32, u32)>| p.map(|(line, column)| json!({"Line": line, "Column": column}));
        let statements: Vec<Value> = self
            .statements
            .iter()
            .map(|s| {
                let mut statement = Map::new();
                statement.insert("SourcePolicyId".into(), json!(s.policy_id));
                statement.insert("SourcePolicyType".into(), json!(s.policy_type));
                if let Some(start) = position(s.start) {
                    statement.insert("StartPosition".into(), start);
                }
                if let Some(end) = position(s.end) {
                    statement.insert("EndPosition".into(), end);
                }
                Value::Object(statement)
            })
            .collect();
        let mut result = Map::new();
        result.insert("EvalActionName".into(), json!(self.action));
        result.insert("EvalResourceName".into(), json!(self.resource));
        result.insert("EvalDecision".into(), json!(self.decision));
        result.insert("MatchedStatements".into(), Value::Array(statements));
        if let Some(allowed) = self.allowed_by_permissions_boundary {
            result.insert(
                "PermissionsBoundaryDecisionDetail".into(),
                json!({ "AllowedByPermissionsBoundary": allowed }),
            );
        }
        Value::Object(result)
    }
}

impl DecidingStatement {
    fn describe(&self) -> String {
        match self.start {
            Some((line, column)) => format!(
                "{} ({} policy) statement at line {line} column {column}",
                self.policy_id, self.policy_type
            ),
            None => format!("{} ({} policy)", self.policy_id, self.policy_type),
        }
    }
}

/// `{"EvaluationResults": […]}`, what `--json` prints.
pub fn results_json(evaluations: &[Evaluation]) -> Value {
    json!({ "EvaluationResults": evaluations.iter().map(Evaluation::to_json).collect::<Vec<_>>() })
}

/// Runs the simulation against the server in the environment (or `--endpoint-url`, `--region`).
pub async fn simulate(args: &PolicySimulateArgs) -> Result<Vec<Evaluation>, PolicyCliError> {
    let region = args.region.clone();
    let settings = ClientSettings::from_lookup(args.endpoint_url.as_deref(), |name| match name {
        "AWS_REGION" if region.is_some() => region.clone(),
        _ => std::env::var(name).ok(),
    })?;
    let client = Client::new(settings)?;
    simulate_with(&client, args).await
}

/// Runs the simulation with `client`, reading every page.
pub async fn simulate_with(
    client: &Client,
    args: &PolicySimulateArgs,
) -> Result<Vec<Evaluation>, PolicyCliError> {
    let mut evaluations = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = request_params(args, marker.as_deref());
        let xml = client
            .call_query(IAM_SERVICE, "SimulatePrincipalPolicy", IAM_VERSION, &params)
            .await?;
        let page = read_page(&xml)?;
        evaluations.extend(page.evaluations);
        match page.marker {
            Some(next) => marker = Some(next),
            None => return Ok(evaluations),
        }
    }
    Err(PolicyCliError::InvalidAnswer(format!(
        "still truncated after {MAX_PAGES} pages"
    )))
}

/// The SimulatePrincipalPolicy members besides `Action` and `Version`.
pub fn request_params(args: &PolicySimulateArgs, marker: Option<&str>) -> Vec<(String, String)> {
    let mut params = vec![("PolicySourceArn".to_owned(), args.principal.clone())];
    for (i, action) in args.actions.iter().enumerate() {
        params.push((format!("ActionNames.member.{}", i + 1), action.clone()));
    }
    if let Some(resource) = &args.resource {
        params.push(("ResourceArns.member.1".to_owned(), resource.clone()));
    }
    for (i, entry) in args.context.iter().enumerate() {
        push_context(&mut params, i + 1, entry);
    }
    params.push(("MaxItems".to_owned(), PAGE_SIZE.to_owned()));
    if let Some(marker) = marker {
        params.push(("Marker".to_owned(), marker.to_owned()));
    }
    params
}

fn push_context(params: &mut Vec<(String, String)>, n: usize, entry: &ContextArg) {
    let prefix = format!("ContextEntries.member.{n}");
    params.push((format!("{prefix}.ContextKeyName"), entry.key.clone()));
    params.push((format!("{prefix}.ContextKeyType"), entry.kind.clone()));
    for (i, value) in entry.values.iter().enumerate() {
        params.push((
            format!("{prefix}.ContextKeyValues.member.{}", i + 1),
            value.clone(),
        ));
    }
}

/// One page of the answer: its evaluations, and the marker of the next page when it is truncated.
#[derive(Debug, PartialEq, Eq)]
pub struct Page {
    pub evaluations: Vec<Evaluation>,
    pub marker: Option<String>,
}

/// Reads a `SimulatePrincipalPolicyResponse`.
pub fn read_page(xml: &str) -> Result<Page, PolicyCliError> {
    let invalid = |what: &str| PolicyCliError::InvalidAnswer(what.to_owned());
    let root = query_xml::parse(xml).map_err(|err| invalid(&err.to_string()))?;
    let result = root
        .child("SimulatePrincipalPolicyResult")
        .ok_or_else(|| invalid("no SimulatePrincipalPolicyResult"))?;
    let evaluations = result
        .members(&["EvaluationResults"])
        .into_iter()
        .map(read_evaluation)
        .collect::<Result<Vec<_>, _>>()?;
    let truncated = result.text_at(&["IsTruncated"]).map(str::trim) == Some("true");
    let marker = if truncated {
        let marker = result
            .text_at(&["Marker"])
            .filter(|m| !m.is_empty())
            .ok_or_else(|| invalid("a truncated page without a Marker"))?;
        Some(marker.to_owned())
    } else {
        None
    };
    Ok(Page { evaluations, marker })
}

fn read_evaluation(member: &Element) -> Result<Evaluation, PolicyCliError> {
    let required = |name: &str| {
        member
            .text_at(&[name])
            .map(str::to_owned)
            .ok_or_else(|| PolicyCliError::InvalidAnswer(format!("an evaluation result without {name}")))
    };
    let statements = member
        .members(&["MatchedStatements"])
        .into_iter()
        .map(|statement| DecidingStatement {
            policy_id: statement
                .text_at(&["SourcePolicyId"])
                .unwrap_or_default()
                .to_owned(),
            policy_type: statement
                .text_at(&["SourcePolicyType"])
                .unwrap_or_default()
                .to_owned(),
            start: read_position(statement.child("StartPosition")),
            end: read_position(statement.child("EndPosition")),
        })
        .collect();
    let allowed_by_permissions_boundary = member
        .text_at(&[
            "PermissionsBoundaryDecisionDetail",
            "AllowedByPermissionsBoundary",
        ])
        .map(|text| text.trim() == "true");
    Ok(Evaluation {
        action: required("EvalActionName")?,
        resource: required("EvalResourceName")?,
        decision: required("EvalDecision")?,
        statements,
        allowed_by_permissions_boundary,
    })
}

fn read_position(position: Option<&Element>) -> Option<(u32, u32)> {
    let position = position?;
    let number = |name: &str| -> Option<u32> { position.text_at(&[name])?.trim().parse().ok() };
    Some((number("Line")?, number("Column")?))
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command, PolicyCommand};

    fn parse(args: &[&str]) -> Result<PolicySimulateArgs, clap::Error> {
        let mut argv = vec!["strongroom", "policy", "simulate"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Policy(PolicyCommand::Simulate(args)) => Ok(args),
            other => panic!("{other:?}"),
        }
    }

    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

    #[test]
    fn arguments_become_the_request_members() {
        let args = parse(&[
            "--principal",
            ALICE,
            "--action",
            "secretsmanager:GetSecretValue",
            "--action",
            "kms:Decrypt",
            "--resource",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
            "--context",
            "aws:SourceIp=ip:10.0.0.1",
            "--context",
            "aws:TagKeys=stringList:a,b",
            "--endpoint",
            "http://127.0.0.1:1",
            "--region",
            "eu-west-1",
            "--json",
        ])
        .unwrap();
        assert!(args.json);
        assert_eq!(args.endpoint_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(args.region.as_deref(), Some("eu-west-1"));
        let params = request_params(&args, Some("page2"));
        let expected = [
            ("PolicySourceArn", ALICE),
            ("ActionNames.member.1", "secretsmanager:GetSecretValue"),
            ("ActionNames.member.2", "kms:Decrypt"),
            (
                "ResourceArns.member.1",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
            ),
            ("ContextEntries.member.1.ContextKeyName", "aws:SourceIp"),
            ("ContextEntries.member.1.ContextKeyType", "ip"),
            ("ContextEntries.member.1.ContextKeyValues.member.1", "10.0.0.1"),
            ("ContextEntries.member.2.ContextKeyName", "aws:TagKeys"),
            ("ContextEntries.member.2.ContextKeyType", "stringList"),
            ("ContextEntries.member.2.ContextKeyValues.member.1", "a"),
            ("ContextEntries.member.2.ContextKeyValues.member.2", "b"),
            ("MaxItems", "1000"),
            ("Marker", "page2"),
        ];
        let got: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn without_a_resource_none_is_sent_and_the_endpoint_flag_has_its_long_name() {
        let args = parse(&[
            "--principal",
            ALICE,
            "--action",
            "iam:GetUser",
            "--endpoint-url",
            "http://h:1",
        ])
        .unwrap();
        assert_eq!(args.endpoint_url.as_deref(), Some("http://h:1"));
        let params = request_params(&args, None);
        assert!(
            params
                .iter()
                .all(|(name, _)| !name.starts_with("ResourceArns") && name != "Marker")
        );
    }

    #[test]
    fn context_entries() {
        let ok = [
            ("aws:SourceIp=ip:10.0.0.1", "aws:SourceIp", "ip", vec!["10.0.0.1"]),
            (
                "aws:PrincipalTag/team=string:blue:green",
                "aws:PrincipalTag/team",
                "string",
                vec!["blue:green"],
            ),
            ("k=string:", "k", "string", vec![""]),
            ("k=numericList:1,2,3", "k", "numericList", vec!["1", "2", "3"]),
            (
                "aws:CurrentTime=date:2026-01-01T00:00:00Z",
                "aws:CurrentTime",
                "date",
                vec!["2026-01-01T00:00:00Z"],
            ),
        ];
        for (text, key, kind, values) in ok {
            let entry: ContextArg = text.parse().unwrap();
            assert_eq!(
                (entry.key.as_str(), entry.kind.as_str(), entry.values),
                (
                    key,
                    kind,
                    values.into_iter().map(str::to_owned).collect::<Vec<_>>()
                ),
                "{text}"
            );
        }
        for bad in ["aws:SourceIp", "k=10.0.0.1", "=string:v", "k=str:v", "k=String:v"] {
            assert!(bad.parse::<ContextArg>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn usage_errors_are_caught_before_any_call() {
        for args in [
            &["--action", "iam:GetUser"][..],
            &["--principal", ALICE][..],
            &["--principal", ALICE, "--action", "a", "--context", "nokind"][..],
        ] {
            assert!(parse(args).is_err(), "{args:?} was accepted");
        }
    }

    const PAGE: &str = r#"<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <EvaluationResults>
      <member>
        <EvalActionName>iam:ListAccessKeys</EvalActionName>
        <EvalResourceName>arn:aws:iam::123456789012:user/Alice</EvalResourceName>
        <EvalDecision>allowed</EvalDecision>
        <MatchedStatements>
          <member>
            <SourcePolicyId>ManageOwnAccessKeys</SourcePolicyId>
            <SourcePolicyType>user</SourcePolicyType>
            <StartPosition><Line>4</Line><Column>5</Column></StartPosition>
            <EndPosition><Line>9</Line><Column>6</Column></EndPosition>
          </member>
        </MatchedStatements>
        <MissingContextValues/>
      </member>
      <member>
        <EvalActionName>iam:DeleteUser</EvalActionName>
        <EvalResourceName>*</EvalResourceName>
        <EvalDecision>implicitDeny</EvalDecision>
        <MatchedStatements/>
        <MissingContextValues/>
        <PermissionsBoundaryDecisionDetail>
          <AllowedByPermissionsBoundary>false</AllowedByPermissionsBoundary>
        </PermissionsBoundaryDecisionDetail>
      </member>
    </EvaluationResults>
    <IsTruncated>true</IsTruncated>
    <Marker>next-page</Marker>
  </SimulatePrincipalPolicyResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</SimulatePrincipalPolicyResponse>"#;

    #[test]
    fn a_page_is_read_and_printed() {
        let page = read_page(PAGE).unwrap();
        assert_eq!(page.marker.as_deref(), Some("next-page"));
        let lines: Vec<String> = page.evaluations.iter().map(Evaluation::line).collect();
        assert_eq!(
            lines,
            [
                "allowed  iam:ListAccessKeys  arn:aws:iam::123456789012:user/Alice  by ManageOwnAccessKeys \
                 (user policy) statement at line 4 column 5",
                "implicitDeny  iam:DeleteUser  *  by no statement (outside the permissions boundary)",
            ]
        );
        assert!(page.evaluations[0].is_allowed() && !page.evaluations[1].is_allowed());
        assert_eq!(
            results_json(&page.evaluations),
            json!({"EvaluationResults": [
                {
                    "EvalActionName": "iam:ListAccessKeys",
                    "EvalResourceName": "arn:aws:iam::123456789012:user/Alice",
                    "EvalDecision": "allowed",
                    "MatchedStatements": [{
                        "SourcePolicyId": "ManageOwnAccessKeys",
                        "SourcePolicyType": "user",
                        "StartPosition": {"Line": 4, "Column": 5},
                        "EndPosition": {"Line": 9, "Column": 6},
                    }],
                },
                {
                    "EvalActionName": "iam:DeleteUser",
                    "EvalResourceName": "*",
                    "EvalDecision": "implicitDeny",
                    "MatchedStatements": [],
                    "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": false},
                },
            ]})
        );
    }

    #[test]
    fn the_last_page_has_no_marker_and_bad_answers_are_refused() {
        let last = PAGE
            .replace(
                "<IsTruncated>true</IsTruncated>",
                "<IsTruncated>false</IsTruncated>",
            )
            .replace("<Marker>next-page</Marker>", "");
        assert_eq!(read_page(&last).unwrap().marker, None);
        for bad in [
            "<Other/>".to_owned(),
            "<a><b>".to_owned(),
            PAGE.replace("<Marker>next-page</Marker>", ""),
            PAGE.replace("<EvalDecision>allowed</EvalDecision>", ""),
        ] {
            assert!(read_page(&bad).is_err(), "{bad}");
        }
    }
}
