//! The audit log for the SIM: who changed what, newest first.

use store::audit::{self, AuditEntry};
use store::Db;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};

/// Entries one request returns when it does not say.
const DEFAULT_LIMIT: i64 = 100;
/// Most entries one request returns.
const MAX_LIMIT: i64 = 1000;

/// The audit log, newest first: `limit` entries (1 to 1000; 100 if not
/// given), older than the entry `before` where given, so that the next page
/// starts at the last id seen.
pub async fn list(
    db: &Db,
    caller: &Caller,
    limit: Option<i64>,
    before: Option<i64>,
) -> AppResult<Vec<AuditEntry>> {
    caller.require_sim()?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(format!(
            "limit={limit}: give 1 to {MAX_LIMIT}"
        )));
    }
    Ok(audit::entries(db, limit, before).await?)
}
