//! Usage counts as flushed from memory (`dataplane::usage`): events per stream or
//! output name, per second (`dp_usage_seconds`, kept for the last hour) and per
//! 10-second window (`dp_usage_windows`, kept as long as the events). Counts are added,
//! never replaced, so a flush of the same second twice adds up.

use crate::params;

use super::Result;
use crate::db::Db;
use strm_model::rules::USAGE_COARSE_SECS;

/// Which table a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Seconds,
    /// `USAGE_COARSE_SECS`-second windows.
    Windows,
}

impl Resolution {
    fn table(self) -> &'static str {
        match self {
            Resolution::Seconds => "dp_usage_seconds",
            Resolution::Windows => "dp_usage_windows",
        }
    }
}

/// One count to add: the events `name` got in the second starting at `second`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub account: String,
    pub name: String,
    pub second: i64,
    pub count: u64,
}

pub struct UsageStore {
    db: Db,
}

impl UsageStore {
    pub(super) fn new(db: Db) -> UsageStore {
        UsageStore { db }
    }

    /// Adds counts to both tables in one transaction.
    pub fn add(&self, counts: &[Count]) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        self.db.blocking(|conn| {
            conn.transaction(|tx| {
                for table in [Resolution::Seconds, Resolution::Windows] {
                    let sql = format!(
                        "INSERT INTO {t} (account, name, start_s, count) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (account, name, start_s)
                         DO UPDATE SET count = {t}.count + excluded.count",
                        t = table.table()
                    );
                    for c in counts {
                        let start = match table {
                            Resolution::Seconds => c.second,
                            Resolution::Windows => {
                                c.second - c.second.rem_euclid(USAGE_COARSE_SECS)
                            }
                        };
                        tx.execute(&sql, params![c.account, c.name, start, c.count as i64])?;
                    }
                }
                Ok::<_, crate::sql::DbError>(())
            })
        })?;
        Ok(())
    }

    /// `(start second, count)` of a name's non-empty seconds or windows starting in
    /// `[from_s, until_s)`, in time order.
    pub fn counts(
        &self,
        account: &str,
        name: &str,
        resolution: Resolution,
        from_s: i64,
        until_s: i64,
    ) -> Result<Vec<(i64, u64)>> {
        let rows = self.db.blocking(|conn| {
            conn.query_map(
                &format!(
                    "SELECT start_s, count FROM {} WHERE account = ?1 AND name = ?2
                       AND start_s >= ?3 AND start_s < ?4 ORDER BY start_s",
                    resolution.table()
                ),
                params![account, name, from_s, until_s],
                |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)? as u64)),
            )
        })?;
        Ok(rows)
    }

    /// The start of the last second (or, beyond the last hour, window) a name had an
    /// event in.
    pub fn last_second(&self, account: &str, name: &str) -> Result<Option<i64>> {
        let last = self.db.blocking(|conn| {
            let mut last = None;
            for table in [Resolution::Seconds, Resolution::Windows] {
                last = conn.query_row(
                    &format!(
                        "SELECT MAX(start_s) FROM {} WHERE account = ?1 AND name = ?2",
                        table.table()
                    ),
                    params![account, name],
                    |r| r.get::<Option<i64>>(0),
                )?;
                if last.is_some() {
                    break;
                }
            }
            Ok::<_, crate::sql::DbError>(last)
        })?;
        Ok(last)
    }

    /// Drops windows before `windows_before_s` and seconds before `seconds_before_s`.
    pub(super) fn prune(&self, windows_before_s: i64, seconds_before_s: i64) -> Result<()> {
        self.db.blocking(|conn| {
            conn.execute(
                "DELETE FROM dp_usage_windows WHERE start_s < ?1",
                params![windows_before_s],
            )?;
            conn.execute(
                "DELETE FROM dp_usage_seconds WHERE start_s < ?1",
                params![seconds_before_s],
            )
        })?;
        Ok(())
    }

    pub(super) fn delete_stream(&self, account: &str, name: &str) -> Result<()> {
        self.db.blocking(|conn| {
            for table in [Resolution::Seconds, Resolution::Windows] {
                conn.execute(
                    &format!(
                        "DELETE FROM {} WHERE account = ?1 AND name = ?2",
                        table.table()
                    ),
                    params![account, name],
                )?;
            }
            Ok::<_, crate::sql::DbError>(())
        })?;
        Ok(())
    }
}
