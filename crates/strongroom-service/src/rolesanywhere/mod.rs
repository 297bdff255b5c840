//! IAM Roles Anywhere: the control plane (trust anchors, profiles, imported CRLs, subjects, tags) and
//! `CreateSession`, which trades an X.509 certificate and a signature made with its key for a role session.
//!
//! Every control-plane call is authorized as `rolesanywhere:<Operation>` on the resource's ARN, which is
//! built from the id in the request before anything is read, so that a caller learns nothing about
//! resources it may not touch. Resources are regional: they live in the caller's (account, region), and
//! one of another account or region is not found. Changes are compare-and-set on the record's revision,
//! re-read and re-applied after a lost race.

mod error;
pub mod expiry;
pub mod mapping;
pub mod session;

use std::sync::Arc;

use strongroom_store::StoreError;
pub use strongroom_store::rolesanywhere::Tag;
use strongroom_store::rolesanywhere::{
    RaAttributeMapping, RaCrlRecord, RaKind, RaNotificationSetting, RaProfileRecord, RaRow, RaSource,
    RaSubjectRecord, RaTrustAnchorRecord,
};
use strongroom_store::rolesanywhere_codec as codec;
use strongroom_types::{AccountId, Clock, OffsetDateTime, Region};

pub use self::error::RolesAnywhereError;
use crate::authz::{self, Authorizer};
use crate::pca::Pca;
use crate::{Caller, Store, truncate_to_millis};

/// The service principal Roles Anywhere acts as when it assumes a role.
pub const SERVICE_PRINCIPAL: &str = "rolesanywhere.amazonaws.com";
/// A new profile's session length when none is given.
pub const DEFAULT_PROFILE_DURATION_SECONDS: u32 = 3_600;
/// Most tags on one resource.
pub const MAX_TAGS: usize = 200;
/// List pages: the default and the largest size.
const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 1_000;
/// The default notification threshold, in days.
pub const DEFAULT_NOTIFICATION_THRESHOLD_DAYS: u32 = 45;
/// Who configured a default notification setting.
const CONFIGURED_BY_SERVICE: &str = SERVICE_PRINCIPAL;
/// The notification events a trust anchor has.
pub const NOTIFICATION_EVENTS: [&str; 2] = ["CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY"];

/// A page of a list and the token for the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// A notification setting as a request gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationInput {
    pub enabled: bool,
    pub event: String,
    pub threshold: Option<u32>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrustAnchor {
    pub name: String,
    pub source: RaSource,
    pub enabled: bool,
    pub tags: Vec<Tag>,
    pub notification_settings: Vec<NotificationInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustAnchorUpdate {
    pub name: Option<String>,
    pub source: Option<RaSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    pub name: String,
    pub role_arns: Vec<String>,
    pub managed_policy_arns: Vec<String>,
    pub session_policy: Option<String>,
    pub duration_seconds: Option<u32>,
    pub require_instance_properties: bool,
    pub accept_role_session_name: bool,
    pub enabled: bool,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub session_policy: Option<String>,
    pub role_arns: Option<Vec<String>>,
    pub managed_policy_arns: Option<Vec<String>>,
    pub duration_seconds: Option<u32>,
    pub accept_role_session_name: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCrl {
    pub name: String,
    pub data: Vec<u8>,
    pub trust_anchor_arn: String,
    pub enabled: bool,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrlUpdate {
    pub name: Option<String>,
    pub data: Option<Vec<u8>>,
}

/// What the control plane does to the session side's caches when a resource changes.
pub trait ChangeListener: Send + Sync {
    fn changed(&self, kind: RaKind, id: &str);
}

/// A stored resource the generic operations work on.
trait Resource: Sized + Clone + Send + Sync {
    const KIND: RaKind;
    fn id(&self) -> &str;
    fn revision_mut(&mut self) -> &mut u64;
    fn touch(&mut self, at: OffsetDateTime);
    fn tags_mut(&mut self) -> &mut Vec<Tag>;
    fn to_row(&self) -> Result<RaRow, StoreError>;
    fn from_row(row: &RaRow) -> Result<Self, StoreError>;
}

macro_rules! resource {
    ($type:ty, $kind:expr, $id:ident, $to:path, $from:path) => {
        impl Resource for $type {
            const KIND: RaKind = $kind;
            fn id(&self) -> &str {
                &self.$id
            }
            fn revision_mut(&mut self) -> &mut u64 {
                &mut self.revision
            }
            fn touch(&mut self, at: OffsetDateTime) {
                self.updated_at = at;
            }
            fn tags_mut(&mut self) -> &mut Vec<Tag> {
                &mut self.tags
            }
            fn to_row(&self) -> Result<RaRow, StoreError> {
                $to(self)
            }
            fn from_row(row: &RaRow) -> Result<Self, StoreError> {
                $from(row)
            }
        }
    };
}

resource!(
    RaTrustAnchorRecord,
    RaKind::TrustAnchor,
    trust_anchor_id,
    codec::trust_anchor_row,
    codec::trust_anchor_from_row
);
resource!(
    RaProfileRecord,
    RaKind::Profile,
    profile_id,
    codec::profile_row,
    codec::profile_from_row
);
resource!(
    RaCrlRecord,
    RaKind::Crl,
    crl_id,
    codec::crl_row,
    codec::crl_from_row
);

/// `arn:aws:rolesanywhere:REGION:ACCOUNT:KIND/ID`.
pub fn resource_arn(region: &Region, account: &AccountId, kind: RaKind, id: &str) -> String {
    format!("arn:aws:rolesanywhere:{region}:{account}:{}/{id}", kind.as_str())
}

/// The (region, account, kind, id) of a Roles Anywhere ARN.
pub fn parse_resource_arn(arn: &str) -> Option<(&str, &str, RaKind, &str)> {
    let rest = arn.strip_prefix("arn:aws:rolesanywhere:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    let (kind, id) = resource.split_once('/')?;
    let kind = RaKind::parse(kind)?;
    if region.is_empty() || account.is_empty() || id.is_empty() || id.contains('/') {
        return None;
    }
    Some((region, account, kind, id))
}

/// The default notification settings of a new trust anchor: both events, 45 days, every channel.
pub fn default_notification_settings() -> Vec<RaNotificationSetting> {
    NOTIFICATION_EVENTS
        .iter()
        .map(|event| RaNotificationSetting {
            enabled: true,
            event: (*event).to_owned(),
            threshold: DEFAULT_NOTIFICATION_THRESHOLD_DAYS,
            channel: "ALL".to_owned(),
            configured_by: CONFIGURED_BY_SERVICE.to_owned(),
        })
        .collect()
}

/// Merges user settings into `settings`, replacing the one of the same event and channel.
fn merge_notifications(settings: &mut Vec<RaNotificationSetting>, inputs: &[NotificationInput], by: &str) {
    for input in inputs {
        let channel = input.channel.clone().unwrap_or_else(|| "ALL".to_owned());
        let setting = RaNotificationSetting {
            enabled: input.enabled,
            event: input.event.clone(),
            threshold: input.threshold.unwrap_or(DEFAULT_NOTIFICATION_THRESHOLD_DAYS),
            channel: channel.clone(),
            configured_by: by.to_owned(),
        };
        match settings
            .iter_mut()
            .find(|s| s.event == input.event && s.channel == channel)
        {
            Some(existing) => *existing = setting,
            None => settings.push(setting),
        }
    }
}

fn merge_tags(tags: &mut Vec<Tag>, new: &[Tag]) {
    for tag in new {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value.clone(),
            None => tags.push(tag.clone()),
        }
    }
}

fn check_tag_count(tags: &[Tag]) -> Result<(), RolesAnywhereError> {
    if tags.len() > MAX_TAGS {
        return Err(RolesAnywhereError::TooManyTags {
            message: format!("A resource can have at most {MAX_TAGS} tags"),
        });
    }
    let mut keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(RolesAnywhereError::validation("Tag keys must be unique"));
    }
    if keys.iter().any(|k| k.starts_with("aws:")) {
        return Err(RolesAnywhereError::validation(
            "Tag keys starting with 'aws:' are reserved",
        ));
    }
    Ok(())
}

/// Checks a source: the member its type needs is there, and a bundle holds certificates.
fn check_source(source: &RaSource) -> Result<(), RolesAnywhereError> {
    match source {
        RaSource::CertificateBundle { pem } => session::check_certificate_bundle(pem),
        RaSource::AcmPca { ca_arn } => {
            if ca_arn.starts_with("arn:aws:acm-pca:") && ca_arn.contains(":certificate-authority/") {
                Ok(())
            } else {
                Err(RolesAnywhereError::validation(
                    "acmPcaArn must be the ARN of a private certificate authority",
                ))
            }
        }
        RaSource::SelfSignedRepository => Err(RolesAnywhereError::validation(
            "Source type SELF_SIGNED_REPOSITORY is not supported",
        )),
    }
}

/// An AWS_ACM_PCA source must name a CA of the caller's account that has its certificate and is not deleted:
/// an anchor on anything else could never anchor a path, so AWS refuses it when it is made.
async fn check_source_ca(
    pca: &Pca,
    account: &AccountId,
    source: &RaSource,
) -> Result<(), RolesAnywhereError> {
    let RaSource::AcmPca { ca_arn } = source else {
        return Ok(());
    };
    let owned = ca_arn
        .split(':')
        .nth(4)
        .is_some_and(|ca_account| ca_account == account.as_str());
    let usable = owned
        && pca
            .trust_certificates(ca_arn)
            .await
            .map_err(|err| {
                RolesAnywhereError::Service(crate::ServiceError::Internal {
                    context: "reading a trust anchor's certificate authority",
                    source: Some(Box::new(err)),
                })
            })?
            .is_some();
    if usable {
        Ok(())
    } else {
        Err(RolesAnywhereError::validation(format!(
            "Certificate authority {ca_arn} was not found in this account, or has no certificate yet"
        )))
    }
}

fn check_role_arns(account: &AccountId, arns: &[String]) -> Result<(), RolesAnywhereError> {
    for arn in arns {
        let in_account = arn
            .strip_prefix("arn:aws:iam::")
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(acct, res)| acct == account.as_str() && res.starts_with("role/"));
        if !in_account {
            return Err(RolesAnywhereError::validation(format!(
                "Role ARN {arn} is not a role of account {account}"
            )));
        }
    }
    Ok(())
}

fn check_session_policy(policy: Option<&str>) -> Result<(), RolesAnywhereError> {
    if let Some(document) = policy {
        strongroom_policy::Policy::parse(document, strongroom_policy::PolicyKind::Session)
            .map_err(|err| RolesAnywhereError::validation(format!("Invalid session policy: {err}")))?;
    }
    Ok(())
}

/// Roles Anywhere, control plane and sessions.
pub struct RolesAnywhere {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    listeners: std::sync::RwLock<Vec<Arc<dyn ChangeListener>>>,
    notices: expiry::NoticeLog,
    /// CreateSession's caches and buffered subject sightings.
    session: session::SessionState,
}

impl std::fmt::Debug for RolesAnywhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RolesAnywhere").finish_non_exhaustive()
    }
}

impl RolesAnywhere {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            listeners: std::sync::RwLock::new(Vec::new()),
            notices: expiry::NoticeLog::default(),
            session: session::SessionState::default(),
        }
    }

    /// Registers a cache that must forget a resource when it changes on this node.
    pub fn listen(&self, listener: Arc<dyn ChangeListener>) {
        if let Ok(mut listeners) = self.listeners.write() {
            listeners.push(listener);
        }
    }

    fn notify(&self, kind: RaKind, id: &str) {
        self.session.forget(kind, id);
        if let Ok(listeners) = self.listeners.read() {
            for listener in listeners.iter() {
                listener.changed(kind, id);
            }
        }
    }

    fn now(&self) -> OffsetDateTime {
        truncate_to_millis(self.clock.now())
    }

    fn authorize(
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        resource: &str,
    ) -> Result<authz::Allowed, RolesAnywhereError> {
        let action = format!("rolesanywhere:{operation}");
        Ok(authz.authorize(
            caller,
            &authz::Request {
                action: &action,
                resource,
                resource_account: caller.account().as_str(),
            },
        )?)
    }

    /// The resource of kind `R` with `id` in the caller's account and region, after authorizing
    /// `operation` on its ARN.
    async fn load<R: Resource>(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        id: &str,
    ) -> Result<R, RolesAnywhereError> {
        let arn = resource_arn(caller.region(), caller.account(), R::KIND, id);
        Self::authorize(authz, caller, operation, &arn)?;
        self.read::<R>(caller.account(), caller.region(), id)
            .await?
            .ok_or_else(RolesAnywhereError::not_found)
    }

    async fn read<R: Resource>(
        &self,
        account: &AccountId,
        region: &Region,
        id: &str,
    ) -> Result<Option<R>, RolesAnywhereError> {
        let row = self
            .store
            .ra_row(R::KIND, id)
            .await
            .map_err(RolesAnywhereError::store("reading a Roles Anywhere resource"))?;
        let Some(row) = row else { return Ok(None) };
        if &row.account_id != account || &row.region != region {
            return Ok(None);
        }
        Ok(Some(R::from_row(&row).map_err(RolesAnywhereError::store(
            "decoding a Roles Anywhere resource",
        ))?))
    }

    /// Loads, authorizes and changes a resource by compare-and-set, retrying a lost race.
    async fn change<R, F>(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        id: &str,
        mut apply: F,
    ) -> Result<R, RolesAnywhereError>
    where
        R: Resource,
        F: FnMut(&mut R) -> Result<(), RolesAnywhereError> + Send,
    {
        let mut current: R = self.load(authz, caller, operation, id).await?;
        for _ in 0..8 {
            let mut next = current.clone();
            apply(&mut next)?;
            let expected = *current.revision_mut();
            *next.revision_mut() = expected + 1;
            next.touch(self.now());
            let row = next
                .to_row()
                .map_err(RolesAnywhereError::store("encoding a Roles Anywhere resource"))?;
            match self.store.update_ra_row(&row, expected).await {
                Ok(()) => {
                    self.notify(R::KIND, id);
                    return Ok(next);
                }
                Err(StoreError::Conflict) => {
                    current = self
                        .read::<R>(caller.account(), caller.region(), id)
                        .await?
                        .ok_or_else(RolesAnywhereError::not_found)?;
                }
                Err(StoreError::NotFound) => return Err(RolesAnywhereError::not_found()),
                Err(err) => {
                    return Err(RolesAnywhereError::store("updating a Roles Anywhere resource")(
                        err,
                    ));
                }
            }
        }
        Err(RolesAnywhereError::store("updating a Roles Anywhere resource")(
            StoreError::Conflict,
        ))
    }

    async fn delete<R: Resource>(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        id: &str,
    ) -> Result<R, RolesAnywhereError> {
        for _ in 0..8 {
            let mut current: R = self.load(authz, caller, operation, id).await?;
            let revision = *current.revision_mut();
            match self.store.delete_ra_row(R::KIND, id, revision).await {
                Ok(()) => {
                    self.notify(R::KIND, id);
                    return Ok(current);
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(RolesAnywhereError::not_found()),
                Err(err) => {
                    return Err(RolesAnywhereError::store("deleting a Roles Anywhere resource")(
                        err,
                    ));
                }
            }
        }
        Err(RolesAnywhereError::store("deleting a Roles Anywhere resource")(
            StoreError::Conflict,
        ))
    }

    async fn list<R: Resource>(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        next_token: Option<&str>,
        page_size: Option<i64>,
    ) -> Result<Page<R>, RolesAnywhereError> {
        Self::authorize(authz, caller, operation, "*")?;
        let size = match page_size {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 1 => u32::try_from(n).unwrap_or(MAX_PAGE_SIZE).min(MAX_PAGE_SIZE),
            Some(_) => return Err(RolesAnywhereError::validation("pageSize must be at least 1")),
        };
        let after = match next_token {
            None => None,
            Some(token) if is_page_token(token) => Some(token),
            Some(_) => return Err(RolesAnywhereError::validation("Invalid nextToken")),
        };
        let rows = self
            .store
            .list_ra_rows(R::KIND, caller.account(), caller.region(), after, size + 1)
            .await
            .map_err(RolesAnywhereError::store("listing Roles Anywhere resources"))?;
        let mut items = rows
            .iter()
            .map(R::from_row)
            .collect::<Result<Vec<R>, StoreError>>()
            .map_err(RolesAnywhereError::store("decoding a Roles Anywhere resource"))?;
        let next_token = if items.len() > size as usize {
            items.truncate(size as usize);
            items.last().map(|r| r.id().to_owned())
        } else {
            None
        };
        Ok(Page { items, next_token })
    }

    async fn insert<R: Resource>(&self, record: &R) -> Result<(), RolesAnywhereError> {
        let row = record
            .to_row()
            .map_err(RolesAnywhereError::store("encoding a Roles Anywhere resource"))?;
        self.store
            .insert_ra_row(&row)
            .await
            .map_err(RolesAnywhereError::store("creating a Roles Anywhere resource"))
    }

    // --- trust anchors ----------------------------------------------------------------------------------

    pub async fn create_trust_anchor(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        pca: &Pca,
        input: NewTrustAnchor,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        let id = strongroom_crypto::random::uuid_v4();
        let arn = resource_arn(caller.region(), caller.account(), RaKind::TrustAnchor, &id);
        Self::authorize(authz, caller, "CreateTrustAnchor", &arn)?;
        check_source(&input.source)?;
        check_source_ca(pca, caller.account(), &input.source).await?;
        check_tag_count(&input.tags)?;
        let mut notification_settings = default_notification_settings();
        merge_notifications(
            &mut notification_settings,
            &input.notification_settings,
            &caller.arn(),
        );
        let now = self.now();
        let record = RaTrustAnchorRecord {
            trust_anchor_id: id,
            arn,
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            revision: 1,
            name: input.name,
            enabled: input.enabled,
            source: input.source,
            notification_settings,
            tags: input.tags,
            created_at: now,
            updated_at: now,
        };
        self.insert(&record).await?;
        Ok(record)
    }

    pub async fn get_trust_anchor(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        self.load(authz, caller, "GetTrustAnchor", id).await
    }

    pub async fn list_trust_anchors(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        next_token: Option<&str>,
        page_size: Option<i64>,
    ) -> Result<Page<RaTrustAnchorRecord>, RolesAnywhereError> {
        self.list(authz, caller, "ListTrustAnchors", next_token, page_size)
            .await
    }

    pub async fn update_trust_anchor(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        pca: &Pca,
        id: &str,
        update: TrustAnchorUpdate,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        if let Some(source) = &update.source {
            check_source(source)?;
            check_source_ca(pca, caller.account(), source).await?;
        }
        self.change(
            authz,
            caller,
            "UpdateTrustAnchor",
            id,
            |anchor: &mut RaTrustAnchorRecord| {
                if let Some(name) = &update.name {
                    anchor.name = name.clone();
                }
                if let Some(source) = &update.source {
                    anchor.source = source.clone();
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn set_trust_anchor_enabled(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        enabled: bool,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        let operation = if enabled {
            "EnableTrustAnchor"
        } else {
            "DisableTrustAnchor"
        };
        self.change(
            authz,
            caller,
            operation,
            id,
            |anchor: &mut RaTrustAnchorRecord| {
                anchor.enabled = enabled;
                Ok(())
            },
        )
        .await
    }

    pub async fn delete_trust_anchor(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        self.delete(authz, caller, "DeleteTrustAnchor", id).await
    }

    pub async fn put_notification_settings(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        settings: Vec<NotificationInput>,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        let by = caller.arn();
        self.change(
            authz,
            caller,
            "PutNotificationSettings",
            id,
            |anchor: &mut RaTrustAnchorRecord| {
                merge_notifications(&mut anchor.notification_settings, &settings, &by);
                Ok(())
            },
        )
        .await
    }

    /// Puts the named settings back to their defaults.
    pub async fn reset_notification_settings(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        keys: Vec<(String, Option<String>)>,
    ) -> Result<RaTrustAnchorRecord, RolesAnywhereError> {
        self.change(
            authz,
            caller,
            "ResetNotificationSettings",
            id,
            |anchor: &mut RaTrustAnchorRecord| {
                for (event, channel) in &keys {
                    let channel = channel.clone().unwrap_or_else(|| "ALL".to_owned());
                    let default = default_notification_settings()
                        .into_iter()
                        .find(|d| &d.event == event && d.channel == channel);
                    anchor
                        .notification_settings
                        .retain(|s| !(&s.event == event && s.channel == channel));
                    if let Some(default) = default {
                        anchor.notification_settings.push(default);
                    }
                }
                anchor.notification_settings.sort_by(|a, b| a.event.cmp(&b.event));
                Ok(())
            },
        )
        .await
    }

    // --- profiles ----------------------------------------------------------------------------------------

    pub async fn create_profile(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: NewProfile,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        let id = strongroom_crypto::random::uuid_v4();
        let arn = resource_arn(caller.region(), caller.account(), RaKind::Profile, &id);
        Self::authorize(authz, caller, "CreateProfile", &arn)?;
        check_role_arns(caller.account(), &input.role_arns)?;
        check_session_policy(input.session_policy.as_deref())?;
        check_tag_count(&input.tags)?;
        let now = self.now();
        let record = RaProfileRecord {
            profile_id: id,
            arn,
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            revision: 1,
            name: input.name,
            enabled: input.enabled,
            role_arns: input.role_arns,
            managed_policy_arns: input.managed_policy_arns,
            session_policy: input.session_policy,
            duration_seconds: input.duration_seconds.unwrap_or(DEFAULT_PROFILE_DURATION_SECONDS),
            require_instance_properties: input.require_instance_properties,
            accept_role_session_name: input.accept_role_session_name,
            attribute_mappings: mapping::default_mappings(),
            created_by: caller.arn(),
            tags: input.tags,
            created_at: now,
            updated_at: now,
        };
        self.insert(&record).await?;
        Ok(record)
    }

    pub async fn get_profile(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        self.load(authz, caller, "GetProfile", id).await
    }

    pub async fn list_profiles(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        next_token: Option<&str>,
        page_size: Option<i64>,
    ) -> Result<Page<RaProfileRecord>, RolesAnywhereError> {
        self.list(authz, caller, "ListProfiles", next_token, page_size)
            .await
    }

    pub async fn update_profile(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        update: ProfileUpdate,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        if let Some(arns) = &update.role_arns {
            check_role_arns(caller.account(), arns)?;
        }
        check_session_policy(update.session_policy.as_deref())?;
        self.change(
            authz,
            caller,
            "UpdateProfile",
            id,
            |profile: &mut RaProfileRecord| {
                let u = &update;
                if let Some(name) = &u.name {
                    profile.name = name.clone();
                }
                if let Some(policy) = &u.session_policy {
                    profile.session_policy = Some(policy.clone());
                }
                if let Some(arns) = &u.role_arns {
                    profile.role_arns = arns.clone();
                }
                if let Some(arns) = &u.managed_policy_arns {
                    profile.managed_policy_arns = arns.clone();
                }
                if let Some(seconds) = u.duration_seconds {
                    profile.duration_seconds = seconds;
                }
                if let Some(accept) = u.accept_role_session_name {
                    profile.accept_role_session_name = accept;
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn set_profile_enabled(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        enabled: bool,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        let operation = if enabled {
            "EnableProfile"
        } else {
            "DisableProfile"
        };
        self.change(authz, caller, operation, id, |profile: &mut RaProfileRecord| {
            profile.enabled = enabled;
            Ok(())
        })
        .await
    }

    pub async fn delete_profile(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        self.delete(authz, caller, "DeleteProfile", id).await
    }

    /// Sets the mapping rules of one certificate field.
    pub async fn put_attribute_mapping(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        certificate_field: &str,
        specifiers: Vec<String>,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        self.change(
            authz,
            caller,
            "PutAttributeMapping",
            id,
            |profile: &mut RaProfileRecord| {
                mapping::put(&mut profile.attribute_mappings, certificate_field, &specifiers);
                Ok(())
            },
        )
        .await
    }

    /// Removes the listed specifiers of a field, or the whole field's rules when none are listed.
    pub async fn delete_attribute_mapping(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        certificate_field: &str,
        specifiers: Vec<String>,
    ) -> Result<RaProfileRecord, RolesAnywhereError> {
        self.change(
            authz,
            caller,
            "DeleteAttributeMapping",
            id,
            |profile: &mut RaProfileRecord| {
                mapping::delete(&mut profile.attribute_mappings, certificate_field, &specifiers);
                Ok(())
            },
        )
        .await
    }

    // --- CRLs ----------------------------------------------------------------------------------------------

    pub async fn import_crl(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: NewCrl,
    ) -> Result<RaCrlRecord, RolesAnywhereError> {
        let id = strongroom_crypto::random::uuid_v4();
        let arn = resource_arn(caller.region(), caller.account(), RaKind::Crl, &id);
        Self::authorize(authz, caller, "ImportCrl", &arn)?;
        check_tag_count(&input.tags)?;
        session::check_crl(&input.data)?;
        let anchor_known = match parse_resource_arn(&input.trust_anchor_arn) {
            Some((region, account, RaKind::TrustAnchor, anchor_id))
                if region == caller.region().as_str() && account == caller.account().as_str() =>
            {
                self.read::<RaTrustAnchorRecord>(caller.account(), caller.region(), anchor_id)
                    .await?
                    .is_some()
            }
            _ => false,
        };
        if !anchor_known {
            return Err(RolesAnywhereError::not_found());
        }
        let now = self.now();
        let record = RaCrlRecord {
            crl_id: id,
            arn,
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            revision: 1,
            name: input.name,
            enabled: input.enabled,
            trust_anchor_arn: input.trust_anchor_arn,
            crl_data: input.data,
            tags: input.tags,
            created_at: now,
            updated_at: now,
        };
        self.insert(&record).await?;
        self.notify(RaKind::Crl, &record.crl_id);
        Ok(record)
    }

    pub async fn get_crl(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaCrlRecord, RolesAnywhereError> {
        self.load(authz, caller, "GetCrl", id).await
    }

    pub async fn list_crls(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        next_token: Option<&str>,
        page_size: Option<i64>,
    ) -> Result<Page<RaCrlRecord>, RolesAnywhereError> {
        self.list(authz, caller, "ListCrls", next_token, page_size).await
    }

    pub async fn update_crl(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        update: CrlUpdate,
    ) -> Result<RaCrlRecord, RolesAnywhereError> {
        if let Some(data) = &update.data {
            session::check_crl(data)?;
        }
        self.change(authz, caller, "UpdateCrl", id, |crl: &mut RaCrlRecord| {
            if let Some(name) = &update.name {
                crl.name = name.clone();
            }
            if let Some(data) = &update.data {
                crl.crl_data = data.clone();
            }
            Ok(())
        })
        .await
    }

    pub async fn set_crl_enabled(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
        enabled: bool,
    ) -> Result<RaCrlRecord, RolesAnywhereError> {
        let operation = if enabled { "EnableCrl" } else { "DisableCrl" };
        self.change(authz, caller, operation, id, |crl: &mut RaCrlRecord| {
            crl.enabled = enabled;
            Ok(())
        })
        .await
    }

    pub async fn delete_crl(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaCrlRecord, RolesAnywhereError> {
        self.delete(authz, caller, "DeleteCrl", id).await
    }

    // --- subjects ------------------------------------------------------------------------------------------

    pub async fn get_subject(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        id: &str,
    ) -> Result<RaSubjectRecord, RolesAnywhereError> {
        let arn = resource_arn(caller.region(), caller.account(), RaKind::Subject, id);
        Self::authorize(authz, caller, "GetSubject", &arn)?;
        // This node's sightings not yet written would be missing from the answer.
        self.flush_sightings().await?;
        self.store
            .ra_subject(id)
            .await
            .map_err(RolesAnywhereError::store("reading a subject"))?
            .filter(|s| &s.account_id == caller.account() && &s.region == caller.region())
            .ok_or_else(RolesAnywhereError::not_found)
    }

    pub async fn list_subjects(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        next_token: Option<&str>,
        page_size: Option<i64>,
    ) -> Result<Page<RaSubjectRecord>, RolesAnywhereError> {
        Self::authorize(authz, caller, "ListSubjects", "*")?;
        self.flush_sightings().await?;
        let size = match page_size {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 1 => u32::try_from(n).unwrap_or(MAX_PAGE_SIZE).min(MAX_PAGE_SIZE),
            Some(_) => return Err(RolesAnywhereError::validation("pageSize must be at least 1")),
        };
        let after = match next_token {
            None => None,
            Some(token) if is_page_token(token) => Some(token),
            Some(_) => return Err(RolesAnywhereError::validation("Invalid nextToken")),
        };
        let mut items = self
            .store
            .list_ra_subjects(caller.account(), caller.region(), after, size + 1)
            .await
            .map_err(RolesAnywhereError::store("listing subjects"))?;
        let next_token = if items.len() > size as usize {
            items.truncate(size as usize);
            items.last().map(|s| s.subject_id.clone())
        } else {
            None
        };
        Ok(Page { items, next_token })
    }

    // --- tags ----------------------------------------------------------------------------------------------

    /// The (kind, id) an ARN names in the caller's account and region; not found otherwise.
    fn taggable(caller: &Caller, arn: &str) -> Result<(RaKind, String), RolesAnywhereError> {
        match parse_resource_arn(arn) {
            Some((region, account, kind, id))
                if region == caller.region().as_str()
                    && account == caller.account().as_str()
                    && kind != RaKind::Subject =>
            {
                Ok((kind, id.to_owned()))
            }
            _ => Err(RolesAnywhereError::not_found()),
        }
    }

    async fn change_tags<F>(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        arn: &str,
        apply: F,
    ) -> Result<Vec<Tag>, RolesAnywhereError>
    where
        F: Fn(&mut Vec<Tag>) -> Result<(), RolesAnywhereError> + Send + Sync,
    {
        let (kind, id) = Self::taggable(caller, arn)?;
        let apply_to = |tags: &mut Vec<Tag>| {
            apply(tags)?;
            check_tag_count(tags)
        };
        Ok(match kind {
            RaKind::TrustAnchor => {
                self.change(authz, caller, operation, &id, |r: &mut RaTrustAnchorRecord| {
                    apply_to(r.tags_mut())
                })
                .await?
                .tags
            }
            RaKind::Profile => {
                self.change(authz, caller, operation, &id, |r: &mut RaProfileRecord| {
                    apply_to(r.tags_mut())
                })
                .await?
                .tags
            }
            RaKind::Crl => {
                self.change(authz, caller, operation, &id, |r: &mut RaCrlRecord| {
                    apply_to(r.tags_mut())
                })
                .await?
                .tags
            }
            RaKind::Subject => return Err(RolesAnywhereError::not_found()),
        })
    }

    pub async fn tag_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        tags: Vec<Tag>,
    ) -> Result<(), RolesAnywhereError> {
        check_tag_count(&tags)?;
        self.change_tags(authz, caller, "TagResource", arn, |current| {
            merge_tags(current, &tags);
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn untag_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        keys: Vec<String>,
    ) -> Result<(), RolesAnywhereError> {
        self.change_tags(authz, caller, "UntagResource", arn, |current| {
            current.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn list_tags_for_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
    ) -> Result<Vec<Tag>, RolesAnywhereError> {
        let (kind, id) = Self::taggable(caller, arn)?;
        let operation = "ListTagsForResource";
        Ok(match kind {
            RaKind::TrustAnchor => {
                self.load::<RaTrustAnchorRecord>(authz, caller, operation, &id)
                    .await?
                    .tags
            }
            RaKind::Profile => {
                self.load::<RaProfileRecord>(authz, caller, operation, &id)
                    .await?
                    .tags
            }
            RaKind::Crl => {
                self.load::<RaCrlRecord>(authz, caller, operation, &id)
                    .await?
                    .tags
            }
            RaKind::Subject => return Err(RolesAnywhereError::not_found()),
        })
    }
}

/// A page token is the last id of the previous page: a lower-case UUID.
fn is_page_token(value: &str) -> bool {
    value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// Keeps `RaAttributeMapping` reachable from this module's users.
pub type AttributeMapping = RaAttributeMapping;

#[cfg(test)]
mod tests;
