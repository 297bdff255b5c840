//! Service events (rotation outcomes and secret lifecycle changes): one audit record each, and one queued
//! delivery per matching webhook subscription, sent with retries and given up into a dead-letter record.
//!
//! An event names the secret, the version and what happened, never a value; a failure's message is the
//! engine's own text.

use strongroom_crypto::EncryptionContext;
use strongroom_store::rotation::{Claim, DeliveryRecord, DeliveryState, SubscriptionRecord};
use strongroom_types::{AccountId, OffsetDateTime, Region};
use time::Duration;

use crate::Services;
use crate::audit::{Actor, AuditEvent, Outcome};
use crate::keyring::Purpose;

/// A delivery is given up (dead-lettered) after this many failed attempts.
pub const MAX_DELIVERY_ATTEMPTS: u32 = 6;
/// The first retry waits this long; each next one twice as long.
const FIRST_RETRY: Duration = Duration::seconds(5);
/// How long a claimed delivery stays leased to its worker.
const DELIVERY_LEASE: Duration = Duration::seconds(60);
/// Deliveries claimed per round.
const DELIVERY_BATCH: u32 = 64;

/// The names of service events Strongroom emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    RotationStarted,
    RotationSucceeded,
    RotationFailed,
    RotationAbandoned,
    SecretCreated,
    SecretValueChanged,
    SecretDeleted,
    SecretRestored,
    SecretVersionDeprecated,
    /// A Roles Anywhere subject's certificate expires within its trust anchor's threshold.
    EndEntityCertificateExpiry,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RotationStarted => "RotationStarted",
            Self::RotationSucceeded => "RotationSucceeded",
            Self::RotationFailed => "RotationFailed",
            Self::RotationAbandoned => "RotationAbandoned",
            Self::SecretCreated => "SecretCreated",
            Self::SecretValueChanged => "SecretValueChanged",
            Self::SecretDeleted => "SecretDeleted",
            Self::SecretRestored => "SecretRestored",
            Self::SecretVersionDeprecated => "SecretVersionDeprecated",
            Self::EndEntityCertificateExpiry => "EndEntityCertificateExpiry",
        }
    }

    /// The service the event comes from, as in its audit record (`secretsmanager`, `rolesanywhere`).
    pub fn service(self) -> &'static str {
        match self {
            Self::EndEntityCertificateExpiry => "rolesanywhere",
            _ => "secretsmanager",
        }
    }

    pub const ALL: [EventName; 10] = [
        Self::RotationStarted,
        Self::RotationSucceeded,
        Self::RotationFailed,
        Self::RotationAbandoned,
        Self::SecretCreated,
        Self::SecretValueChanged,
        Self::SecretDeleted,
        Self::SecretRestored,
        Self::SecretVersionDeprecated,
        Self::EndEntityCertificateExpiry,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|name| name.as_str() == text)
    }
}

/// One service event about a resource: a secret, or a Roles Anywhere subject.
#[derive(Debug, Clone)]
pub struct ServiceEvent {
    pub name: EventName,
    /// The secret's ARN, or the subject's.
    pub resource_arn: String,
    pub account: AccountId,
    pub region: Region,
    pub version_id: Option<String>,
    pub time: OffsetDateTime,
    /// Why a rotation failed or was abandoned.
    pub message: Option<String>,
    /// More `additionalEventData` members (a certificate's serial, expiry, issuer, …).
    pub details: Vec<(&'static str, String)>,
}

impl ServiceEvent {
    /// The event as subscribers receive it: EventBridge's envelope around a CloudTrail service event.
    pub fn to_json(&self, id: &str) -> String {
        let time = crate::audit::rfc3339(self.time);
        let service = self.name.service();
        let mut data = serde_json::Map::new();
        let resource_key = if service == "rolesanywhere" {
            "SubjectArn"
        } else {
            "SecretId"
        };
        data.insert(
            resource_key.to_owned(),
            serde_json::Value::from(self.resource_arn.as_str()),
        );
        if let Some(version) = &self.version_id {
            data.insert("VersionId".to_owned(), serde_json::Value::from(version.as_str()));
        }
        for (key, value) in &self.details {
            data.insert((*key).to_owned(), serde_json::Value::from(value.as_str()));
        }
        let mut detail = serde_json::json!({
            "eventVersion": "1.08",
            "eventSource": format!("{service}.amazonaws.com"),
            "eventName": self.name.as_str(),
            "eventType": "AwsServiceEvent",
            "eventTime": time,
            "awsRegion": self.region.as_str(),
            "additionalEventData": data,
        });
        if let Some(message) = &self.message {
            detail["errorMessage"] = serde_json::Value::from(message.as_str());
        }
        serde_json::json!({
            "version": "0",
            "id": id,
            "detail-type": "AWS Service Event via CloudTrail",
            "source": format!("aws.{service}"),
            "account": self.account.as_str(),
            "time": time,
            "region": self.region.as_str(),
            "resources": [self.resource_arn],
            "detail": detail,
        })
        .to_string()
    }
}

/// Whether `subscription` wants `event`.
pub fn matches(subscription: &SubscriptionRecord, event: &ServiceEvent) -> bool {
    let name_ok = subscription.event_names.is_empty()
        || subscription.event_names.iter().any(|n| n == event.name.as_str());
    let secret_ok = subscription
        .secret_arn
        .as_deref()
        .is_none_or(|arn| arn == event.resource_arn);
    name_ok && secret_ok && subscription.account_id == event.account && subscription.region == event.region
}

/// The encryption context of a signing key (of a subscription or a webhook function), by its owner's id.
pub(crate) fn signing_key_context(owner: &str) -> EncryptionContext {
    EncryptionContext::from_pairs([("purpose", "webhook-signing-key"), ("owner", owner)])
}

/// The HMAC key as its owner was given it: the base64 text of the stored key bytes (used as is, so a
/// receiver needs no decoding).
pub(crate) fn key_text(raw: &[u8]) -> zeroize::Zeroizing<String> {
    use base64::Engine as _;
    zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(raw))
}

/// `sha256=<hex>`: the HMAC-SHA256 of `timestamp.body` under `key`, as the `X-Strongroom-Signature`
/// header carries it next to `X-Strongroom-Timestamp`.
pub fn signature(key: &[u8], timestamp: &str, body: &str) -> String {
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body.as_bytes());
    let mac = strongroom_crypto::hash::hmac_sha256(key, &message);
    format!("sha256={}", strongroom_crypto::hash::to_hex(mac.as_slice()))
}

/// Sends one signed webhook request; implemented by the server (the service layer does no HTTP).
#[async_trait::async_trait]
pub trait WebhookSender: Send + Sync {
    /// POSTs `body` to `url` with the given extra headers; `Ok(status)` when an HTTP answer came back.
    async fn post(&self, url: &str, headers: &[(&str, String)], body: &str) -> Result<u16, String>;
}

/// Records `event` in the audit trail and queues it for every matching subscription.
pub async fn emit(services: &Services, event: ServiceEvent) {
    let failed = matches!(event.name, EventName::RotationFailed);
    services
        .audit
        .record(AuditEvent {
            time: event.time,
            request_id: strongroom_crypto::random::uuid_v4(),
            service: event.name.service().to_owned(),
            operation: event.name.as_str().to_owned(),
            region: Some(event.region.to_string()),
            source_ip: None,
            user_agent: None,
            actor: Actor::Service,
            resource: Some(event.resource_arn.clone()),
            read_only: false,
            outcome: if failed {
                Outcome::Failure {
                    code: "RotationFailed".to_owned(),
                    message: event.message.clone().unwrap_or_default(),
                }
            } else {
                Outcome::Success
            },
            decision: None,
        })
        .await;
    notify_subscribers(services, &event).await;
}

/// A secret lifecycle event (created, value changed, deleted, restored) from an API call by `caller`: to
/// the subscriptions only, as the call itself is in the audit trail already.
pub async fn secret_changed(
    services: &Services,
    caller: &crate::caller::Caller,
    name: EventName,
    secret_arn: &str,
    version_id: Option<&str>,
) {
    let event = ServiceEvent {
        name,
        resource_arn: secret_arn.to_owned(),
        account: caller.account().clone(),
        region: caller.region().clone(),
        version_id: version_id.map(str::to_owned),
        time: services.clock.now(),
        message: None,
        details: Vec::new(),
    };
    notify_subscribers(services, &event).await;
}

/// Queues `event` for every matching subscription.
async fn notify_subscribers(services: &Services, event: &ServiceEvent) {
    let subscriptions = match services.store.subscriptions(&event.account, &event.region).await {
        Ok(subscriptions) => subscriptions,
        Err(err) => {
            tracing::warn!(error = %err, "reading notification subscriptions failed; event not queued");
            return;
        }
    };
    let deliveries: Vec<DeliveryRecord> = subscriptions
        .iter()
        .filter(|s| matches(s, event))
        .map(|subscription| {
            let id = strongroom_crypto::random::uuid_v4();
            DeliveryRecord {
                event: event.to_json(&id),
                id,
                subscription_id: subscription.id.clone(),
                account_id: event.account.clone(),
                state: DeliveryState::Pending,
                attempts: 0,
                next_attempt_at: crate::truncate_to_millis(event.time),
                last_error: None,
                lease_owner: None,
                lease_expires_at: None,
                created_at: crate::truncate_to_millis(event.time),
            }
        })
        .collect();
    if let Err(err) = services.store.enqueue_deliveries(&deliveries).await {
        tracing::warn!(error = %err, "queueing notifications failed");
    }
}

/// Sends the deliveries that are due, each once, through `sender`; returns how many were attempted.
pub async fn deliver_due(services: &Services, owner: &str, sender: &dyn WebhookSender) -> usize {
    let now = crate::truncate_to_millis(services.clock.now());
    let claimed = match services
        .store
        .claim_deliveries(Claim {
            owner,
            now,
            lease_until: now + DELIVERY_LEASE,
            limit: DELIVERY_BATCH,
        })
        .await
    {
        Ok(claimed) => claimed,
        Err(err) => {
            tracing::warn!(error = %err, "claiming notifications failed");
            return 0;
        }
    };
    let attempted = claimed.len();
    for delivery in claimed {
        let outcome = send_one(services, &delivery, sender).await;
        let finished = finish(delivery, outcome, now);
        if let Err(err) = services.store.finish_delivery(&finished, owner).await {
            tracing::warn!(error = %err, "recording a notification attempt failed");
        }
    }
    attempted
}

async fn send_one(
    services: &Services,
    delivery: &DeliveryRecord,
    sender: &dyn WebhookSender,
) -> Result<(), String> {
    let subscription = services
        .store
        .subscriptions(
            &delivery.account_id,
            &region_of(&delivery.event).ok_or("the event names no region")?,
        )
        .await
        .map_err(|err| format!("reading the subscription failed: {err}"))?
        .into_iter()
        .find(|s| s.id == delivery.subscription_id)
        .ok_or("the subscription is gone")?;
    let key = services
        .keyring
        .key(Purpose::Credentials)
        .open(&subscription.signing_key, &signing_key_context(&subscription.id))
        .map_err(|_| "the subscription's signing key does not open".to_owned())?;
    let timestamp = services.clock.now().unix_timestamp().to_string();
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("x-strongroom-event-id", delivery.id.clone()),
        ("x-strongroom-timestamp", timestamp.clone()),
        (
            "x-strongroom-signature",
            signature(
                key_text(key.expose_secret()).as_bytes(),
                &timestamp,
                &delivery.event,
            ),
        ),
    ];
    match sender.post(&subscription.url, &headers, &delivery.event).await {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(format!("HTTP {status}")),
        Err(err) => Err(err),
    }
}

/// The delivery after an attempt: delivered, retried later with exponential backoff, or dead.
fn finish(mut delivery: DeliveryRecord, outcome: Result<(), String>, now: OffsetDateTime) -> DeliveryRecord {
    delivery.attempts += 1;
    match outcome {
        Ok(()) => {
            delivery.state = DeliveryState::Delivered;
            delivery.last_error = None;
        }
        Err(err) if delivery.attempts >= MAX_DELIVERY_ATTEMPTS => {
            delivery.state = DeliveryState::Dead;
            delivery.last_error = Some(err);
        }
        Err(err) => {
            delivery.next_attempt_at = now + FIRST_RETRY * 2_i32.pow(delivery.attempts - 1);
            delivery.last_error = Some(err);
        }
    }
    delivery
}

/// The region an event's JSON names (deliveries keep the event, not the subscription's region).
fn region_of(event: &str) -> Option<Region> {
    serde_json::from_str::<serde_json::Value>(event)
        .ok()
        .and_then(|v| {
            v.get("region")
                .and_then(|r| r.as_str())
                .and_then(|r| r.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn event(name: EventName, arn: &str) -> ServiceEvent {
        ServiceEvent {
            name,
            resource_arn: arn.to_owned(),
            account: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
            version_id: Some("v1".to_owned()),
            time: datetime!(2026-03-01 10:00 UTC),
            message: None,
            details: Vec::new(),
        }
    }

    fn subscription(names: &[&str], secret: Option<&str>) -> SubscriptionRecord {
        SubscriptionRecord {
            id: "s".to_owned(),
            account_id: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
            url: "http://127.0.0.1:1/".to_owned(),
            event_names: names.iter().map(|n| (*n).to_owned()).collect(),
            secret_arn: secret.map(str::to_owned),
            signing_key: strongroom_types::Sealed::from_bytes(vec![1]),
            created_at: datetime!(2026-03-01 10:00 UTC),
        }
    }

    #[test]
    fn subscriptions_filter_by_event_name_and_secret() {
        let cases = [
            (subscription(&[], None), EventName::RotationFailed, "a", true),
            (
                subscription(&["RotationFailed"], None),
                EventName::RotationFailed,
                "a",
                true,
            ),
            (
                subscription(&["RotationFailed"], None),
                EventName::RotationSucceeded,
                "a",
                false,
            ),
            (
                subscription(&[], Some("a")),
                EventName::RotationSucceeded,
                "a",
                true,
            ),
            (
                subscription(&[], Some("a")),
                EventName::RotationSucceeded,
                "b",
                false,
            ),
        ];
        for (subscription, name, arn, wanted) in cases {
            assert_eq!(
                matches(&subscription, &event(name, arn)),
                wanted,
                "{subscription:?} {name:?} {arn}"
            );
        }
    }

    #[test]
    fn events_name_their_service_and_resource() {
        let secret: serde_json::Value =
            serde_json::from_str(&event(EventName::RotationSucceeded, "arn:s").to_json("id-1")).unwrap();
        assert_eq!(secret["source"], "aws.secretsmanager");
        assert_eq!(secret["detail"]["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(secret["detail"]["additionalEventData"]["SecretId"], "arn:s");
        assert_eq!(secret["detail"]["additionalEventData"]["VersionId"], "v1");

        let mut expiry = event(EventName::EndEntityCertificateExpiry, "arn:subject");
        expiry.version_id = None;
        expiry.details = vec![("SerialNumber", "4098".to_owned())];
        let expiry: serde_json::Value = serde_json::from_str(&expiry.to_json("id-2")).unwrap();
        assert_eq!(expiry["source"], "aws.rolesanywhere");
        assert_eq!(expiry["detail"]["eventSource"], "rolesanywhere.amazonaws.com");
        assert_eq!(expiry["detail"]["eventName"], "EndEntityCertificateExpiry");
        assert_eq!(expiry["resources"][0], "arn:subject");
        assert_eq!(
            expiry["detail"]["additionalEventData"],
            serde_json::json!({"SubjectArn": "arn:subject", "SerialNumber": "4098"})
        );
        assert_eq!(
            EventName::parse("EndEntityCertificateExpiry"),
            Some(EventName::EndEntityCertificateExpiry)
        );
    }

    #[test]
    fn failures_back_off_then_go_dead() {
        let now = datetime!(2026-03-01 10:00 UTC);
        let mut delivery = DeliveryRecord {
            id: "d".to_owned(),
            subscription_id: "s".to_owned(),
            account_id: "123456789012".parse().unwrap(),
            event: "{}".to_owned(),
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            lease_owner: None,
            lease_expires_at: None,
            created_at: now,
        };
        let mut waits = Vec::new();
        for _ in 0..MAX_DELIVERY_ATTEMPTS {
            delivery = finish(delivery, Err("HTTP 503".to_owned()), now);
            waits.push((delivery.next_attempt_at - now).whole_seconds());
        }
        assert_eq!(delivery.state, DeliveryState::Dead);
        assert_eq!(&waits[..5], &[5, 10, 20, 40, 80]);
        assert_eq!(delivery.last_error.as_deref(), Some("HTTP 503"));
    }

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_and_body() {
        let sig = signature(b"key", "1700000000", "{}");
        let expected = strongroom_crypto::hash::to_hex(
            strongroom_crypto::hash::hmac_sha256(b"key", b"1700000000.{}").as_slice(),
        );
        assert_eq!(sig, format!("sha256={expected}"));
    }

    #[test]
    fn event_json_names_the_secret_and_never_more() {
        let json = event(EventName::RotationSucceeded, "arn:x").to_json("id-1");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["detail"]["eventName"], "RotationSucceeded");
        assert_eq!(value["resources"][0], "arn:x");
        assert_eq!(value["detail"]["additionalEventData"]["VersionId"], "v1");
    }
}
