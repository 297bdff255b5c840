//! Rotation jobs, rotation functions, notification subscriptions and deliveries on SQLite (schema in
//! `migrations/0009_rotation.sql`).
//!
//! A claim is one `UPDATE … WHERE key IN (SELECT … LIMIT n) RETURNING …` on the writer connection: SQLite runs
//! it as one atomic statement, and another process on the same file waits for the write lock, so a row is
//! never leased twice. Job writes are compare-and-set on `revision`.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use strongroom_store::StoreError;
use strongroom_store::rotation::{
    Claim, DeliveryRecord, DeliveryState, InFlight, RotationFunctionRecord, RotationJobRecord, RotationStep,
    RotationStore, SubscriptionRecord,
};
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use crate::error::{corrupt, map_sqlx};
use crate::{SqliteStore, from_millis, get, to_millis};

const JOB_COLUMNS: &str = "secret_arn, account_id, region, revision, due_at_ms, window_end_ms, token, step, \
     attempts, started_at_ms, last_error, lease_owner, lease_expires_at_ms";
const FUNCTION_COLUMNS: &str =
    "arn, account_id, region, name, kind, config, role_arn, signing_key, created_at_ms, updated_at_ms";
const SUBSCRIPTION_COLUMNS: &str =
    "id, account_id, region, url, event_names, secret_arn, signing_key, created_at_ms";
const DELIVERY_COLUMNS: &str = "id, subscription_id, account_id, event, state, attempts, next_attempt_at_ms, \
     last_error, lease_owner, lease_expires_at_ms, created_at_ms";

fn opt_millis(table: &str, column: &str, value: Option<i64>) -> Result<Option<OffsetDateTime>, StoreError> {
    value.map(|ms| from_millis(table, column, ms)).transpose()
}

fn to_opt_millis(at: Option<OffsetDateTime>) -> Result<Option<i64>, StoreError> {
    at.map(to_millis).transpose()
}

fn parse_account(table: &str, text: &str) -> Result<AccountId, StoreError> {
    text.parse()
        .map_err(|_| corrupt(table, "account_id", "not an account id"))
}

fn parse_region(table: &str, text: &str) -> Result<Region, StoreError> {
    text.parse().map_err(|_| corrupt(table, "region", "not a region"))
}

fn to_u32(table: &str, column: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(table, column, "out of range"))
}

fn job_from_row(row: &SqliteRow) -> Result<RotationJobRecord, StoreError> {
    const T: &str = "rotation_jobs";
    let token: Option<String> = get(row, "token")?;
    let step: Option<String> = get(row, "step")?;
    let started_at = opt_millis(T, "started_at_ms", get(row, "started_at_ms")?)?;
    let in_flight = match (token, step, started_at) {
        (Some(token), Some(step), Some(started_at)) => Some(InFlight {
            token,
            step: RotationStep::parse(&step).ok_or_else(|| corrupt(T, "step", "unknown step"))?,
            attempts: to_u32(T, "attempts", get(row, "attempts")?)?,
            started_at,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt(T, "token", "token, step and start are not all set")),
    };
    let revision: i64 = get(row, "revision")?;
    Ok(RotationJobRecord {
        secret_arn: get(row, "secret_arn")?,
        account_id: parse_account(T, &get::<String>(row, "account_id")?)?,
        region: parse_region(T, &get::<String>(row, "region")?)?,
        revision: u64::try_from(revision).map_err(|_| corrupt(T, "revision", "negative"))?,
        due_at: opt_millis(T, "due_at_ms", get(row, "due_at_ms")?)?,
        window_end: opt_millis(T, "window_end_ms", get(row, "window_end_ms")?)?,
        in_flight,
        last_error: get(row, "last_error")?,
        lease_owner: get(row, "lease_owner")?,
        lease_expires_at: opt_millis(T, "lease_expires_at_ms", get(row, "lease_expires_at_ms")?)?,
    })
}

fn function_from_row(row: &SqliteRow) -> Result<RotationFunctionRecord, StoreError> {
    const T: &str = "rotation_functions";
    let signing_key: Option<Vec<u8>> = get(row, "signing_key")?;
    Ok(RotationFunctionRecord {
        arn: get(row, "arn")?,
        account_id: parse_account(T, &get::<String>(row, "account_id")?)?,
        region: parse_region(T, &get::<String>(row, "region")?)?,
        name: get(row, "name")?,
        kind: get(row, "kind")?,
        config: get(row, "config")?,
        role_arn: get(row, "role_arn")?,
        signing_key: signing_key.map(Sealed::from_bytes),
        created_at: from_millis(T, "created_at_ms", get(row, "created_at_ms")?)?,
        updated_at: from_millis(T, "updated_at_ms", get(row, "updated_at_ms")?)?,
    })
}

fn subscription_from_row(row: &SqliteRow) -> Result<SubscriptionRecord, StoreError> {
    const T: &str = "notification_subscriptions";
    let names: String = get(row, "event_names")?;
    Ok(SubscriptionRecord {
        id: get(row, "id")?,
        account_id: parse_account(T, &get::<String>(row, "account_id")?)?,
        region: parse_region(T, &get::<String>(row, "region")?)?,
        url: get(row, "url")?,
        event_names: split_names(&names),
        secret_arn: get(row, "secret_arn")?,
        signing_key: Sealed::from_bytes(get(row, "signing_key")?),
        created_at: from_millis(T, "created_at_ms", get(row, "created_at_ms")?)?,
    })
}

fn delivery_from_row(row: &SqliteRow) -> Result<DeliveryRecord, StoreError> {
    const T: &str = "notification_deliveries";
    let state: String = get(row, "state")?;
    Ok(DeliveryRecord {
        id: get(row, "id")?,
        subscription_id: get(row, "subscription_id")?,
        account_id: parse_account(T, &get::<String>(row, "account_id")?)?,
        event: get(row, "event")?,
        state: DeliveryState::parse(&state).ok_or_else(|| corrupt(T, "state", "unknown state"))?,
        attempts: to_u32(T, "attempts", get(row, "attempts")?)?,
        next_attempt_at: from_millis(T, "next_attempt_at_ms", get(row, "next_attempt_at_ms")?)?,
        last_error: get(row, "last_error")?,
        lease_owner: get(row, "lease_owner")?,
        lease_expires_at: opt_millis(T, "lease_expires_at_ms", get(row, "lease_expires_at_ms")?)?,
        created_at: from_millis(T, "created_at_ms", get(row, "created_at_ms")?)?,
    })
}

/// Event names are stored one per line (they are identifiers, never holding a line break).
fn split_names(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn revision_to_db(revision: u64) -> Result<i64, StoreError> {
    i64::try_from(revision).map_err(|_| StoreError::Corrupt("revision out of range".to_owned()))
}

#[async_trait]
impl RotationStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn rotation_job(&self, secret_arn: &str) -> Result<Option<RotationJobRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM rotation_jobs WHERE secret_arn = ?1"
        ))
        .bind(secret_arn)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(job_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn write_rotation_job(
        &self,
        job: &RotationJobRecord,
        expected_revision: Option<u64>,
    ) -> Result<(), StoreError> {
        let in_flight = job.in_flight.as_ref();
        let values = (
            revision_to_db(job.revision)?,
            to_opt_millis(job.due_at)?,
            to_opt_millis(job.window_end)?,
            in_flight.map(|f| to_millis(f.started_at)).transpose()?,
            to_opt_millis(job.lease_expires_at)?,
        );
        let sql = match expected_revision {
            None => {
                "INSERT INTO rotation_jobs (secret_arn, account_id, region, revision, due_at_ms, window_end_ms, \
                 token, step, attempts, started_at_ms, last_error, lease_owner, lease_expires_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING"
            }
            Some(_) => {
                "UPDATE rotation_jobs SET account_id = ?2, region = ?3, revision = ?4, due_at_ms = ?5, \
                 window_end_ms = ?6, token = ?7, step = ?8, attempts = ?9, started_at_ms = ?10, \
                 last_error = ?11, lease_owner = ?12, lease_expires_at_ms = ?13 \
                 WHERE secret_arn = ?1 AND revision = ?14"
            }
        };
        let query = sqlx::query(sql)
            .bind(job.secret_arn.as_str())
            .bind(job.account_id.as_str())
            .bind(job.region.as_str())
            .bind(values.0)
            .bind(values.1)
            .bind(values.2)
            .bind(in_flight.map(|f| f.token.as_str()))
            .bind(in_flight.map(|f| f.step.as_str()))
            .bind(i64::from(in_flight.map_or(0, |f| f.attempts)))
            .bind(values.3)
            .bind(job.last_error.as_deref())
            .bind(job.lease_owner.as_deref())
            .bind(values.4);
        let query = match expected_revision {
            Some(revision) => query.bind(revision_to_db(revision)?),
            None => query,
        };
        let result = query.execute(&self.writer).await.map_err(map_sqlx)?;
        if result.rows_affected() == 1 {
            return Ok(());
        }
        match expected_revision {
            None => Err(StoreError::AlreadyExists),
            Some(_) => match self.rotation_job(&job.secret_arn).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Err(StoreError::NotFound),
            },
        }
    }

    #[tracing::instrument(skip_all)]
    async fn delete_rotation_job(&self, secret_arn: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM rotation_jobs WHERE secret_arn = ?1")
            .bind(secret_arn)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    #[tracing::instrument(skip_all)]
    async fn claim_rotation_jobs(&self, claim: Claim<'_>) -> Result<Vec<RotationJobRecord>, StoreError> {
        let now = to_millis(claim.now)?;
        let rows = sqlx::query(&format!(
            "UPDATE rotation_jobs SET lease_owner = ?1, lease_expires_at_ms = ?2, revision = revision + 1 \
             WHERE secret_arn IN (SELECT secret_arn FROM rotation_jobs \
                 WHERE due_at_ms IS NOT NULL AND due_at_ms <= ?3 \
                 AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= ?3) \
                 ORDER BY due_at_ms LIMIT ?4) \
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(claim.owner)
        .bind(to_millis(claim.lease_until)?)
        .bind(now)
        .bind(i64::from(claim.limit))
        .fetch_all(&self.writer)
        .await
        .map_err(map_sqlx)?;
        let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by(|a, b| {
            a.due_at
                .cmp(&b.due_at)
                .then_with(|| a.secret_arn.cmp(&b.secret_arn))
        });
        Ok(jobs)
    }

    #[tracing::instrument(skip_all)]
    async fn create_rotation_function(&self, function: &RotationFunctionRecord) -> Result<(), StoreError> {
        let result = sqlx::query(&format!(
            "INSERT INTO rotation_functions ({FUNCTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT DO NOTHING"
        ))
        .bind(function.arn.as_str())
        .bind(function.account_id.as_str())
        .bind(function.region.as_str())
        .bind(function.name.as_str())
        .bind(function.kind.as_str())
        .bind(function.config.as_str())
        .bind(function.role_arn.as_str())
        .bind(function.signing_key.as_ref().map(Sealed::as_bytes))
        .bind(to_millis(function.created_at)?)
        .bind(to_millis(function.updated_at)?)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        if result.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn rotation_function(&self, arn: &str) -> Result<Option<RotationFunctionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FUNCTION_COLUMNS} FROM rotation_functions WHERE arn = ?1"
        ))
        .bind(arn)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(function_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn rotation_functions(
        &self,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<RotationFunctionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {FUNCTION_COLUMNS} FROM rotation_functions WHERE account_id = ?1 AND region = ?2 \
             ORDER BY name"
        ))
        .bind(account.as_str())
        .bind(region.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(function_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn update_rotation_function(&self, function: &RotationFunctionRecord) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE rotation_functions SET kind = ?2, config = ?3, role_arn = ?4, signing_key = ?5, \
             updated_at_ms = ?6 WHERE arn = ?1",
        )
        .bind(function.arn.as_str())
        .bind(function.kind.as_str())
        .bind(function.config.as_str())
        .bind(function.role_arn.as_str())
        .bind(function.signing_key.as_ref().map(Sealed::as_bytes))
        .bind(to_millis(function.updated_at)?)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        if result.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn delete_rotation_function(&self, arn: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM rotation_functions WHERE arn = ?1")
            .bind(arn)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    #[tracing::instrument(skip_all)]
    async fn create_subscription(&self, subscription: &SubscriptionRecord) -> Result<(), StoreError> {
        let names = subscription.event_names.join("\n");
        let result = sqlx::query(&format!(
            "INSERT INTO notification_subscriptions ({SUBSCRIPTION_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"
        ))
        .bind(subscription.id.as_str())
        .bind(subscription.account_id.as_str())
        .bind(subscription.region.as_str())
        .bind(subscription.url.as_str())
        .bind(names)
        .bind(subscription.secret_arn.as_deref())
        .bind(subscription.signing_key.as_bytes())
        .bind(to_millis(subscription.created_at)?)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        if result.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn subscriptions(
        &self,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<SubscriptionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM notification_subscriptions \
             WHERE account_id = ?1 AND region = ?2 ORDER BY id"
        ))
        .bind(account.as_str())
        .bind(region.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(subscription_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn delete_subscription(&self, account: &AccountId, id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM notification_subscriptions WHERE id = ?1 AND account_id = ?2")
            .bind(id)
            .bind(account.as_str())
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    #[tracing::instrument(skip_all)]
    async fn enqueue_deliveries(&self, deliveries: &[DeliveryRecord]) -> Result<(), StoreError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let mut tx = self.writer.begin().await.map_err(map_sqlx)?;
        for delivery in deliveries {
            sqlx::query(&format!(
                "INSERT INTO notification_deliveries ({DELIVERY_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))
            .bind(delivery.id.as_str())
            .bind(delivery.subscription_id.as_str())
            .bind(delivery.account_id.as_str())
            .bind(delivery.event.as_str())
            .bind(delivery.state.as_str())
            .bind(i64::from(delivery.attempts))
            .bind(to_millis(delivery.next_attempt_at)?)
            .bind(delivery.last_error.as_deref())
            .bind(delivery.lease_owner.as_deref())
            .bind(to_opt_millis(delivery.lease_expires_at)?)
            .bind(to_millis(delivery.created_at)?)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn claim_deliveries(&self, claim: Claim<'_>) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "UPDATE notification_deliveries SET lease_owner = ?1, lease_expires_at_ms = ?2 \
             WHERE id IN (SELECT id FROM notification_deliveries \
                 WHERE state = 'pending' AND next_attempt_at_ms <= ?3 \
                 AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= ?3) \
                 ORDER BY next_attempt_at_ms LIMIT ?4) \
             RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(claim.owner)
        .bind(to_millis(claim.lease_until)?)
        .bind(to_millis(claim.now)?)
        .bind(i64::from(claim.limit))
        .fetch_all(&self.writer)
        .await
        .map_err(map_sqlx)?;
        let mut deliveries = rows
            .iter()
            .map(delivery_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        deliveries.sort_by(|a, b| {
            a.next_attempt_at
                .cmp(&b.next_attempt_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(deliveries)
    }

    #[tracing::instrument(skip_all)]
    async fn finish_delivery(&self, delivery: &DeliveryRecord, owner: &str) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE notification_deliveries SET state = ?2, attempts = ?3, next_attempt_at_ms = ?4, \
             last_error = ?5, lease_owner = NULL, lease_expires_at_ms = NULL \
             WHERE id = ?1 AND lease_owner = ?6",
        )
        .bind(delivery.id.as_str())
        .bind(delivery.state.as_str())
        .bind(i64::from(delivery.attempts))
        .bind(to_millis(delivery.next_attempt_at)?)
        .bind(delivery.last_error.as_deref())
        .bind(owner)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        Ok(result.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn deliveries(
        &self,
        account: &AccountId,
        state: DeliveryState,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries WHERE account_id = ?1 AND state = ?2 \
             ORDER BY created_at_ms, id LIMIT ?3"
        ))
        .bind(account.as_str())
        .bind(state.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(delivery_from_row).collect()
    }
}
