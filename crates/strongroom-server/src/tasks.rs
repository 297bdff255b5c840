//! Background work on a timer: purging secrets whose recovery window has passed, deleting KMS keys whose
//! waiting period has passed, rotating KMS keys on their schedule, writing when access keys were last used,
//! and announcing Roles Anywhere certificates that near expiry (audit trail and notification subscriptions);
//! and, on a shorter timer, running secret rotation steps and sending notifications.
//!
//! Each step is safe to run on every node at once: each is a compare-and-set write, so when two nodes race,
//! one wins and the other finds nothing left to do.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::http::AppState;

/// How often maintenance runs.
pub const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(60);

/// How often the access key uses and Roles Anywhere subject sightings noted in memory are written.
pub const KEY_USAGE_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// Writes the noted access key uses and Roles Anywhere subject sightings every `interval`, and once more
/// when `stop` changes (at shutdown, after the last request), so that nothing noted on this node is lost.
pub async fn flush_key_usage(state: Arc<AppState>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => flush_key_usage_once(&state).await,
            _ = stop.changed() => {
                flush_key_usage_once(&state).await;
                return;
            }
        }
    }
}

async fn flush_key_usage_once(state: &AppState) {
    if let Err(err) = state.services.key_usage.flush().await {
        // The uses stay noted and go with the next flush.
        tracing::warn!(error = %err, "recording when access keys were last used failed");
    }
    if let Err(err) = state.services.rolesanywhere.flush_sightings().await {
        tracing::warn!(error = %err, "recording Roles Anywhere subjects failed");
    }
}

/// Runs maintenance every `interval` until `stop` changes.
pub async fn maintenance(state: Arc<AppState>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => run_once(&state).await,
            _ = stop.changed() => return,
        }
    }
}

/// One round of maintenance.
pub async fn run_once(state: &AppState) {
    let now = state.services.clock.now();
    match state.services.kms.purge_due(now).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "deleted KMS keys whose waiting period ended"),
        Err(err) => tracing::warn!(error = %err, "deleting KMS keys failed"),
    }
    match state.services.kms.rotate_due(now).await {
        Ok(0) => {}
        Ok(rotated) => tracing::info!(rotated, "rotated KMS keys on their schedule"),
        Err(err) => tracing::warn!(error = %err, "rotating KMS keys failed"),
    }
    match state.services.secrets.purge_due().await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "purged secrets whose recovery window ended"),
        Err(err) => tracing::warn!(error = %err, "purging secrets failed"),
    }
    record_certificate_expiry(state, now).await;
}

/// Roles Anywhere subjects whose certificate nears expiry: each an `EndEntityCertificateExpiry` service event
/// (in the audit trail and to every matching notification subscription), once per process.
async fn record_certificate_expiry(state: &AppState, now: strongroom_types::OffsetDateTime) {
    use strongroom_service::rotation::events::{self, EventName, ServiceEvent};
    let notices = match state.services.rolesanywhere.expiry_notices(now).await {
        Ok(notices) => notices,
        Err(err) => {
            tracing::warn!(error = %err, "checking certificate expiry failed");
            return;
        }
    };
    for notice in notices {
        tracing::info!(
            subject = %notice.x509_subject,
            serial = %notice.serial_number,
            not_after = %notice.not_after,
            threshold_days = notice.threshold_days,
            "a Roles Anywhere certificate nears expiry"
        );
        // arn:aws:rolesanywhere:REGION:ACCOUNT:subject/ID
        let mut parts = notice.subject_arn.split(':').skip(3);
        let (Some(Ok(region)), Some(Ok(account))) =
            (parts.next().map(str::parse), parts.next().map(str::parse))
        else {
            tracing::warn!(subject = %notice.subject_arn, "a subject ARN without region and account");
            continue;
        };
        let not_after = notice
            .not_after
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let event = ServiceEvent {
            name: EventName::EndEntityCertificateExpiry,
            resource_arn: notice.subject_arn,
            account,
            region,
            version_id: None,
            time: now,
            message: None,
            details: vec![
                ("X509Subject", notice.x509_subject),
                ("SerialNumber", notice.serial_number),
                ("Issuer", notice.issuer),
                ("TrustAnchorArn", notice.trust_anchor_arn),
                ("NotAfter", not_after),
                ("ThresholdDays", notice.threshold_days.to_string()),
            ],
        };
        events::emit(&state.services, event).await;
    }
}

/// How often the rotation engine looks for due rotation steps and notifications.
pub const ROTATION_INTERVAL: Duration = Duration::from_secs(1);

/// Runs the rotation engine and the notification sender every `interval` until `stop` changes.
pub async fn rotation(state: Arc<AppState>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => rotation_once(&state).await,
            _ = stop.changed() => return,
        }
    }
}

/// One round of rotation work: every due step, then every due notification.
pub async fn rotation_once(state: &AppState) {
    let services = &state.services;
    match services.rotation.run_due(services).await {
        Ok(0) => {}
        Ok(jobs) => tracing::debug!(jobs, "ran due rotation jobs"),
        Err(err) => tracing::warn!(error = %err, "claiming rotation jobs failed"),
    }
    services.rotation.deliver_due(services).await;
}
