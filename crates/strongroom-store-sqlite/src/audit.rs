//! The audit trail in SQLite: each run of consecutive records of one chain is one compressed row.
//!
//! Every API call adds a record of ~800 bytes, so at tens of thousands of calls a second the trail is most
//! of what this backend writes: one row per record cost a B-tree insert per call and wrote every byte
//! twice (WAL, then the checkpoint), which was ~20 % of a GetSecretValue's CPU and, in checkpoint-sized
//! bursts, its tail latency. A batch's records are near copies of each other (same caller, resource and
//! shape), so a run is encoded and LZ4-compressed into one `audit_batches` row: about a sixth of the bytes
//! and one insert per batch. Rows written before this format stay in `audit_records` and are read alongside.
//!
//! A row's `records` blob is a format byte ([`FORMAT_LZ4_V1`]) followed by an LZ4 block with its
//! uncompressed size prepended, which holds, for each seq from `first_seq` to `last_seq` in order:
//! `recorded_at_ms` (i64, big-endian), the MAC's length (u16) and bytes, the body's length (u32) and bytes.

use sqlx::QueryBuilder;
use sqlx::sqlite::{Sqlite, SqliteRow};
use strongroom_store::{AuditRecord, StoreError};

use crate::error::{InvalidInput, corrupt, map_sqlx};
use crate::{SqliteStore, from_millis, get, seq_from_db, seq_to_db, to_millis};

/// The first byte of every `audit_batches.records` blob written by this version.
const FORMAT_LZ4_V1: u8 = 1;
/// At most this many records go into one row, which bounds a row's size, what a read decodes to reach one
/// record, and how long compressing one row keeps the writer's thread (~50 KB of JSON fits LZ4's window).
const RECORDS_PER_ROW: usize = 64;
/// Rows per INSERT (four bound values each, well below SQLite's limit on variables).
const ROWS_PER_STATEMENT: usize = 200;
/// A blob claiming a larger uncompressed size than this is refused before anything is allocated for it.
const MAX_DECODED_BYTES: usize = 256 << 20;
/// How many rows a read fetches at a time while it collects records.
const ROWS_PER_FETCH: i64 = 8;

/// One row to write: consecutive seqs of one chain.
struct Run<'a> {
    chain_id: &'a str,
    first_seq: i64,
    last_seq: i64,
    blob: Vec<u8>,
}

impl SqliteStore {
    pub(crate) async fn append_audit_batch(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        // Everything is checked and encoded before the transaction starts, so that an unstorable record
        // or a duplicate within the batch fails it with nothing written.
        let mut runs = Vec::new();
        for (i, run) in runs_of(records)?.iter().enumerate() {
            // The writer runs on a thread that serves requests: compressing a batch of a thousand records
            // in one go held them up for milliseconds, so they get a turn between rows.
            if i > 0 {
                tokio::task::yield_now().await;
            }
            runs.push(encode_run(run)?);
        }
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        for chunk in runs.chunks(ROWS_PER_STATEMENT) {
            // Stored runs never overlap, so for each new run the first stored run ending at or after its
            // start is the only one that can share a seq with it.
            let mut check = QueryBuilder::<Sqlite>::new("WITH new (chain_id, first_seq, last_seq) AS (");
            check.push_values(chunk, |mut row, run| {
                row.push_bind(run.chain_id)
                    .push_bind(run.first_seq)
                    .push_bind(run.last_seq);
            });
            check.push(
                ") SELECT EXISTS (SELECT 1 FROM new JOIN audit_records AS old \
                                  ON old.chain_id = new.chain_id \
                                  AND old.seq BETWEEN new.first_seq AND new.last_seq) \
                      OR EXISTS (SELECT 1 FROM new \
                                 WHERE (SELECT stored.first_seq FROM audit_batches AS stored \
                                        WHERE stored.chain_id = new.chain_id \
                                        AND stored.last_seq >= new.first_seq \
                                        ORDER BY stored.last_seq LIMIT 1) <= new.last_seq)",
            );
            let taken: bool = check
                .build_query_scalar()
                .fetch_one(&mut *tx)
                .await
                .map_err(map_sqlx)?;
            if taken {
                return Err(StoreError::AlreadyExists);
            }
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audit_batches (chain_id, first_seq, last_seq, records) ",
            );
            insert.push_values(chunk, |mut row, run| {
                row.push_bind(run.chain_id)
                    .push_bind(run.first_seq)
                    .push_bind(run.last_seq)
                    .push_bind(run.blob.as_slice());
            });
            insert.build().execute(&mut *tx).await.map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    pub(crate) async fn audit_chain_ids(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT chain_id FROM audit_records UNION SELECT chain_id FROM audit_batches ORDER BY chain_id",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)
    }

    pub(crate) async fn audit_page(
        &self,
        chain_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        // No stored seq exceeds i64::MAX, so nothing follows a larger `after_seq`.
        let Ok(after) = i64::try_from(after_seq) else {
            return Ok(Vec::new());
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let legacy = sqlx::query(
            "SELECT chain_id, seq, recorded_at_ms, body, mac FROM audit_records \
             WHERE chain_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )
        .bind(chain_id)
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        let mut records = legacy.iter().map(legacy_record).collect::<Result<Vec<_>, _>>()?;

        let mut batched = Vec::new();
        let mut cursor = after;
        while batched.len() < limit {
            let rows = sqlx::query(
                "SELECT first_seq, last_seq, records FROM audit_batches \
                 WHERE chain_id = ?1 AND last_seq > ?2 ORDER BY last_seq LIMIT ?3",
            )
            .bind(chain_id)
            .bind(cursor)
            .bind(ROWS_PER_FETCH)
            .fetch_all(&self.reader)
            .await
            .map_err(map_sqlx)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let (first_seq, last_seq): (i64, i64) = (get(row, "first_seq")?, get(row, "last_seq")?);
                let blob: Vec<u8> = get(row, "records")?;
                decode_run(chain_id, first_seq, last_seq, &blob, after, &mut batched)?;
                cursor = last_seq;
            }
        }
        // A chain is written in one format, but merging keeps the order right whatever the mix.
        records.append(&mut batched);
        records.sort_by_key(|record| record.seq);
        records.truncate(limit);
        Ok(records)
    }
}

/// Splits a batch into rows: grouped by chain, sorted by seq, cut where seqs stop being consecutive or a
/// row is full. A seq given twice fails the whole batch.
fn runs_of(records: &[AuditRecord]) -> Result<Vec<Vec<&AuditRecord>>, StoreError> {
    let mut sorted: Vec<&AuditRecord> = records.iter().collect();
    sorted.sort_by(|a, b| (a.chain_id.as_str(), a.seq).cmp(&(b.chain_id.as_str(), b.seq)));
    let mut runs: Vec<Vec<&AuditRecord>> = Vec::new();
    for record in sorted {
        let current = runs.last_mut().and_then(|run| Some((*run.last()?, run)));
        match current {
            Some((prev, _)) if prev.chain_id == record.chain_id && prev.seq == record.seq => {
                return Err(StoreError::AlreadyExists);
            }
            Some((prev, run))
                if prev.chain_id == record.chain_id
                    && prev.seq.checked_add(1) == Some(record.seq)
                    && run.len() < RECORDS_PER_ROW =>
            {
                run.push(record);
            }
            _ => runs.push(vec![record]),
        }
    }
    Ok(runs)
}

/// Encodes consecutive records of one chain as a row.
fn encode_run<'a>(run: &[&'a AuditRecord]) -> Result<Run<'a>, StoreError> {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return Err(InvalidInput::EmptyAuditRun.into());
    };
    let mut payload = Vec::with_capacity(run.iter().map(|r| r.body.len() + r.mac.len() + 14).sum());
    for record in run {
        let mac_len = u16::try_from(record.mac.len()).map_err(|_| InvalidInput::AuditFieldTooLong)?;
        let body_len = u32::try_from(record.body.len()).map_err(|_| InvalidInput::AuditFieldTooLong)?;
        payload.extend_from_slice(&to_millis(record.recorded_at)?.to_be_bytes());
        payload.extend_from_slice(&mac_len.to_be_bytes());
        payload.extend_from_slice(&record.mac);
        payload.extend_from_slice(&body_len.to_be_bytes());
        payload.extend_from_slice(record.body.as_bytes());
    }
    if payload.len() > MAX_DECODED_BYTES {
        return Err(InvalidInput::AuditFieldTooLong.into());
    }
    let mut blob = vec![FORMAT_LZ4_V1];
    blob.extend_from_slice(&lz4_flex::compress_prepend_size(&payload));
    Ok(Run {
        chain_id: &first.chain_id,
        first_seq: seq_to_db(first.seq)?,
        last_seq: seq_to_db(last.seq)?,
        blob,
    })
}

/// Decodes a row, appending its records with seqs above `after` to `out`.
fn decode_run(
    chain_id: &str,
    first_seq: i64,
    last_seq: i64,
    blob: &[u8],
    after: i64,
    out: &mut Vec<AuditRecord>,
) -> Result<(), StoreError> {
    let bad = |what: &'static str| corrupt("audit_batches", "records", what);
    let Some((&FORMAT_LZ4_V1, compressed)) = blob.split_first() else {
        return Err(bad("unknown format"));
    };
    let claimed = compressed
        .get(..4)
        .and_then(|size| size.try_into().ok())
        .map(|size: [u8; 4]| u32::from_le_bytes(size) as usize)
        .ok_or_else(|| bad("truncated"))?;
    if claimed > MAX_DECODED_BYTES {
        return Err(bad("claims an implausible size"));
    }
    let payload = lz4_flex::decompress_size_prepended(compressed).map_err(|_| bad("not valid LZ4"))?;
    let mut input = payload.as_slice();
    for seq in first_seq..=last_seq {
        let recorded_at_ms = i64::from_be_bytes(take::<8>(&mut input).ok_or_else(|| bad("truncated"))?);
        let mac_len = u16::from_be_bytes(take::<2>(&mut input).ok_or_else(|| bad("truncated"))?);
        let mac = take_slice(&mut input, usize::from(mac_len)).ok_or_else(|| bad("truncated"))?;
        let body_len = u32::from_be_bytes(take::<4>(&mut input).ok_or_else(|| bad("truncated"))?);
        let body = take_slice(&mut input, body_len as usize).ok_or_else(|| bad("truncated"))?;
        if seq <= after {
            continue;
        }
        out.push(AuditRecord {
            chain_id: chain_id.to_owned(),
            seq: seq_from_db(seq)?,
            recorded_at: from_millis("audit_batches", "records", recorded_at_ms)?,
            body: String::from_utf8(body.to_vec()).map_err(|_| bad("a body is not UTF-8"))?,
            mac: mac.to_vec(),
        });
    }
    if !input.is_empty() {
        return Err(bad("more records than its seq range"));
    }
    Ok(())
}

fn take<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    take_slice(input, N)?.try_into().ok()
}

fn take_slice<'a>(input: &mut &'a [u8], len: usize) -> Option<&'a [u8]> {
    if input.len() < len {
        return None;
    }
    let (head, rest) = input.split_at(len);
    *input = rest;
    Some(head)
}

fn legacy_record(row: &SqliteRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        chain_id: get(row, "chain_id")?,
        seq: seq_from_db(get(row, "seq")?)?,
        recorded_at: from_millis("audit_records", "recorded_at_ms", get(row, "recorded_at_ms")?)?,
        body: get(row, "body")?,
        mac: get(row, "mac")?,
    })
}

#[cfg(test)]
mod tests {
    use strongroom_types::OffsetDateTime;

    use super::*;

    fn record(chain: &str, seq: u64) -> AuditRecord {
        AuditRecord {
            chain_id: chain.to_owned(),
            seq,
            recorded_at: OffsetDateTime::from_unix_timestamp(1_700_000_000 + seq as i64).unwrap(),
            body: format!(r#"{{"eventName":"GetSecretValue","n":{seq},"text":"ünï\n"}}"#),
            mac: vec![seq as u8; 32],
        }
    }

    fn decode(run: &Run<'_>, after: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let mut out = Vec::new();
        decode_run(
            run.chain_id,
            run.first_seq,
            run.last_seq,
            &run.blob,
            after,
            &mut out,
        )?;
        Ok(out)
    }

    #[test]
    fn batches_split_into_runs_of_consecutive_seqs_per_chain() {
        let batch: Vec<AuditRecord> = [("b", 1), ("a", 3), ("a", 1), ("a", 2), ("a", 5), ("b", 2)]
            .iter()
            .map(|(chain, seq)| record(chain, *seq))
            .collect();
        let runs: Vec<Run<'_>> = runs_of(&batch)
            .unwrap()
            .iter()
            .map(|run| encode_run(run).unwrap())
            .collect();
        let shape: Vec<(&str, i64, i64)> = runs
            .iter()
            .map(|r| (r.chain_id, r.first_seq, r.last_seq))
            .collect();
        assert_eq!(shape, [("a", 1, 3), ("a", 5, 5), ("b", 1, 2)]);
        assert_eq!(
            decode(&runs[0], 0).unwrap(),
            vec![record("a", 1), record("a", 2), record("a", 3)]
        );
        assert_eq!(decode(&runs[0], 2).unwrap(), vec![record("a", 3)]);

        let full: Vec<AuditRecord> = (1..=RECORDS_PER_ROW as u64 + 1)
            .map(|seq| record("c", seq))
            .collect();
        let runs = runs_of(&full).unwrap();
        assert_eq!(runs.len(), 2, "a full row starts the next");
        assert_eq!(runs[1][0].seq, RECORDS_PER_ROW as u64 + 1);

        let twice = vec![record("a", 1), record("b", 1), record("a", 1)];
        assert!(matches!(runs_of(&twice), Err(StoreError::AlreadyExists)));
    }

    #[test]
    fn a_run_compresses_well_and_decodes_exactly() {
        let batch: Vec<AuditRecord> = (1..=RECORDS_PER_ROW as u64)
            .map(|seq| record("chain", seq))
            .collect();
        let runs = runs_of(&batch).unwrap();
        assert_eq!(runs.len(), 1);
        let run = encode_run(&runs[0]).unwrap();
        let raw: usize = batch.iter().map(|r| r.body.len() + r.mac.len()).sum();
        assert!(run.blob.len() * 3 < raw, "{} of {raw} bytes", run.blob.len());
        assert_eq!(decode(&run, 0).unwrap(), batch);
    }

    #[test]
    fn damaged_rows_are_reported_as_corrupt() {
        let batch = [record("a", 1), record("a", 2)];
        let run = &encode_run(&runs_of(&batch).unwrap()[0]).unwrap();
        let corrupt = |blob: Vec<u8>, first: i64, last: i64| {
            let mut out = Vec::new();
            matches!(
                decode_run("a", first, last, &blob, 0, &mut out),
                Err(StoreError::Corrupt(_))
            )
        };
        assert!(corrupt(Vec::new(), 1, 2), "empty");
        assert!(
            corrupt([&[9u8][..], &run.blob[1..]].concat(), 1, 2),
            "unknown format"
        );
        assert!(
            corrupt(run.blob[..run.blob.len() - 3].to_vec(), 1, 2),
            "cut short"
        );
        assert!(corrupt(run.blob.clone(), 1, 3), "fewer records than the range");
        assert!(corrupt(run.blob.clone(), 1, 1), "more records than the range");
        let mut huge = run.blob.clone();
        huge[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(corrupt(huge, 1, 2), "implausible size");
    }

    #[tokio::test]
    async fn records_written_before_batching_are_read_and_kept_unique() {
        use strongroom_store::AuditStore;

        let store = SqliteStore::memory().await.unwrap();
        // Two records of an old chain, as the one-row-per-record format stored them.
        for seq in [1u64, 2] {
            let old = record("old", seq);
            sqlx::query(
                "INSERT INTO audit_records (chain_id, seq, recorded_at_ms, body, mac) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&old.chain_id)
            .bind(seq as i64)
            .bind(to_millis(old.recorded_at).unwrap())
            .bind(&old.body)
            .bind(&old.mac)
            .execute(&store.writer)
            .await
            .unwrap();
        }
        store.append_audit(&[record("new", 1)]).await.unwrap();
        assert_eq!(store.audit_chains().await.unwrap(), ["new", "old"]);
        assert_eq!(
            store.audit_records("old", 0, 10).await.unwrap(),
            [record("old", 1), record("old", 2)]
        );
        assert_eq!(
            store.audit_records("old", 1, 10).await.unwrap(),
            [record("old", 2)]
        );

        // A seq an old row holds is taken, and the failed batch writes nothing.
        let overlapping = [record("old", 3), record("old", 2)];
        assert!(matches!(
            store.append_audit(&overlapping).await,
            Err(StoreError::AlreadyExists)
        ));
        store.append_audit(&[record("old", 3)]).await.unwrap();
        assert_eq!(
            store.audit_records("old", 0, 10).await.unwrap(),
            [record("old", 1), record("old", 2), record("old", 3)]
        );
        assert_eq!(
            store.audit_records("old", 0, 2).await.unwrap(),
            [record("old", 1), record("old", 2)]
        );
    }

    #[tokio::test]
    async fn a_long_chain_pages_through_many_rows() {
        use strongroom_store::AuditStore;

        let store = SqliteStore::memory().await.unwrap();
        // Batches of 7 (one row each) and one batch larger than a row.
        for start in (1..=70u64).step_by(7) {
            let batch: Vec<AuditRecord> = (start..start + 7).map(|seq| record("c", seq)).collect();
            store.append_audit(&batch).await.unwrap();
        }
        let big: Vec<AuditRecord> = (71..=71 + RECORDS_PER_ROW as u64)
            .map(|seq| record("c", seq))
            .collect();
        store.append_audit(&big).await.unwrap();
        let last = 71 + RECORDS_PER_ROW as u64;

        let mut seen = Vec::new();
        let mut after = 0;
        loop {
            let page = store.audit_records("c", after, 9).await.unwrap();
            let Some(tail) = page.last() else { break };
            assert!(page.len() <= 9);
            after = tail.seq;
            seen.extend(page.into_iter().map(|r| r.seq));
        }
        assert_eq!(seen, (1..=last).collect::<Vec<_>>());
        // Overlapping a stored row anywhere inside it is refused.
        assert!(matches!(
            store.append_audit(&[record("c", 40)]).await,
            Err(StoreError::AlreadyExists)
        ));
        assert!(matches!(
            store
                .append_audit(&[record("c", last), record("c", last + 1)])
                .await,
            Err(StoreError::AlreadyExists)
        ));
        store.append_audit(&[record("c", last + 1)]).await.unwrap();
    }
}
