//! The SQL both store backends share.
//!
//! SQLite and PostgreSQL accept the same statements here (`$n` placeholders, `ON CONFLICT DO
//! NOTHING`, 64-bit integers, byte strings), so the `Store` implementation is written once, as
//! the macro [`sql_store!`], and expanded in each backend crate with its own pool, row type and
//! the statement that opens an append transaction holding the database's writer lock. Each
//! backend keeps its own connection setup and `migrations/`.

/// Merkle node rows looked up by `Store::nodes` in this process, over every store instance
/// (instrumentation for benchmarks: an inclusion proof must cost O(log n) of them).
pub static NODE_READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Expands to the helper functions and `impl fixlog_store::Store for $store`.
///
/// `$store` must have a field `pool` of the backend's pool type; `$row` is the backend's row
/// type; `$db` is the sqlx database type; `$begin` is an async function `fn(&Pool) -> Result<Transaction, sqlx::Error>` that
/// starts a transaction holding the single writer lock of the log.
#[macro_export]
macro_rules! sql_store {
    ($store:ident, $db:ty, $row:ty, $begin:path) => {
        mod sql_store_impl {
            use std::collections::HashMap;

            use fixlog_store::{
                AppendOutcome, AppendRequest, AuditEvent, EntryQuery, Precondition, StoreError,
                StoredCheckpoint, StoredCosignature, StoredEntry, TokenRecord, append_nodes, append_reads,
                next_published,
            };
            use fixlog_tlog::{Hash, NodeId};
            use sqlx::Row;
            use time::OffsetDateTime;

            use super::*;

            const ENTRY_COLUMNS: &str = "e.seq, e.kind, e.published, e.body";

        fn db(error: sqlx::Error) -> StoreError {
            StoreError::Database {
                message: error.to_string(),
            }
        }

        fn micros(time: OffsetDateTime) -> i64 {
            (time.unix_timestamp_nanos() / 1000) as i64
        }

        fn from_micros(value: i64) -> Result<OffsetDateTime, StoreError> {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1000).map_err(|_| {
                StoreError::Corrupt {
                    message: format!("time {value} out of range"),
                }
            })
        }

        fn entry_from_row(row: &$row) -> Result<StoredEntry, StoreError> {
            Ok(StoredEntry {
                seq: row.try_get::<i64, _>(0).map_err(db)? as u64,
                kind: row.try_get(1).map_err(db)?,
                published: from_micros(row.try_get(2).map_err(db)?)?,
                body: row.try_get(3).map_err(db)?,
            })
        }

        fn hash_from(bytes: Vec<u8>) -> Result<Hash, StoreError> {
            bytes.try_into().map_err(|_| StoreError::Corrupt {
                message: "merkle node is not 32 bytes".to_owned(),
            })
        }


        impl $store {
            async fn entries_where(
                &self,
                clause: &str,
                binds: Vec<String>,
            ) -> Result<Vec<StoredEntry>, StoreError> {
                let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries e WHERE {clause}");
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for bind in binds {
                    query = query.bind(bind);
                }
                let rows = query.fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(entry_from_row).collect()
            }
        }

        /// What earlier appends of the same transaction already know: the last entry and the
        /// Merkle nodes written (left siblings of later appends are often among them).
        #[derive(Default)]
        struct BatchState {
            last: Option<(u64, OffsetDateTime)>,
            written: HashMap<NodeId, Hash>,
        }

        /// Appends one request inside `tx`. The outer error aborts the transaction; the inner
        /// one rejects only this request (nothing of it was written).
        async fn append_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            batch: &mut BatchState,
            request: AppendRequest,
        ) -> Result<Result<AppendOutcome, StoreError>, StoreError> {
            if let Precondition::NoLiveRelease {
                product,
                version_key,
            } = &request.precondition
            {
                let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.kind = 'release' AND e.product = $1 \
                     AND e.version_key = $2 AND NOT EXISTS \
                     (SELECT 1 FROM entries s WHERE s.supersedes = e.seq) ORDER BY e.seq DESC LIMIT 1"
                )))
                .bind(product)
                .bind(version_key)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?;
                if let Some(row) = existing {
                    let entry = entry_from_row(&row)?;
                    if Some(entry.seq) != request.supersedes {
                        return Ok(Ok(AppendOutcome::Existing(entry)));
                    }
                }
            }
            if let Some(seq) = request.supersedes {
                let found = sqlx::query("SELECT 1 FROM entries WHERE seq = $1")
                    .bind(seq as i64)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db)?;
                if found.is_none() {
                    return Ok(Err(StoreError::UnknownSupersedes { seq }));
                }
            }
            let last = match batch.last {
                Some(last) => Some(last),
                None => {
                    let row = sqlx::query("SELECT seq, published FROM entries ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(db)?;
                    match row {
                        Some(row) => Some((
                            row.try_get::<i64, _>(0).map_err(db)? as u64,
                            from_micros(row.try_get(1).map_err(db)?)?,
                        )),
                        None => None,
                    }
                }
            };
            let (seq, previous) = match last {
                Some((seq, published)) => (seq + 1, Some(published)),
                None => (1, None),
            };
            let published = next_published(request.now, previous);
            let body = match (request.render)(seq, published) {
                Ok(body) => body,
                Err(message) => return Ok(Err(StoreError::Render { message })),
            };
            sqlx::query(
                "INSERT INTO entries (seq, kind, published, product, advisory, version_key, supersedes, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(seq as i64)
            .bind(&request.kind)
            .bind(micros(published))
            .bind(&request.product)
            .bind(&request.advisory)
            .bind(&request.version_key)
            .bind(request.supersedes.map(|s| s as i64))
            .bind(&body)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            for (table, column, values) in [
                ("entry_cves", "cve", &request.cves),
                ("entry_products", "product", &request.products),
                ("entry_digests", "digest", &request.digests),
            ] {
                for value in values {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO {table} ({column}, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING"
                    )))
                    .bind(value)
                    .bind(seq as i64)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                }
            }
            if let Some(advisory) = &request.advisory {
                for product in &request.products {
                    sqlx::query(
                        "INSERT INTO product_advisories (product, advisory) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(product)
                    .bind(advisory)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                }
            }
            let index = seq - 1;
            let mut left_siblings = HashMap::new();
            for id in append_reads(index) {
                if let Some(hash) = batch.written.get(&id) {
                    left_siblings.insert(id, *hash);
                    continue;
                }
                let row = sqlx::query("SELECT hash FROM tlog_nodes WHERE level = $1 AND idx = $2")
                    .bind(i64::from(id.level))
                    .bind(id.index as i64)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db)?
                    .ok_or_else(|| StoreError::Corrupt {
                        message: format!("merkle node {id:?} missing"),
                    })?;
                left_siblings.insert(id, hash_from(row.try_get(0).map_err(db)?)?);
            }
            for (id, hash) in append_nodes(index, fixlog_tlog::leaf_hash(&body), &left_siblings)? {
                sqlx::query("INSERT INTO tlog_nodes (level, idx, hash) VALUES ($1, $2, $3)")
                    .bind(i64::from(id.level))
                    .bind(id.index as i64)
                    .bind(hash.to_vec())
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                batch.written.insert(id, hash);
            }
            batch.last = Some((seq, published));
            Ok(Ok(AppendOutcome::Appended(StoredEntry {
                seq,
                kind: request.kind,
                published,
                body,
            })))
        }

        #[async_trait::async_trait]
        impl fixlog_store::Store for $store {
            async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
                let mut tx = $begin(&self.pool).await.map_err(db)?;
                let outcome = append_in(&mut tx, &mut BatchState::default(), request).await??;
                if matches!(outcome, AppendOutcome::Appended(_)) {
                    tx.commit().await.map_err(db)?;
                }
                Ok(outcome)
            }

            async fn append_batch(
                &self,
                requests: Vec<AppendRequest>,
            ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
                let mut tx = $begin(&self.pool).await.map_err(db)?;
                let mut outcomes = Vec::with_capacity(requests.len());
                let mut batch = BatchState::default();
                for request in requests {
                    outcomes.push(append_in(&mut tx, &mut batch, request).await?);
                }
                tx.commit().await.map_err(db)?;
                Ok(outcomes)
            }

            async fn size(&self) -> Result<u64, StoreError> {
                let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM entries")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(row.try_get::<i64, _>(0).map_err(db)? as u64)
            }

            async fn entry(&self, seq: u64) -> Result<Option<StoredEntry>, StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.seq = $1"
                )))
                .bind(seq as i64)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(entry_from_row).transpose()
            }

            async fn entries(&self, query: &EntryQuery) -> Result<Vec<StoredEntry>, StoreError> {
                let mut clause = String::from("e.seq > $1");
                let mut position = 2;
                let mut binds: Vec<String> = Vec::new();
                if let Some(product) = &query.product {
                    clause.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM entry_products p WHERE p.seq = e.seq AND p.product = ${position})"
                    ));
                    position += 1;
                    binds.push(product.clone());
                }
                if let Some(cve) = &query.cve {
                    clause.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM entry_cves c WHERE c.seq = e.seq AND c.cve = ${position})"
                    ));
                    position += 1;
                    binds.push(cve.clone());
                }
                if let Some(kind) = &query.kind {
                    clause.push_str(&format!(" AND e.kind = ${position}"));
                    binds.push(kind.clone());
                }
                let sql = format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries e WHERE {clause} ORDER BY e.seq LIMIT {}",
                    query.limit
                );
                let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(query.after as i64);
                for bind in binds {
                    statement = statement.bind(bind);
                }
                let rows = statement.fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(entry_from_row).collect()
            }

            async fn products(&self) -> Result<Vec<StoredEntry>, StoreError> {
                self.entries_where(
                    "e.seq IN (SELECT MAX(seq) FROM entries WHERE kind = 'product' GROUP BY product) \
                     ORDER BY e.product",
                    vec![],
                )
                .await
            }

            async fn product(&self, id: &str) -> Result<Option<StoredEntry>, StoreError> {
                let mut found = self
                    .entries_where(
                        "e.kind = 'product' AND e.product = $1 ORDER BY e.seq DESC LIMIT 1",
                        vec![id.to_owned()],
                    )
                    .await?;
                Ok(found.pop())
            }

            async fn releases(&self, product: &str) -> Result<Vec<StoredEntry>, StoreError> {
                self.entries_where(
                    "e.kind = 'release' AND e.product = $1 AND NOT EXISTS \
                     (SELECT 1 FROM entries s WHERE s.supersedes = e.seq) ORDER BY e.seq",
                    vec![product.to_owned()],
                )
                .await
            }

            async fn live_release(
                &self,
                product: &str,
                version_key: &str,
            ) -> Result<Option<StoredEntry>, StoreError> {
                let mut found = self
                    .entries_where(
                        "e.kind = 'release' AND e.product = $1 AND e.version_key = $2 AND NOT EXISTS \
                         (SELECT 1 FROM entries s WHERE s.supersedes = e.seq) ORDER BY e.seq DESC LIMIT 1",
                        vec![product.to_owned(), version_key.to_owned()],
                    )
                    .await?;
                Ok(found.pop())
            }

            async fn advisory_entries(&self, id: &str) -> Result<Vec<StoredEntry>, StoreError> {
                self.entries_where("e.advisory = $1 ORDER BY e.seq", vec![id.to_owned()])
                    .await
            }

            async fn current_advisories(
                &self,
                product: Option<&str>,
            ) -> Result<Vec<StoredEntry>, StoreError> {
                match product {
                    Some(product) => {
                        // The advisories that ever named the line (product_advisories),
                        // each one's newest entry by one index look-up (advisory, seq): a
                        // correlated subquery, which no planner turns into a scan of the log.
                        self.entries_where(
                            "e.seq IN (SELECT (SELECT MAX(a.seq) FROM entries a \
                             WHERE a.advisory = pa.advisory) FROM product_advisories pa \
                             WHERE pa.product = $1) ORDER BY e.advisory",
                            vec![product.to_owned()],
                        )
                        .await
                    }
                    None => {
                        self.entries_where(
                            "e.seq IN (SELECT MAX(seq) FROM entries WHERE advisory IS NOT NULL \
                             GROUP BY advisory) ORDER BY e.advisory",
                            vec![],
                        )
                        .await
                    }
                }
            }

            async fn entries_by_digest(&self, digest: &str) -> Result<Vec<StoredEntry>, StoreError> {
                self.entries_where(
                    "e.seq IN (SELECT seq FROM entry_digests WHERE digest = $1) ORDER BY e.seq",
                    vec![digest.to_owned()],
                )
                .await
            }

            async fn nodes(&self, ids: &[NodeId]) -> Result<Vec<(NodeId, Hash)>, StoreError> {
                let mut found = Vec::with_capacity(ids.len());
                $crate::NODE_READS.fetch_add(ids.len() as u64, std::sync::atomic::Ordering::Relaxed);
                for id in ids {
                    let row = sqlx::query("SELECT hash FROM tlog_nodes WHERE level = $1 AND idx = $2")
                        .bind(i64::from(id.level))
                        .bind(id.index as i64)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    if let Some(row) = row {
                        found.push((*id, hash_from(row.try_get(0).map_err(db)?)?));
                    }
                }
                Ok(found)
            }

            async fn add_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO checkpoints (size, note, created) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(checkpoint.size as i64)
                .bind(&checkpoint.note)
                .bind(micros(OffsetDateTime::now_utc()))
                .execute(&self.pool)
                .await
                .map_err(db)?;
                Ok(())
            }

            async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
                let row = sqlx::query("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|row| {
                    Ok(StoredCheckpoint {
                        size: row.try_get::<i64, _>(0).map_err(db)? as u64,
                        note: row.try_get(1).map_err(db)?,
                    })
                })
                .transpose()
            }

            async fn checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
                let row = sqlx::query("SELECT size, note FROM checkpoints WHERE size = $1")
                    .bind(size as i64)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|row| {
                    Ok(StoredCheckpoint {
                        size: row.try_get::<i64, _>(0).map_err(db)? as u64,
                        note: row.try_get(1).map_err(db)?,
                    })
                })
                .transpose()
            }

            async fn add_cosignature(
                &self,
                cosignature: &StoredCosignature,
            ) -> Result<bool, StoreError> {
                let result = sqlx::query(
                    "INSERT INTO cosignatures (size, key_name, key_id, timestamp, line, created) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(cosignature.size as i64)
                .bind(&cosignature.key_name)
                .bind(i64::from(cosignature.key_id))
                .bind(cosignature.timestamp as i64)
                .bind(&cosignature.line)
                .bind(micros(OffsetDateTime::now_utc()))
                .execute(&self.pool)
                .await
                .map_err(db)?;
                Ok(result.rows_affected() == 1)
            }

            async fn cosignatures(&self, size: u64) -> Result<Vec<StoredCosignature>, StoreError> {
                let rows = sqlx::query(
                    "SELECT size, key_name, key_id, timestamp, line FROM cosignatures \
                     WHERE size = $1 ORDER BY key_name, key_id",
                )
                .bind(size as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|row| {
                        Ok(StoredCosignature {
                            size: row.try_get::<i64, _>(0).map_err(db)? as u64,
                            key_name: row.try_get(1).map_err(db)?,
                            key_id: row.try_get::<i64, _>(2).map_err(db)? as u32,
                            timestamp: row.try_get::<i64, _>(3).map_err(db)? as u64,
                            line: row.try_get(4).map_err(db)?,
                        })
                    })
                    .collect()
            }

            async fn create_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
                let result = sqlx::query(
                    "INSERT INTO tokens (id, name, role, secret_sha256, created, expires) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(&token.id)
                .bind(&token.name)
                .bind(&token.role)
                .bind(token.secret_sha256.to_vec())
                .bind(micros(token.created))
                .bind(token.expires.map(micros))
                .execute(&self.pool)
                .await
                .map_err(db)?;
                if result.rows_affected() == 0 {
                    return Err(StoreError::DuplicateToken {
                        id: token.id.clone(),
                    });
                }
                Ok(())
            }

            async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, role, secret_sha256, created, expires FROM tokens WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|row| {
                    Ok(TokenRecord {
                        id: row.try_get(0).map_err(db)?,
                        name: row.try_get(1).map_err(db)?,
                        role: row.try_get(2).map_err(db)?,
                        secret_sha256: hash_from(row.try_get(3).map_err(db)?)?,
                        created: from_micros(row.try_get(4).map_err(db)?)?,
                        expires: row
                            .try_get::<Option<i64>, _>(5)
                            .map_err(db)?
                            .map(from_micros)
                            .transpose()?,
                    })
                })
                .transpose()
            }

            async fn audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO audit (at, actor, action, detail) VALUES ($1, $2, $3, $4)")
                    .bind(micros(event.at))
                    .bind(&event.actor)
                    .bind(&event.action)
                    .bind(&event.detail)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn audit_events(&self, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
                let rows = sqlx::query(
                    "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|row| {
                        Ok(AuditEvent {
                            at: from_micros(row.try_get(0).map_err(db)?)?,
                            actor: row.try_get(1).map_err(db)?,
                            action: row.try_get(2).map_err(db)?,
                            detail: row.try_get(3).map_err(db)?,
                        })
                    })
                    .collect()
            }

            async fn save_drafts(
                &self,
                batch: &fixlog_store::DraftBatch,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await.map_err(db)?;
                for draft in &batch.drafts {
                    sqlx::query(
                        "INSERT INTO drafts (id, state, body, source, published_seq, created, \
                         created_by, updated, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, \
                         source = excluded.source, published_seq = excluded.published_seq, \
                         updated = excluded.updated, updated_by = excluded.updated_by",
                    )
                    .bind(&draft.id)
                    .bind(&draft.state)
                    .bind(&draft.body)
                    .bind(&draft.source)
                    .bind(draft.published_seq.map(|seq| seq as i64))
                    .bind(micros(draft.created))
                    .bind(&draft.created_by)
                    .bind(micros(draft.updated))
                    .bind(&draft.updated_by)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                    sqlx::query("DELETE FROM draft_cves WHERE draft = $1")
                        .bind(&draft.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    for cve in &draft.cves {
                        sqlx::query(
                            "INSERT INTO draft_cves (cve, draft) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        )
                        .bind(cve)
                        .bind(&draft.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    }
                }
                for event in &batch.audit {
                    sqlx::query("INSERT INTO audit (at, actor, action, detail) VALUES ($1, $2, $3, $4)")
                        .bind(micros(event.at))
                        .bind(&event.actor)
                        .bind(&event.action)
                        .bind(&event.detail)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                if let Some((source, mark)) = &batch.sync_mark {
                    sqlx::query(
                        "INSERT INTO tracker_sync (source, mark, updated) VALUES ($1, $2, $3) \
                         ON CONFLICT (source) DO UPDATE SET mark = excluded.mark, updated = excluded.updated",
                    )
                    .bind(source)
                    .bind(mark)
                    .bind(micros(OffsetDateTime::now_utc()))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                }
                tx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn draft(
                &self,
                id: &str,
            ) -> Result<Option<fixlog_store::DraftRecord>, StoreError> {
                let mut found = self.drafts_where("d.id = $1", id).await?;
                Ok(found.pop())
            }

            async fn drafts(
                &self,
                cve: Option<&str>,
            ) -> Result<Vec<fixlog_store::DraftRecord>, StoreError> {
                match cve {
                    Some(cve) => {
                        self.drafts_where(
                            "d.id IN (SELECT draft FROM draft_cves WHERE cve = $1)",
                            cve,
                        )
                        .await
                    }
                    None => self.drafts_where("d.id <> $1", "").await,
                }
            }

            async fn sync_mark(&self, source: &str) -> Result<Option<String>, StoreError> {
                let row = sqlx::query("SELECT mark FROM tracker_sync WHERE source = $1")
                    .bind(source)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|row| row.try_get(0).map_err(db)).transpose()
            }
        }

        impl $store {
            /// Drafts matching `clause` (one bind, `$1`), in id order, with their CVE ids.
            async fn drafts_where(
                &self,
                clause: &str,
                bind: &str,
            ) -> Result<Vec<fixlog_store::DraftRecord>, StoreError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT d.id, d.state, d.body, d.source, d.published_seq, d.created, \
                     d.created_by, d.updated, d.updated_by FROM drafts d WHERE {clause} ORDER BY d.id"
                )))
                .bind(bind)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                let mut drafts = Vec::with_capacity(rows.len());
                for row in &rows {
                    let id: String = row.try_get(0).map_err(db)?;
                    let cves = sqlx::query("SELECT cve FROM draft_cves WHERE draft = $1 ORDER BY cve")
                        .bind(&id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?
                        .iter()
                        .map(|row| row.try_get::<String, _>(0).map_err(db))
                        .collect::<Result<Vec<_>, _>>()?;
                    drafts.push(fixlog_store::DraftRecord {
                        id,
                        state: row.try_get(1).map_err(db)?,
                        body: row.try_get(2).map_err(db)?,
                        cves,
                        source: row.try_get(3).map_err(db)?,
                        published_seq: row
                            .try_get::<Option<i64>, _>(4)
                            .map_err(db)?
                            .map(|seq| seq as u64),
                        created: from_micros(row.try_get(5).map_err(db)?)?,
                        created_by: row.try_get(6).map_err(db)?,
                        updated: from_micros(row.try_get(7).map_err(db)?)?,
                        updated_by: row.try_get(8).map_err(db)?,
                    });
                }
                Ok(drafts)
            }
        }

    }
    };
}

/// Expands to `impl fixlog_store::monitor::MonitorStore for $store`: the monitor's history
/// (samples, changes, incidents, snapshots, evidence) in the `monitor_*` tables of migration
/// `0700_monitor.sql`.
///
/// `$store` must have a field `pool` of the backend's pool type; `$row` is the backend's row
/// type.
#[macro_export]
macro_rules! sql_monitor_store {
    ($store:ident, $row:ty) => {
        mod sql_monitor_store_impl {
            use fixlog_store::StoreError;
            use fixlog_store::monitor::{
                ChangeRecord, EvidenceRecord, IncidentRecord, SampleRecord, SnapshotRecord,
            };
            use sqlx::Row;
            use time::OffsetDateTime;

            use super::*;

            fn db(error: sqlx::Error) -> StoreError {
                StoreError::Database {
                    message: error.to_string(),
                }
            }

            fn micros(time: OffsetDateTime) -> i64 {
                (time.unix_timestamp_nanos() / 1000) as i64
            }

            fn from_micros(value: i64) -> Result<OffsetDateTime, StoreError> {
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1000).map_err(
                    |_| StoreError::Corrupt {
                        message: format!("time {value} out of range"),
                    },
                )
            }

            fn sample_from_row(row: &$row) -> Result<SampleRecord, StoreError> {
                Ok(SampleRecord {
                    endpoint: row.try_get(0).map_err(db)?,
                    probe_id: row.try_get(1).map_err(db)?,
                    attempt: u32::try_from(row.try_get::<i64, _>(2).map_err(db)?).map_err(
                        |_| StoreError::Corrupt {
                            message: "attempt out of range".to_owned(),
                        },
                    )?,
                    last_attempt: row.try_get::<i64, _>(3).map_err(db)? != 0,
                    started: from_micros(row.try_get(4).map_err(db)?)?,
                    ok: row.try_get::<i64, _>(5).map_err(db)? != 0,
                    failure: row.try_get(6).map_err(db)?,
                    status: row
                        .try_get::<Option<i64>, _>(7)
                        .map_err(db)?
                        .and_then(|status| u16::try_from(status).ok()),
                    media_type: row.try_get(8).map_err(db)?,
                    latency_ms: row.try_get(9).map_err(db)?,
                    dns_ms: row.try_get(10).map_err(db)?,
                    connect_ms: row.try_get(11).map_err(db)?,
                    tls_ms: row.try_get(12).map_err(db)?,
                    ttfb_ms: row.try_get(13).map_err(db)?,
                    body_sha256: row.try_get(14).map_err(db)?,
                    tls_not_after: row
                        .try_get::<Option<i64>, _>(15)
                        .map_err(db)?
                        .map(from_micros)
                        .transpose()?,
                    detail: row.try_get(16).map_err(db)?,
                })
            }

            #[async_trait::async_trait]
            impl fixlog_store::monitor::MonitorStore for $store {
                async fn add_samples(&self, samples: &[SampleRecord]) -> Result<(), StoreError> {
                    let mut tx = self.pool.begin().await.map_err(db)?;
                    for sample in samples {
                        sqlx::query(
                            "INSERT INTO monitor_samples (endpoint, probe_id, attempt, \
                             last_attempt, started, ok, failure, status, media_type, latency_ms, \
                             dns_ms, connect_ms, tls_ms, ttfb_ms, body_sha256, tls_not_after, \
                             detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                             $13, $14, $15, $16, $17)",
                        )
                        .bind(&sample.endpoint)
                        .bind(&sample.probe_id)
                        .bind(i64::from(sample.attempt))
                        .bind(i64::from(sample.last_attempt))
                        .bind(micros(sample.started))
                        .bind(i64::from(sample.ok))
                        .bind(&sample.failure)
                        .bind(sample.status.map(i64::from))
                        .bind(&sample.media_type)
                        .bind(sample.latency_ms)
                        .bind(sample.dns_ms)
                        .bind(sample.connect_ms)
                        .bind(sample.tls_ms)
                        .bind(sample.ttfb_ms)
                        .bind(&sample.body_sha256)
                        .bind(sample.tls_not_after.map(micros))
                        .bind(&sample.detail)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    }
                    tx.commit().await.map_err(db)
                }

                async fn samples(
                    &self,
                    endpoint: &str,
                    since: OffsetDateTime,
                    until: OffsetDateTime,
                ) -> Result<Vec<SampleRecord>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT endpoint, probe_id, attempt, last_attempt, started, ok, failure, \
                         status, media_type, latency_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, \
                         body_sha256, tls_not_after, detail FROM monitor_samples \
                         WHERE endpoint = $1 AND started >= $2 AND started < $3 \
                         ORDER BY started, id",
                    )
                    .bind(endpoint)
                    .bind(micros(since))
                    .bind(micros(until))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.iter().map(sample_from_row).collect()
                }

                async fn add_change(&self, change: &ChangeRecord) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO monitor_changes (endpoint, probe_id, at, class, subject, \
                         detail) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&change.endpoint)
                    .bind(&change.probe_id)
                    .bind(micros(change.at))
                    .bind(&change.class)
                    .bind(&change.subject)
                    .bind(&change.detail)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn changes(&self, endpoint: &str) -> Result<Vec<ChangeRecord>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT endpoint, probe_id, at, class, subject, detail \
                         FROM monitor_changes WHERE endpoint = $1 ORDER BY id",
                    )
                    .bind(endpoint)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.iter()
                        .map(|row| {
                            Ok(ChangeRecord {
                                endpoint: row.try_get(0).map_err(db)?,
                                probe_id: row.try_get(1).map_err(db)?,
                                at: from_micros(row.try_get(2).map_err(db)?)?,
                                class: row.try_get(3).map_err(db)?,
                                subject: row.try_get(4).map_err(db)?,
                                detail: row.try_get(5).map_err(db)?,
                            })
                        })
                        .collect()
                }

                async fn open_incident(
                    &self,
                    endpoint: &str,
                    started: OffsetDateTime,
                    cause: &str,
                ) -> Result<i64, StoreError> {
                    let row = sqlx::query(
                        "INSERT INTO monitor_incidents (endpoint, started, cause) \
                         VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(endpoint)
                    .bind(micros(started))
                    .bind(cause)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?;
                    row.try_get(0).map_err(db)
                }

                async fn close_incident(
                    &self,
                    id: i64,
                    ended: OffsetDateTime,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE monitor_incidents SET ended = $1 WHERE id = $2 AND ended IS NULL",
                    )
                    .bind(micros(ended))
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn incidents(
                    &self,
                    endpoint: &str,
                ) -> Result<Vec<IncidentRecord>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT id, endpoint, started, ended, cause FROM monitor_incidents \
                         WHERE endpoint = $1 ORDER BY id",
                    )
                    .bind(endpoint)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.iter()
                        .map(|row| {
                            Ok(IncidentRecord {
                                id: row.try_get(0).map_err(db)?,
                                endpoint: row.try_get(1).map_err(db)?,
                                started: from_micros(row.try_get(2).map_err(db)?)?,
                                ended: row
                                    .try_get::<Option<i64>, _>(3)
                                    .map_err(db)?
                                    .map(from_micros)
                                    .transpose()?,
                                cause: row.try_get(4).map_err(db)?,
                            })
                        })
                        .collect()
                }

                async fn save_snapshot(&self, snapshot: &SnapshotRecord) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO monitor_snapshots (endpoint, at, checkpoint, log_key, body) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&snapshot.endpoint)
                    .bind(micros(snapshot.at))
                    .bind(&snapshot.checkpoint)
                    .bind(&snapshot.log_key)
                    .bind(&snapshot.body)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn last_snapshot(
                    &self,
                    endpoint: &str,
                ) -> Result<Option<SnapshotRecord>, StoreError> {
                    let row = sqlx::query(
                        "SELECT endpoint, at, checkpoint, log_key, body FROM monitor_snapshots \
                         WHERE endpoint = $1 ORDER BY id DESC LIMIT 1",
                    )
                    .bind(endpoint)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                    row.map(|row| {
                        Ok(SnapshotRecord {
                            endpoint: row.try_get(0).map_err(db)?,
                            at: from_micros(row.try_get(1).map_err(db)?)?,
                            checkpoint: row.try_get(2).map_err(db)?,
                            log_key: row.try_get(3).map_err(db)?,
                            body: row.try_get(4).map_err(db)?,
                        })
                    })
                    .transpose()
                }

                async fn add_evidence(&self, record: &EvidenceRecord) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO monitor_evidence (endpoint, probe_id, at, reason, path, \
                         manifest_sha256) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&record.endpoint)
                    .bind(&record.probe_id)
                    .bind(micros(record.at))
                    .bind(&record.reason)
                    .bind(&record.path)
                    .bind(&record.manifest_sha256)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn evidence(&self, endpoint: &str) -> Result<Vec<EvidenceRecord>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT endpoint, probe_id, at, reason, path, manifest_sha256 \
                         FROM monitor_evidence WHERE endpoint = $1 ORDER BY id",
                    )
                    .bind(endpoint)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.iter()
                        .map(|row| {
                            Ok(EvidenceRecord {
                                endpoint: row.try_get(0).map_err(db)?,
                                probe_id: row.try_get(1).map_err(db)?,
                                at: from_micros(row.try_get(2).map_err(db)?)?,
                                reason: row.try_get(3).map_err(db)?,
                                path: row.try_get(4).map_err(db)?,
                                manifest_sha256: row.try_get(5).map_err(db)?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
