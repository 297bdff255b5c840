//! Secret rotation's durable state: one job row per secret (its schedule and the rotation in flight),
//! the registry of rotation functions, notification subscriptions and their delivery queue.
//!
//! Background work is claimed through leases: a claim sets `lease_owner` and `lease_expires_at` on rows that
//! are due and whose lease is free or expired, in one atomic statement, so that of several servers sharing a
//! database exactly one holds each row; a server that dies stops renewing, its leases expire, and another
//! claims the work. Every change to a job is a compare-and-set on its `revision`: a worker whose lease was
//! taken over, or whose rotation was cancelled, loses the race and changes nothing.

use async_trait::async_trait;
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use crate::StoreError;

/// A step of the four-step rotation protocol, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RotationStep {
    CreateSecret,
    SetSecret,
    TestSecret,
    FinishSecret,
}

impl RotationStep {
    /// The step's name as the rotation event spells it, which is also the stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateSecret => "createSecret",
            Self::SetSecret => "setSecret",
            Self::TestSecret => "testSecret",
            Self::FinishSecret => "finishSecret",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "createSecret" => Some(Self::CreateSecret),
            "setSecret" => Some(Self::SetSecret),
            "testSecret" => Some(Self::TestSecret),
            "finishSecret" => Some(Self::FinishSecret),
            _ => None,
        }
    }

    /// The step after this one; `None` after finishSecret.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::CreateSecret => Some(Self::SetSecret),
            Self::SetSecret => Some(Self::TestSecret),
            Self::TestSecret => Some(Self::FinishSecret),
            Self::FinishSecret => None,
        }
    }
}

/// The rotation in flight on a secret: its token and the next step to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The ClientRequestToken: the id of the AWSPENDING version.
    pub token: String,
    pub step: RotationStep,
    /// Failed attempts of `step` so far.
    pub attempts: u32,
    pub started_at: OffsetDateTime,
}

/// One secret's rotation state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationJobRecord {
    /// The secret's ARN, unique.
    pub secret_arn: String,
    pub account_id: AccountId,
    pub region: Region,
    /// Incremented by every change, including a claim.
    pub revision: u64,
    /// When the engine next has work here: a scheduled rotation's window start, a step to run, or a retry.
    /// `None`: nothing to do until someone asks.
    pub due_at: Option<OffsetDateTime>,
    /// When the current rotation window closes; a scheduled rotation not started by then waits for the next.
    pub window_end: Option<OffsetDateTime>,
    pub in_flight: Option<InFlight>,
    /// Why the last attempt failed (no secret values: the engine writes only its own messages).
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<OffsetDateTime>,
}

/// What a rotation function is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationFunctionRecord {
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`, unique.
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    pub name: String,
    /// `builtin`, `command` or `webhook`.
    pub kind: String,
    /// The kind's settings as JSON text (the built-in rotator's name, the command line, the URL, a timeout);
    /// never a secret.
    pub config: String,
    /// The IAM role the function acts as.
    pub role_arn: String,
    /// A webhook's HMAC signing key, sealed.
    pub signing_key: Option<Sealed>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A webhook that wants to hear about events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    /// A generated id, unique.
    pub id: String,
    pub account_id: AccountId,
    pub region: Region,
    pub url: String,
    /// Event names it wants; empty for all.
    pub event_names: Vec<String>,
    /// Only events about this secret, when set.
    pub secret_arn: Option<String>,
    /// The HMAC key its deliveries are signed with, sealed.
    pub signing_key: Sealed,
    pub created_at: OffsetDateTime,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Given up after its last retry: the dead-letter record.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// One event on its way to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// A generated id, unique.
    pub id: String,
    pub subscription_id: String,
    pub account_id: AccountId,
    /// The event as JSON text (names, ARNs, version ids and times; never a secret value).
    pub event: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// A worker's claim: who it is, now, and until when its lease runs.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub owner: &'a str,
    pub now: OffsetDateTime,
    pub lease_until: OffsetDateTime,
    pub limit: u32,
}

#[async_trait]
pub trait RotationStore: Send + Sync {
    /// The secret's rotation state.
    async fn rotation_job(&self, secret_arn: &str) -> Result<Option<RotationJobRecord>, StoreError>;

    /// Writes `job` as a compare-and-set: `expected_revision` `None` creates it ([`StoreError::AlreadyExists`]
    /// when a job exists), `Some(r)` replaces the job at revision `r` ([`StoreError::Conflict`] when it moved
    /// on, [`StoreError::NotFound`] when it is gone). `job.revision` must be the stored revision after the
    /// write (`r + 1`, or 1 for a new job).
    async fn write_rotation_job(
        &self,
        job: &RotationJobRecord,
        expected_revision: Option<u64>,
    ) -> Result<(), StoreError>;

    /// Drops the secret's job (the secret is gone); `false` when there was none.
    async fn delete_rotation_job(&self, secret_arn: &str) -> Result<bool, StoreError>;

    /// Leases up to `claim.limit` jobs whose `due_at` is at or before `claim.now` and whose lease is free or
    /// expired, soonest first, to `claim.owner` until `claim.lease_until`, in one atomic step; returns them as
    /// they are after the claim (revision moved on).
    async fn claim_rotation_jobs(&self, claim: Claim<'_>) -> Result<Vec<RotationJobRecord>, StoreError>;

    /// Registers a function; [`StoreError::AlreadyExists`] when its ARN is taken.
    async fn create_rotation_function(&self, function: &RotationFunctionRecord) -> Result<(), StoreError>;

    async fn rotation_function(&self, arn: &str) -> Result<Option<RotationFunctionRecord>, StoreError>;

    /// An account's functions in one region, by name.
    async fn rotation_functions(
        &self,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<RotationFunctionRecord>, StoreError>;

    /// Replaces a function's record; [`StoreError::NotFound`] when it is not registered.
    async fn update_rotation_function(&self, function: &RotationFunctionRecord) -> Result<(), StoreError>;

    /// `false` when no such function was registered.
    async fn delete_rotation_function(&self, arn: &str) -> Result<bool, StoreError>;

    /// [`StoreError::AlreadyExists`] when the id is taken.
    async fn create_subscription(&self, subscription: &SubscriptionRecord) -> Result<(), StoreError>;

    /// An account's subscriptions in one region, by id.
    async fn subscriptions(
        &self,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<SubscriptionRecord>, StoreError>;

    /// `false` when the account has no such subscription. Its deliveries go with it.
    async fn delete_subscription(&self, account: &AccountId, id: &str) -> Result<bool, StoreError>;

    /// Queues deliveries, all or none.
    async fn enqueue_deliveries(&self, deliveries: &[DeliveryRecord]) -> Result<(), StoreError>;

    /// Leases pending deliveries whose `next_attempt_at` has come, like [`Self::claim_rotation_jobs`].
    async fn claim_deliveries(&self, claim: Claim<'_>) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// Records an attempt's outcome (state, attempts, next attempt, error) and frees the lease, if `owner`
    /// still holds it; `false` when it does not (another worker took the delivery over).
    async fn finish_delivery(&self, delivery: &DeliveryRecord, owner: &str) -> Result<bool, StoreError>;

    /// An account's deliveries in `state`, oldest first, at most `limit`.
    async fn deliveries(
        &self,
        account: &AccountId,
        state: DeliveryState,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;
}
