//! Secret rotation: RotateSecret/CancelRotateSecret, the schedules, and the engine that runs the four steps
//! (createSecret, setSecret, testSecret, finishSecret) through a registered rotation function.
//!
//! A rotation is a durable state machine in the store (`RotationStore`: one job row per secret holding the
//! token, the next step, the attempts and a lease). The engine claims due jobs through leases, runs the
//! next step, and advances the job by compare-and-set on its revision; a job whose lease expired (its
//! server died) is claimed again and resumes at the step it had reached. Steps are idempotent, as AWS
//! requires of rotation functions, so a step that ran but whose advance was lost runs again harmlessly.
//! AWSCURRENT moves only in finishSecret; a failed step is retried with exponential backoff, and after
//! `max_attempts` the rotation is reported failed and waits, keeping its pending version, for the next
//! window. Before each step the engine checks that the token still holds AWSPENDING (CancelRotateSecret or
//! a manual change abandons it).
//!
//! A scheduled rotation must start within its window (`RotationRules.Duration`, or the schedule's default):
//! one claimed after the window's end (the server was down, or busy) does not start, and waits for the next
//! window with NextRotationDate moved there; one that got past createSecret finishes, as in AWS.
//!
//! The job is written after each step that did something; opening a scheduled rotation is not written on
//! its own (opening again re-uses the pending version), and a built-in rotator's empty steps are skipped.

pub mod builtin;
pub mod events;
mod identity;
pub mod registry;
pub mod schedule;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;

use strongroom_store::StoreError;
use strongroom_store::rotation::{Claim, InFlight, RotationFunctionRecord, RotationJobRecord, RotationStep};
use strongroom_store::secrets::SecretRecord;
use strongroom_types::{OffsetDateTime, Region};
use time::Duration;

use self::builtin::{DatabaseAdmin, Rotator, StepContext};
use self::events::{EventName, ServiceEvent, WebhookSender};
use self::registry::FunctionKind;
use crate::Services;
use crate::authz;
use crate::caller::Caller;
use crate::secrets::{PendingState, RotationChange, RotationConfig, SecretsError};
use crate::sts::SessionCredentials;

/// The default of [`RotationSettings::max_rotations_per_second`].
pub const DEFAULT_ROTATIONS_PER_SECOND: u32 = 25;

/// How the engine runs; the server sets it from its configuration.
#[derive(Debug, Clone)]
pub struct RotationSettings {
    /// The URL a command function reaches Strongroom at (`AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// How long a claimed job stays leased; longer than the slowest step.
    pub lease: Duration,
    /// Failed attempts of a step before the rotation is reported failed.
    pub max_attempts: u32,
    /// The wait before the first retry; doubled for each next one.
    pub first_retry: Duration,
    /// Jobs claimed per round.
    pub batch: u32,
    /// Jobs run at once.
    pub concurrency: usize,
    /// The most rotations this node starts per second (`None`: as many as it can). A burst of rotations due
    /// at once then takes a bounded share of the CPU from the API instead of all it can get; at the default
    /// 10,000 rotations take under seven minutes, well inside a rotation window.
    pub max_rotations_per_second: Option<u32>,
    /// The longest a command or webhook function may take for one step.
    pub step_timeout: std::time::Duration,
}

impl Default for RotationSettings {
    fn default() -> Self {
        Self {
            endpoint_url: None,
            lease: Duration::minutes(5),
            max_attempts: 5,
            first_retry: Duration::seconds(30),
            batch: 256,
            // A burst of rotations shares two cores with the API: a few at once rotate thousands an hour.
            concurrency: 8,
            max_rotations_per_second: Some(DEFAULT_ROTATIONS_PER_SECOND),
            step_timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// A command function's invocation: the program, the event for its stdin, and its environment.
#[derive(Debug)]
pub struct CommandCall<'a> {
    pub argv: &'a [String],
    pub event: &'a str,
    pub credentials: &'a SessionCredentials,
    pub region: &'a str,
    pub endpoint_url: Option<&'a str>,
    pub timeout: std::time::Duration,
}

/// The I/O of command and webhook functions, implemented by the server (the service layer runs no
/// processes and speaks no HTTP).
#[async_trait::async_trait]
pub trait FunctionIo: WebhookSender {
    /// Runs the command with the event on stdin; `Err` on a non-zero exit, a timeout, or a refused command.
    async fn run_command(&self, call: CommandCall<'_>) -> Result<(), String>;
}

/// The rotation engine and the rotation-related API.
pub struct Rotation {
    /// This process's lease owner id.
    owner: String,
    settings: Mutex<RotationSettings>,
    io: OnceLock<Arc<dyn FunctionIo>>,
    database: OnceLock<Arc<dyn DatabaseAdmin>>,
}

impl std::fmt::Debug for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rotation")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Default for Rotation {
    fn default() -> Self {
        Self::new()
    }
}

/// RotateSecret's input, as the wire gives it.
#[derive(Debug, Default)]
pub struct RotateRequest {
    pub secret_id: String,
    pub client_request_token: Option<String>,
    pub lambda_arn: Option<String>,
    pub automatically_after_days: Option<i64>,
    pub schedule_expression: Option<String>,
    pub duration: Option<String>,
    /// AWS's default is true.
    pub rotate_immediately: Option<bool>,
}

/// Why a step failed: the engine's own words, never a secret.
type StepError = String;

impl Rotation {
    pub fn new() -> Self {
        Self {
            owner: format!("node-{}", strongroom_crypto::random::uuid_v4()),
            settings: Mutex::new(RotationSettings::default()),
            io: OnceLock::new(),
            database: OnceLock::new(),
        }
    }

    /// Sets how the engine runs.
    pub fn configure(&self, settings: RotationSettings) {
        if let Ok(mut slot) = self.settings.lock() {
            *slot = settings;
        }
    }

    /// Installs the I/O of command and webhook functions and of notifications (once).
    pub fn install_io(&self, io: Arc<dyn FunctionIo>) {
        let _ = self.io.set(io);
    }

    /// Installs the database access of the database rotators (once).
    pub fn install_database(&self, database: Arc<dyn DatabaseAdmin>) {
        let _ = self.database.set(database);
    }

    fn settings(&self) -> RotationSettings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// This process's lease owner id.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    // -----------------------------------------------------------------------------------------------------
    // The API.

    /// RotateSecret: checks the function (it must be registered, and the caller allowed to invoke it),
    /// stores the configuration, opens the pending version and makes the job due now.
    pub async fn rotate_secret(
        &self,
        services: &Services,
        caller: &Caller,
        request: RotateRequest,
    ) -> Result<(SecretRecord, Option<String>), SecretsError> {
        if let Some(arn) = request.lambda_arn.as_deref()
            && arn.starts_with("arn:aws:lambda:")
        {
            self.check_function(services, caller, arn).await?;
        }
        let change = services
            .secrets
            .rotate_secret(
                &services.authz,
                caller,
                &request.secret_id,
                RotationConfig {
                    lambda_arn: request.lambda_arn,
                    automatically_after_days: request.automatically_after_days,
                    duration: request.duration,
                    schedule_expression: request.schedule_expression,
                    client_request_token: request.client_request_token,
                    rotate_immediately: request.rotate_immediately.unwrap_or(true),
                },
            )
            .await?;
        deprecated(services, caller, &change).await;
        let RotationChange { record, pending, .. } = change;
        let now = crate::truncate_to_millis(services.clock.now());
        let next = record.rotation.as_ref().and_then(|r| r.next_rotation_at);
        self.update_job(services, &record, |job| {
            match &pending {
                Some(token) => {
                    let same = job.in_flight.as_ref().is_some_and(|f| &f.token == token);
                    if !same {
                        job.in_flight = Some(InFlight {
                            token: token.clone(),
                            step: RotationStep::CreateSecret,
                            attempts: 0,
                            started_at: now,
                        });
                    }
                    job.due_at = Some(now);
                    // A rotation asked for now has no window to keep to.
                    job.window_end = None;
                }
                None if job.in_flight.is_none() => job.due_at = next,
                None => {}
            }
        })
        .await
        .map_err(|err| SecretsError::internal("writing the rotation job", err))?;
        if let Some(token) = &pending {
            events::emit(
                services,
                event(&record, EventName::RotationStarted, Some(token), now, None),
            )
            .await;
        }
        Ok((record, pending))
    }

    /// CancelRotateSecret: rotation off, the job idle.
    pub async fn cancel_rotate_secret(
        &self,
        services: &Services,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<(SecretRecord, Option<String>), SecretsError> {
        let change = services
            .secrets
            .cancel_rotate_secret(&services.authz, caller, secret_id)
            .await?;
        deprecated(services, caller, &change).await;
        let RotationChange {
            record,
            pending: interrupted,
            ..
        } = change;
        self.update_job(services, &record, |job| {
            job.in_flight = None;
            job.due_at = None;
            job.window_end = None;
            job.lease_owner = None;
            job.lease_expires_at = None;
        })
        .await
        .map_err(|err| SecretsError::internal("writing the rotation job", err))?;
        Ok((record, interrupted))
    }

    /// The function must be registered in the caller's account and region, and the caller allowed
    /// `lambda:InvokeFunction` on it; otherwise AWS's AccessDeniedException, changing nothing.
    async fn check_function(
        &self,
        services: &Services,
        caller: &Caller,
        arn: &str,
    ) -> Result<(), SecretsError> {
        let cannot_invoke = || {
            SecretsError::Service(crate::ServiceError::AccessDenied {
                message: "Secrets Manager cannot invoke the specified Lambda function. Ensure that the \
                          function policy grants access to the principal secretsmanager.amazonaws.com."
                    .to_owned(),
            })
        };
        let function = services
            .store
            .rotation_function(arn)
            .await
            .map_err(|err| SecretsError::internal("reading a rotation function", err))?
            .ok_or_else(cannot_invoke)?;
        if function.account_id != *caller.account() || function.region != *caller.region() {
            return Err(cannot_invoke());
        }
        services
            .authz
            .authorize(
                caller,
                &authz::Request {
                    action: "lambda:InvokeFunction",
                    resource: arn,
                    resource_account: function.account_id.as_str(),
                },
            )
            .map_err(SecretsError::Service)?;
        Ok(())
    }

    /// Reads the secret's job (or a fresh one), applies `change`, and writes it by compare-and-set,
    /// retrying when a worker moved it on meanwhile.
    async fn update_job(
        &self,
        services: &Services,
        record: &SecretRecord,
        change: impl Fn(&mut RotationJobRecord),
    ) -> Result<(), StoreError> {
        let mut last = StoreError::Conflict;
        for _ in 0..8 {
            let existing = services.store.rotation_job(&record.arn).await?;
            let (mut job, expected) = match existing {
                Some(job) => {
                    let revision = job.revision;
                    (job, Some(revision))
                }
                None => (
                    RotationJobRecord {
                        secret_arn: record.arn.clone(),
                        account_id: record.account_id.clone(),
                        region: record.region.clone(),
                        revision: 0,
                        due_at: None,
                        window_end: None,
                        in_flight: None,
                        last_error: None,
                        lease_owner: None,
                        lease_expires_at: None,
                    },
                    None,
                ),
            };
            change(&mut job);
            job.revision = expected.unwrap_or(0) + 1;
            match services.store.write_rotation_job(&job, expected).await {
                Ok(()) => return Ok(()),
                Err(err @ (StoreError::Conflict | StoreError::AlreadyExists | StoreError::NotFound)) => {
                    last = err
                }
                Err(err) => return Err(err),
            }
        }
        Err(last)
    }

    // -----------------------------------------------------------------------------------------------------
    // The engine.

    /// Sends the notifications that are due, through the installed I/O; returns how many it attempted.
    pub async fn deliver_due(&self, services: &Services) -> usize {
        match self.io.get() {
            Some(io) => {
                let sender: &dyn WebhookSender = io.as_ref();
                events::deliver_due(services, &self.owner, sender).await
            }
            None => 0,
        }
    }

    /// Claims the jobs that are due and runs each as far as it goes now; returns how many it claimed.
    ///
    /// At most `concurrency` jobs run at once, all in this one task, which yields between a job's pieces of
    /// work so that API requests keep their share of the CPU during a burst of rotations. A claim takes no
    /// more jobs than can start well inside their lease.
    pub async fn run_due(&self, services: &Services) -> Result<usize, StoreError> {
        let settings = self.settings();
        let concurrency = settings.concurrency.max(1);
        let limit = settings
            .batch
            .min(u32::try_from(concurrency.saturating_mul(CLAIMS_PER_WORKER)).unwrap_or(u32::MAX))
            .max(1);
        let mut claimed_total = 0;
        loop {
            let now = crate::truncate_to_millis(services.clock.now());
            let claimed = services
                .store
                .claim_rotation_jobs(Claim {
                    owner: &self.owner,
                    now,
                    lease_until: now + settings.lease,
                    limit,
                })
                .await?;
            let count = claimed.len();
            claimed_total += count;
            let mut queue = claimed.into_iter();
            loop {
                let started = std::time::Instant::now();
                let chunk: Vec<_> = queue
                    .by_ref()
                    .take(concurrency)
                    .map(|job| boxed(self.run_job(services, &settings, job)))
                    .collect();
                if chunk.is_empty() {
                    break;
                }
                let jobs = chunk.len();
                join_all(chunk).await;
                if let Some(rest) = pacing_pause(jobs, settings.max_rotations_per_second, started.elapsed()) {
                    tokio::time::sleep(rest).await;
                }
            }
            if count < limit as usize {
                return Ok(claimed_total);
            }
        }
    }

    /// Runs one claimed job until it waits (for a retry or the next window), is done, or loses its lease.
    /// The function's execution-role session is opened once for all the steps this run takes.
    async fn run_job(&self, services: &Services, settings: &RotationSettings, mut job: RotationJobRecord) {
        let mut invoker = None;
        loop {
            let outcome = self.advance(services, settings, &job, &mut invoker).await;
            let next = match outcome {
                Ok(Some(next)) => next,
                Ok(None) => return,
                Err(err) => {
                    tracing::warn!(secret = %job.secret_arn, error = %err, "rotation job failed to advance");
                    return;
                }
            };
            let expected = job.revision;
            let mut next = next;
            next.revision = expected + 1;
            match services.store.write_rotation_job(&next, Some(expected)).await {
                Ok(()) => {}
                Err(StoreError::Conflict | StoreError::NotFound) => {
                    tracing::info!(secret = %job.secret_arn, "rotation job changed under this worker; leaving it");
                    return;
                }
                Err(err) => {
                    tracing::warn!(secret = %job.secret_arn, error = %err, "writing the rotation job failed");
                    return;
                }
            }
            if next.lease_owner.as_deref() != Some(self.owner.as_str()) {
                return;
            }
            job = next;
            // The other jobs of the round, and the API, get their turn between two steps.
            tokio::task::yield_now().await;
        }
    }

    /// Does the job's next piece of work and returns the job as it should be written next (`None`: write
    /// nothing more, e.g. the secret is gone and its job deleted).
    ///
    /// Opening a scheduled rotation and its createSecret are one piece of work: the job is written once,
    /// after createSecret. Opening again after a crash re-uses the pending version it made, so nothing
    /// happens twice that would not have happened twice before.
    async fn advance(
        &self,
        services: &Services,
        settings: &RotationSettings,
        job: &RotationJobRecord,
        invoker: &mut Option<Invoker>,
    ) -> Result<Option<RotationJobRecord>, String> {
        let now = crate::truncate_to_millis(services.clock.now());
        let lease_until = now + settings.lease;
        let Some(record) = services
            .secrets
            .rotation_record(&job.secret_arn)
            .await
            .map_err(|err| err.to_string())?
        else {
            services
                .store
                .delete_rotation_job(&job.secret_arn)
                .await
                .map_err(|err| err.to_string())?;
            return Ok(None);
        };
        let mut next = job.clone();
        next.lease_expires_at = Some(lease_until);
        let flight = match job.in_flight.clone() {
            Some(flight) => flight,
            None => match self.open_scheduled(services, &record, next, now).await? {
                Opened::Started(opened, flight) => {
                    next = opened;
                    flight
                }
                Opened::NotNow(waiting) => return Ok(Some(waiting)),
            },
        };
        let just_opened = job.in_flight.is_none();

        if !just_opened {
            match PendingState::of(&record, &flight.token) {
                PendingState::Abandoned => {
                    events::emit(
                        services,
                        event(
                            &record,
                            EventName::RotationAbandoned,
                            Some(&flight.token),
                            now,
                            Some(
                                "the pending version lost AWSPENDING, or rotation was turned off".to_owned(),
                            ),
                        ),
                    )
                    .await;
                    next.in_flight = None;
                    next.window_end = None;
                    next.due_at = record
                        .rotation
                        .as_ref()
                        .filter(|r| r.enabled)
                        .and_then(|r| r.next_rotation_at);
                    return Ok(Some(release(next)));
                }
                PendingState::Current if flight.step != RotationStep::FinishSecret => {
                    // finishSecret's effect is there already (a crash after it); close the rotation.
                    return self.close(services, &record, next, &flight, now).await.map(Some);
                }
                PendingState::Current | PendingState::Pending => {}
            }
            // A scheduled rotation that has not got past createSecret by its window's end does not start
            // now: it waits for the next window, keeping its pending version. Past createSecret, it goes on.
            if flight.step == RotationStep::CreateSecret && job.window_end.is_some_and(|end| now >= end) {
                return Ok(Some(
                    self.postpone(services, &record, next, Some(flight), now).await,
                ));
            }
        }

        match self.run_step(services, settings, &record, &flight, invoker).await {
            Ok(()) => {
                let kind = invoker.as_ref().map(|i| &i.kind);
                match next_step(kind, flight.step) {
                    Some(step) => {
                        next.in_flight = Some(InFlight {
                            step,
                            attempts: 0,
                            ..flight
                        });
                        next.last_error = None;
                        Ok(Some(next))
                    }
                    None => self.close(services, &record, next, &flight, now).await.map(Some),
                }
            }
            Err(message) => Ok(Some(
                self.failed(services, settings, &record, next, &flight, now, message)
                    .await,
            )),
        }
    }

    /// A scheduled rotation whose time has come: opens its pending version, unless rotation is off, it is
    /// not due, or its window ended before it could start (it then waits for the next window).
    async fn open_scheduled(
        &self,
        services: &Services,
        record: &SecretRecord,
        mut next: RotationJobRecord,
        now: OffsetDateTime,
    ) -> Result<Opened, String> {
        let enabled = record.rotation.as_ref().is_some_and(|r| r.enabled);
        let due = record.rotation.as_ref().and_then(|r| r.next_rotation_at);
        let Some(due) = due.filter(|due| enabled && *due <= now) else {
            next.due_at = if enabled { due } else { None };
            next.window_end = None;
            return Ok(Opened::NotNow(release(next)));
        };
        let window_end = window_end(record, due);
        if window_end.is_some_and(|end| now >= end) {
            return Ok(Opened::NotNow(
                self.postpone(services, record, next, None, now).await,
            ));
        }
        let token = strongroom_crypto::random::uuid_v4();
        let Some(pending) = services
            .secrets
            .open_scheduled_rotation(&record.arn, &token)
            .await
            .map_err(|err| err.to_string())?
        else {
            next.due_at = None;
            next.window_end = None;
            return Ok(Opened::NotNow(release(next)));
        };
        let flight = InFlight {
            token: pending.clone(),
            step: RotationStep::CreateSecret,
            attempts: 0,
            started_at: now,
        };
        next.in_flight = Some(flight.clone());
        next.due_at = Some(now);
        next.window_end = window_end;
        events::emit(
            services,
            event(record, EventName::RotationStarted, Some(&pending), now, None),
        )
        .await;
        Ok(Opened::Started(next, flight))
    }

    /// A rotation that did not start within its window: the secret's NextRotationDate moves to the next
    /// window and the job waits for it; `flight` (a pending version opened but not past createSecret) is
    /// kept and re-used then. Nothing else changes on the secret.
    async fn postpone(
        &self,
        services: &Services,
        record: &SecretRecord,
        mut next: RotationJobRecord,
        flight: Option<InFlight>,
        now: OffsetDateTime,
    ) -> RotationJobRecord {
        tracing::info!(secret = %record.arn, "the rotation window ended before the rotation started; it waits for the next window");
        let window = match services.secrets.reschedule_rotation(&record.arn).await {
            Ok(window) => window,
            Err(err) => {
                tracing::warn!(secret = %record.arn, error = %err, "rescheduling a rotation failed");
                None
            }
        };
        next.in_flight = flight.map(|flight| InFlight {
            step: RotationStep::CreateSecret,
            attempts: 0,
            started_at: now,
            ..flight
        });
        next.due_at = window.map(|w| w.start);
        // Only a kept pending version needs the window's end; an unopened rotation reads it when it opens.
        next.window_end = next.in_flight.as_ref().and(window.map(|w| w.end));
        release(next)
    }

    /// After finishSecret: the secret records the rotation, the job waits for the next window.
    async fn close(
        &self,
        services: &Services,
        record: &SecretRecord,
        mut next: RotationJobRecord,
        flight: &InFlight,
        now: OffsetDateTime,
    ) -> Result<RotationJobRecord, String> {
        match services.secrets.close_rotation(&record.arn, &flight.token).await {
            Ok(next_rotation) => {
                events::emit(
                    services,
                    event(
                        record,
                        EventName::RotationSucceeded,
                        Some(&flight.token),
                        now,
                        None,
                    ),
                )
                .await;
                next.in_flight = None;
                next.last_error = None;
                next.due_at = next_rotation;
                next.window_end = None;
                Ok(release(next))
            }
            Err(err) => {
                let settings = self.settings();
                Ok(self
                    .failed(services, &settings, record, next, flight, now, err.to_string())
                    .await)
            }
        }
    }

    /// A failed step: retried after a backoff, or, after the last attempt, reported and left for the next
    /// window with its pending version kept.
    #[allow(clippy::too_many_arguments)]
    async fn failed(
        &self,
        services: &Services,
        settings: &RotationSettings,
        record: &SecretRecord,
        mut next: RotationJobRecord,
        flight: &InFlight,
        now: OffsetDateTime,
        message: String,
    ) -> RotationJobRecord {
        let attempts = flight.attempts + 1;
        tracing::warn!(secret = %record.arn, step = flight.step.as_str(), attempts, error = %message, "rotation step failed");
        next.last_error = Some(message.clone());
        if attempts >= settings.max_attempts {
            events::emit(
                services,
                event(
                    record,
                    EventName::RotationFailed,
                    Some(&flight.token),
                    now,
                    Some(message),
                ),
            )
            .await;
            let next_window = services
                .secrets
                .reschedule_rotation(&record.arn)
                .await
                .ok()
                .flatten();
            next.in_flight = Some(InFlight {
                step: RotationStep::CreateSecret,
                attempts: 0,
                ..flight.clone()
            });
            // The next attempt is a scheduled one: it must start within that window.
            next.due_at = next_window.map(|w| w.start);
            next.window_end = next_window.map(|w| w.end);
        } else {
            next.in_flight = Some(InFlight {
                attempts,
                ..flight.clone()
            });
            let factor = 2_i32.saturating_pow(flight.attempts.min(16));
            next.due_at = Some(now + settings.first_retry * factor);
        }
        release(next)
    }

    /// Invokes the secret's rotation function for one step, through `invoker` (made on first use and kept
    /// for the job's next steps).
    async fn run_step(
        &self,
        services: &Services,
        settings: &RotationSettings,
        record: &SecretRecord,
        flight: &InFlight,
        invoker: &mut Option<Invoker>,
    ) -> Result<(), StepError> {
        let arn = record
            .rotation
            .as_ref()
            .and_then(|r| r.lambda_arn.as_deref())
            .ok_or("the secret has no rotation function")?;
        if invoker.as_ref().is_none_or(|i| i.function.arn != arn) {
            *invoker = Some(Invoker::prepare(services, arn, &record.region).await?);
        }
        let invoker = invoker.as_ref().ok_or("the rotation function is not ready")?;
        let region = record.region.to_string();
        match &invoker.kind {
            FunctionKind::Builtin(rotator) => {
                let role = invoker
                    .role
                    .as_ref()
                    .ok_or("the execution role's session is not open")?;
                let cx = StepContext {
                    services,
                    role,
                    secret_arn: &record.arn,
                    token: &flight.token,
                    database: self.database.get().map(|d| d.as_ref()),
                };
                run_builtin(*rotator, flight.step, &cx).await
            }
            FunctionKind::Command { argv, timeout } => {
                let io = self
                    .io
                    .get()
                    .ok_or("command functions are not available on this server")?;
                let event = step_event(record, flight);
                io.run_command(CommandCall {
                    argv,
                    event: &event,
                    credentials: &invoker.credentials,
                    region: &region,
                    endpoint_url: settings.endpoint_url.as_deref(),
                    timeout: timeout.unwrap_or(settings.step_timeout),
                })
                .await
            }
            FunctionKind::Webhook { url, timeout: _ } => {
                let io = self
                    .io
                    .get()
                    .ok_or("webhook functions are not available on this server")?;
                let key = registry::open_signing_key(services, &invoker.function)?;
                let event = step_event(record, flight);
                let timestamp = services.clock.now().unix_timestamp().to_string();
                let headers = [
                    ("content-type", "application/json".to_owned()),
                    ("x-strongroom-timestamp", timestamp.clone()),
                    (
                        "x-strongroom-signature",
                        events::signature(key.expose_secret(), &timestamp, &event),
                    ),
                ];
                match io.post(url, &headers, &event).await {
                    Ok(status) if (200..300).contains(&status) => Ok(()),
                    Ok(status) => Err(format!("the webhook answered HTTP {status}")),
                    Err(err) => Err(format!("the webhook failed: {err}")),
                }
            }
        }
    }
}

/// How many jobs one claim takes per job that may run at once: enough to keep the workers busy, few enough
/// that every claimed job starts long before its lease runs out.
const CLAIMS_PER_WORKER: usize = 8;

/// What opening a scheduled rotation came to.
enum Opened {
    /// The pending version is there: the job as it now stands, and the rotation to run.
    Started(RotationJobRecord, InFlight),
    /// Nothing to run now: the job to write.
    NotNow(RotationJobRecord),
}

/// A rotation function ready to run steps: its record, its kind and a session of its execution role (and,
/// for a built-in rotator, the caller that session authenticates as). A job's run makes one and uses it for
/// every step it takes (sessions last 15 minutes; a run ends within a few step timeouts).
struct Invoker {
    function: RotationFunctionRecord,
    kind: FunctionKind,
    credentials: SessionCredentials,
    role: Option<Caller>,
}

impl Invoker {
    async fn prepare(services: &Services, arn: &str, region: &Region) -> Result<Self, StepError> {
        let function = services
            .store
            .rotation_function(arn)
            .await
            .map_err(|err| format!("reading the rotation function failed: {err}"))?
            .ok_or_else(|| format!("the rotation function {arn} is not registered"))?;
        let kind = FunctionKind::from_record(&function)?;
        let credentials = services
            .sts
            .service_role_session(&function.role_arn, "strongroom-rotation", 900)
            .await
            .map_err(|err| format!("opening a session of the execution role failed: {err}"))?;
        let role = match kind {
            FunctionKind::Builtin(_) => Some(
                identity::authenticate(
                    services,
                    &identity::Credentials {
                        access_key_id: &credentials.access_key_id,
                        secret_access_key: &credentials.secret_access_key,
                        session_token: Some(&credentials.session_token),
                    },
                    region.as_str(),
                )
                .await
                .map_err(|err| format!("the execution role's session does not authenticate: {err}"))?,
            ),
            FunctionKind::Command { .. } | FunctionKind::Webhook { .. } => None,
        };
        Ok(Self {
            function,
            kind,
            credentials,
            role,
        })
    }
}

/// The step after `step` that the function does something at. A built-in rotator's empty steps are
/// skipped: running one changes nothing, so neither running nor recording it is needed.
fn next_step(kind: Option<&FunctionKind>, step: RotationStep) -> Option<RotationStep> {
    let mut next = step.next();
    while let (Some(candidate), Some(FunctionKind::Builtin(rotator))) = (next, kind) {
        if rotator.acts_at(candidate) {
            break;
        }
        next = candidate.next();
    }
    next
}

/// When the window that opened at `start` closes, by the secret's stored schedule; `None` without one.
fn window_end(record: &SecretRecord, start: OffsetDateTime) -> Option<OffsetDateTime> {
    let rotation = record.rotation.as_ref()?;
    Some(
        crate::secrets::stored_schedule(rotation)?
            .window_opening_at(start)
            .end,
    )
}

/// Tells the notification subscriptions about each version RotateSecret or CancelRotateSecret deprecated,
/// as the API handlers do for the other writes (the call itself is in the audit trail already).
async fn deprecated(services: &Services, caller: &Caller, change: &RotationChange) {
    for version in &change.deprecated_versions {
        events::secret_changed(
            services,
            caller,
            EventName::SecretVersionDeprecated,
            &change.record.arn,
            Some(version),
        )
        .await;
    }
}

async fn run_builtin(rotator: Rotator, step: RotationStep, cx: &StepContext<'_>) -> Result<(), StepError> {
    builtin::run(rotator, step, cx).await
}

/// The event a rotation function receives for one step, as AWS sends it to a Lambda function.
fn step_event(record: &SecretRecord, flight: &InFlight) -> String {
    serde_json::json!({
        "Step": flight.step.as_str(),
        "SecretId": record.arn,
        "ClientRequestToken": flight.token,
        "RotationToken": strongroom_crypto::random::uuid_v4(),
    })
    .to_string()
}

fn event(
    record: &SecretRecord,
    name: EventName,
    version: Option<&str>,
    now: OffsetDateTime,
    message: Option<String>,
) -> ServiceEvent {
    ServiceEvent {
        name,
        resource_arn: record.arn.clone(),
        account: record.account_id.clone(),
        region: record.region.clone(),
        version_id: version.map(str::to_owned),
        time: now,
        message,
        details: Vec::new(),
    }
}

/// The job with its lease given up.
fn release(mut job: RotationJobRecord) -> RotationJobRecord {
    job.lease_owner = None;
    job.lease_expires_at = None;
    job
}

type JobFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// How long to wait after `jobs` rotations that took `took`, so that no more than `per_second` start each
/// second (`None` or 0: no limit).
fn pacing_pause(
    jobs: usize,
    per_second: Option<u32>,
    took: std::time::Duration,
) -> Option<std::time::Duration> {
    let per_second = per_second.filter(|rate| *rate > 0)?;
    let jobs = u32::try_from(jobs).unwrap_or(u32::MAX);
    let budget = std::time::Duration::from_secs(1) * jobs / per_second;
    budget.checked_sub(took).filter(|rest| !rest.is_zero())
}

fn boxed<'a>(future: impl Future<Output = ()> + Send + 'a) -> JobFuture<'a> {
    Box::pin(future)
}

/// Polls every future to completion concurrently (in this task).
async fn join_all(futures: Vec<JobFuture<'_>>) {
    let mut pending: Vec<Option<JobFuture<'_>>> = futures.into_iter().map(Some).collect();
    std::future::poll_fn(move |cx| {
        let mut done = true;
        for slot in &mut pending {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(()) => *slot = None,
                    Poll::Pending => done = false,
                }
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
}

#[cfg(test)]
mod tests;
