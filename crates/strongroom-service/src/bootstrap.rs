//! Creating an account and its root user's access key, and reading that key back for `strongroom dev`.

use strongroom_crypto::{EncryptionContext, ExposeSecret, SecretString};
use strongroom_store::{AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, StoreError};
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime};

use crate::keyring::{Keyring, Purpose};
use crate::{ServiceError, Store};

/// The root user's long-term credentials, shown once at `init` (and by `dev`, which is for one person).
pub struct RootCredentials {
    pub access_key_id: AccessKeyId,
    pub secret_access_key: SecretString,
}

impl std::fmt::Debug for RootCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .finish()
    }
}

/// The encryption context of a stored secret access key: binds the ciphertext to its key id and account.
pub(crate) fn access_key_context(account: &AccountId, access_key_id: &AccessKeyId) -> EncryptionContext {
    EncryptionContext::from_pairs([
        ("purpose", "access-key-secret"),
        ("account", account.as_str()),
        ("access-key-id", access_key_id.as_str()),
    ])
}

/// Creates the account with a fresh root access key. Fails with `AlreadyExists` when the account exists.
pub async fn bootstrap_account(
    store: &dyn Store,
    keyring: &Keyring,
    account_id: &AccountId,
    now: OffsetDateTime,
) -> Result<RootCredentials, ServiceError> {
    let access_key_id = strongroom_crypto::random::access_key_id_long_term();
    let secret_access_key = strongroom_crypto::random::secret_access_key();
    let sealed_secret = keyring.key(Purpose::Credentials).seal(
        secret_access_key.expose_secret().as_bytes(),
        &access_key_context(account_id, &access_key_id),
    );
    let now = crate::truncate_to_millis(now);
    let account = AccountRecord {
        account_id: account_id.clone(),
        created_at: now,
    };
    let key = AccessKeyRecord {
        access_key_id: access_key_id.clone(),
        account_id: account_id.clone(),
        owner: AccessKeyOwner::Root,
        status: AccessKeyStatus::Active,
        sealed_secret,
        created_at: now,
    };
    match store.bootstrap_account(&account, &key).await {
        Ok(()) => Ok(RootCredentials {
            access_key_id,
            secret_access_key,
        }),
        Err(StoreError::AlreadyExists) => Err(ServiceError::AlreadyExists {
            message: format!("account {account_id} is already initialised"),
        }),
        Err(err) => Err(ServiceError::store("bootstrapping an account")(err)),
    }
}

/// Reads back the root credentials of `access_key_id`, for `strongroom dev` restarts.
pub async fn root_credentials(
    store: &dyn Store,
    keyring: &Keyring,
    access_key_id: &AccessKeyId,
) -> Result<RootCredentials, ServiceError> {
    let record = store
        .access_key(access_key_id)
        .await
        .map_err(ServiceError::store("reading the root access key"))?
        .ok_or_else(|| ServiceError::NotFound {
            message: format!("access key {access_key_id} not found"),
        })?;
    if record.owner != AccessKeyOwner::Root {
        return Err(ServiceError::InvalidParameter {
            message: format!("access key {access_key_id} does not belong to the root user"),
        });
    }
    let secret = open_secret(keyring, &record)?;
    Ok(RootCredentials {
        access_key_id: record.access_key_id,
        secret_access_key: secret,
    })
}

pub(crate) fn open_secret(keyring: &Keyring, record: &AccessKeyRecord) -> Result<SecretString, ServiceError> {
    let plain = keyring
        .key(Purpose::Credentials)
        .open(
            &record.sealed_secret,
            &access_key_context(&record.account_id, &record.access_key_id),
        )
        .map_err(|_| ServiceError::internal("a stored access key secret failed to open"))?;
    let text = std::str::from_utf8(plain.expose_secret())
        .map_err(|_| ServiceError::internal("a stored access key secret is not UTF-8"))?;
    Ok(SecretString::from(text.to_owned()))
}
