//! The audit trail: one CloudTrail-shaped record per API call, MAC-chained so that tampering shows.
//!
//! Requests hand their event to an [`AuditTrail`] handle; one writer task per process numbers the records
//! of its own chain, chains each to the one before with an HMAC under the audit system key, and appends them
//! to the store in batches. A chain per process means nodes never contend for a sequence number.
//! `verify` recomputes every chain: an edited, reordered or removed record breaks it. (Removing the newest
//! records of a chain leaves a valid shorter chain; only a copy kept elsewhere can reveal that.)
//!
//! An event is built from typed fields only: there is no field a secret value could be put into.

use std::sync::Arc;

use strongroom_crypto::hash::{HmacKey, SHA256_LEN};
use strongroom_store::AuditRecord;
use strongroom_types::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{mpsc, oneshot};

use crate::caller::Caller;
use crate::keyring::{Keyring, Purpose};
use crate::{ServiceError, Store};

/// The label under which audit MACs are computed.
const MAC_LABEL: &str = "audit-chain-v1";
/// How many events one append carries at most.
const BATCH: usize = 1024;
/// How many events may wait for the writer before requests wait for it.
const QUEUE: usize = 8192;
/// How many records the writer chains before it lets other tasks on its thread run.
const YIELD_EVERY: usize = 64;
/// How long the writer lets events gather after the first of a batch arrives.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

/// Who made a request, as far as it is known.
#[derive(Debug, Clone)]
pub enum Actor {
    /// Authentication succeeded.
    Caller(Box<Caller>),
    /// Authentication failed or was missing; the access key id is kept when the request named one.
    Unauthenticated { access_key_id: Option<String> },
    /// Strongroom itself, acting as the service (a rotation's outcome): a CloudTrail service event.
    Service,
}

/// How a request ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Success,
    /// An error returned to the client, by its AWS error code and message (which never hold secrets).
    Failure {
        code: String,
        message: String,
    },
}

/// One API call, as the audit trail records it.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub time: OffsetDateTime,
    pub request_id: String,
    /// The service's signing name: `secretsmanager`, `sts`, …
    pub service: String,
    pub operation: String,
    pub region: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub actor: Actor,
    /// The ARN of the resource acted on, when there is one.
    pub resource: Option<String>,
    pub read_only: bool,
    pub outcome: Outcome,
    /// Why authorization decided as it did, naming the deciding statement (see `authz::recording`).
    pub decision: Option<String>,
}

impl AuditEvent {
    /// The CloudTrail-shaped JSON body of this event, written directly: this runs once per API call, and
    /// building a `serde_json::Value` first cost more than everything else the audit writer does.
    pub fn to_json(&self) -> String {
        let mut out = JsonObject::with_capacity(768);
        out.str("eventVersion", "1.08");
        out.str("eventTime", &rfc3339(self.time));
        out.key("eventSource");
        out.0.push('"');
        push_json_escaped(&mut out.0, &self.service);
        out.0.push_str(".amazonaws.com\"");
        out.str("eventName", &self.operation);
        out.opt_str("awsRegion", self.region.as_deref());
        out.opt_str("sourceIPAddress", self.source_ip.as_deref());
        out.opt_str("userAgent", self.user_agent.as_deref());
        let mut identity = JsonObject::with_capacity(256);
        match &self.actor {
            Actor::Caller(caller) => {
                identity.str("type", caller.identity_type());
                identity.str("principalId", &caller.user_id());
                identity.str("arn", &caller.arn());
                identity.str("accountId", caller.account().as_str());
                identity.str("accessKeyId", caller.access_key_id().as_str());
            }
            Actor::Unauthenticated { access_key_id } => {
                identity.str("type", "Unknown");
                identity.opt_str("accessKeyId", access_key_id.as_deref());
            }
            Actor::Service => {
                identity.str("type", "AWSService");
                identity.str("invokedBy", &format!("{}.amazonaws.com", self.service));
            }
        }
        out.raw("userIdentity", &identity.finish());
        out.str("requestID", &self.request_id);
        out.str("eventID", &strongroom_crypto::random::uuid_v4());
        let service_event = matches!(self.actor, Actor::Service);
        out.str(
            "eventType",
            if service_event {
                "AwsServiceEvent"
            } else {
                "AwsApiCall"
            },
        );
        out.raw("readOnly", if self.read_only { "true" } else { "false" });
        out.raw("managementEvent", "true");
        if let Actor::Caller(caller) = &self.actor {
            out.str("recipientAccountId", caller.account().as_str());
        }
        if let Some(resource) = &self.resource {
            let mut entry = JsonObject::with_capacity(resource.len() + 16);
            entry.str("ARN", resource);
            out.raw("resources", &format!("[{}]", entry.finish()));
        }
        if let Outcome::Failure { code, message } = &self.outcome {
            out.str("errorCode", code);
            out.str("errorMessage", message);
        }
        if let Some(decision) = &self.decision {
            let mut data = JsonObject::with_capacity(decision.len() + 32);
            data.str("authorizationDecision", decision);
            out.raw("additionalEventData", &data.finish());
        }
        out.finish()
    }
}

/// A JSON object written member by member into one string.
struct JsonObject(String);

impl JsonObject {
    fn with_capacity(capacity: usize) -> Self {
        let mut text = String::with_capacity(capacity);
        text.push('{');
        Self(text)
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_string(&mut self.0, key);
        self.0.push(':');
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_string(&mut self.0, value);
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(value) => self.str(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A member whose value is already JSON.
    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.0.push_str(json);
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `text` as a JSON string literal (RFC 8259 escaping). Runs of bytes that need no escape are
/// copied whole: every audit record is mostly such runs (ARNs, ids, names).
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    push_json_escaped(out, text);
    out.push('"');
}

/// Appends `text` escaped for the inside of a JSON string literal.
fn push_json_escaped(out: &mut String, text: &str) {
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `at` is an ASCII byte, so both slices end on character boundaries.
        out.push_str(&text[plain_from..at]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        plain_from = at + 1;
    }
    out.push_str(&text[plain_from..]);
}

/// `t` in UTC to the second, as CloudTrail writes times (`2026-11-29T04:03:38Z`), without going through
/// a format description: this runs for every API call.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let Some(t) = t
        .checked_to_offset(time::UtcOffset::UTC)
        .filter(|t| (0..=9999).contains(&t.year()))
    else {
        return t
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default();
    };
    let mut out = String::with_capacity(20);
    for (value, width, after) in [
        (t.year().unsigned_abs(), 4, '-'),
        (u32::from(u8::from(t.month())), 2, '-'),
        (u32::from(t.day()), 2, 'T'),
        (u32::from(t.hour()), 2, ':'),
        (u32::from(t.minute()), 2, ':'),
        (u32::from(t.second()), 2, 'Z'),
    ] {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
        }
        out.push(after);
    }
    out
}

enum Command {
    Record(Rendered),
    Flush(oneshot::Sender<()>),
}

/// An event as the request that made it rendered it, waiting for the writer to number and chain it.
/// Rendering on the request's task spreads the work evenly instead of leaving the writer a burst of it.
struct Rendered {
    recorded_at: OffsetDateTime,
    body: String,
}

/// A cheap handle through which requests record events.
#[derive(Debug, Clone)]
pub struct AuditTrail {
    tx: mpsc::Sender<Command>,
    chain_id: Arc<str>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Record(_) => f.write_str("Record"),
            Self::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl AuditTrail {
    /// Starts the writer task for a new chain and returns its handle. The task ends when every handle is
    /// dropped, after writing what it was given.
    pub fn spawn(store: Arc<dyn Store>, keyring: Arc<Keyring>) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let chain_id: Arc<str> = Arc::from(strongroom_crypto::random::uuid_v4());
        let writer = Writer {
            store,
            mac_key: keyring.key(Purpose::Audit).mac_key(MAC_LABEL),
            chain_id: chain_id.to_string(),
            seq: 0,
            prev_mac: Vec::new(),
        };
        let task = tokio::spawn(writer.run(rx));
        (Self { tx, chain_id }, task)
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// Queues an event. When the writer is behind, this waits for room rather than drop the event.
    pub async fn record(&self, event: AuditEvent) {
        let rendered = Rendered {
            recorded_at: crate::truncate_to_millis(event.time),
            body: event.to_json(),
        };
        if self.tx.send(Command::Record(rendered)).await.is_err() {
            tracing::error!("audit writer is gone; an audit event was not recorded");
        }
    }

    /// Waits until every event queued before this call is in the store.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

struct Writer {
    store: Arc<dyn Store>,
    mac_key: HmacKey,
    chain_id: String,
    seq: u64,
    prev_mac: Vec<u8>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        let mut commands = Vec::with_capacity(BATCH);
        while rx.recv_many(&mut commands, BATCH).await > 0 {
            // Under load, let events gather for a moment instead of being woken by each one: a wake-up
            // costs a context switch on another thread, which at thousands of requests a second cost more
            // than writing the records. Idle, `recv_many` waits as usual, so a lone event is not delayed.
            if commands.len() < BATCH {
                tokio::time::sleep(GATHER).await;
                while commands.len() < BATCH {
                    match rx.try_recv() {
                        Ok(command) => commands.push(command),
                        Err(_) => break,
                    }
                }
            }
            let mut records = Vec::with_capacity(commands.len());
            let mut waiters = Vec::new();
            for command in commands.drain(..) {
                match command {
                    Command::Record(rendered) => {
                        records.push(self.chain(rendered));
                        // A large batch is a burst of MACs on a thread that serves requests too: let
                        // them in between.
                        if records.len() % YIELD_EVERY == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                    Command::Flush(done) => waiters.push(done),
                }
            }
            self.append(&records).await;
            for done in waiters {
                let _ = done.send(());
            }
        }
    }

    fn chain(&mut self, rendered: Rendered) -> AuditRecord {
        self.seq += 1;
        let Rendered { recorded_at, body } = rendered;
        let mac = chain_mac(&self.mac_key, &self.prev_mac, self.seq, recorded_at, &body).to_vec();
        self.prev_mac.clone_from(&mac);
        AuditRecord {
            chain_id: self.chain_id.clone(),
            seq: self.seq,
            recorded_at,
            body,
            mac,
        }
    }

    /// Appends a batch, retrying while the store is unavailable: an audit record is never dropped while
    /// the process lives.
    async fn append(&self, records: &[AuditRecord]) {
        if records.is_empty() {
            return;
        }
        let mut delay = std::time::Duration::from_millis(50);
        loop {
            match self.store.append_audit(records).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::error!(error = %err, records = records.len(), "audit append failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(5));
                }
            }
        }
    }
}

/// A record's MAC: over the previous MAC, the sequence number, the time and the body, each length-prefixed
/// so that no two different records encode alike.
fn chain_mac(
    key: &HmacKey,
    prev_mac: &[u8],
    seq: u64,
    recorded_at: OffsetDateTime,
    body: &str,
) -> [u8; SHA256_LEN] {
    let millis = (recorded_at.unix_timestamp_nanos() / 1_000_000) as i64;
    let length = |part: &[u8]| (part.len() as u64).to_be_bytes();
    let (seq, millis) = (seq.to_be_bytes(), millis.to_be_bytes());
    *key.sign_parts(&[
        &length(prev_mac),
        prev_mac,
        &length(&seq),
        &seq,
        &length(&millis),
        &millis,
        &length(body.as_bytes()),
        body.as_bytes(),
    ])
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub chains: usize,
    pub records: u64,
    /// One line per broken place: chain, sequence number and what is wrong.
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recomputes every chain in the store.
pub async fn verify(store: &dyn Store, keyring: &Keyring) -> Result<AuditReport, ServiceError> {
    let key = keyring.key(Purpose::Audit).mac_key(MAC_LABEL);
    let mut report = AuditReport::default();
    let mut expected_seq = 1;
    let mut prev_mac = Vec::new();
    each_record(store, |starts_chain, record| {
        let chain = &record.chain_id;
        if starts_chain {
            report.chains += 1;
            expected_seq = 1;
            prev_mac.clear();
        }
        report.records += 1;
        if record.seq != expected_seq {
            report.problems.push(format!(
                "chain {chain}: expected record {expected_seq}, found {} (records removed)",
                record.seq
            ));
        }
        let mac = chain_mac(&key, &prev_mac, record.seq, record.recorded_at, &record.body);
        if !strongroom_crypto::ct::eq(&mac, &record.mac) {
            report.problems.push(format!(
                "chain {chain}: record {} does not match its MAC (edited, reordered or a record before it removed)",
                record.seq
            ));
        }
        expected_seq = record.seq + 1;
        prev_mac.clone_from(&record.mac);
    })
    .await?;
    Ok(report)
}

/// Hands every stored record to `visit`, chain by chain (in the store's order) and each chain in sequence,
/// reading a page at a time; `visit` is told when a record is the first it sees of its chain. `strongroom
/// audit export` prints the trail with it: the SQLite store keeps records compressed, so this is how an
/// operator reads them.
pub async fn each_record(
    store: &dyn Store,
    mut visit: impl FnMut(bool, &AuditRecord),
) -> Result<(), ServiceError> {
    const PAGE: u32 = 1000;
    for chain in store
        .audit_chains()
        .await
        .map_err(ServiceError::store("listing audit chains"))?
    {
        let mut after = 0;
        let mut first = true;
        loop {
            let page = store
                .audit_records(&chain, after, PAGE)
                .await
                .map_err(ServiceError::store("reading audit records"))?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for record in &page {
                visit(first, record);
                first = false;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_and_parse_back() {
        for text in [
            "plain",
            "quote \" and \\ back",
            "line\nbreak\ttab\r",
            "\u{1}\u{1f}",
            "ünïcødé ✓",
        ] {
            let mut out = String::new();
            push_json_string(&mut out, text);
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, text, "{out}");
        }
    }

    #[test]
    fn an_event_is_one_json_object_with_cloudtrail_fields() {
        let event = AuditEvent {
            time: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            request_id: "req-1".into(),
            service: "secretsmanager".into(),
            operation: "GetSecretValue".into(),
            region: Some("us-east-1".into()),
            source_ip: None,
            user_agent: Some("agent \"quoted\"".into()),
            actor: Actor::Unauthenticated {
                access_key_id: Some("AKIAEXAMPLEEXAMPLE12".into()),
            },
            resource: Some("arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf".into()),
            read_only: true,
            outcome: Outcome::Failure {
                code: "AccessDenied".into(),
                message: "no\nway".into(),
            },
            decision: Some("Explicitly denied by statement 0 of identity policy \"p\".".into()),
        };
        let body: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(body["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(body["eventTime"], "2023-11-14T22:13:20Z");
        assert_eq!(body["userAgent"], "agent \"quoted\"");
        assert_eq!(body["sourceIPAddress"], serde_json::Value::Null);
        assert_eq!(body["userIdentity"]["type"], "Unknown");
        assert_eq!(
            body["resources"][0]["ARN"],
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"
        );
        assert_eq!(body["errorMessage"], "no\nway");
        assert_eq!(body["readOnly"], true);
        assert!(body.get("recipientAccountId").is_none());
    }

    #[test]
    fn times_are_written_in_utc_to_the_second_as_rfc3339() {
        let offset = time::UtcOffset::from_hms(5, 30, 0).unwrap();
        for (unix, nanos) in [
            (0, 0),
            (1_700_000_000, 999_999_999),
            (951_782_400, 1),     // 2000-02-29
            (253_402_257_599, 0), // 9999-12-31T12:00:00
            (-1, 0),
            (1_798_761_599, 500), // the end of a year
        ] {
            let t = OffsetDateTime::from_unix_timestamp(unix).unwrap() + time::Duration::nanoseconds(nanos);
            let expected = t.replace_nanosecond(0).unwrap().format(&Rfc3339).unwrap();
            assert_eq!(rfc3339(t), expected, "{unix}");
            assert_eq!(rfc3339(t.to_offset(offset)), expected, "{unix} seen at +05:30");
        }
    }

    #[test]
    fn the_chain_mac_is_the_key_materials_mac_of_the_length_prefixed_fields() {
        // Chains written before the writer kept a prepared key must still verify.
        let material = strongroom_crypto::KeyMaterial::generate();
        let recorded_at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_000_000).unwrap();
        let prev = [7u8; 32];
        let body = r#"{"eventName":"GetSecretValue"}"#;
        let mut input = Vec::new();
        for part in [
            &prev[..],
            &42u64.to_be_bytes(),
            &1_700_000_000_123i64.to_be_bytes(),
            body.as_bytes(),
        ] {
            input.extend_from_slice(&(part.len() as u64).to_be_bytes());
            input.extend_from_slice(part);
        }
        let key = material.mac_key(MAC_LABEL);
        assert_eq!(
            chain_mac(&key, &prev, 42, recorded_at, body),
            material.mac(MAC_LABEL, &input)
        );
        assert_ne!(
            chain_mac(&key, &prev, 43, recorded_at, body),
            material.mac(MAC_LABEL, &input)
        );
    }
}
