//! Fills a `strongroom dev` data directory with many empty secrets, for the scale benchmark
//! (`bench/scale.sh`): `cargo run --release --example populate -- DATA_DIR COUNT`.
//! It writes through the store in large batches, so a million secrets take minutes, not hours of API calls.

use std::path::PathBuf;

use anyhow::Context as _;
use strongroom_store::SecretStore as _;
use strongroom_store::secrets::{SecretRecord, SecretWrite, Tag};
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::OffsetDateTime;

const BATCH: usize = 10_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().context("usage: populate DATA_DIR COUNT")?);
    let count: usize = args.next().context("usage: populate DATA_DIR COUNT")?.parse()?;
    let store = SqliteStore::open(&dir.join("strongroom.db")).await?;
    let account: strongroom_types::AccountId = "123456789012".parse()?;
    let region: strongroom_types::Region = "us-east-1".parse()?;
    let start = OffsetDateTime::now_utc().replace_nanosecond(0)?;
    let began = std::time::Instant::now();
    for first in (0..count).step_by(BATCH) {
        let writes: Vec<SecretWrite> = (first..(first + BATCH).min(count))
            .map(|i| {
                let name = format!("scale/{i:07}");
                let created = start + time::Duration::milliseconds(i as i64);
                SecretWrite::Create {
                    secret: SecretRecord {
                        arn: format!(
                            "arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-Sc{:04}",
                            i % 10_000
                        ),
                        account_id: account.clone(),
                        region: region.clone(),
                        name,
                        revision: 1,
                        created_at: created,
                        last_changed_at: created,
                        last_accessed_at: None,
                        deleted_at: None,
                        purge_at: None,
                        description: Some(format!("scale test secret {i}")),
                        kms_key_id: None,
                        secret_type: None,
                        owning_service: None,
                        tags: Some(vec![Tag {
                            key: "team".into(),
                            value: format!("t{}", i % 100),
                        }]),
                        resource_policy: None,
                        rotation: None,
                        primary_region: None,
                        replicas: Vec::new(),
                        versions: Vec::new(),
                    },
                    values: Vec::new(),
                }
            })
            .collect();
        store.write_secrets(&writes).await?;
        if (first / BATCH).is_multiple_of(10) {
            eprintln!("{} secrets in {:.1?}", first + writes.len(), began.elapsed());
        }
    }
    eprintln!("{count} secrets in {:.1?}", began.elapsed());
    Ok(())
}
