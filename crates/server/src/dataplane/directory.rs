//! The control plane as the data plane sees it: credentials, outputs' consent settings
//! and exporters with their sinks. The server reads them from its SQLite store
//! (`DbDirectory`); tests and benches give a fixed list.

use crate::params;

use super::consent::View;
use super::sink::{ExportJob, SinkResolver};
use super::store::Principal;
use crate::db::Db;
use crate::store::clients;
use strm_model::{ConsentLevelType, DataContract, SinkType};

/// What the data plane needs from the control plane. The server implements it over its
/// store; tests implement it over a fixed list.
pub trait Directory: Send + Sync + 'static {
    /// The stream or output these data-plane credentials belong to.
    fn authenticate(
        &self,
        billing_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Option<Principal>;
    /// What a principal sees now; `None` once its stream or output is gone.
    fn view(&self, principal: &Principal) -> Option<View>;
    /// Every exporter of every account, with its sink resolved.
    fn export_jobs(&self) -> Vec<ExportJob>;
    /// The outputs of a stream with their views, for usage counts.
    fn outputs_of(&self, _account: &str, _stream: &str) -> Vec<(String, View)> {
        Vec::new()
    }
    /// An account's own data contract by its ref (`acme/checkout/1.0.0`), archived or
    /// not; the built-ins are the data plane's own.
    fn contract(&self, _account: &str, _reference: &str) -> Option<DataContract> {
        None
    }
    /// One exporter, by the account, its linked stream, its name and kind.
    fn export_job(
        &self,
        account: &str,
        linked_stream: &str,
        name: &str,
        export_keys: bool,
    ) -> Option<ExportJob> {
        self.export_jobs().into_iter().find(|j| {
            j.account == account
                && j.linked_stream == linked_stream
                && j.name == name
                && j.export_keys == export_keys
        })
    }
}

pub struct DbDirectory {
    db: Db,
    sinks: SinkResolver,
}

impl DbDirectory {
    pub fn new(db: Db, sinks: SinkResolver) -> DbDirectory {
        DbDirectory { db, sinks }
    }

    /// The exporters of one account, optionally only one of them.
    fn jobs(&self, filter: Option<(&str, &str, &str, bool)>) -> Vec<ExportJob> {
        let sql = "SELECT a.billing_id, e.name, s.name, p.name, s.consent_level_type,
                s.consent_levels, k.sink_type, k.bucket_name, k.credentials, e.interval_secs,
                e.path_prefix, e.export_keys
             FROM exporters e
             JOIN accounts a ON a.id = e.account_id
             JOIN streams s ON s.id = e.stream_id
             LEFT JOIN streams p ON p.id = s.linked_stream_id
             JOIN sinks k ON k.id = e.sink_id
             WHERE (CAST(?1 AS TEXT) IS NULL OR (a.billing_id = ?1 AND s.name = ?2 AND e.name = ?3
                AND e.export_keys = ?4))";
        let (billing, stream, name, keys) = match filter {
            Some((b, s, n, k)) => (Some(b), Some(s), Some(n), Some(k)),
            None => (None, None, None, None),
        };
        let rows = self.db.blocking(|conn| {
            conn.query_map(sql, params![billing, stream, name, keys], |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<Option<String>>(3)?,
                    r.get::<Option<String>>(4)?,
                    r.get::<Option<String>>(5)?,
                    r.get::<String>(6)?,
                    r.get::<String>(7)?,
                    r.get::<Option<String>>(8)?,
                    r.get::<i64>(9)?,
                    r.get::<Option<String>>(10)?,
                    r.get::<bool>(11)?,
                ))
            })
        });
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "reading exporters failed");
                return Vec::new();
            }
        };
        rows.into_iter()
            .filter_map(
                |(account, name, linked, parent, kind, levels, sink_type, bucket, creds, interval, prefix, keys)| {
                    let view = match &parent {
                        None => View::Source,
                        Some(_) => output_view(kind.as_deref(), levels.as_deref())?,
                    };
                    let sink_type: SinkType = sink_type.parse().ok()?;
                    let sink = match self.sinks.target(&account, sink_type, &bucket, creds.as_deref()) {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::warn!(exporter = %name, error = %e, "exporter's sink is unusable");
                            return None;
                        }
                    };
                    Some(ExportJob {
                        account,
                        name,
                        source_stream: parent.unwrap_or_else(|| linked.clone()),
                        linked_stream: linked,
                        view,
                        sink,
                        interval_secs: u32::try_from(interval).ok()?,
                        path_prefix: prefix,
                        export_keys: keys,
                    })
                },
            )
            .collect()
    }
}

/// An output's view as stored; `None` (it receives nothing) when its consent levels are
/// missing, unreadable or empty, since any guess would admit events it may not see.
fn output_view(kind: Option<&str>, levels: Option<&str>) -> Option<View> {
    let kind: ConsentLevelType = kind.and_then(|k| k.parse().ok()).unwrap_or_default();
    let levels: Vec<u32> = levels
        .and_then(|l| serde_json::from_str(l).ok())
        .filter(|l: &Vec<u32>| !l.is_empty())
        .or_else(|| {
            tracing::warn!(levels = ?levels, "an output's stored consent levels are unusable; it receives nothing");
            None
        })?;
    Some(View::output(kind, &levels))
}

impl Directory for DbDirectory {
    fn authenticate(
        &self,
        billing_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Option<Principal> {
        let found = self
            .db
            .blocking(|c| clients::authenticate(c, billing_id, client_id, client_secret));
        match found {
            Ok(Some(rec)) => Some(match rec.row.linked_stream.clone() {
                Some(source) => Principal {
                    account: rec.billing_id,
                    stream: source,
                    output: Some(rec.row.name),
                },
                None => Principal {
                    account: rec.billing_id,
                    stream: rec.row.name,
                    output: None,
                },
            }),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "data-plane authentication failed");
                None
            }
        }
    }

    fn view(&self, principal: &Principal) -> Option<View> {
        let name = principal.output.as_deref().unwrap_or(&principal.stream);
        let row = self.db.blocking(|c| {
            c.query_row(
                "SELECT s.consent_level_type, s.consent_levels, p.name
                 FROM streams s JOIN accounts a ON a.id = s.account_id
                 LEFT JOIN streams p ON p.id = s.linked_stream_id
                 WHERE a.billing_id = ?1 AND s.name = ?2",
                params![principal.account, name],
                |r| {
                    Ok((
                        r.get::<Option<String>>(0)?,
                        r.get::<Option<String>>(1)?,
                        r.get::<Option<String>>(2)?,
                    ))
                },
            )
        });
        match (row.ok()?, &principal.output) {
            ((_, _, None), None) => Some(View::Source),
            ((kind, levels, Some(parent)), Some(_)) if parent == principal.stream => {
                output_view(kind.as_deref(), levels.as_deref())
            }
            _ => None,
        }
    }

    fn export_jobs(&self) -> Vec<ExportJob> {
        self.jobs(None)
    }

    fn outputs_of(&self, account: &str, stream: &str) -> Vec<(String, View)> {
        let rows = self.db.blocking(|c| {
            c.query_map(
                "SELECT o.name, o.consent_level_type, o.consent_levels
                 FROM streams o JOIN streams s ON s.id = o.linked_stream_id
                 JOIN accounts a ON a.id = s.account_id
                 WHERE a.billing_id = ?1 AND s.name = ?2",
                params![account, stream],
                |r| {
                    Ok((
                        r.get::<String>(0)?,
                        r.get::<Option<String>>(1)?,
                        r.get::<Option<String>>(2)?,
                    ))
                },
            )
        });
        match rows {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|(name, kind, levels)| {
                    Some((name, output_view(kind.as_deref(), levels.as_deref())?))
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "reading a stream's outputs failed");
                Vec::new()
            }
        }
    }

    fn contract(&self, account: &str, reference: &str) -> Option<DataContract> {
        let reference: strm_model::ContractRef = reference.parse().ok()?;
        match self
            .db
            .blocking(|c| crate::store::contracts::find_for_billing(c, account, &reference))
        {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "reading a data contract failed");
                None
            }
        }
    }

    fn export_job(
        &self,
        account: &str,
        linked_stream: &str,
        name: &str,
        export_keys: bool,
    ) -> Option<ExportJob> {
        self.jobs(Some((account, linked_stream, name, export_keys)))
            .into_iter()
            .next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_stored_consent_levels_give_no_view() {
        for levels in [None, Some(""), Some("[]"), Some("not json"), Some("[-1]")] {
            for kind in [Some("CUMULATIVE"), Some("GRANULAR")] {
                assert_eq!(output_view(kind, levels), None, "{kind:?} {levels:?}");
            }
        }
        assert_eq!(
            output_view(Some("CUMULATIVE"), Some("[2]")),
            Some(View::output(ConsentLevelType::Cumulative, &[2]))
        );
    }
}
