//! An in-memory [`Upstream`] for tests of the cache and of programs built on it: secrets with versions and
//! labels, a switch that makes every call fail, and a log of the calls made.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::upstream::{Upstream, UpstreamError};
use crate::value::{AWSCURRENT, SecretDescription, SecretRequest, SecretValue};

/// One upstream call, as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    GetSecretValue {
        secret_id: String,
        version_id: Option<String>,
        version_stage: Option<String>,
    },
    DescribeSecret {
        secret_id: String,
    },
}

#[derive(Debug, Default)]
struct FakeSecret {
    arn: String,
    /// version id → (value, labels), in creation order.
    versions: Vec<(String, String, Vec<String>)>,
}

#[derive(Debug, Default)]
struct State {
    secrets: BTreeMap<String, FakeSecret>,
    failure: Option<UpstreamError>,
    calls: Vec<Call>,
    next_version: u32,
}

/// The fake Secrets Manager.
#[derive(Debug, Default)]
pub struct FakeUpstream {
    state: Mutex<State>,
}

impl FakeUpstream {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a new version with `value` to `name` (creating the secret), moving AWSCURRENT to it and
    /// AWSPREVIOUS to the old current. Returns the new version id.
    pub fn put(&self, name: &str, value: &str) -> String {
        let mut state = self.state();
        state.next_version += 1;
        let version_id = format!("v{}", state.next_version);
        let secret = state
            .secrets
            .entry(name.to_owned())
            .or_insert_with(|| FakeSecret {
                arn: format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"),
                versions: Vec::new(),
            });
        for (_, _, stages) in &mut secret.versions {
            stages.retain(|s| s != "AWSPREVIOUS");
            if let Some(current) = stages.iter_mut().find(|s| *s == AWSCURRENT) {
                "AWSPREVIOUS".clone_into(current);
            }
        }
        secret
            .versions
            .push((version_id.clone(), value.to_owned(), vec![AWSCURRENT.to_owned()]));
        version_id
    }

    /// Makes every later call fail with `error` (`None` heals it).
    pub fn fail_with(&self, error: Option<UpstreamError>) {
        self.state().failure = error;
    }

    /// The calls made so far, and forgets them.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.state().calls)
    }

    fn not_found() -> UpstreamError {
        UpstreamError::Service {
            status: 400,
            code: "ResourceNotFoundException".into(),
            message: Some("Secrets Manager can't find the specified secret.".into()),
        }
    }
}

fn find<'a>(state: &'a State, secret_id: &str) -> Option<(&'a String, &'a FakeSecret)> {
    state
        .secrets
        .iter()
        .find(|(name, secret)| *name == secret_id || secret.arn == secret_id)
}

#[async_trait]
impl Upstream for FakeUpstream {
    async fn get_secret_value(&self, request: &SecretRequest<'_>) -> Result<SecretValue, UpstreamError> {
        let mut state = self.state();
        state.calls.push(Call::GetSecretValue {
            secret_id: request.secret_id.to_owned(),
            version_id: request.version_id.map(str::to_owned),
            version_stage: request.version_stage.map(str::to_owned),
        });
        if let Some(error) = &state.failure {
            return Err(error.clone());
        }
        let (name, secret) = find(&state, request.secret_id).ok_or_else(Self::not_found)?;
        let stage = request.stage_to_check();
        let (version_id, value, stages) = secret
            .versions
            .iter()
            .find(|(id, _, stages)| {
                request.version_id.is_none_or(|wanted| wanted == id)
                    && stage.is_none_or(|wanted| stages.iter().any(|s| s == wanted))
            })
            .ok_or_else(Self::not_found)?;
        Ok(SecretValue {
            arn: secret.arn.clone(),
            name: name.clone(),
            version_id: version_id.clone(),
            secret_string: Some(SecretString::from(value.as_str())),
            secret_binary: None,
            version_stages: stages.clone(),
            created_date_millis: Some(1_569_534_789_046),
        })
    }

    async fn describe_secret(&self, secret_id: &str) -> Result<SecretDescription, UpstreamError> {
        let mut state = self.state();
        state.calls.push(Call::DescribeSecret {
            secret_id: secret_id.to_owned(),
        });
        if let Some(error) = &state.failure {
            return Err(error.clone());
        }
        let (name, secret) = find(&state, secret_id).ok_or_else(Self::not_found)?;
        Ok(SecretDescription {
            arn: secret.arn.clone(),
            name: name.clone(),
            version_ids_to_stages: secret
                .versions
                .iter()
                .filter(|(_, _, stages)| !stages.is_empty())
                .map(|(id, _, stages)| (id.clone(), stages.clone()))
                .collect(),
        })
    }
}
