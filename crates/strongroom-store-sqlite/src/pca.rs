//! The private CA's authorities and issued certificates on sqlite.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction on the writer connection, so a compare-and-set on a
//! CA's revision cannot interleave with another write.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, Transaction};
use strongroom_store::pca::{CaRecord, IssuedCertificateRecord};
use strongroom_store::{PcaStore, Sealed, StoreError};
use strongroom_types::{AccountId, OffsetDateTime, Region};

use crate::error::{corrupt, map_sqlx};
use crate::{SqliteStore, from_millis, get, to_millis};

const CAS: &str = "pca_authorities";
const CERTS: &str = "pca_certificates";
const CA_COLUMNS: &str = "arn, account_id, region, revision, created_at_ms, status, document, sealed_key, \
     csr_der, certificate_der, chain_pem, crl_der";
const CERT_COLUMNS: &str = "ca_arn, serial, certificate_der, issued_at_ms, not_after_ms, idempotency_token, \
     revoked_at_ms, revocation_reason";

fn revision_to_db(revision: u64) -> Result<i64, StoreError> {
    i64::try_from(revision).map_err(|_| corrupt(CAS, "revision", "revision out of range"))
}

fn ca_from_row(row: &SqliteRow) -> Result<CaRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    let region: String = get(row, "region")?;
    let revision: i64 = get(row, "revision")?;
    Ok(CaRecord {
        arn: get(row, "arn")?,
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(CAS, "account_id", "not an account id"))?,
        region: region
            .parse::<Region>()
            .map_err(|_| corrupt(CAS, "region", "not a region"))?,
        revision: u64::try_from(revision).map_err(|_| corrupt(CAS, "revision", "negative"))?,
        created_at: from_millis(CAS, "created_at_ms", get(row, "created_at_ms")?)?,
        status: get(row, "status")?,
        document: get(row, "document")?,
        sealed_key: Sealed::from_bytes(get(row, "sealed_key")?),
        csr_der: get(row, "csr_der")?,
        certificate_der: get(row, "certificate_der")?,
        chain_pem: get(row, "chain_pem")?,
        crl_der: get(row, "crl_der")?,
    })
}

fn cert_from_row(row: &SqliteRow) -> Result<IssuedCertificateRecord, StoreError> {
    let revoked_at: Option<i64> = get(row, "revoked_at_ms")?;
    Ok(IssuedCertificateRecord {
        ca_arn: get(row, "ca_arn")?,
        serial: get(row, "serial")?,
        certificate_der: get(row, "certificate_der")?,
        issued_at: from_millis(CERTS, "issued_at_ms", get(row, "issued_at_ms")?)?,
        not_after: from_millis(CERTS, "not_after_ms", get(row, "not_after_ms")?)?,
        idempotency_token: get(row, "idempotency_token")?,
        revoked_at: revoked_at
            .map(|ms| from_millis(CERTS, "revoked_at_ms", ms))
            .transpose()?,
        revocation_reason: get(row, "revocation_reason")?,
    })
}

/// Checks the revision inside the write transaction: `NotFound` or `Conflict` when it is not `expected`.
async fn check_revision(
    tx: &mut Transaction<'_, Sqlite>,
    arn: &str,
    expected: u64,
) -> Result<(), StoreError> {
    let stored: Option<i64> = sqlx::query_scalar("SELECT revision FROM pca_authorities WHERE arn = ?1")
        .bind(arn)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_sqlx)?;
    match stored {
        None => Err(StoreError::NotFound),
        Some(found) if found == revision_to_db(expected)? => Ok(()),
        Some(_) => Err(StoreError::Conflict),
    }
}

async fn write_ca(tx: &mut Transaction<'_, Sqlite>, ca: &CaRecord) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE pca_authorities SET account_id = ?2, region = ?3, revision = ?4, created_at_ms = ?5, \
         status = ?6, document = ?7, sealed_key = ?8, csr_der = ?9, certificate_der = ?10, chain_pem = ?11, \
         crl_der = ?12 WHERE arn = ?1",
    )
    .bind(ca.arn.as_str())
    .bind(ca.account_id.as_str())
    .bind(ca.region.as_str())
    .bind(revision_to_db(ca.revision)?)
    .bind(to_millis(ca.created_at)?)
    .bind(ca.status.as_str())
    .bind(ca.document.as_str())
    .bind(ca.sealed_key.as_bytes())
    .bind(ca.csr_der.as_slice())
    .bind(ca.certificate_der.as_deref())
    .bind(ca.chain_pem.as_deref())
    .bind(ca.crl_der.as_deref())
    .execute(&mut **tx)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

fn opt_millis(at: Option<OffsetDateTime>) -> Result<Option<i64>, StoreError> {
    at.map(to_millis).transpose()
}

#[async_trait]
impl PcaStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn create_ca(&self, ca: &CaRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO pca_authorities ({CA_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))
        .bind(ca.arn.as_str())
        .bind(ca.account_id.as_str())
        .bind(ca.region.as_str())
        .bind(revision_to_db(ca.revision)?)
        .bind(to_millis(ca.created_at)?)
        .bind(ca.status.as_str())
        .bind(ca.document.as_str())
        .bind(ca.sealed_key.as_bytes())
        .bind(ca.csr_der.as_slice())
        .bind(ca.certificate_der.as_deref())
        .bind(ca.chain_pem.as_deref())
        .bind(ca.crl_der.as_deref())
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn ca(&self, arn: &str) -> Result<Option<CaRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CA_COLUMNS} FROM pca_authorities WHERE arn = ?1"
        ))
        .bind(arn)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(ca_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn ca_by_id(&self, id: &str) -> Result<Option<CaRecord>, StoreError> {
        if !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {CA_COLUMNS} FROM pca_authorities WHERE arn LIKE '%:certificate-authority/' || ?1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(ca_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn list_cas(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CA_COLUMNS} FROM pca_authorities WHERE account_id = ?1 AND region = ?2 AND arn > ?3 \
             ORDER BY arn LIMIT ?4"
        ))
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(ca_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn update_ca(&self, ca: &CaRecord, expected_revision: u64) -> Result<(), StoreError> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        check_revision(&mut tx, &ca.arn, expected_revision).await?;
        write_ca(&mut tx, ca).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_ca(&self, arn: &str, expected_revision: u64) -> Result<(), StoreError> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        check_revision(&mut tx, arn, expected_revision).await?;
        // Certificates go by `ON DELETE CASCADE`.
        sqlx::query("DELETE FROM pca_authorities WHERE arn = ?1")
            .bind(arn)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn add_certificate(&self, certificate: &IssuedCertificateRecord) -> Result<(), StoreError> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        let ca: Option<i64> = sqlx::query_scalar("SELECT 1 FROM pca_authorities WHERE arn = ?1")
            .bind(certificate.ca_arn.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if ca.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(&format!(
            "INSERT INTO pca_certificates ({CERT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ))
        .bind(certificate.ca_arn.as_str())
        .bind(certificate.serial.as_str())
        .bind(certificate.certificate_der.as_slice())
        .bind(to_millis(certificate.issued_at)?)
        .bind(to_millis(certificate.not_after)?)
        .bind(certificate.idempotency_token.as_deref())
        .bind(opt_millis(certificate.revoked_at)?)
        .bind(certificate.revocation_reason.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn certificate(
        &self,
        ca_arn: &str,
        serial: &str,
    ) -> Result<Option<IssuedCertificateRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM pca_certificates WHERE ca_arn = ?1 AND serial = ?2"
        ))
        .bind(ca_arn)
        .bind(serial)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(cert_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn certificate_by_token(
        &self,
        ca_arn: &str,
        token: &str,
    ) -> Result<Option<IssuedCertificateRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM pca_certificates WHERE ca_arn = ?1 AND idempotency_token = ?2"
        ))
        .bind(ca_arn)
        .bind(token)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(cert_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_certificate(
        &self,
        ca: &CaRecord,
        expected_revision: u64,
        serial: &str,
        revoked_at: OffsetDateTime,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        check_revision(&mut tx, &ca.arn, expected_revision).await?;
        let revoked: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT revoked_at_ms FROM pca_certificates WHERE ca_arn = ?1 AND serial = ?2",
        )
        .bind(ca.arn.as_str())
        .bind(serial)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        match revoked {
            None => return Err(StoreError::NotFound),
            Some(Some(_)) => return Err(StoreError::AlreadyExists),
            Some(None) => {}
        }
        sqlx::query(
            "UPDATE pca_certificates SET revoked_at_ms = ?3, revocation_reason = ?4 \
             WHERE ca_arn = ?1 AND serial = ?2",
        )
        .bind(ca.arn.as_str())
        .bind(serial)
        .bind(to_millis(revoked_at)?)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        write_ca(&mut tx, ca).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn revoked_certificates(&self, ca_arn: &str) -> Result<Vec<IssuedCertificateRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM pca_certificates WHERE ca_arn = ?1 AND revoked_at_ms IS NOT NULL \
             ORDER BY serial"
        ))
        .bind(ca_arn)
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(cert_from_row).collect()
    }
}
