//! The KMS service's errors: one variant per AWS KMS exception Strongroom raises, each with AWS's message.
//! No variant carries key material, plaintext or ciphertext.

use strongroom_store::StoreError;

use crate::ServiceError;

/// Why a KMS operation failed. The server maps each variant to the KMS exception of the same name.
#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// `NotFoundException`: no such key or alias in the caller's account and region, or the key is gone.
    #[error("{message}")]
    NotFound { message: String },
    /// `DisabledException`: the key is disabled.
    #[error("{message}")]
    Disabled { message: String },
    /// `KMSInvalidStateException`: the key's state does not allow the operation (pending deletion, or not
    /// pending deletion for CancelKeyDeletion).
    #[error("{message}")]
    InvalidState { message: String },
    /// `InvalidCiphertextException`: the blob is not ours, was changed, or the context differs.
    #[error("{message}")]
    InvalidCiphertext { message: String },
    /// `IncorrectKeyException`: Decrypt or ReEncrypt named a key other than the blob's.
    #[error("{message}")]
    IncorrectKey { message: String },
    /// `AlreadyExistsException`: the alias name is taken.
    #[error("{message}")]
    AlreadyExists { message: String },
    /// `ValidationException`: the input violates a constraint of the API model.
    #[error("{message}")]
    Validation { message: String },
    /// `UnsupportedOperationException`: asymmetric, HMAC, imported, multi-Region or custom key store keys,
    /// or a change AWS does not allow on an AWS managed key.
    #[error("{message}")]
    Unsupported { message: String },
    /// `NotAuthorizedException`: an alias name in the reserved `alias/aws/` namespace.
    #[error("{message}")]
    ReservedAlias { message: String },
    /// `InvalidAliasNameException`.
    #[error("{message}")]
    InvalidAliasName { message: String },
    /// `InvalidArnException`: a `arn:` key reference that is not a KMS key or alias ARN.
    #[error("{message}")]
    InvalidArn { message: String },
    /// `InvalidMarkerException`: a pagination marker this service did not hand out.
    #[error("{message}")]
    InvalidMarker { message: String },
    /// `InvalidKeyUsageException`: an encryption algorithm a symmetric key does not support.
    #[error("{message}")]
    InvalidKeyUsage { message: String },
    /// `TagException`: a tag key or value out of its constraints, or a reserved `aws:` tag key.
    #[error("{message}")]
    Tag { message: String },
    /// `MalformedPolicyDocumentException`: a key policy that is not a valid policy, or that would lock the
    /// caller out of the key.
    #[error("{message}")]
    MalformedPolicyDocument { message: String },
    /// `DryRunOperationException`: the request would have succeeded.
    #[error("The request would have succeeded, but the DryRun option is set.")]
    DryRun,
    /// Access denied, or an internal failure (store, root key).
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl KmsError {
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::Validation {
            message: message.into(),
        }
    }

    pub(crate) fn internal(context: &'static str) -> Self {
        Self::Service(ServiceError::internal(context))
    }

    pub(crate) fn store(context: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |err| Self::Service(ServiceError::store(context)(err))
    }

    pub(crate) fn invalid_ciphertext() -> Self {
        Self::InvalidCiphertext {
            message: String::new(),
        }
    }

    /// Splits an error for callers of the internal API (Secrets Manager): `Ok` for a failure that is not
    /// KMS's to explain (access denied, internal), `Err(message)` for a KMS refusal (missing, disabled or
    /// pending-deletion key, bad ciphertext or context, invalid key reference) that the caller reports in its
    /// own terms (`EncryptionFailure`, `DecryptionFailure`).
    pub fn into_service_error(self) -> Result<ServiceError, String> {
        match self {
            Self::Service(inner) => Ok(inner),
            other => Err(other.to_string()),
        }
    }

    /// Whether the key exists but may not be used now (disabled or pending deletion): Secrets Manager
    /// reports these as `EncryptionFailure`/`DecryptionFailure`, as it does a missing key.
    pub fn is_key_unusable(&self) -> bool {
        matches!(self, Self::Disabled { .. } | Self::InvalidState { .. })
    }
}

/// For callers that speak [`ServiceError`] only. Variants without a counterpart become `InvalidParameter`
/// with the KMS message; Secrets Manager matches on [`KmsError`] itself for its own codes.
impl From<KmsError> for ServiceError {
    fn from(err: KmsError) -> Self {
        match err {
            KmsError::Service(inner) => inner,
            KmsError::NotFound { message } => ServiceError::NotFound { message },
            KmsError::AlreadyExists { message } => ServiceError::AlreadyExists { message },
            KmsError::Validation { message } => ServiceError::Validation { message },
            other => ServiceError::InvalidParameter {
                message: other.to_string(),
            },
        }
    }
}
