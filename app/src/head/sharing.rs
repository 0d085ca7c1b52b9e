//! Who may read my school's write-up: the other heads of the group, and the
//! SIM in full (otherwise the SIM gets the anonymised summary).

use serde::Deserialize;
use store::writeups::{self, Sharing};
use store::Db;

use crate::caller::HeadYear;
use crate::error::AppResult;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingRequest {
    /// The other heads of the group may read the write-up in full.
    pub share_group: bool,
    /// The SIM may read it in full; otherwise the SIM reads only what the
    /// programme needs by school (the support requested, the dates and the
    /// status), never the estimates.
    pub sim_full: bool,
}

/// Who may read my school's write-up.
pub async fn get(db: &Db, hy: &HeadYear) -> AppResult<Sharing> {
    Ok(writeups::sharing(db, hy.year.id, &hy.urn).await?)
}

/// Choose who may read my school's write-up: a new version, which applies
/// at once to every version of the write-up.
pub async fn set(db: &Db, hy: &HeadYear, req: &SharingRequest) -> AppResult<Sharing> {
    writeups::set_sharing(
        db,
        hy.year.id,
        &hy.urn,
        hy.caller.user_id,
        req.share_group,
        req.sim_full,
    )
    .await?;
    get(db, hy).await
}
