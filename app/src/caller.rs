//! Who is asking: the signed-in person of a request, and the checked pairs
//! of a caller and a year that every use case starts from.

use serde::Serialize;
pub use store::tokens::Role;
use store::years::Year;
use store::Db;

use crate::error::{AppError, AppResult};

/// The signed-in user of a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Caller {
    pub user_id: i64,
    pub role: Role,
    pub name: String,
    /// The head's school.
    pub urn: Option<String>,
    /// The adviser's or consultant's id in the year's inputs.
    pub ext_id: Option<String>,
    #[serde(skip)]
    pub session_id: i64,
    /// To send back in `x-csrf-token` (or form field `csrf`) with every change.
    pub csrf_token: String,
}

impl Caller {
    pub fn require_sim(&self) -> AppResult<()> {
        if self.role == Role::Sim {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "only the School Improvement Manager may do this",
            ))
        }
    }

    /// The caller is the head of this school.
    pub fn is_head_of(&self, urn: &str) -> bool {
        self.role == Role::Head && self.urn.as_deref() == Some(urn)
    }

    pub fn require_head(&self) -> AppResult<&str> {
        match (&self.role, &self.urn) {
            (Role::Head, Some(urn)) => Ok(urn),
            _ => Err(AppError::forbidden("only a school's head may do this")),
        }
    }
}

/// A year, or the 404 that names it.
pub async fn year_or_404(db: &Db, year_id: i64) -> AppResult<Year> {
    store::years::load(db, year_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no programme year {year_id}")))
}

/// The SIM and one of their years: every SIM use case starts here.
#[derive(Debug, Clone)]
pub struct SimYear {
    pub caller: Caller,
    pub year: Year,
}

impl SimYear {
    /// Checks the role before the year, so that nobody learns which years
    /// exist from a 404.
    pub async fn check(db: &Db, caller: Caller, year_id: i64) -> AppResult<SimYear> {
        caller.require_sim()?;
        let year = year_or_404(db, year_id).await?;
        Ok(SimYear { caller, year })
    }
}

/// A head and a year: every head use case starts here.
#[derive(Debug, Clone)]
pub struct HeadYear {
    pub caller: Caller,
    pub year: Year,
    /// The head's school, as stored on their account.
    pub urn: String,
}

impl HeadYear {
    pub async fn check(db: &Db, caller: Caller, year_id: i64) -> AppResult<HeadYear> {
        let urn = caller.require_head()?.to_string();
        let year = year_or_404(db, year_id).await?;
        Ok(HeadYear { caller, year, urn })
    }
}

/// Anyone signed in and a year (advisers and consultants read their own
/// parts of it).
#[derive(Debug, Clone)]
pub struct AnyYear {
    pub caller: Caller,
    pub year: Year,
}

impl AnyYear {
    pub async fn check(db: &Db, caller: Caller, year_id: i64) -> AppResult<AnyYear> {
        let year = year_or_404(db, year_id).await?;
        Ok(AnyYear { caller, year })
    }
}
